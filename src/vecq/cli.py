"""The command line: parse, open the model, call the engine, hand records to the renderer.

Each command is a few lines; what they share lives in ``session.py``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import replace

import click

from .render import Env
from .session import (
    Session,
    VecqGroup,
    approx_option,
    batch_options,
    batch_source,
    complete_words,
    model_options,
    output_options,
)
from .words import respellings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
SIMILAR_CHUNK = 8192
MATRIX_CHUNK = 256


@click.group(name="vecq", cls=VecqGroup, context_settings=CONTEXT)
@click.version_option(package_name="vecq", prog_name="vecq", message="%(prog)s %(version)s")
@model_options
@click.pass_context
def cli(ctx: click.Context, model_spec: str | None, trust: bool, limit: int | None) -> None:
    """Query pretrained word vectors: similarity, analogies, nearest neighbours.

    \b
      vecq similar cat kitten          cosine similarity of two words
      vecq analogy king man woman      king - man + woman -> queen
      vecq neighbors cat               the 10 nearest words

    A model is converted once into a cache, then every call opens it in milliseconds.
    On a terminal answers are tables; in a pipe they are TSV with a header line.
    Exit codes: 0 ok, 1 other error, 2 usage, 3 unknown word or bad query,
    4 model not found or unreadable, 5 some batch lines failed, 130 interrupted.
    """
    # An injected Env (tests) decides the terminal questions; the streams are always today's.
    env = (
        replace(ctx.obj, stdout=sys.stdout, stderr=sys.stderr)
        if isinstance(ctx.obj, Env)
        else Env.from_system()
    )
    ctx.obj = Session(env, model_spec, trust, limit)


@cli.command()
@click.argument("words", nargs=-1, shell_complete=complete_words)
@batch_options
@output_options
def similar(session: Session, words: tuple[str, ...], input_file: str | None, strict: bool) -> int | None:
    """Cosine similarity of two words; the pairwise matrix of three or more; or pairs read from '-'."""
    source = batch_source(words, input_file)
    if source is not None:
        from .queries import SimilarQuery

        return session.stream(SimilarQuery(), source, strict, SIMILAR_CHUNK)
    if len(words) < 2:
        raise click.UsageError("give two words, e.g. 'vecq similar cat kitten' (or '-' to read pairs)")
    if len(words) == 2:
        session.similar(*words)
        return None
    model = session.open()
    matches = [model.lookup(w) for w in dict.fromkeys(words)]
    for note in respellings(matches):
        session.warn(note)
    names = [m.word for m in matches]
    matrix = model.similarity_matrix(matches)
    renderer = session.renderer(("word", *names), "pairwise similarity", model)
    renderer.write({"word": a, **dict(zip(names, row))} for a, row in zip(names, matrix.tolist()))
    renderer.close()
    return None


def _top(default: int) -> Callable:
    return click.option(
        "-n",
        "--top",
        type=click.IntRange(min=1),
        default=default,
        show_default=True,
        help="How many answers.",
    )


_restrict = click.option(
    "--restrict",
    type=click.IntRange(min=1),
    default=None,
    help="Search only the first N words (the most frequent), like gensim's restrict_vocab.",
)


@cli.command()
@click.argument("words", nargs=-1, shell_complete=complete_words)
@_top(1)
@click.option(
    "--method",
    type=click.Choice(["add", "cosmul"]),
    default="add",
    show_default=True,
    help="3CosAdd (gensim most_similar) or 3CosMul (most_similar_cosmul).",
)
@_restrict
@batch_options
@approx_option
@output_options
def analogy(session: Session, words, top, method, restrict, input_file, strict) -> int | None:
    """A - B + C: 'vecq analogy king man woman' answers queen (king - man + woman).

    The order is gensim's most_similar(positive=[A, C], negative=[B]); word2vec's word-analogy tool
    takes "man king woman" for the same question.
    """
    source = batch_source(words, input_file)
    if source is None:
        if len(words) != 3:
            raise click.UsageError("give three words A B C for A - B + C, e.g. 'vecq analogy king man woman'")
        session.one_approximate_answer()
    from .queries import AnalogyQuery

    query = AnalogyQuery(top, method, restrict)
    if source is not None:
        return session.stream(query, source, strict, MATRIX_CHUNK)
    session.answer(query, [list(words)], f"{words[0]} - {words[1]} + {words[2]}")
    return None


@cli.command()
@click.argument("query", nargs=-1, shell_complete=complete_words)
@_top(10)
@_restrict
@click.option(
    "--threshold", type=click.FloatRange(-1, 1), default=None, help="Only answers at least this similar."
)
@batch_options
@approx_option
@output_options
def neighbors(session: Session, query, top, restrict, threshold, input_file, strict) -> int | None:
    """Nearest neighbours of a word or of an expression ('king - man + woman'); '-' reads one a line."""
    source = batch_source(query, input_file)
    text = " ".join(query).strip()
    if source is None:
        if not text:
            raise click.UsageError("give a word or an expression, e.g. 'vecq neighbors cat'")
        session.one_approximate_answer()
    from .queries import NeighborsQuery

    q = NeighborsQuery(top, restrict, threshold)
    if source is not None:
        return session.stream(q, source, strict, MATRIX_CHUNK)
    session.answer(q, [q.parse(text)], f"neighbours of {text}")
    return None


cli.add_command(neighbors, "nearest")


@cli.command()
@click.argument("word", shell_complete=complete_words)
@click.option("--unit", is_flag=True, help="Print the unit-length vector instead of the raw one.")
@output_options
def vector(session: Session, word: str, unit: bool) -> None:
    """The vector of a word, as stored in the model (or unit-length with --unit)."""
    model = session.open()
    match = model.lookup(word)
    for note in respellings([match]):
        session.warn(note)
    values = model.vectors[match.row] if unit else model.raw_vector(match.row)
    renderer = session.renderer(("word", "vector"), f"vector of {match.word}", model)
    renderer.write([{"word": match.word, "vector": [float(v) for v in values]}])
    renderer.close()


@cli.command()
@output_options
def info(session: Session) -> None:
    """The model: name, source, vocabulary size, dimensions (the embedding matrix's shape)."""
    model = session.open()
    i = model.info
    renderer = session.renderer(("name", "source", "vocabulary", "dimensions", "shape"), "model", model)
    renderer.write(
        [
            {
                "name": i.name,
                "source": i.source,
                "vocabulary": i.rows,
                "dimensions": i.dimensions,
                "shape": f"{i.rows} x {i.dimensions}",
            }
        ]
    )
    renderer.close()


# Imported when used, so that a query does not pay for the evaluation, plotting and cache commands.
cli.lazy_commands.update(
    {
        "eval": "vecq.explore:eval_group",
        "odd": "vecq.explore:odd",
        "plot": "vecq.explore:plot",
        "repl": "vecq.explore:repl",
        "cache": "vecq.manage:cache",
        "index": "vecq.manage:index",
        "models": "vecq.manage:models",
        "download": "vecq.manage:download",
    }
)


def main() -> None:
    """The ``vecq`` program: run the command, flush, and leave without finalising the interpreter.

    Python's finalisation (freeing every module, numpy's state among them) took ~25 ms of every
    command on the benchmark machine, a sixth of an ``--approx`` answer. Nothing vecq leaves behind
    needs it: by the time a command returns its files are closed, its locks released and its
    writer threads joined. (Tests and the API call ``cli`` and never come here.)
    """
    try:
        cli.main(prog_name="vecq")
        code: object = 0
    except SystemExit as e:
        code = e.code
    if code is not None and not isinstance(code, int):  # sys.exit("message"), as Python would print it
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that went away: nothing reaches it
            stream.flush()
    os._exit(code or 0)
