"""What every command shares: the session of options, the two option decorators, the error edge.

``VecqGroup.main`` is the only place that catches errors: each becomes one line on stderr and an
exit code from ``ExitCode``. ``output_options`` gives every record-printing command the same model
and output flags and hands it a ready ``Session``.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import click

from .errors import ExitCode, QueryError, VecqError
from .layout import index_dir
from .records import Similarity
from .render import FORMATS, Env, Renderer
from .words import respellings

if TYPE_CHECKING:  # queries and batch bring numpy: a two-word 'similar' never needs them
    from .queries import Query


def command_tree(
    cmd: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every (path, command) under ``cmd``, itself first with ``path``; lazy commands are loaded."""
    yield path, cmd
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd)
        for name in cmd.list_commands(ctx):
            yield from command_tree(cmd.get_command(ctx, name), (*path, name))


class VecqGroup(click.Group):
    """Turns every expected failure into one line on stderr and a documented exit code.

    Also loads the commands named in ``lazy_commands`` ("module:attribute") only when they are used.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands and name not in self.commands:
            import importlib

            module, attr = self.lazy_commands[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        # Caught here, before click's own EPIPE handling turns a closed pipe into exit 1.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _silence_stdout()
            return int(ExitCode.OK)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: D102
        try:
            rv = super().main(args, prog_name or "vecq", complete_var, standalone_mode=False, **extra)
        except VecqError as e:
            _say(f"error: {e.message}")
            sys.exit(int(e.exit_code))
        except click.UsageError as e:
            where = e.ctx.command_path if e.ctx else "vecq"
            _say(f"error: {e.format_message()} (see '{where} --help')")
            sys.exit(e.exit_code)
        except click.ClickException as e:
            _say(f"error: {e.format_message()}")
            sys.exit(e.exit_code)
        except (click.Abort, KeyboardInterrupt):
            _say("interrupted")
            sys.exit(int(ExitCode.INTERRUPTED))
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(int(ExitCode.OK))
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        sys.exit(rv if isinstance(rv, int) else 0)


def _say(message: str) -> None:
    click.echo(f"vecq: {message}", err=True)


def _silence_stdout() -> None:
    """After the reader of our output went away: point stdout at /dev/null so exit is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


@dataclass
class Session:
    """The options every command shares, and the objects built from them."""

    env: Env
    model_spec: str | None = None
    trust: bool = False
    limit: int | None = None
    fmt: str | None = None
    header: bool = True
    approx: bool = False

    def warn(self, message: str) -> None:
        self.env.stderr.write(f"vecq: {message}\n")
        self.env.stderr.flush()

    def open(self, spec: str | None = None):
        """The model of ``spec`` (a command's own MODEL argument) or of the --model option."""
        from .loader import open_model

        if spec:
            self.model_spec = spec
        from .terminal import reporter_for

        model = open_model(
            self.model_spec,
            trust=self.trust,
            limit=self.limit,
            reporter=reporter_for(self.env),
            warn=self.warn,
        )
        if self.approx:
            from . import ivf

            model.index = ivf.load(model.folder) if model.folder is not None else None
            if model.index is None:
                unusable = model.folder is not None and os.path.isdir(index_dir(model.folder))
                what = (
                    "an approximate index made by another version of vecq, or damaged"
                    if unusable
                    else "no approximate index"
                )
                self.warn(
                    f"{model.info.name} has {what} (build one with 'vecq index build'); answering exactly"
                )
        return model

    def one_approximate_answer(self) -> None:
        """Call before numpy loads when this process answers one query: with --approx and an index,
        numpy's OpenBLAS starts with one thread.

        OpenBLAS's worker threads spin while numpy imports (a tenth of a second of the second
        core) and a query that scores a few lists has no work for them. Exact search and batches
        keep them: one thread makes an exact neighbours query on 3M rows 40% slower. A thread count
        the user set (OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS, OMP_NUM_THREADS) is left alone.
        """
        if not self.approx or "numpy" in sys.modules or any(v in os.environ for v in BLAS_THREAD_VARS):
            return
        from .loader import ready

        found = ready(self.model_spec, trust=self.trust, limit=self.limit)
        if found is not None and os.path.isdir(index_dir(found[0])):
            os.environ["OPENBLAS_NUM_THREADS"] = "1"

    def renderer(self, columns: Sequence[str], title: str = "", model=None, info=None) -> Renderer:
        """A renderer for this session's format; ``model`` (or just its ``info``) labels JSON records."""
        info = info if info is not None else (model.info if model else None)
        return Renderer(self.env, self.fmt, columns, title, info, self.header)

    def answer(self, query: Query, items: list[list[str]], title: str, model=None) -> None:
        """Answer queries given as arguments (or a REPL line): the first error stops them."""
        model = model or self.open()
        outcomes = query.answer(model, items)
        for outcome in outcomes:
            if outcome.error is not None:
                raise outcome.error
            for note in outcome.notes:
                self.warn(note)
        renderer = self.renderer(query.columns, title, model)
        renderer.write(r for o in outcomes for r in o.records)
        renderer.close()

    def similar(self, a: str, b: str) -> None:
        """Two words: read straight from the cache when it is ready and both are found (no numpy)."""
        from .direct import similarity

        found = similarity(self.model_spec, a, b, trust=self.trust, limit=self.limit)
        if found is None:  # the ordinary path converts, suggests spellings, reports errors
            from .queries import SimilarQuery

            self.answer(SimilarQuery(), [[a, b]], "similarity")
            return
        matches, score, info = found
        for note in respellings(matches):
            self.warn(note)
        renderer = self.renderer(Similarity._fields, "similarity", info=info)
        renderer.write([Similarity(a, b, score)._asdict()])
        renderer.close()

    def stream(self, query: Query, source: str, strict: bool, chunk: int) -> int:
        """Answer one query a line from ``source`` (a path, or - for stdin); the exit code."""
        from . import batch

        model = self.open()
        if model.index is not None:
            # Each probed list is scored once per chunk for all of the chunk's queries that probe
            # it, so an approximate batch answers faster in bigger chunks.
            chunk = max(chunk, batch.APPROX_CHUNK)
        renderer = self.renderer((*query.columns, *batch.STATUS_COLUMNS), "", model)
        try:
            with click.open_file(source, "r", encoding="utf-8", errors="replace") as stream:
                failed = batch.run(model, query, batch.chunks(stream, chunk), renderer, self.warn, strict)
        except OSError as e:
            raise QueryError(f"cannot read {source}: {e.strerror or e}") from e
        finally:
            renderer.close()
        if failed:
            self.warn(f"{failed} line(s) failed; their records carry status 'error'")
            return int(ExitCode.PARTIAL)
        return int(ExitCode.OK)


def model_options(f: Callable) -> Callable:
    """``-m/--model``, ``--trust`` and ``--limit``: on the group and on every command that opens a model."""
    f = click.option(
        "--limit",
        type=click.IntRange(min=1),
        default=None,
        help="Load only the first N words of the model (its most frequent, as gensim's limit).",
    )(f)
    f = click.option(
        "--trust",
        is_flag=True,
        default=False,
        help="Allow gensim's pickle-based .kv/.model files (a pickle can run code: trust its origin).",
    )(f)
    return click.option(
        "-m",
        "--model",
        "model_spec",
        metavar="NAME|PATH",
        default=None,
        help="Model file or gensim-data name [env VECQ_MODEL; default word2vec-google-news-300].",
    )(f)


def output_options(f: Callable) -> Callable:
    """The same output flags on every command that prints records; passes a ready ``Session``."""

    @model_options
    @click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        help="Output format [default: table on a terminal, tsv in a pipe].",
    )
    @click.option("--no-header", is_flag=True, help="Leave out the header line (tsv, csv) or row (table).")
    @click.option("--no-color", is_flag=True, help="No colour (also when NO_COLOR is set or TERM=dumb).")
    @click.pass_obj
    @functools.wraps(f)
    def wrapper(session: Session, model_spec, trust, limit, fmt, no_header, no_color, **kwargs):
        env = replace(session.env, color=False) if no_color else session.env
        session = replace(
            session,
            env=env,
            model_spec=model_spec or session.model_spec,
            trust=trust or session.trust,
            limit=limit or session.limit,
            fmt=fmt,
            header=not no_header,
        )
        return f(session, **kwargs)

    return wrapper


def complete_words(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Vocabulary words starting with what was typed, from the cached model's sorted vocabulary.

    Only a model that is already cached is used: completion never converts or downloads.
    """
    from click.shell_completion import CompletionItem

    from .loader import open_cached

    spec = None
    c: click.Context | None = ctx
    while c is not None and spec is None:
        spec = c.params.get("model_spec")
        c = c.parent
    if not incomplete or incomplete.startswith("-"):
        return []
    model = open_cached(spec)
    if model is None:
        return []
    return [CompletionItem(w) for w in model.vocab.complete(incomplete, limit=100)]


def approx_option(f: Callable) -> Callable:
    """``--approx``: answer from the model's approximate index (exact search is the default)."""

    @click.option(
        "--approx",
        is_flag=True,
        help="Use the approximate index ('vecq index build'): faster, recall@10 shown by 'vecq index info'.",
    )
    @functools.wraps(f)
    def wrapper(*args, approx: bool, **kwargs):
        click.get_current_context().find_object(Session).approx = approx
        return f(*args, **kwargs)

    return wrapper


def batch_options(f: Callable) -> Callable:
    f = click.option(
        "--strict", is_flag=True, help="Stop at the first bad input line (exit 3) instead of going on."
    )(f)
    return click.option(
        "-i",
        "--input",
        "input_file",
        metavar="FILE",
        default=None,
        help="Read one query a line from FILE ('-' is standard input), like giving '-' as the argument.",
    )(f)


def batch_source(args: Sequence[str], input_file: str | None) -> str | None:
    if input_file is not None:
        if args:
            raise click.UsageError("give queries either as arguments or with --input, not both")
        return input_file
    return "-" if list(args) == ["-"] else None
