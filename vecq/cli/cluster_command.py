"""``vecq cluster``: k-means clusters of given words or of the most frequent words (``core/clusters.py``)."""

from __future__ import annotations

import click

from .options import complete_words, output_options, top_option
from .session import Session

COLUMNS = ("cluster", "size", "rank", "word", "similarity")


@click.command()
@click.argument("words", nargs=-1, shell_complete=complete_words)
@click.option(
    "-k",
    "--clusters",
    "clusters",
    type=click.IntRange(2, 10_000),
    default=5,
    show_default=True,
    help="How many clusters.",
)
@click.option(
    "--first",
    type=click.IntRange(2),
    default=None,
    metavar="N",
    help="Cluster the model's first N words (its most frequent).",
)
@click.option(
    "--words",
    "words_file",
    metavar="FILE",
    default=None,
    help="Cluster the words of FILE, one a line ('-': stdin).",
)
@top_option(10, help="With --first: the words shown of each cluster, those nearest its centre.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="k-means' seed: the same seed, the same clusters."
)
@output_options
def cluster(
    session: Session, words, clusters: int, first: int | None, words_file: str | None, top: int, seed: int
) -> None:
    """k-means clusters of WORDS, of a list (--words FILE) or of the first N words (--first N).

    \b
    scikit-learn's KMeans (k-means++ starts, the best of 10, seeded) on the
    words' unit vectors, so words group by cosine. Each cluster is listed by
    its words nearest its centre, with their cosine to it; clusters are
    numbered largest first:  vecq cluster --first 5000 -k 20 -n 8
    WORDS '-' (or --words -): the words of standard input, one a line.
    """
    from ..core.clusters import kmeans, with_direction

    words = session.words_of(words)
    if words and (first is not None or words_file is not None):
        raise click.UsageError("give WORDS, --words FILE or --first N: one of them")
    if words:
        model = session.open()
        rows = [m.row for m in session.lookup(model, list(words))]
    elif first is not None or words_file is not None:
        model, rows, _ = session.chosen_words(first, words_file)
        rows, note = with_direction(model, rows)
        if note:
            session.warn(note)
    else:
        raise click.UsageError("give words to cluster, or --first N, e.g. 'vecq cluster --first 2000 -k 10'")
    shown = top if first is not None else len(rows)
    found = kmeans(model, rows, clusters, seed)
    records = [
        {"cluster": c, "size": group.size, "rank": n, "word": model.name_of(row), "similarity": score}
        for c, group in enumerate(found, 1)
        for n, (row, score) in enumerate(zip(group.rows[:shown], group.scores[:shown]), 1)
    ]
    of = f"the first {len(rows):,} words" if first is not None else "the words"
    title = f"{clusters} clusters of {of}"
    with session.renderer(COLUMNS, title, model) as out:
        out.write(records)
