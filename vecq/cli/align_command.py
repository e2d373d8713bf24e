"""``vecq -m A -m B align``: two models aligned by orthogonal Procrustes and compared word by word;
``neighbors WORD --in B``: a word of A looked for among B's words through the map."""

from __future__ import annotations

import json
import os

import click
import numpy as np

from .options import complete_words, output_options, top_option
from .session import Session

COLUMNS = ("rank", "word", "similarity", "overlap")


def alignment_of(session: Session, a, b, shared: int):
    """The map from A to B on their first ``shared`` shared words: read from beside the caches when
    an earlier run fitted it (the cache folders name both models' contents), else fitted and kept."""
    from ..cache.files import output_file
    from ..cache.layout import cache_root
    from ..core import align

    rows_a, rows_b = align.shared_rows(a, b, shared)
    folder = os.path.join(cache_root(), "alignments")
    name = (
        f"{os.path.basename(a.folder or a.info.name)}--{os.path.basename(b.folder or b.info.name)}--{shared}"
    )
    path = os.path.join(folder, name + ".npy")
    if a.folder and b.folder and os.path.isfile(path):
        w = np.load(path, allow_pickle=False)
        if w.shape == (a.dims, b.dims):
            return align.Alignment(rows_a, rows_b, w)
    found = align.fit(a, b, rows_a, rows_b)
    if a.folder and b.folder:
        os.makedirs(folder, exist_ok=True)
        with output_file(path) as f:
            np.save(f, found.w, allow_pickle=False)
        with output_file(os.path.join(folder, name + ".json"), text=True) as f:
            json.dump({"a": a.info.name, "b": b.info.name, "shared_words": len(rows_a)}, f)
    session.warn(f"aligned {a.info.name} to {b.info.name} on {len(rows_a):,} shared words")
    return found


def neighbour_words(model, rows: list[int], top: int) -> list[list[str]]:
    from ..core.expression import Term
    from ..core.words import Match

    queries = [[Term(1.0, Match(str(r), str(r), r))] for r in rows]
    return [[model.vocab.word(r) for r, _ in found] for found in model.neighbors_many(queries, top=top)]


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
    """
    from ..core import align as aligning
    from ..errors import UsageError

    if len(session.models) != 2:
        raise UsageError("align compares two models: vecq -m A -m B align [WORD...]")
    a, b = (session.open(spec) for spec in session.models)
    found = alignment_of(session, a, b, shared)
    if words:
        ma, mb = session.lookup(a, list(words)), session.lookup(b, list(words))
        pairs = [(x.word, x.row, y.row) for x, y in zip(ma, mb)]
    else:
        pairs = [(a.vocab.word(ra), ra, rb) for ra, rb, _ in aligning.changed_most(a, b, found, top)]
    across = aligning.similarity_across(a, b, found, [p[1] for p in pairs], [p[2] for p in pairs])
    lists_a = neighbour_words(a, [p[1] for p in pairs], overlap_k)
    lists_b = neighbour_words(b, [p[2] for p in pairs], overlap_k)
    records = [
        {"rank": n, "word": w, "similarity": float(s), "overlap": aligning.jaccard(la, lb)}
        for n, ((w, _, _), s, la, lb) in enumerate(zip(pairs, across, lists_a, lists_b), 1)
    ]
    with session.renderer(COLUMNS, f"{a.info.name} -> {b.info.name}", b) as out:
        out.write(records)


def print_neighbors_in(session: Session, text: str, other: str, top: int, shared: int = 20_000) -> None:
    """``neighbors WORD --in B``: A's WORD mapped into B's space, and its nearest words there."""
    from ..core import align as aligning

    a = session.open()
    match = session.lookup(a, [text])[0]
    b = session.open(other)
    alignment = alignment_of(session, a, b, shared)
    q = aligning.mapped(a, alignment, [match.row])
    (result,) = b.neighbors_of_directions(q, top)
    records = [r._asdict() for r in b.neighbor_records(text, result)]
    session.print_neighbours(records, f"{text} of {a.info.name} among {b.info.name}'s words", b)
