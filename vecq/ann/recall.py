"""Recall@10 of the approximate index against exact search, measured when the index is built."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import TARGET_RECALL
from .index import NPROBE_CHOICES, Index
from .search import CANDIDATES, _probes, search


def measure(
    index: Index,
    matrix: np.ndarray,
    exact_top: Callable[[np.ndarray, list[list[int]], int], list[list[tuple[int, float]]]],
    rng: np.random.Generator,
    queries: int,
) -> dict:
    """Recall@10 against exact search for growing nprobe; the smallest reaching the target is kept.

    The queries are words among the 100,000 most frequent (what people ask about). At the chosen
    nprobe, recall is also measured with every probed row re-ranked exactly: the difference is what
    the int8 codes cost.
    """
    n, lists = len(matrix), len(index.centroids)
    picked = np.sort(rng.choice(min(n, 100_000), min(queries, n), replace=False))
    q = np.asarray(matrix[picked], dtype=np.float32)
    exclude = [[int(r)] for r in picked]
    truth = exact_top(q, exclude, 10)
    recall: dict[int, float] = {}
    for nprobe in NPROBE_CHOICES:
        if nprobe > lists:
            break
        recall[nprobe] = _recall(truth, search(index, matrix, q, exclude, 10, nprobe=nprobe))
        if recall[nprobe] >= TARGET_RECALL:
            break
    if not recall:  # fewer lists than the smallest choice: probe them all
        recall[lists] = _recall(truth, search(index, matrix, q, exclude, 10, nprobe=lists))
    chosen = next((p for p, r in recall.items() if r >= TARGET_RECALL), max(recall))
    # Were every probed row re-ranked, a true neighbour would be found exactly when its list is probed.
    owner = np.empty(n, dtype=np.int32)
    owner[index.rows] = np.repeat(np.arange(lists, dtype=np.int32), np.diff(index.offsets))
    probed = _probes(q @ index.centroids.T, chosen)
    reachable = sum(sum(owner[r] in probed[j] for r, _ in t) for j, t in enumerate(truth))
    return {
        "nprobe": chosen,
        "recall_at_10": recall[chosen],
        "recall_without_codes": reachable / max(1, sum(len(t) for t in truth)),
        "recall_by_nprobe": {str(k): v for k, v in recall.items()},
        "queries": len(picked),
        "candidates": CANDIDATES,
    }


def _recall(truth: list[list[tuple[int, float]]], approx: list[list[tuple[int, float]]]) -> float:
    hits = sum(len({r for r, _ in t} & {r for r, _ in a}) for t, a in zip(truth, approx))
    total = sum(len(t) for t in truth)
    return hits / total if total else 1.0
