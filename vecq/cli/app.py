"""The ``vecq`` group: its options, its commands (the query commands at once, the rest when used),
and ``main``, the program's entry point.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import io
import os
import sys
from dataclasses import replace
from typing import Any

import click

from ..errors import UsageError
from ..sources.spec import spec_with
from ..version import __version__
from .env import Env
from .group import VecqGroup
from .options import model_options
from .session import Session

CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(name="vecq", cls=VecqGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="vecq", message="%(prog)s %(version)s")
@model_options
@click.pass_context
def cli(
    ctx: click.Context,
    model_spec: tuple[str, ...],
    pool: str | None,
    no_subwords: bool,
    tensor: str | None,
    trust: bool,
    limit: int | None,
    model_format: str | None,
    unicode_errors: str | None,
) -> None:
    """Query pretrained word vectors: similarity, analogies, nearest neighbours.

    \b
      vecq similar cat kitten          cosine similarity of two words
      vecq analogy king man woman      king - man + woman -> queen
      vecq neighbors cat               the 10 nearest words

    A model is converted once into a cache, then every call opens it in milliseconds.
    On a terminal answers are tables; in a pipe they are TSV with a header line.
    Exit codes: 0 ok, 1 other error, 2 usage, 3 unknown word or bad query,
    4 model not found or unreadable, 5 some batch lines failed, 6 network or server
    failed (try again), 130 interrupted.
    """
    # An injected Env (tests) decides the terminal questions; the streams are always today's.
    env = (
        replace(ctx.obj, stdout=sys.stdout, stderr=sys.stderr)
        if isinstance(ctx.obj, Env)
        else Env.from_system()
    )
    reading = (tensor, model_format, unicode_errors)
    specs = tuple(spec_with(s, *reading) for s in model_spec)
    first = specs[0] if specs else spec_with(None, *reading)
    ctx.obj = Session(env, first, trust, limit, subwords=not no_subwords, pool=pool, models=specs)


# Every command is imported when it runs (click's "lazily loading subcommands"): --version and
# --help import none of them, and a query only its own module (tests/test_startup.py pins this).
# Each entry: where the command is, and the one line the group's --help shows for it.
cli.lazy_commands.update(
    {
        "similar": ("vecq.cli.query_commands:similar", "Cosine similarity of two words, or of many."),
        "analogy": ("vecq.cli.query_commands:analogy", "A - B + C: king man woman answers queen."),
        "neighbors": ("vecq.cli.query_commands:neighbors", "Nearest neighbours of a word or an expression."),
        "nearest": ("vecq.cli.query_commands:neighbors", "The same as neighbors."),
        "neighbours": ("vecq.cli.query_commands:neighbors", "The same as neighbors."),
        "vector": ("vecq.cli.query_commands:vector", "The vector of each word."),
        "info": ("vecq.cli.query_commands:info", "The model: name, source, vocabulary, dimensions."),
        "eval": ("vecq.cli.explore_commands:eval_group", "Analogy accuracy and similarity correlation."),
        "odd": ("vecq.cli.explore_commands:odd", "The word that does not belong."),
        "tokens": ("vecq.cli.explore_commands:tokens", "Text -> tokens -> token ids (rows)."),
        "plot": ("vecq.cli.explore_commands:plot", "Words projected to two dimensions (PCA)."),
        "repl": ("vecq.cli.explore_commands:repl", "An interactive session over one model."),
        "cache": ("vecq.cli.manage_commands:cache", "The converted models: list, build, clear, verify."),
        "index": ("vecq.cli.manage_commands:index", "The approximate-neighbour index (--approx)."),
        "models": ("vecq.cli.manage_commands:models", "The models vecq knows by name."),
        "download": ("vecq.cli.manage_commands:download", "Fetch a model ahead of its first use."),
        "export": ("vecq.cli.manage_commands:export", "Write vectors to word2vec, .npy or safetensors."),
        "serve": ("vecq.cli.serve_command:serve", "The models over HTTP, and the explorer in a browser."),
        "graph": ("vecq.cli.graph_command:graph", "The k nearest neighbours of every word."),
        "axis": ("vecq.cli.axis_commands:axis", "Words along the axis between two sets of words."),
        "weat": ("vecq.cli.weat_command:weat", "Bias tests: WEAT's effect size, p-value and interval."),
        "align": ("vecq.cli.align_command:align", "Two models aligned and compared word by word."),
        "cluster": (
            "vecq.cli.cluster_command:cluster",
            "k-means clusters of words, each by its central words.",
        ),
        "train": ("vecq.cli.train_command:train", "Learn word vectors from a corpus, epoch by epoch."),
    }
)

# What users of word2vec's and fastText's tools and of gensim type first: told vecq's command.
cli.known_elsewhere.update(
    {
        "distance": ("word2vec's distance", "'vecq neighbors WORD', or 'vecq repl' to ask one after another"),
        "nn": ("fastText's nn", "'vecq neighbors WORD', or 'vecq repl' to ask one after another"),
        "most_similar": (
            "gensim's most_similar",
            "'vecq neighbors WORD', or 'vecq analogy A B C' for positive and negative words",
        ),
        "most-similar": (
            "gensim's most_similar",
            "'vecq neighbors WORD', or 'vecq analogy A B C' for positive and negative words",
        ),
        "similar_by_word": ("gensim's similar_by_word", "'vecq neighbors WORD'"),
        "word-analogy": (
            "word2vec's word-analogy",
            "'vecq analogy A B C', or 'vecq repl' to ask one after another",
        ),
        "analogies": ("fastText's analogies", "'vecq analogy A B C'"),
        "most_similar_cosmul": ("gensim's most_similar_cosmul", "'vecq analogy A B C --method cosmul'"),
        "similarity": ("gensim's similarity", "'vecq similar WORD1 WORD2'"),
        "doesnt_match": ("gensim's doesnt_match", "'vecq odd WORDS'"),
        "print-word-vectors": ("fastText's print-word-vectors", "'vecq vector WORDS'"),
        "print-vectors": ("fastText's print-vectors", "'vecq vector WORDS'"),
        "compute-accuracy": ("word2vec's compute-accuracy", "'vecq eval analogies FILE'"),
        "evaluate_word_analogies": ("gensim's evaluate_word_analogies", "'vecq eval analogies FILE'"),
        "evaluate_word_pairs": ("gensim's evaluate_word_pairs", "'vecq eval similarity FILE'"),
    }
)


@cli.command("help", hidden=True)
@click.argument("names", nargs=-1, metavar="[COMMAND]...")
def help_command(names: tuple[str, ...]) -> None:
    """Print the help of vecq, or of a command (vecq help neighbors), as --help does."""
    command: click.Command = cli
    shown = click.Context(cli, info_name="vecq", **CONTEXT)
    for name in names:
        sub = command.get_command(shown, name) if isinstance(command, click.Group) else None
        if sub is None:
            raise UsageError(f"no command {' '.join(names)!r}; 'vecq --help' lists them")
        command, shown = sub, click.Context(sub, info_name=name, parent=shown)
    click.echo(command.get_help(shown))


class ClosedStream(io.TextIOBase):
    """Stands for a standard stream the program was started without: every write fails with EBADF."""

    def __init__(self, why: str):
        self.why = why

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, self.why)


def stop_on_signals() -> None:
    """Ctrl-C, SIGTERM and SIGHUP stop the command cleanly (KeyboardInterrupt: what is written is
    kept, files closed, workers stopped, one line); a second signal while it stops ends the process
    at once, as the signal's default does."""
    import signal

    def stop(signum, frame):
        for each in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(each, signal.SIG_DFL)
        raise KeyboardInterrupt

    for each in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(each) in (signal.default_int_handler, signal.SIG_DFL):
            signal.signal(each, stop)


def main() -> None:
    """The ``vecq`` program: run the command, then leave without finalising the interpreter.

    Invariant: every atexit handler still runs (coverage, logging's flush, anyone's), then the
    streams are flushed, then the process ends with ``os._exit``, skipping only the interpreter's
    teardown of its modules (docs/design.md, "Start-up"). By then a command's files are closed,
    its locks released and its threads joined. Held by
    ``tests/test_cli.py::test_the_program_runs_atexit_handlers_and_keeps_its_exit_code``.
    (Tests and the API call ``cli``, never this.)
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:  # started with the stream closed (`>&-`, `2>&-`)
            setattr(sys, name, ClosedStream(f"standard {name[3:]}put is closed"))
    stop_on_signals()
    try:
        cli.main(prog_name="vecq")
        code: object = 0
    except SystemExit as e:
        code = e.code
    if code is not None and not isinstance(code, int):  # sys.exit("message"), as Python would print it
        print(code, file=sys.stderr)
        code = 1
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:  # not CPython: leave the ordinary way
        sys.exit(code)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that went away: nothing reaches it
            stream.flush()
    os._exit(code or 0)
