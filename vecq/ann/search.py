"""Searching the approximate index: probe the nearest lists, scan their int8 codes, re-rank exactly."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..core import threads

if TYPE_CHECKING:
    from .index import Index


CANDIDATES = 32  # re-ranked exactly per query (at least 2k plus the excluded words)


PARALLEL_QUERIES = 16  # from this many queries a search spreads its lists over the cores


NO_SCORE = np.float32(-np.inf)


def _probes(centroid_scores: np.ndarray, nprobe: int) -> np.ndarray:
    """The ``nprobe`` best lists of each query, (m, nprobe): every list when there are no more."""
    m, lists = centroid_scores.shape
    if nprobe >= lists:
        return np.broadcast_to(np.arange(lists), (m, lists))
    return np.argpartition(-centroid_scores, nprobe - 1, axis=1)[:, :nprobe]


def _groups(lists: np.ndarray, queries: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(list, the queries that probe it), each list once."""
    order = np.argsort(lists, kind="stable")
    lists, queries = lists[order], queries[order]
    cuts = np.flatnonzero(np.diff(lists)) + 1
    for a, b in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(lists)].tolist()):
        yield int(lists[a]), queries[a:b]


class Found(NamedTuple):
    """What a scan kept: arrays of query numbers, row ids and code scores, one of each a list scanned."""

    queries: list[np.ndarray]
    rows: list[np.ndarray]
    scores: list[np.ndarray]


def search(
    index: Index,
    matrix: np.ndarray,
    q: np.ndarray,
    exclude: list[list[int]],
    k: int,
    nprobe: int | None = None,
    zero_rows: np.ndarray | None = None,
    limit: int | None = None,
    candidates: int | None = None,
) -> list[list[tuple[int, float]]]:
    """Top ``k`` (row, exact score) per query among the rows of its probed lists.

    ``q`` (m, d) are unit probe directions; the final ranking is by the float32 dot product with
    ``q``. Rows at or beyond ``limit`` (a --restrict), ``exclude``d rows and all-zero rows never
    answer. ``candidates`` per query are re-ranked exactly (default ``CANDIDATES``).
    """
    m = len(q)
    if m == 0:
        return []
    nprobe = min(nprobe or index.nprobe, len(index.centroids))
    widest = max((len(e) for e in exclude), default=0)
    want = max(candidates or CANDIDATES, 2 * k + widest)
    limit = None if limit is None or limit >= len(index.rows) else limit
    centroid_scores = q @ index.centroids.T
    nearest = np.argmax(centroid_scores, axis=1)
    probes = _probes(centroid_scores, nprobe)
    qs = (q * index.scale).astype(np.float32)
    longest = int(np.diff(index.offsets).max(initial=0))

    def scan(groups: Sequence[tuple[int, np.ndarray]], nearest_first: bool) -> Found:
        """(queries, rows, code scores) of the rows of ``groups``' lists that reach their query's floor.

        With ``nearest_first`` the groups are the queries' nearest lists, and each sets the floor
        of its queries: the want-th best code score there. Any row below it cannot be among its
        query's want best over all probed lists, so it is dropped as soon as it is scored.
        """
        # One float32 slab, reused for every list: a fresh array per list is a fresh allocation
        # whose pages the kernel faults in (and zeroes) every time, about as costly as the conversion.
        slab = np.empty((longest, index.codes.shape[1]), dtype=np.float32)
        found = Found([], [], [])
        for lst, who in groups:
            if not nearest_first:
                who = who[nearest[who] != lst]  # their nearest list is kept already
                if who.size == 0:
                    continue
            lo, hi = int(index.offsets[lst]), int(index.offsets[lst + 1])
            if hi == lo:
                continue
            rows = index.rows[lo:hi]
            codes = slab[: hi - lo]
            np.copyto(codes, index.codes[lo:hi], casting="unsafe")
            s = qs[who] @ codes.T
            if limit is not None:
                s[:, rows >= limit] = NO_SCORE
            if nearest_first and s.shape[1] >= want:
                cut = s.shape[1] - want
                floor[who] = np.maximum(np.partition(s, cut, axis=1)[:, cut], lowest)
            hit = np.flatnonzero(s >= floor[who][:, None])
            i, j = np.divmod(hit, s.shape[1])
            found.queries.append(who[i])
            found.rows.append(rows[j])
            found.scores.append(s.ravel()[hit])
        return found

    lowest = np.finfo(np.float32).min  # above NO_SCORE: rows beyond --restrict never pass
    floor = np.full(m, lowest, dtype=np.float32)
    flat, owners = probes.ravel(), np.repeat(np.arange(m), probes.shape[1])
    found = Found([], [], [])
    for groups, nearest_first in ((_groups(nearest, np.arange(m)), True), (_groups(flat, owners), False)):
        groups = list(groups)
        if m >= PARALLEL_QUERIES:  # a query's floor is set by its one nearest group: no races
            parts = threads.shares(lambda share, first=nearest_first: scan(share, first), groups)
        else:
            parts = [scan(groups, nearest_first)]
        for part in parts:
            for mine, theirs in zip(found, part):
                mine.extend(theirs)
    if not found.queries:
        return [[] for _ in range(m)]
    owner = np.concatenate(found.queries)
    rows = np.concatenate(found.rows).astype(np.int64)
    approx = np.concatenate(found.scores)
    # by query, best code score first; ties by row, so that the order does not depend on which
    # thread scanned which list
    order = np.lexsort((rows, -approx, owner))
    owner, rows = owner[order], rows[order]
    starts = np.searchsorted(owner, np.arange(m))
    ends = np.searchsorted(owner, np.arange(m), "right")
    zero = zero_rows if zero_rows is not None and zero_rows.size else None
    picked = []
    for j in range(m):
        mine = rows[starts[j] : ends[j]]
        bad = np.array(exclude[j], dtype=np.int64)
        if zero is not None:
            bad = np.concatenate([bad, zero])
        if bad.size:
            mine = mine[~np.isin(mine, bad)]
        picked.append(mine[:want])
    # One gather, in file order, for every query's candidates; then exact scores query by query.
    every = np.concatenate(picked)
    ascending = np.argsort(every)
    vectors = np.empty((len(every), matrix.shape[1]), dtype=np.float32)
    vectors[ascending] = matrix[every[ascending]]
    out = []
    at = 0
    for j, mine in enumerate(picked):
        v = vectors[at : at + len(mine)]
        at += len(mine)
        if len(mine) == 0:
            out.append([])
            continue
        exact = np.asarray(v @ q[j], dtype=np.float32)
        top = np.lexsort((mine, -exact))[:k]
        out.append(list(zip(mine[top].tolist(), exact[top].tolist())))
    return out
