"""Commands that evaluate and explore a model: eval, odd, plot, repl."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..core import evaluate
from ..errors import ExitCode, QueryError, first_few
from .options import (
    approx_option,
    batch_source,
    complete_words,
    epochs_option,
    output_options,
    restrict_option,
    top_option,
)
from .session import Session


def _default_data(name: str) -> str:
    from gensim.test.utils import datapath

    return datapath(name)


@click.group("eval")
def eval_group() -> None:
    """Standard benchmarks with gensim's exact rules: analogy accuracy, similarity correlation."""


_case = click.option(
    "--case-sensitive", is_flag=True, help="Compare words as spelt (gensim: case_insensitive=False)."
)


@eval_group.command("analogies")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@restrict_option(300_000)
@_case
@click.option("--method", type=click.Choice(["add", "cosmul"]), default="add", show_default=True)
@output_options
def eval_analogies(session: Session, file, restrict, case_sensitive, method) -> None:
    """Accuracy on an analogy file in questions-words.txt format (default: the Google set in gensim).

    Questions with a word outside the first --restrict words are skipped and counted, as in gensim's
    evaluate_word_analogies; the totals equal gensim's on the same model.
    """
    from .progress_bars import reporter_for

    path = file or _default_data("questions-words.txt")
    model = session.open()
    report = evaluate.analogies(model, path, restrict, not case_sensitive, method, reporter_for(session.env))
    why = report.nothing_scored()
    if why is not None:
        raise QueryError(f"{path}: {why}")
    rows = [
        {"section": s.section, "correct": s.correct, "total": s.total, "accuracy": s.accuracy}
        for s in [*report.sections, report.total]
    ]
    with session.renderer(
        ("section", "correct", "total", "accuracy"), f"analogies: {Path(path).name}", model
    ) as out:
        out.write(rows)
    session.warn(
        f"{report.questions - report.skipped} of {report.questions} questions answered, "
        f"{report.skipped} skipped for unknown words"
    )
    _note_invalid(session, report.invalid, "four words")


def _note_invalid(session: Session, lines: list[int], shape: str) -> None:
    """One note naming the lines of an evaluation file that gensim's rules skip (it logs each)."""
    if lines:
        shown = first_few([str(n) for n in lines], 5)
        some = "1 line is" if len(lines) == 1 else f"{len(lines)} lines are"
        session.warn(f"{some} not {shape}: skipped, as gensim skips such lines (line {shown})")


@eval_group.command("similarity")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@restrict_option(300_000)
@_case
@click.option(
    "--delimiter",
    default="\t",
    show_default="tab",
    help="What separates the two words and the score on a line (gensim's delimiter; 'tab' or '\\t' a tab).",
)
@output_options
def eval_similarity(session: Session, file, restrict, case_sensitive, delimiter: str) -> None:
    """Pearson and Spearman correlation with human scores (default: WordSim-353 from gensim).

    The file holds 'word<TAB>word<TAB>score' lines (simlex999.txt also ships with gensim); equal to
    gensim's evaluate_word_pairs on the same model.
    """
    path = file or _default_data("wordsim353.tsv")
    model = session.open()
    delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)  # as a shell passes a tab
    if not delimiter:
        raise click.UsageError("--delimiter takes one or more characters, such as ','")
    r = evaluate.pairs(model, path, restrict, not case_sensitive, delimiter)
    _note_invalid(session, r.invalid, evaluate.pair_line(delimiter))
    if r.pearson != r.pearson or r.spearman != r.spearman:  # NaN: scipy's answer for constant input
        session.warn(
            "a correlation is not defined (nan) here: the judged scores, or the model's cosines, "
            "are all equal"
        )
    columns = ("file", "pearson", "pearson_p", "spearman", "spearman_p", "pairs", "unknown", "unknown_ratio")
    with session.renderer(columns, "word-pair similarity", model) as out:
        out.write(
            [
                {
                    "file": Path(path).name,
                    "pearson": r.pearson,
                    "pearson_p": r.pearson_p,
                    "spearman": r.spearman,
                    "spearman_p": r.spearman_p,
                    "pairs": r.pairs,
                    "unknown": r.unknown,
                    "unknown_ratio": r.unknown_ratio,
                }
            ]
        )


@click.command()
@click.argument("text", nargs=-1)
@click.option("--vectors", "with_vectors", is_flag=True, help="Also print each token's row of the table.")
@click.option(
    "-i",
    "--input",
    "input_file",
    metavar="FILE",
    default=None,
    help="Tokenise each line of FILE ('-' is standard input), like giving '-' as the text.",
)
@output_options
def tokens(session: Session, text, with_vectors: bool, input_file: str | None) -> int | None:
    """TEXT -> tokens -> token ids (the rows of the embedding matrix): the lecture's first step.

    A model with a tokenizer (a language model's table, model2vec) splits TEXT as it does; a word
    model splits it at spaces and says how each word was found: as typed, respelled, built from
    subwords (fastText), or unknown. With '-' (or --input FILE) each line is a text, and its
    records carry its line number.
    """
    source = batch_source(text, input_file)
    if source is not None:
        return _tokens_of_lines(session, source, with_vectors)
    whole = " ".join(text)
    if not whole.strip():
        raise click.UsageError("give some text, e.g. 'vecq tokens The cat sat' (or '-' to read lines)")
    from ..core.answers import spaces_note, token_records

    model = session.open()
    columns, records = token_records(model, whole, with_vectors)
    with session.renderer(columns, f"tokens of {whole}", model) as out:
        out.write(records)
    note = spaces_note(model, records)
    if note:
        session.warn(note)
    return None


def _tokens_of_lines(session: Session, source: str, with_vectors: bool) -> int:
    """The tokens of each line of ``source``, by the batch's line rules for text (``batch.chunks``:
    no comment lines, '# A title' is text): every line not blank gives at least one record (status
    ``none`` when its text has no token, ``not-utf8`` when its bytes are not UTF-8: a failed line,
    exit 5); the exit code."""
    from ..core.answers import TOKEN_COLUMNS, spaces_note, token_records
    from .batch import LINE_COLUMN, chunks, utf8_line

    model = session.open()
    columns = (LINE_COLUMN, *TOKEN_COLUMNS, *(["vector"] if with_vectors else []))
    failed = 0
    unknown: list[dict] = []  # the unknown words of every line, for one note at the end
    with session.open_input(source) as stream, session.renderer(columns, "tokens", model) as out:
        for chunk in chunks(stream, 64, texts=True):  # text, whatever it starts with
            for number, line in chunk:
                records, status = [], "none"
                try:
                    utf8_line(line)
                except QueryError as e:
                    failed += 1
                    status = "not-utf8"
                    session.warn(f"line {number}: {e.message}")
                else:
                    records = token_records(model, line, with_vectors)[1]
                    unknown.extend(r for r in records if r["status"] == "unknown")
                records = records or [
                    {"position": None, "text": line.strip(), "token": "", "id": None, "status": status}
                ]
                out.write([{LINE_COLUMN: number, **r} for r in records])
    note = spaces_note(model, unknown)
    if note:
        session.warn(note)
    if failed:
        session.warn_failed(failed, "not-utf8")
        return int(ExitCode.PARTIAL)
    return int(ExitCode.OK)


@click.command()
@click.argument("words", nargs=-1, required=True, shell_complete=complete_words)
@output_options
def odd(session: Session, words) -> None:
    """The word that does not belong (gensim's doesnt_match), listed first.

    Every word is shown with its cosine similarity to the group's mean and its distance (1 - cosine).
    WORDS '-': the words of standard input, one a line.
    """
    from ..core.answers import ODD_COLUMNS, odd_records

    words = session.words_of(words)
    model = session.open()
    records, notes = odd_records(model, session.lookup(model, words))
    for note in notes:
        session.warn(note)
    with session.renderer(ODD_COLUMNS, "odd one out", model) as out:
        out.write(records)


@click.command()
@click.argument("words", nargs=-1, required=True, shell_complete=complete_words)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    default=None,
    help="Image file: .png, .svg or .pdf ('-': PNG on standard output); with --epochs also .gif, "
    "animated [default: drawn on the terminal].",
)
@top_option(0, low=0, help="Also plot each word's N nearest neighbours.", aliases=("--neighbors",))
@epochs_option("One picture per snapshot of a model trained with vecq train --snapshots, on shared axes.")
@click.option(
    "--projection",
    "--method",
    "projection",
    type=click.Choice(["pca", "tsne", "umap"]),
    default="pca",
    show_default=True,
    help="pca: the words' two principal axes; tsne: scikit-learn's t-SNE; umap: umap-learn's UMAP "
    "(both seeded; pip install 'vecq[projections]').",
)
@output_options
def plot(session: Session, words, output, top, epochs: bool, projection: str) -> None:
    """The words projected to two dimensions (PCA) as a labelled scatter plot: on the terminal, or
    into an image file with -o (which needs matplotlib: pip install 'vecq[plot]'); in a pipe (or
    with -f) each word's place as a record: word, group, asked, x, y. WORDS '-': the words of
    standard input, one a line.
    """
    from ..core.projection import PLACED_COLUMNS, placed_records, points
    from .plot import EPOCH_FORMATS, FORMATS, draw, draw_terminal, image_format

    words = session.words_of(words)
    if output is not None and session.fmt is not None:
        raise click.UsageError("give -o for a picture or -f for records, not both")
    if output is not None:
        image_format(Path(output), EPOCH_FORMATS if epochs else FORMATS)
    if epochs:
        if projection != "pca":
            raise click.UsageError("--epochs places every frame on the trained model's principal axes (PCA)")
        _plot_epochs(session, words, output, top)
        return
    model = session.open()
    if output is None and session.format != "table":
        placed = points(model, session.lookup(model, words), top, projection)
        with session.renderer(PLACED_COLUMNS, "words placed in 2-D", model) as out:
            out.write(placed_records(placed))
        return
    if output is None:
        draw_terminal(
            model, session.lookup(model, words), _console(session), neighbors=top, projection=projection
        )
        return
    path = draw(model, session.lookup(model, words), Path(output), neighbors=top, projection=projection)
    session.warn(f"wrote {'the picture to standard output' if output == '-' else path}")


def _plot_epochs(session: Session, words, output: str | None, top: int) -> None:
    """The words in every snapshot of a training, placed by one PCA over all of them."""
    from ..core.projection import across_epochs
    from .plot import draw_epochs, draw_epochs_terminal

    if top:
        raise click.UsageError(
            "--epochs draws the words given; leave out -n (each epoch has other neighbours)"
        )
    words = list(dict.fromkeys(words))  # a word given twice is one point, as without --epochs
    if len(words) < 2:
        raise click.UsageError("give at least two different words to plot")
    snapshots = session.epoch_models()
    rows = [model.gather([m.row for m in session.lookup(model, list(words))]) for _, model in snapshots]
    frames = list(zip([epoch for epoch, _ in snapshots], across_epochs(rows)))
    name = os.path.basename(session.model_spec or "")
    if output is None and session.format != "table":  # each word's place in each epoch, a record
        with session.renderer(("epoch", "word", "x", "y"), "words placed in 2-D, epoch by epoch") as out:
            out.write(
                [
                    {"epoch": epoch, "word": word, "x": x, "y": y}
                    for epoch, xy in frames
                    for word, (x, y) in zip(words, xy.tolist())
                ]
            )
        return
    if output is None:
        draw_epochs_terminal(frames, list(words), name, _console(session))
        return
    path = draw_epochs(frames, list(words), name, Path(output))
    session.warn(f"wrote {'the picture to standard output' if output == '-' else path}")


def _console(session: Session):
    """A rich console on standard output, coloured as the session says."""
    from rich.console import Console

    from .env import colour_system, for_a_person

    return Console(
        file=for_a_person(session.env),
        no_color=not session.env.color,
        force_terminal=session.env.color,
        color_system=colour_system() if session.env.color else None,
        highlight=False,
    )


@click.command()
@top_option(10)
@approx_option
@output_options
def repl(session: Session, top: int) -> None:
    """An interactive session over one opened model.

    A word gives its neighbours, 'a - b + c' an expression's neighbours, 'a ~ b' a similarity;
    line editing as in the shell, Tab completes words, the history is kept between runs
    (~/.local/state/vecq); 'help' says this; 'exit', 'quit' or Ctrl-D leaves.
    """
    from .repl import run

    run(session, top)
