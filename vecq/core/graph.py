"""The k nearest neighbours of many words at once: one block of the graph of a vocabulary.

A block's answers are the engine's (``Model.neighbors_of_directions``): candidates found with BLAS,
scored exactly and ranked by (score, row), so a word's neighbours are the same bits whatever the
block it is in, the block size or the thread count (tests/test_graph.py). Each word is left out of
its own list, as a neighbours query leaves out its word.
"""

from __future__ import annotations

import numpy as np

from .expression import Term
from .model import Model
from .ranking import dot_rounding
from .words import Match

WINDOW = 2048  # rows on each side of a block whose scores set its floor
# The floor lies this far under the k-th best of the rows around a block, at least: two float32
# products' rounding (the window's score and the block's, ``dot_rounding``) and two float32 steps,
# so no row that may score the k-th exactly is skipped. 1e-4 covers that up to ~830 dimensions;
# wider tables (a Llama's 4,096) take their own bound.
FLOOR_MARGIN = 1e-4


def _floor(model: Model, q: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """Per query, a score below its k-th best: the k-th best among the rows around the block (a
    word's neighbours are mostly of a like frequency, so near it), less a margin. Rows scoring under
    it cannot be answers, and the search skips them."""
    n = len(model)
    lo, hi = max(0, int(rows.min()) - WINDOW), min(n, int(rows.max()) + 1 + WINDOW)
    if hi - lo > 2 * (len(rows) + 2 * WINDOW):  # scattered words (--words): no block of near rows
        return np.full(len(q), -np.inf, dtype=np.float32)
    near = np.arange(lo, hi)
    near = near[~np.isin(near, model.zero_rows)]
    if len(near) <= k + 1:
        return np.full(len(q), -np.inf, dtype=np.float32)
    scores = q @ np.asarray(model.vectors[near], dtype=np.float32).T
    own = np.searchsorted(near, rows)
    inside = (own < len(near)) & (near[np.minimum(own, len(near) - 1)] == rows)
    scores[np.flatnonzero(inside), own[inside]] = -np.inf  # a word is not its own neighbour
    kth = -np.partition(-scores, k - 1, axis=1)[:, k - 1]
    margin = max(FLOOR_MARGIN, 2 * dot_rounding(model.dims) + 2 * 2.0**-23)
    return (kth - margin).astype(np.float32)


def neighbours_block(model: Model, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, scores) of shape (len(rows), k): each row's k nearest rows, best first. A list shorter
    than k (a tiny model) is padded with id -1 and score NaN; an all-zero row has no neighbours."""
    rows = np.asarray(rows, dtype=np.int64)
    ids = np.full((len(rows), k), -1, dtype=np.int64)
    scores = np.full((len(rows), k), np.nan, dtype=np.float32)
    # The direction a one-word neighbours query has (so the scores are its, to the bit).
    q = model.directions([[Term(1.0, Match("", "", int(r)))] for r in rows.tolist()])
    live = np.flatnonzero(q.any(axis=1))
    if live.size:
        exclude = [[int(r)] for r in rows[live].tolist()]
        # Computed only if the float32 matrix is scanned: the index and the int8 copy need none.
        floor = lambda: _floor(model, q[live], rows[live], k)  # noqa: E731
        found = model.neighbors_of_directions(q[live], top=k, exclude=exclude, floor=floor)
        for j, answer in zip(live.tolist(), found):
            for rank, (row, score) in enumerate(answer):
                ids[j, rank], scores[j, rank] = row, score
    return ids, scores
