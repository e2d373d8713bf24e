"""``vecq -m A -m B align``: two models aligned by orthogonal Procrustes and compared word by word;
``neighbors WORD --in B``: a word of A looked for among B's words through the map."""

from __future__ import annotations

import click

from .options import complete_words, output_options, top_option
from .session import Session

COLUMNS = ("rank", "word", "similarity", "overlap")


def alignment_of(session: Session, a, b, shared: int):
    """The map from A to B on their first ``shared`` shared words (kept beside the caches)."""
    from ..cache import derived

    found, fitted = derived.alignment(a, b, shared)
    if fitted:
        session.warn(f"aligned {a.info.name} to {b.info.name} on {len(found.rows_a):,} shared words")
    return found


@click.command()
@click.argument("words", nargs=-1, shell_complete=complete_words)
@click.option(
    "--shared",
    type=click.IntRange(1),
    default=20_000,
    show_default=True,
    help="Align on the words both models have among A's first N (its most frequent).",
)
@click.option(
    "-k",
    "--overlap-k",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="Neighbours compared.",
)
@top_option(10, help="Without WORDS: how many of the words that changed most.")
@output_options
def align(session: Session, words, shared: int, overlap_k: int, top: int) -> None:
    """Two models (-m A -m B) aligned and compared: each WORD's cosine across them once A is rotated
    onto B (orthogonal Procrustes on their shared words), and the overlap of its neighbour lists
    (Jaccard at -k); without WORDS, the shared words that changed most.

    \b
    For two corpora, two years or two languages with a shared vocabulary. The map
    is kept beside the caches; `neighbors WORD -m A --in B` uses it.
    WORDS '-': the words of standard input, one a line.
    """
    from ..core import align as aligning
    from ..errors import UsageError

    if len(session.models) != 2:
        raise UsageError("align compares two models: vecq -m A -m B align [WORD...]")
    words = session.words_of(words)
    a, b = (session.open(spec) for spec in session.models)
    found = alignment_of(session, a, b, shared)
    pairs = None
    if words:
        ma, mb = session.lookup(a, list(words)), session.lookup(b, list(words))
        pairs = [(x.word, x.row, y.row) for x, y in zip(ma, mb)]
    records = [r._asdict() for r in aligning.compared(a, b, found, pairs, top, overlap_k)]
    with session.renderer(COLUMNS, f"{a.info.name} -> {b.info.name}", b) as out:
        out.write(records)


def print_neighbors_in(session: Session, text: str, other: str, top: int, shared: int = 20_000) -> None:
    """``neighbors WORD --in B``: A's WORD mapped into B's space, and its nearest words there."""
    from ..core import align as aligning

    a = session.open()
    match = session.lookup(a, [text])[0]
    b = session.open(other)
    alignment = alignment_of(session, a, b, shared)
    result = aligning.nearest_in_b(a, b, alignment, match.row, top)
    records = [r._asdict() for r in b.neighbor_records(text, result)]
    session.print_neighbours(records, f"{text} of {a.info.name} among {b.info.name}'s words", b)
