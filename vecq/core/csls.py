"""CSLS, cross-domain similarity local scaling (Lample, Conneau et al. 2018), for cleaner neighbour
lists: a word that is near everything (a hub) is marked down by how near it is to its own
neighbours, so that hubs stop appearing in every list.

CSLS(x, y) = 2 cos(x, y) - r(x) - r(y), where r(w) is the mean cosine of w with its k nearest
words (itself left out). Within one model (the monolingual case) r(x) is the same for every answer
to x, so the answers are ranked by 2 cos(x, y) - r(y). Every row of the vocabulary (or of the
first ``restrict``) is scored: the answers are exact, not a re-ranking of cosine's top few.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..progress import NULL_REPORTER, Reporter
from ..records import CslsNeighbor
from .expression import Term
from .model import Model
from .ranking import RESCORE_MARGIN, dot_rounding, exact_dots, near_kth, within_reach
from .topk import best_columns
from .words import Match

K = 10  # neighbours in r(w), as in the paper
BLOCK = 2048  # words whose neighbours are found in one pass over the matrix
ROWS = 1 << 16  # rows scored at once by ``neighbors``


def mean_neighbour_similarity(
    model: Model, n: int, k: int = K, reporter: Reporter = NULL_REPORTER
) -> np.ndarray:
    """r(w) for the first ``n`` words: each one's mean cosine with its ``k`` nearest among them,
    from the engine's exact neighbours (float32)."""
    model = model.exactly()  # kept in the cache for every later question: never approximate
    r = np.empty(n, dtype=np.float32)
    with reporter.task(f"CSLS: each word's {k} nearest, {n:,} words", n) as task:
        for start in range(0, n, BLOCK):
            rows = range(start, min(n, start + BLOCK))
            queries = [[Term(1.0, Match(str(i), str(i), i))] for i in rows]
            for i, found in zip(rows, model.neighbors_many(queries, top=k, restrict=n)):
                r[i] = np.mean([score for _, score in found], dtype=np.float64) if found else 0.0
            task.update(rows.stop)
    return r


def neighbors(
    model: Model,
    q: np.ndarray,
    r: np.ndarray,
    top: int,
    exclude: Sequence[int] = (),
) -> list[tuple[int, float, float]]:
    """The ``top`` rows by CSLS with the unit direction ``q`` among the first ``len(r)`` rows:
    (row, CSLS, cosine), best first, ties by row. Scores are the exact cosines (float64 sums, as
    every answer's) combined in float64."""
    n = len(r)
    model = model.exactly()  # CSLS's answers are exact, with or without an index
    scores = np.empty(n, dtype=np.float32)
    q32 = q.astype(np.float32)
    for start in range(0, n, ROWS):
        stop = min(n, start + ROWS)
        scores[start:stop] = np.asarray(model.vectors[start:stop]) @ q32
    (nearest,) = model.neighbors_of_directions(q32[None, :], K, n, [list(exclude)])
    r_q = float(np.mean([score for _, score in nearest], dtype=np.float64)) if nearest else 0.0
    approx = 2.0 * scores - r
    approx[np.asarray(list(exclude), dtype=np.int64)] = -np.inf
    approx[model.zero_rows[model.zero_rows < n]] = -np.inf  # no direction: never an answer, as in cosine
    wanted = min(n - len(exclude), top + RESCORE_MARGIN)
    if wanted <= 0:  # the query's own words are all the rows searched (--restrict 1): no answer
        return []
    candidates = best_columns(approx[None, :], wanted)[0] if wanted < n else np.arange(n)
    candidates = candidates[np.isfinite(approx[candidates])]

    def exactly(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(CSLS, cosine, order best first by (CSLS, row)) of ``rows``, from exact cosines."""
        cosines = exact_dots(np.repeat(q32[None, :], len(rows), axis=0), model.vectors, rows)
        scores = 2.0 * cosines.astype(np.float64) - r[rows].astype(np.float64) - r_q
        return scores, cosines, np.lexsort((rows, -scores))

    csls, exact_cos, order = exactly(candidates)
    if top < len(candidates) == wanted < n:
        ranked = [(int(candidates[i]), float(csls[i])) for i in order]
        # 2 cos - r - r_q: twice a product's rounding, and 8 u for approx's float32 subtraction (of
        # numbers up to 3) and the exact cosine's rounding to float32 (r is the same array both ways)
        rounding = 2 * dot_rounding(model.dims) + 8 * 2.0**-24
        if near_kth(ranked, top, rounding):  # every row that may reach the k-th, exactly
            kth = ranked[top - 1][1]
            candidates = np.flatnonzero(approx - r_q >= within_reach(kth, rounding))
            csls, exact_cos, order = exactly(candidates)
    return [(int(candidates[i]), float(csls[i]), float(exact_cos[i])) for i in order[:top]]


def answers(model: Model, label: str, terms: Sequence[Term], r: np.ndarray, top: int) -> list[CslsNeighbor]:
    """One query's records by CSLS among the first ``len(r)`` words (its own words left out)."""
    (direction,) = model.directions([terms])
    exclude = [t.match.row for t in terms if t.match.row < len(r)]
    found = neighbors(model, direction, r, top, exclude)
    return [
        CslsNeighbor(label, i, model.vocab.word(row), cos, score)
        for i, (row, score, cos) in enumerate(found, 1)
    ]


def hubness(lists: Sequence[Sequence[int]], hubs: int = 100) -> tuple[int, int]:
    """(the lists the ``hubs`` most frequent answers enter, in all; the most any one enters):
    how much a few words dominate a model's neighbour lists."""
    counts: dict[int, int] = {}
    for found in lists:
        for row in set(found):
            counts[row] = counts.get(row, 0) + 1
    top = sorted(counts.values(), reverse=True)[:hubs]
    return sum(top), (top[0] if top else 0)
