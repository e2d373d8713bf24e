"""Searching the approximate index: probe the nearest lists, scan their int8 codes, re-rank exactly."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple, Protocol

import numpy as np

from ..core import threads
from ..core.ranking import exact_dots


class Lists(Protocol):
    """What a search reads of an index (``index.Index`` is one): its lists, their rows and codes."""

    @property
    def centroids(self) -> np.ndarray: ...
    @property
    def rows(self) -> np.ndarray: ...
    @property
    def offsets(self) -> np.ndarray: ...
    @property
    def codes(self) -> np.ndarray: ...
    @property
    def scale(self) -> np.ndarray: ...
    @property
    def nprobe(self) -> int: ...


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
    index: Lists,
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
    answer. ``candidates`` per query are re-ranked exactly (default ``CANDIDATES``). In three named
    steps: choose each query's lists (``_probes``), scan their codes (``_Scan``), rank the survivors
    exactly (``_ranked``).
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
    scan = _Scan(index, (q * index.scale).astype(np.float32), nearest, want, limit)
    flat, owners = probes.ravel(), np.repeat(np.arange(m), probes.shape[1])
    found = Found([], [], [])
    for grouped, nearest_first in ((_groups(nearest, np.arange(m)), True), (_groups(flat, owners), False)):
        groups = list(grouped)
        if m >= PARALLEL_QUERIES:  # a query's floor is set by its one nearest group: no races

            def scan_share(share: Sequence[tuple[int, np.ndarray]], first: bool = nearest_first) -> Found:
                return scan(share, first)

            parts = threads.shares(scan_share, groups)
        else:
            parts = [scan(groups, nearest_first)]
        for part in parts:
            for mine, theirs in zip(found, part):
                mine.extend(theirs)
    if not found.queries:
        return [[] for _ in range(m)]
    return _ranked(found, q, matrix, exclude, zero_rows, k, want, widest)


class _Scan:
    """Scores the int8 codes of probed lists for the queries that probe them, keeping the rows that
    reach their query's floor (the want-th best code score in its nearest list)."""

    LOWEST = np.finfo(np.float32).min  # above NO_SCORE: rows beyond --restrict never pass

    def __init__(self, index: Lists, qs: np.ndarray, nearest: np.ndarray, want: int, limit: int | None):
        self.index, self.qs, self.nearest, self.want, self.limit = index, qs, nearest, want, limit
        self.longest = int(np.diff(index.offsets).max(initial=0))
        self.floor = np.full(len(qs), self.LOWEST, dtype=np.float32)

    def __call__(self, groups: Sequence[tuple[int, np.ndarray]], nearest_first: bool) -> Found:
        """(queries, rows, code scores) of the rows of ``groups``' lists that reach their query's floor.

        With ``nearest_first`` the groups are the queries' nearest lists, and each sets the floor
        of its queries: the want-th best code score there. Any row below it cannot be among its
        query's want best over all probed lists, so it is dropped as soon as it is scored.
        """
        index, floor, want = self.index, self.floor, self.want
        # One float32 slab, reused for every list: a fresh array per list is a fresh allocation
        # whose pages the kernel faults in (and zeroes) every time, about as costly as the conversion.
        slab = np.empty((self.longest, index.codes.shape[1]), dtype=np.float32)
        found = Found([], [], [])
        for lst, who in groups:
            if not nearest_first:
                who = who[self.nearest[who] != lst]  # their nearest list is kept already
                if who.size == 0:
                    continue
            lo, hi = int(index.offsets[lst]), int(index.offsets[lst + 1])
            if hi == lo:
                continue
            rows = index.rows[lo:hi]
            codes = slab[: hi - lo]
            np.copyto(codes, index.codes[lo:hi], casting="unsafe")
            s = self.qs[who] @ codes.T
            if self.limit is not None:
                s[:, rows >= self.limit] = NO_SCORE
            if nearest_first and s.shape[1] >= want:
                cut = s.shape[1] - want
                floor[who] = np.maximum(np.partition(s, cut, axis=1)[:, cut], self.LOWEST)
            hit = np.flatnonzero(s >= floor[who][:, None])
            i, j = np.divmod(hit, s.shape[1])
            found.queries.append(who[i])
            found.rows.append(rows[j])
            found.scores.append(s.ravel()[hit])
        return found


def _ranked(
    found: Found,
    q: np.ndarray,
    matrix: np.ndarray,
    exclude: list[list[int]],
    zero_rows: np.ndarray | None,
    k: int,
    want: int,
    widest: int,
) -> list[list[tuple[int, float]]]:
    """Each query's best ``want`` survivors by code score, re-scored exactly, the best ``k`` kept."""
    m = len(q)
    owner = np.concatenate(found.queries)
    rows = np.concatenate(found.rows).astype(np.int64)
    approx = np.concatenate(found.scores)
    owner, rows = _by_query_best_first(owner, approx, rows, m, len(matrix))
    if zero_rows is not None and zero_rows.size:
        keep = ~np.isin(rows, zero_rows)
        owner, rows = owner[keep], rows[keep]
    # Each query's best ``want`` by code score, not counting its excluded rows: its best
    # ``want + widest`` first (a cheap cut of a graph block's million candidates), then the
    # excluded (query, row) pairs left out, then ``want``.
    owner, rows = _firsts(owner, rows, m, want + widest)
    excluded = [(j, r) for j, e in enumerate(exclude) for r in e]
    if excluded:  # (query, row) pairs, as one key each
        pairs = np.array(excluded, dtype=np.int64)
        keep = ~np.isin(owner * len(matrix) + rows, pairs[:, 0] * len(matrix) + pairs[:, 1])
        owner, rows = owner[keep], rows[keep]
    owner, rows = _firsts(owner, rows, m, want)
    exact = exact_dots(q[owner], matrix, rows)  # the same bits whatever else the batch holds
    order = np.lexsort((rows, -exact, owner))
    owner, rows, exact = owner[order], rows[order], exact[order]
    first = _group_starts(owner, m)
    best = np.arange(len(owner)) - first[owner] < k
    owner, rows, exact = owner[best], rows[best], exact[best]
    cuts = np.searchsorted(owner, np.arange(1, m))
    return [list(zip(r.tolist(), s.tolist())) for r, s in zip(np.split(rows, cuts), np.split(exact, cuts))]


def _by_query_best_first(
    owner: np.ndarray, scores: np.ndarray, rows: np.ndarray, m: int, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """(owner, rows) sorted by query, best code score first, ties by row: so the order never depends
    on which thread scanned which list. One sort of a 64-bit key (query, score, row), five times
    faster than a three-key lexsort on a graph's million candidates a block; when the three do not
    fit in 64 bits the score keeps its highest bits (near-equal code scores then go by row, which
    only reorders candidates that the exact re-scoring ranks anyway)."""
    owner_bits, row_bits = max(1, int(m - 1).bit_length()), max(1, int(n - 1).bit_length())
    score_bits = min(32, 64 - owner_bits - row_bits)
    bits = scores.astype(np.float32).view(np.int32).astype(np.int64)
    ascending = np.where(bits < 0, ~bits & 0x7FFFFFFF, bits | 0x80000000)  # float order, as uint32
    descending = (0xFFFFFFFF - ascending) >> (32 - score_bits)
    key = (
        (owner.astype(np.uint64) << np.uint64(score_bits + row_bits))
        | (descending.astype(np.uint64) << np.uint64(row_bits))
        | rows.astype(np.uint64)
    )
    key.sort()
    return (key >> np.uint64(score_bits + row_bits)).astype(np.int64), (
        key & np.uint64((1 << row_bits) - 1)
    ).astype(np.int64)


def _firsts(owner: np.ndarray, rows: np.ndarray, m: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` entries of each query's run (``owner`` sorted)."""
    first = _group_starts(owner, m)
    kept = np.arange(len(owner)) - first[owner] < count
    return owner[kept], rows[kept]


def _group_starts(owner: np.ndarray, m: int) -> np.ndarray:
    """Where each query's run starts in ``owner`` (sorted query numbers), for queries 0..m-1."""
    return np.searchsorted(owner, np.arange(m))
