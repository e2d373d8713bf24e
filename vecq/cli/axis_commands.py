"""``vecq axis``, and the ``--away`` option of ``neighbors`` and ``similar``: semantic axes built from
two sets of pole words (``core/axes.py``)."""

from __future__ import annotations

import click

from .options import complete_words, output_options, restrict_option, top_option
from .session import Session

AXIS_COLUMNS = ("rank", "word", "score", "toward")


def pole_words(text: str) -> list[str]:
    """A pole as one argument: words separated by spaces or commas ("man he him", "rich,wealthy")."""
    words = [w for w in text.replace(",", " ").split() if w]
    if not words:
        raise click.UsageError("a pole is one or more words, e.g. 'man he him'")
    return words


def open_axis(session: Session, model, poles: tuple[str, str]):
    from ..core import axes

    a, b = (session.lookup(model, pole_words(p)) for p in poles)
    return axes.build(model, a, b)


@click.command()
@click.argument("pole_a", metavar="POLE_A")
@click.argument("pole_b", metavar="POLE_B")
@click.argument("words", nargs=-1, shell_complete=complete_words)
@top_option(10, help="Without WORDS: how many words at each end of the axis.")
@restrict_option()
@output_options
def axis(session: Session, pole_a: str, pole_b: str, words, top: int, restrict: int | None) -> None:
    """Words along the axis from POLE_B to POLE_A (each pole one argument: 'man he him').

    \b
    The axis is the difference of the poles' mean unit vectors (Kozlowski, Taddy
    and Evans 2019); a word's score is its cosine with it: positive towards
    POLE_A, negative towards POLE_B. Given WORDS are ranked along it; without
    them, the -n words of the whole vocabulary nearest each end (the pole words
    left out):  vecq axis 'good great' 'bad awful' --restrict 50000
    WORDS '-': the words of standard input, one a line.
    """
    from ..core import axes

    words = session.words_of(words)
    model = session.open()
    found = open_axis(session, model, (pole_a, pole_b))
    if words:
        matches = session.lookup(model, list(words))
        scores = axes.positions(model, found, matches).tolist()
        order = sorted(range(len(words)), key=lambda i: (-scores[i], i))
        records = [
            {
                "rank": n,
                "word": words[i],
                "score": scores[i],
                "toward": found.toward(scores[i]),
            }
            for n, i in enumerate(order, 1)
        ]
    else:
        end_a, end_b = axes.ends(model, found, top, restrict)
        records = [
            {"rank": n, "word": model.vocab.word(row), "score": score, "toward": side}
            for side, end in zip(found.sides, (end_a, end_b))
            for n, (row, score) in enumerate(end, 1)
        ]
    with session.renderer(AXIS_COLUMNS, found.label, model) as out:
        out.write(records)


def print_neighbors_away(
    session: Session, text: str, poles: tuple[str, str], top: int, restrict: int | None, threshold
) -> None:
    """``neighbors TEXT --away A B``: the neighbours once the axis is taken out of every vector."""
    from ..core import axes

    model = session.open()
    found = open_axis(session, model, poles)
    terms = session.expression(model, text)
    (direction,) = model.directions([terms])
    result = axes.neighbors_away(model, found, direction, [t.match.row for t in terms], top, restrict)
    records = [r._asdict() for r in model.neighbor_records(text, result, threshold)]
    title = f"neighbours of {text}, {found.label} taken out"
    session.print_neighbours(records, title, model, restrict=restrict, threshold=threshold)


def print_similar_away(session: Session, words, poles: tuple[str, str]) -> None:
    """``similar A B ... --away P Q``: each pair's cosine once the axis is taken out of both."""
    from ..core import axes
    from ..core.answers import pair_records

    model = session.open()
    found = open_axis(session, model, poles)
    matches = session.lookup(model, list(words))
    columns, records = pair_records(model, words, matches, axes.similarity_away(model, found, matches))
    with session.renderer(columns, f"similarity, {found.label} taken out", model) as out:
        out.write(records)
