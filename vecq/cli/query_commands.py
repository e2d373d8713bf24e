"""The query commands: similar, analogy, neighbors, vector, info.

Each resolves the model, calls the engine and hands the records to the renderer.
"""

from __future__ import annotations

import click

from .options import (
    approx_option,
    batch_options,
    batch_source,
    complete_words,
    output_options,
    restrict_option,
    top_option,
)
from .session import Session

SIMILAR_CHUNK = 8192


MATRIX_CHUNK = 256


@click.command()
@click.argument("words", nargs=-1, shell_complete=complete_words)
@batch_options
@output_options
def similar(session: Session, words: tuple[str, ...], input_file: str | None, strict: bool) -> int | None:
    """Cosine similarity of two words; the pairwise matrix of three or more; or pairs read from '-'."""
    source = batch_source(words, input_file)
    if source is not None:
        from ..core.queries import SimilarQuery

        return session.stream(SimilarQuery(), source, strict, SIMILAR_CHUNK)
    if len(words) < 2:
        raise click.UsageError("give two words, e.g. 'vecq similar cat kitten' (or '-' to read pairs)")
    if len(words) == 2:
        session.similar(*words)
        return None
    model = session.open()
    matches = session.lookup(model, list(words))
    matrix = model.similarity_matrix(matches).tolist()
    if session.format == "table":  # a person: the square matrix, rows and columns as typed
        keys = [f"{i}" for i in range(len(words))]
        with session.renderer(("word", *keys), "pairwise similarity", model, labels=("", *words)) as out:
            out.write({"word": w, **dict(zip(keys, row))} for w, row in zip(words, matrix))
    else:  # a pipeline: one record per pair, each pair once, in the order typed
        pairs = [(i, j) for i in range(len(words)) for j in range(i + 1, len(words))]
        with session.renderer(("word1", "word2", "similarity"), "pairwise similarity", model) as out:
            out.write({"word1": words[i], "word2": words[j], "similarity": matrix[i][j]} for i, j in pairs)
    return None


@click.command()
@click.argument("words", nargs=-1, shell_complete=complete_words)
@top_option(1)
@click.option(
    "--method",
    type=click.Choice(["add", "cosmul"]),
    default="add",
    show_default=True,
    help="3CosAdd (gensim most_similar) or 3CosMul (most_similar_cosmul).",
)
@restrict_option()
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
        session.single_blas_thread_for_one_approx_answer()
    from ..core.queries import AnalogyQuery

    query = AnalogyQuery(top, method, restrict)
    if source is not None:
        return session.stream(query, source, strict, MATRIX_CHUNK)
    session.print_answers(query, [list(words)], f"{words[0]} - {words[1]} + {words[2]}")
    return None


@click.command()
@click.argument("query", nargs=-1, shell_complete=complete_words)
@top_option(10)
@restrict_option()
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
        session.single_blas_thread_for_one_approx_answer()
    from ..core.queries import NeighborsQuery

    q = NeighborsQuery(top, restrict, threshold)
    if source is not None:
        return session.stream(q, source, strict, MATRIX_CHUNK)
    session.print_answers(q, [q.parse(text)], f"neighbours of {text}")
    return None


@click.command()
@click.argument("word", shell_complete=complete_words)
@click.option("--unit", is_flag=True, help="Print the unit-length vector instead of the raw one.")
@output_options
def vector(session: Session, word: str, unit: bool) -> None:
    """The vector of a word, as stored in the model (or unit-length with --unit)."""
    model = session.open()
    (match,) = session.lookup(model, [word])
    values = model.vectors[match.row] if unit else model.raw_vector(match.row)
    with session.renderer(("word", "vector"), f"vector of {match.word}", model) as out:
        out.write([{"word": match.word, "vector": [float(v) for v in values]}])


@click.command()
@output_options
def info(session: Session) -> None:
    """The model: name, source, vocabulary size, dimensions (the embedding matrix's shape)."""
    model = session.open()
    i = model.info
    with session.renderer(("name", "source", "vocabulary", "dimensions", "shape"), "model", model) as out:
        out.write(
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
