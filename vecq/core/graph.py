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
from .words import Match


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
        found = model.neighbors_of_directions(q[live], top=k, exclude=[[int(r)] for r in rows[live].tolist()])
        for j, answer in zip(live.tolist(), found):
            for rank, (row, score) in enumerate(answer):
                ids[j, rank], scores[j, rank] = row, score
    return ids, scores
