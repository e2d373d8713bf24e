"""The options commands share, each defined once: model, output, --approx, batches, word completion.

``output_options`` gives every record-printing command the same model and output flags and hands it
a ready ``Session``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace

import click

from ..ann import TARGET_RECALL
from ..sources.spec import POOLS, READABLE_FORMATS, UNICODE_ERRORS, spec_with
from .render import FORMATS
from .session import Session


def model_options(f: Callable) -> Callable:
    """``-m/--model``, ``--trust``, ``--limit``, ``--tensor``, ``--model-format``, ``--unicode-errors``,
    ``--no-subwords`` and ``--pool``: on the group and on every command that opens a model."""
    f = click.option(
        "--unicode-errors",
        type=click.Choice(UNICODE_ERRORS),
        default=None,
        help="Words that are not valid UTF-8 in a word2vec or GloVe file: an error naming the line "
        "(strict, the default), or read with U+FFFD (replace) or without the bad bytes (ignore), as gensim.",
    )(f)
    f = click.option(
        "--model-format",
        type=click.Choice(READABLE_FORMATS),
        default=None,
        help="Read the model file in this format instead of telling it from its bytes (gensim's binary=).",
    )(f)
    f = click.option(
        "--pool",
        type=click.Choice(POOLS),
        default=None,
        help="A language model's table: embed a word of several tokens as their mean (a rough tool).",
    )(f)
    f = click.option(
        "--no-subwords",
        "no_subwords",
        is_flag=True,
        default=False,
        help="A fastText model: report words outside the vocabulary instead of building their vectors.",
    )(f)
    f = click.option(
        "--tensor",
        metavar="NAME",
        default=None,
        help="The checkpoint tensor to read as the token table (default: found by its usual names).",
    )(f)
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
        multiple=True,
        help="Model file or folder, gensim-data name, or Hub repo (hf:OWNER/NAME); several -m: each "
        "model answers [env VECQ_MODEL; default word2vec-google-news-300].",
    )(f)


# The questions several models can answer side by side (-m A -m B); the others take one model,
# but for those that take every model at once (serve).
SIDE_BY_SIDE = frozenset({"similar", "analogy", "neighbors", "vector", "info", "odd", "tokens"})
ALL_AT_ONCE = frozenset({"serve", "align"})


def session_options(f: Callable) -> Callable:
    """The model options after a command too (``vecq plot -m NAME ...``); passes a ready ``Session``.

    The command's Session also becomes its context's object, so that options applied inside this
    one (``approx_option``) find the same Session in whatever order the decorators stack.
    """

    @model_options
    @click.pass_obj
    @functools.wraps(f)
    def wrapper(
        session: Session,
        model_spec,
        pool,
        no_subwords,
        tensor,
        trust,
        limit,
        model_format,
        unicode_errors,
        **kwargs,
    ):
        specs = tuple(model_spec) or session.models
        reading = (tensor, model_format, unicode_errors)
        session = replace(
            session,
            pool=pool or session.pool,
            subwords=session.subwords and not no_subwords,
            model_spec=spec_with(specs[0] if specs else session.model_spec, *reading),
            models=tuple(spec_with(s, *reading) for s in specs),
            trust=trust or session.trust,
            limit=limit or session.limit,
        )
        click.get_current_context().obj = session
        if len(session.models) > 1 and f.__name__ not in ALL_AT_ONCE:
            return answer_with_each_model(f, session, kwargs)
        return f(session, **kwargs)

    return wrapper


def answer_with_each_model(f: Callable, session: Session, kwargs: dict) -> int | None:
    """``-m A -m B``: the command once per model, in the order given. On a terminal each model's
    answers are their own table; in a pipe they share one output whose records name their model.
    A model that cannot answer (an unknown word, a model that cannot be read) gets its error line,
    naming it, and the others still answer; the exit code is the worst of the models'."""
    from ..errors import VecqError

    name = click.get_current_context().info_name
    if f.__name__ not in SIDE_BY_SIDE:
        raise click.UsageError(f"{name} takes one model; -m was given {len(session.models)} times")
    shared: dict = {}
    codes = []
    try:
        for spec in session.models:
            one = replace(session, model_spec=spec, shared=shared)
            click.get_current_context().obj = one
            try:
                codes.append(f(one, **kwargs) or 0)
            except VecqError as e:
                one.warn(f"error: {spec}: {e.message}")
                codes.append(int(e.exit_code))
    finally:
        if "renderer" in shared:
            shared["renderer"].close()
    return max(codes) or None


def output_options(f: Callable) -> Callable:
    """The same model and output flags on every command that prints records; passes a ready ``Session``."""

    @session_options
    @click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        help="Output format [default: table on a terminal, tsv in a pipe].",
    )
    @click.option("--no-header", is_flag=True, help="Leave out the header line (tsv, csv) or row (table).")
    @click.option("--no-color", is_flag=True, help="No colour (also when NO_COLOR is set or TERM=dumb).")
    @click.option(
        "-v", "--verbose", is_flag=True, help="Say on stderr how each search went (the int8 copy or a scan)."
    )
    @functools.wraps(f)
    def wrapper(session: Session, fmt, no_header, no_color, verbose, **kwargs):
        session.env = replace(session.env, color=False) if no_color else session.env
        session.fmt, session.header, session.verbose = fmt, not no_header, verbose
        return f(session, **kwargs)

    return wrapper


def _two_poles(ctx: click.Context, param: click.Parameter, poles: tuple[str, str] | None):
    """``--away``'s poles, neither of them one of the command's options: click gives an option
    written after ``--away`` and one pole (``--away man --in M``) to it as the second pole."""
    taken = {o for p in ctx.command.params for o in getattr(p, "opts", ())}
    option = next((pole for pole in poles or () if pole in taken), None)
    if option is not None:
        raise click.BadParameter(
            f"takes two poles, POLE_A POLE_B, but {option} is an option: give both poles before it "
            "(--away 'man he' 'woman she')"
        )
    return poles


def away_option(f):
    """``--away POLE_A POLE_B``: the axis between two poles taken out of every vector first."""
    return click.option(
        "--away",
        nargs=2,
        metavar="POLE_A POLE_B",
        default=None,
        callback=_two_poles,
        help="Take the axis between two poles out of every vector first (Bolukbasi et al.'s "
        "neutralise): --away 'man he him' 'woman she her'.",
    )(f)


def epochs_option(help: str) -> Callable:
    """``--epochs``: answer for every snapshot of a model trained with ``vecq train --snapshots``."""
    return click.option("--epochs", is_flag=True, help=help)


def top_option(
    default: int, low: int = 1, high: int | None = None, help: str = "How many answers.", aliases: tuple = ()
) -> Callable:
    """``-n/--top``: how many answers, the one name of that idea in every command (``aliases``: the
    hidden spellings a command had before, kept so that no script breaks)."""

    def decorate(f: Callable) -> Callable:
        @functools.wraps(f)
        def wrapper(*args, top_alias=None, **kwargs):
            if top_alias is not None:
                kwargs["top"] = top_alias
            return f(*args, **kwargs)

        g = wrapper
        if aliases:
            g = click.option(
                *aliases, "top_alias", type=click.IntRange(low, high), default=None, hidden=True
            )(g)
        return click.option(
            "-n",
            "--top",
            "top",
            type=click.IntRange(low, high),
            default=default,
            show_default=True,
            help=help,
        )(g)

    return decorate


def restrict_option(default: int | None = None) -> Callable:
    """``--restrict N``: only the first N words (the most frequent) count, as gensim's restrict_vocab."""
    return click.option(
        "--restrict",
        type=click.IntRange(min=1),
        default=default,
        show_default=default is not None,
        help="Only the first N words (the most frequent) count, like gensim's restrict_vocab.",
    )


def band_options(f: Callable) -> Callable:
    """``--restrict``/``--max-rank N`` and ``--min-rank R``: answers only from the words ranked R to N
    by frequency (the vocabulary's order), 1 the most frequent."""
    f = click.option(
        "--min-rank",
        type=click.IntRange(min=1),
        default=None,
        help="Only words ranked R or rarer (1 is the most frequent): with --max-rank, a frequency band.",
    )(f)
    return click.option(
        "--restrict",
        "--max-rank",
        "restrict",
        type=click.IntRange(min=1),
        default=None,
        help="Only the first N words (the most frequent) count, like gensim's restrict_vocab.",
    )(f)


def skipped_rows(min_rank: int | None, restrict: int | None) -> int:
    """The rows before ``--min-rank`` (core/queries.py's rule); an empty band is a usage error."""
    from ..core.queries import skipped_rows as rule
    from ..errors import QueryError

    try:
        return rule(min_rank, restrict)
    except QueryError as e:
        raise click.UsageError(e.message) from None


def banded(restrict: int | None, min_rank: int | None) -> str:
    """The option that made a search exact (a band is never searched through the index)."""
    return "--min-rank" if min_rank is not None else "--restrict"


def complete_words(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Vocabulary words starting with what was typed, from the cached model's sorted vocabulary.

    Only a model that is already cached is used: completion never converts or downloads.
    """
    from click.shell_completion import CompletionItem

    from ..sources.loader import open_cached

    spec = None
    c: click.Context | None = ctx
    while c is not None and spec is None:
        given = c.params.get("model_spec") or ()  # -m may be given several times: the first
        spec = given[0] if given else None
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
    @click.option(
        "--nprobe",
        type=click.IntRange(min=1),
        default=None,
        help="With --approx (implied): lists probed per query; fewer is faster, with the recall "
        f"'vecq index info' lists for each [default: the index's, chosen for recall@10 >= {TARGET_RECALL}].",
    )
    @functools.wraps(f)
    def wrapper(*args, approx: bool, nprobe: int | None, **kwargs):
        # Outside session_options this sets the group's Session, which session_options then copies;
        # inside, the command's own (session_options made it the context's object).
        session = click.get_current_context().find_object(Session)
        assert session is not None  # the group makes one before any command runs
        session.approx, session.nprobe = approx or nprobe is not None, nprobe
        return f(*args, **kwargs)

    return wrapper


def dask_option(f: Callable) -> Callable:
    """``--dask ADDRESS`` (or DASK_SCHEDULER_ADDRESS): run the job on a Dask cluster's workers."""

    @click.option(
        "--dask",
        metavar="ADDRESS",
        envvar="DASK_SCHEDULER_ADDRESS",
        default=None,
        help="Run on the workers of the Dask scheduler at ADDRESS (tcp://HOST:8786) [env "
        "DASK_SCHEDULER_ADDRESS]; needs vecq[dask].",
    )
    @functools.wraps(f)
    def wrapper(*args, dask: str | None, **kwargs):
        # As approx_option: the Session of whichever decorator runs first.
        session = click.get_current_context().find_object(Session)
        assert session is not None  # the group makes one before any command runs
        session.dask = dask or None
        return f(*args, **kwargs)

    return wrapper


def batch_options(f: Callable) -> Callable:
    f = dask_option(f)
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
