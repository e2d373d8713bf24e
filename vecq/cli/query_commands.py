"""The query commands: similar, analogy, neighbors, vector, info.

Each resolves the model, calls the engine and hands the records to the renderer.
"""

from __future__ import annotations

import click

from .options import (
    approx_option,
    away_option,
    band_options,
    banded,
    batch_options,
    batch_source,
    complete_words,
    epochs_option,
    output_options,
    skipped_rows,
    top_option,
)
from .session import Session

SIMILAR_CHUNK = 8192


class ExpressionCommand(click.Command):
    """A command whose words form an expression: ``neighbors king -man +woman`` is read as written.

    After the first word, an argument made of ``-`` and a word (``-man``) that is none of the
    command's options is a term, not an option: it is handed on as ``-`` and the word. ``+woman``
    never looks like an option. Options still work anywhere, and ``--`` ends them as usual.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        names = {name for p in self.params for name in (*p.opts, *p.secondary_opts)}
        takes_value = {
            name
            for p in self.params
            if isinstance(p, click.Option) and not p.is_flag and not p.count
            for name in p.opts
        }
        out: list[str] = []
        words = value_next = False
        for i, arg in enumerate(args):
            if arg == "--":
                out += args[i:]
                break
            if value_next:
                value_next = False
            elif words and len(arg) > 2 and arg[0] == "-" and arg[1].isalpha() and arg not in names:
                out += ["-", arg[1:]]
                continue
            elif arg in takes_value:
                value_next = True
            elif not arg.startswith("-") or arg == "-":
                words = True
            out.append(arg)
        return super().parse_args(ctx, out)


def refuse_nan(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and value != value:
        raise click.BadParameter("nan is not a similarity; give a number from -1 to 1", ctx, param)
    return value


@click.command()
@click.argument("words", nargs=-1, shell_complete=complete_words)
@batch_options
@epochs_option("The similarity after each epoch of a model trained with vecq train --snapshots.")
@click.option(
    "--one-hot",
    is_flag=True,
    help="Compare the words' one-hot vectors instead (a 1 at the word's id): 1 for a word with itself, "
    "0 for any two others.",
)
@away_option
@output_options
def similar(
    session: Session,
    words: tuple[str, ...],
    input_file: str | None,
    strict: bool,
    epochs: bool,
    one_hot: bool,
    away: tuple[str, str] | None,
) -> int | None:
    """Cosine similarity of two words; the pairwise matrix of three or more; or pairs read from '-'."""
    if epochs:
        similar_by_epoch(session, words)
        return None
    if away:
        if len(words) < 2 or "-" in words or one_hot:
            raise click.UsageError("--away compares two or more words given as arguments")
        from .axis_commands import print_similar_away

        print_similar_away(session, words, away)
        return None
    if one_hot and (len(words) < 2 or "-" in words):
        raise click.UsageError("--one-hot compares two or more words given as arguments")
    source = batch_source(words, input_file)
    if source is not None:
        from ..core.queries import SimilarQuery

        return session.stream(SimilarQuery(), source, strict, SIMILAR_CHUNK)
    if len(words) < 2:
        joined = (
            f"; {words[0]!r} is one word: separate words with spaces" if words and "," in words[0] else ""
        )
        raise click.UsageError(
            f"give two words, e.g. 'vecq similar cat kitten' (or '-' to read pairs){joined}"
        )
    if len(words) == 2 and not one_hot:
        session.similar(*words)
        return None
    from ..core.answers import one_hot_matrix, pair_records

    model = session.open()
    matches = session.lookup(model, list(words))
    scores = one_hot_matrix(matches) if one_hot else model.similarity_matrix(matches)
    if session.format == "table" and len(words) > 2:  # a person: the square matrix, rows and columns as typed
        matrix = scores.tolist()
        keys = [f"{i}" for i in range(len(words))]
        labels = ("", *words)
        title = "similarity of one-hot vectors" if one_hot else "pairwise similarity"
        with session.renderer(("word", *keys), title, model, labels=labels, heatmap=True) as out:
            out.write({"word": w, **dict(zip(keys, row))} for w, row in zip(words, matrix))
    else:  # a pipeline: one record per pair, each pair once, in the order typed
        columns, records = pair_records(model, words, matches, scores)
        with session.renderer(columns, "pairwise similarity", model) as out:
            out.write(records)
    return None


def similar_by_epoch(session: Session, words: tuple[str, ...]) -> None:
    """Each pair's similarity in every snapshot of a trained model: how training brought them together."""
    from ..core.answers import pair_records

    if len(words) < 2 or "-" in words:
        raise click.UsageError(
            "--epochs takes two or more words, e.g. 'vecq similar man woman -m MODEL --epochs'"
        )
    columns: tuple[str, ...] = ()
    records: list[dict] = []
    for epoch, model in session.epoch_models():
        columns, pairs = pair_records(model, words, session.lookup(model, list(words)))
        records += [{"epoch": epoch, **r} for r in pairs]
    with session.renderer(("epoch", *columns), "similarity by epoch", session.open()) as out:
        out.write(records)


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
@band_options
@batch_options
@approx_option
@output_options
def analogy(session: Session, words, top, method, restrict, min_rank, input_file, strict) -> int | None:
    """A - B + C: 'vecq analogy king man woman' answers queen (king - man + woman).

    The order is gensim's most_similar(positive=[A, C], negative=[B]); word2vec's word-analogy tool
    takes "man king woman" for the same question.
    """
    source = batch_source(words, input_file)
    if source is None:
        if len(words) == 4:  # a line of an analogy test set: its fourth word is the expected answer
            raise click.UsageError(
                f"give three words A B C for A - B + C ({words[3]!r} is a fourth); to score lines of "
                "four words, the fourth the expected answer, use 'vecq eval analogies FILE'"
            )
        if len(words) != 3:
            raise click.UsageError(
                analogy_as_written(words)
                or "give three words A B C for A - B + C, e.g. 'vecq analogy king man woman'"
            )
        if method == "add" and restrict is None and min_rank is None:
            session.single_blas_thread_for_one_approx_answer()
    from ..core.queries import QUERIES_A_CHUNK, AnalogyQuery

    query = AnalogyQuery(top, method, restrict, skipped_rows(min_rank, restrict))
    if method == "cosmul" or restrict is not None or min_rank is not None:
        session.answered_exactly("--method cosmul" if method == "cosmul" else banded(restrict, min_rank))
    if source is not None:
        return session.stream(query, source, strict, QUERIES_A_CHUNK)
    session.print_answers(query, [list(words)], f"{words[0]} - {words[1]} + {words[2]}")
    return None


def analogy_as_written(words: tuple[str, ...]) -> str | None:
    """How analogy takes a question written another way (``man:king::woman``, ``king - man +
    woman``): the usage error to give; None when the words are not such a question."""
    from ..core.expression import parse_expression, proportion  # for a usage error: not at start-up
    from ..errors import QueryError

    text = " ".join(words)
    asked = proportion(text)
    if asked:
        a, b, c = asked
        return f"{text} is asked as 'vecq analogy {a} {b} {c}' (A B C for A - B + C: {a} - {b} + {c})"
    try:
        terms = parse_expression(text)
    except QueryError:
        return None
    positive = [w for weight, w in terms if weight == 1]
    negative = [w for weight, w in terms if weight == -1]
    if len(terms) != 3 or len(positive) != 2 or len(negative) != 1:  # A - B + C, in any order
        return None
    (a, c), (b,) = positive, negative
    return f"{text} is asked as 'vecq analogy {a} {b} {c}' (A B C), or 'vecq neighbors \"{text}\"'"


@click.command(cls=ExpressionCommand)
@click.argument("query", nargs=-1, shell_complete=complete_words)
@top_option(10)
@band_options
@click.option(
    "--threshold",
    type=click.FloatRange(-1, 1),
    default=None,
    callback=refuse_nan,
    help="Only answers at least this similar.",
)
@click.option(
    "--vector",
    "by_vector",
    is_flag=True,
    help="The query is a vector (a JSON array, numbers separated by spaces, or a record of vecq vector), "
    "not words.",
)
@click.option(
    "--csls",
    is_flag=True,
    help="Rank by CSLS (Lample et al. 2018): a word near everything (a hub) is marked down; each word's "
    "mean similarity to its 10 nearest is computed once and kept in the cache.",
)
@click.option(
    "--distinct",
    is_flag=True,
    help="Fold spelling variants (case, plural s: Cat, cats, CAT) into the query or a better answer, "
    "naming them in a 'folded' column.",
)
@away_option
@click.option(
    "--in",
    "in_model",
    metavar="MODEL",
    default=None,
    help="Look for the word among MODEL's words, through the map that aligns the two (vecq align).",
)
@batch_options
@approx_option
@output_options
def neighbors(
    session: Session,
    query,
    top,
    restrict,
    min_rank,
    threshold,
    by_vector,
    csls,
    distinct,
    away,
    in_model,
    input_file,
    strict,
) -> int | None:
    """Nearest neighbours of a word or of an expression ('king - man + woman'); '-' reads one a line.

    With --vector, of a vector: vecq vector cat | vecq neighbors --vector -
    """
    source = batch_source(query, input_file)
    text = " ".join(query).strip()
    if source is None:
        if not text:
            raise click.UsageError(
                "give a vector, e.g. --vector '0.1 -0.2 0.3'"
                if by_vector
                else "give a word or an expression, e.g. 'vecq neighbors cat'"
            )
        if restrict is None and min_rank is None:
            session.single_blas_thread_for_one_approx_answer()
    one = source is None and not by_vector  # one word or expression as arguments
    if csls or in_model or away:
        if min_rank is not None:
            raise click.UsageError("--min-rank is not for --csls, --in or --away")
        other_ways(session, text, one, top, restrict, threshold, csls, distinct, away, in_model)
        return None
    from ..core.queries import QUERIES_A_CHUNK, NeighborsQuery, VectorNeighborsQuery

    if distinct and by_vector:
        raise click.UsageError("--distinct folds variants of the query's words: give words, not --vector")
    skip = skipped_rows(min_rank, restrict)
    q = (VectorNeighborsQuery if by_vector else NeighborsQuery)(top, restrict, threshold, distinct, skip)
    if restrict is not None or min_rank is not None:
        session.answered_exactly(banded(restrict, min_rank))
    if source is not None:
        return session.stream(q, source, strict, QUERIES_A_CHUNK)
    q.check(text)
    model = session.open()
    session.print_answers(q, [q.parse(" ".join(query), model)], f"neighbours of {text}", model)
    return None


def other_ways(
    session: Session, text: str, one: bool, top, restrict, threshold, csls, distinct, away, in_model
):
    """neighbors --csls, --in MODEL and --away A B: each takes one word or expression as arguments."""
    if csls:
        if not one or away or in_model or distinct or threshold is not None:
            raise click.UsageError(
                "--csls takes one word or expression as argument (not '-', --vector, --away, --in, "
                "--distinct or --threshold)"
            )
        from .csls_option import print_csls

        session.answered_exactly("--csls")
        print_csls(session, text, top, restrict)
    elif in_model:
        if not one or away or restrict is not None:
            raise click.UsageError(
                "--in takes one word as argument (not '-', --vector, --away or --restrict)"
            )
        from .align_command import print_neighbors_in

        print_neighbors_in(session, text, in_model, top)
    else:
        if not one:
            raise click.UsageError("--away takes one word or expression as arguments (not '-' or --vector)")
        from .axis_commands import print_neighbors_away

        session.answered_exactly("--away")
        print_neighbors_away(session, text, away, top, restrict, threshold)


@click.command()
@click.argument("words", nargs=-1, shell_complete=complete_words)
@click.option(
    "--unit", "kind", flag_value="unit", help="Print the unit-length vector instead of the raw one."
)
@click.option(
    "--one-hot",
    "kind",
    flag_value="one-hot",
    help="Print each word's one-hot vector instead: as many dimensions as words, a 1 at its id "
    "(written sparse, ID:1).",
)
@click.option(
    "--as-product",
    "kind",
    flag_value="product",
    help="Compute each vector as its one-hot vector times the whole matrix (the embedding layer's "
    "lookup as a product): the numbers of the row itself.",
)
@click.option(
    "--id",
    "by_id",
    is_flag=True,
    help="The arguments are row numbers (a token's id: the embedding layer's lookup), not words.",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE.npy",
    default=None,
    help="Write the vectors to FILE.npy (or .safetensors), one row a word, the words in FILE.words.txt.",
)
@batch_options
@output_options
def vector(
    session: Session, words: tuple[str, ...], kind: str | None, by_id: bool, output, input_file, strict
) -> int | None:
    """The vector of each word, as stored in the model (or unit-length with --unit); '-' reads one a line.

    To ask for the word '-' itself, give it on a line of the input: echo - | vecq vector -
    Any word may also be given as id:N, row N of the model (--id reads every argument so).
    """
    from ..core.queries import QUERIES_A_CHUNK, VectorQuery

    if by_id:
        bad = [w for w in words if not w.isdigit()]
        if bad:
            raise click.UsageError(f"--id takes row numbers (0, 1, ...), not {bad[0]!r}")
        words = tuple(f"id:{w}" for w in words)

    query = VectorQuery(kind or "raw")
    if kind == "one-hot" and output is not None:
        raise click.UsageError(
            "--one-hot prints the one-hot vectors sparse; -o writes dense rows: leave one out"
        )
    source = batch_source(words, input_file)
    if output is not None:
        return _write_vectors(session, query, words, source, output)
    if source is not None:
        return session.stream(query, source, strict, QUERIES_A_CHUNK)
    if not words:
        raise click.UsageError("give a word, e.g. 'vecq vector cat' (or '-' to read words one a line)")
    title = f"vector of {words[0]}" if len(words) == 1 else "vectors"
    session.print_answers(query, [[w] for w in words], title)
    return None


def _write_vectors(session: Session, query, words: tuple[str, ...], source: str | None, output: str) -> int:
    """``vector -o FILE.npy``: one row per word or input line, in order; a line that found no vector
    gets a row of NaN (its word is still listed), and the exit code says some failed."""
    import numpy as np

    from ..core.queries import QUERIES_A_CHUNK
    from ..errors import ExitCode, VecqError, counted
    from ..sources import export as export_formats
    from . import batch

    fmt = export_formats.format_for(output)
    if fmt not in ("npy", "safetensors"):
        raise click.UsageError("vector -o writes .npy or .safetensors; 'vecq export' writes word2vec files")
    if source is None and not words:
        raise click.UsageError("give words, or '-' to read them one a line")
    model = session.open()
    typed: list[str] = []
    rows: list[np.ndarray] = []
    failed = 0

    def answer(chunk: batch.Chunk) -> None:
        """Each line's row, as a batch answers lines (``batch.answer``: a line that is not UTF-8 fails)."""
        nonlocal failed
        parsed, outcomes = batch.answer(model, query, chunk)
        answers = iter(outcomes)
        for (_, line), item in zip(chunk, parsed):
            typed.append(line.strip() if isinstance(item, VecqError) else item[0])  # as the model read it
            outcome = None if isinstance(item, VecqError) else next(answers)
            error = item if outcome is None else outcome.error
            if error is not None:
                failed += 1
                if failed <= 10:
                    session.warn(f"{error.message} (its row is NaN)")
                rows.append(np.full(model.dims, np.nan, dtype=np.float32))
            elif outcome is not None:
                rows.append(np.asarray(outcome.records[0]["vector"], dtype=np.float32))

    if source is None:
        answer(list(enumerate(words, 1)))
    else:
        with session.open_input(source) as stream:
            comments: list[int] = []
            for chunk in batch.chunks(stream, QUERIES_A_CHUNK, comments, texts=model.reads_text):
                answer(chunk)
        if comments:
            session.warn_of_input(batch.comments_note(comments, source))
    matrix = np.stack(rows) if rows else np.zeros((0, model.dims), dtype=np.float32)
    written = export_formats.write(output, fmt, typed, [matrix], model.dims)
    session.warn(f"wrote {counted(len(typed), 'vector')} to {', '.join(written)}")
    if failed:
        session.warn(f"{counted(failed, 'word')} found no vector; their rows are NaN")
        return int(ExitCode.PARTIAL)
    return int(ExitCode.OK)


@click.command()
@output_options
def info(session: Session) -> None:
    """The model: name, source, vocabulary size, dimensions (the embedding matrix's shape)."""
    from ..core.answers import info_record

    model = session.open()
    session.print_record(info_record(model.info), "model", f"model {model.info.name}", model)
