"""The best k rows of a matrix for many queries at once, from row blocks that stay in the CPU cache.

Every exact search of vecq ends here (neighbours, analogies, the gensim API): scores come from one
matrix product per block of rows, and each query's top k is kept while the blocks stream past, so no
temporary is ever as large as the matrix and a batch of queries costs one pass over it.

Blocks are small enough for their scores to stay in the CPU cache. After the first block each query
has a running k-th best score, and a later block only costs one comparison with it, plus a merge of
the few rows that improve some query. Everything per block is vectorised, so a 1,000-query
batch over 3M rows stays near the cost of its matrix products. Excluded rows (the queries' own words)
and all-zero rows are masked to -inf before ranking, which is what gensim's "ask for k +
len(exclude), then drop them" comes to.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# From two queries a scan is compute-bound (BLAS multiplies them, no longer one at a time), and
# two threads under one BLAS thread each beat one product threaded by BLAS: on 3M x 300, 2 queries
# 0.29 s against 0.37 s, 8 queries 0.39 against 0.46, 64 queries 0.95 against 1.06 (docs/design.md).
SPREAD_QUERIES = 2


def block_rows(m: int) -> int:
    """Rows per block: a block's scores stay near 1M floats (4 MB, cache-sized) whatever the batch.

    At most 65,536 rows: the first block is partitioned whole, and for a single query a block of a
    million rows made that partition a fifth of the query's time; later blocks cost a maximum.
    """
    return max(1024, min(1 << 16, (1 << 20) // max(m, 1)))


def top_k(
    score_block: Callable[..., np.ndarray],
    matrix: np.ndarray,
    searched: int,
    queries: int,
    exclude: list[list[int]],
    *,
    k: int,
    zero_rows: np.ndarray,
    bound: Callable[[np.ndarray], np.ndarray] | None = None,
    floor: np.ndarray | None = None,
    first: int = 0,
    window: np.ndarray | None = None,
    window_cap: int = 1 << 62,
    rows_per_block: int | None = None,
) -> list[list[tuple[int, float]]]:
    """(row, score) lists: the best ``k`` rows of ``matrix[first:searched]`` for each of ``queries``
    queries (``first`` > 0: a frequency band), best first, ties by row. ``score_block(block)``: the
    (queries, len(block)) scores of a block of rows. ``bound(block)`` (an upper bound per query):
    a later block is scored only for the queries it could improve, ``score_block(block, which)``.
    ``floor`` (per query, below its k-th best): a later block's rows under it are skipped.
    ``window`` (per query): each list also holds every row within it of the k-th best (the int8
    copy's batches); a list longer than ``window_cap`` is a query whose window held too many rows to
    keep (not all there, nor ranked). ``rows_per_block`` overrides ``block_rows``."""
    first = max(0, min(first, searched))
    k = max(0, min(k, searched - first))
    if queries == 0 or k == 0:
        return [[] for _ in range(queries)]
    best_s = np.full((queries, k), -np.inf, dtype=np.float32)
    low = np.full(queries, -np.inf, dtype=np.float32) if floor is None else np.asarray(floor, np.float32)
    best_r = np.full((queries, k), -1, dtype=np.int64)
    excluded = _by_row(exclude)
    zero_rows = np.sort(zero_rows[zero_rows < searched])
    everyone = np.arange(queries)
    step = rows_per_block or block_rows(queries)
    near = _Near(window, window_cap, queries) if window is not None else None
    for start in range(first, searched, step):
        stop = min(searched, start + step)
        live, s = _scored(score_block, bound, matrix[start:stop], best_s[:, -1], start > first, everyone)
        if s is None:
            continue
        s = np.asarray(s, dtype=np.float32).reshape(len(live), stop - start)
        _mask(s, start, stop, live, everyone, excluded, zero_rows)
        if near is not None and start > first:  # the rows near the k-th hold every improvement
            near.add(_fold_near(best_s, best_r, low, s, live, near.cut(live, best_s[live, -1]), start))
            continue
        if start == first:
            _fold_first(best_s, best_r, live, s, start, k)
        else:
            _fold_later(best_s, best_r, low, live, s, start, k)
        if near is not None:
            near.add(_within(s, live, near.cut(live, best_s[live, -1]), start))
    if near is not None:
        return near.lists(best_s[:, -1])
    # -inf marks a slot no row filled (or a masked row); +inf is a row's bound from above that
    # bounds nothing (``cosmul_upper``), a candidate to score exactly like any other
    kept = best_s > -np.inf
    return [list(zip(best_r[q][kept[q]].tolist(), best_s[q][kept[q]].tolist())) for q in range(queries)]


def spread_top_k(
    score_block: Callable[..., np.ndarray],
    matrix: np.ndarray,
    searched: int,
    queries: int,
    exclude: list[list[int]],
    *,
    k: int,
    zero_rows: np.ndarray,
    bound: Callable[[np.ndarray], np.ndarray] | None = None,
    floor: np.ndarray | None = None,
    first: int = 0,
) -> list[list[tuple[int, float]]]:
    """``top_k``, with the rows shared among the cores when the batch is compute-bound (at least
    ``SPREAD_QUERIES`` queries): one contiguous part a core (``threads.spread``), each scanned under
    one BLAS thread, and each query's lists merged by (score, row). A part's best k hold every row
    of the whole scan's best k, so the merged lists are the scan's, up to BLAS's rounding, which
    differs with the product's shape anyway (``Model.best_rows`` rescores exactly)."""
    first = max(0, min(first, searched))
    step = block_rows(queries)

    def part(lo: int, hi: int) -> list[list[tuple[int, float]]]:
        return top_k(
            score_block,
            matrix,
            hi,
            queries,
            exclude,
            k=k,
            zero_rows=zero_rows,
            bound=bound,
            floor=floor,
            first=lo,
        )

    if queries < SPREAD_QUERIES or searched - first < 2 * step:
        return part(first, searched)
    from . import threads  # here: a single query never loads it (tests/test_startup.py)

    parts = threads.spread(part, first, searched, step)
    if len(parts) == 1:
        return parts[0]
    return [sorted((c for p in lists for c in p), key=lambda c: (-c[1], c[0]))[:k] for lists in zip(*parts)]


def _scored(
    score_block: Callable[..., np.ndarray],
    bound: Callable[[np.ndarray], np.ndarray] | None,
    block: np.ndarray,
    kth: np.ndarray,
    later: bool,
    everyone: np.ndarray,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The queries a block is scored for, and their scores: every query, unless a ``bound`` shows
    that a ``later`` block (not the first) cannot improve some queries' ``kth`` best (None: none)."""
    if bound is None:
        return everyone, score_block(block)
    live = everyone
    if later:
        live = np.flatnonzero(bound(block) > kth)
        if live.size == 0:
            return live, None
    return live, score_block(block, live)


def _within(
    s: np.ndarray, live: np.ndarray, cut: np.ndarray, start: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query, row, score) of the scores ``s`` (queries ``live``, rows from ``start``) at least each
    query's ``cut``. The cut only rises block by block, so what is kept holds every row at least the
    final cut; ``_Near.lists`` drops the rest. One comparison over the block, no copy of it."""
    low = cut.astype(np.float32)  # compared as float32 (the faster), rounded down: never above the cut
    low = np.where(low > cut, np.nextafter(low, np.float32(-np.inf)), low)
    i, j, scores = _passing(s, low, np.greater_equal)
    return live[i], j + start, scores


def _passing(
    s: np.ndarray, limit: np.ndarray, compare: np.ufunc
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query, column, score) of the (queries, rows) scores ``s`` that ``compare`` (a ufunc:
    ``np.greater``, ``np.greater_equal``) finds past each query's ``limit``. One comparison, read
    in the scores' own memory order: the transposed view of a product ``block @ q.T`` (rows first)
    is read as it lies, with no copy."""
    if s.flags.f_contiguous and not s.flags.c_contiguous:  # rows first
        flat = np.flatnonzero(compare(s.T, limit))
        j, i = np.divmod(flat, s.shape[0])
        return i, j, s.T.reshape(-1)[flat]
    flat = np.flatnonzero(compare(s, limit[:, None]))
    i, j = np.divmod(flat, s.shape[1])
    return i, j, s.reshape(-1)[flat]


def _fold_near(
    best_s: np.ndarray,
    best_r: np.ndarray,
    low: np.ndarray,
    s: np.ndarray,
    live: np.ndarray,
    cut: np.ndarray,
    start: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A later block's rows at least each query's ``cut`` (``_within``; the cut is below the k-th
    best), folded into the running best k: a row that improves them is among those rows, so the
    block's scores are read once."""
    found = _within(s, live, cut, start)
    q, rows, scores = found
    up = scores > np.maximum(best_s[q, -1], low[q])
    if up.any():
        _merge_hits(best_s, best_r, q[up], rows[up], scores[up])
    return found


class _Near:
    """The rows within each query's window of its running k-th best, block after block, and the
    queries whose windows held more than ``cap`` rows (crowded: they stop keeping rows)."""

    def __init__(self, window: np.ndarray, cap: int, queries: int):
        self.window = np.asarray(window, dtype=np.float64)
        self.cap = cap
        self.kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (query, row, score)
        self.counts = np.zeros(queries, dtype=np.int64)
        self.crowded = np.zeros(queries, dtype=bool)

    def cut(self, live: np.ndarray, kth: np.ndarray) -> np.ndarray:
        """The scores at least which a block's rows are kept, for the queries ``live``."""
        return np.where(self.crowded[live], np.inf, kth - self.window[live])

    def add(self, found: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        self.kept.append(found)
        self.counts += np.bincount(found[0], minlength=len(self.counts))
        self.crowded |= self.counts > self.cap

    def lists(self, kth: np.ndarray) -> list[list[tuple[int, float]]]:
        """Each query's kept rows scoring at least its final cut, best first, ties by row (a
        crowded query: more than ``cap`` of its rows, unranked)."""
        parts = self.kept or [(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32))]
        q, rows, scores = (np.concatenate([part[i] for part in parts]) for i in range(3))
        # A masked row (excluded, all zero) scores -inf, and so passes a cut of -inf: a query
        # asking for at least as many rows as the search holds. Never an answer.
        keep = (scores > -np.inf) & ((scores >= kth[q] - self.window[q]) | self.crowded[q])
        q, rows, scores = q[keep], rows[keep], scores[keep]
        order = np.lexsort((rows, -scores, q))
        q, rows, scores = q[order], rows[order], scores[order]
        bounds = np.searchsorted(q, np.arange(len(self.counts) + 1))
        return [
            list(zip(rows[a:b].tolist(), scores[a:b].tolist()))[: self.cap + 1]
            for a, b in zip(bounds[:-1], bounds[1:])
        ]


def _by_row(exclude: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """The excluded rows, in row order, and the query excluding each."""
    rows = np.array([r for e in exclude for r in e], dtype=np.int64)
    queries = np.array([j for j, e in enumerate(exclude) for _ in e], dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    return rows[order], queries[order]


def _mask(
    s: np.ndarray,
    start: int,
    stop: int,
    live: np.ndarray,
    everyone: np.ndarray,
    excluded: tuple[np.ndarray, np.ndarray],
    zero_rows: np.ndarray,
) -> None:
    """Set to -inf, in the scores ``s`` of rows ``[start, stop)`` for the queries ``live``, the rows
    each query excludes (``excluded``: rows and their queries, by row) and the all-zero rows."""
    ex_r, ex_j = excluded
    lo, hi = np.searchsorted(ex_r, [start, stop])
    if hi > lo:
        if live is everyone:
            s[ex_j[lo:hi], ex_r[lo:hi] - start] = -np.inf
        else:
            at = np.full(len(everyone), -1, dtype=np.int64)
            at[live] = np.arange(len(live))
            hit = at[ex_j[lo:hi]]
            s[hit[hit >= 0], ex_r[lo:hi][hit >= 0] - start] = -np.inf
    zlo, zhi = np.searchsorted(zero_rows, [start, stop])
    if zhi > zlo:
        s[:, zero_rows[zlo:zhi] - start] = -np.inf


def _fold_first(
    best_s: np.ndarray, best_r: np.ndarray, live: np.ndarray, s: np.ndarray, start: int, k: int
) -> None:
    """The first block's best ``k`` rows (scores ``s``, one row of them per query of ``live``; the
    block starts at row ``start``) as the queries' running top ``k``."""
    take = min(k, s.shape[1])
    whole = take == s.shape[1]
    idx = np.broadcast_to(np.arange(s.shape[1]), s.shape) if whole else best_columns(s, take)
    _merge(best_s, best_r, live, np.take_along_axis(s, idx, axis=1), idx + start)


def _fold_later(
    best_s: np.ndarray,
    best_r: np.ndarray,
    low: np.ndarray,
    live: np.ndarray,
    s: np.ndarray,
    start: int,
    k: int,
) -> None:
    """Fold a later block's scores ``s`` (one row of them per query of ``live``; the block starts at
    row ``start``) into those queries' running top ``k``.

    One comparison of the block with each query's k-th best finds every improvement (``_passing``,
    no copy of the block). Usually a query gains a row or two, merged as they are; only a query
    with more than k of them partitions its row of the block.
    """
    i, row, scores = _passing(s, np.maximum(best_s[live, -1], low[live]), np.greater)
    if i.size == 0:
        return
    counts = np.bincount(i, minlength=len(live))
    few = counts[i] <= k
    if few.any():
        _merge_hits(best_s, best_r, live[i[few]], row[few] + start, scores[few])
    many = np.flatnonzero(counts > k)
    if many.size:
        sub = s[many]
        idx = best_columns(sub, k)
        _merge(best_s, best_r, live[many], np.take_along_axis(sub, idx, axis=1), idx + start)


def best_columns(s: np.ndarray, k: int) -> np.ndarray:
    """The columns of each row's ``k`` best scores of ``s`` (k < columns), ties by column: where
    more columns tie the k-th best than are left to take, the lowest of them (``argpartition``
    alone takes any, and a tie is then answered by chance: an all-equal block, duplicate rows)."""
    idx = np.argpartition(-s, k - 1, axis=1)[:, :k]
    best = np.take_along_axis(s, idx, axis=1)
    kth = best.min(axis=1)
    taken = (best == kth[:, None]).sum(axis=1)
    for r in np.flatnonzero((s == kth[:, None]).sum(axis=1) > taken):
        cols = np.flatnonzero(s[r] >= kth[r])
        idx[r] = cols[np.lexsort((cols, -s[r, cols]))[:k]]
    return idx


def _merge_hits(
    best_s: np.ndarray, best_r: np.ndarray, q: np.ndarray, rows: np.ndarray, scores: np.ndarray
) -> None:
    """Fold hits (query ``q``, row, score) into their queries' running top k: each query's best k
    hits by (score, row), merged."""
    k = best_s.shape[1]
    order = np.lexsort((rows, -scores, q))
    q, rows, scores = q[order], rows[order], scores[order]
    new_query = np.r_[True, q[1:] != q[:-1]]
    starts = np.flatnonzero(new_query)
    group = np.cumsum(new_query) - 1
    slot = np.arange(len(q)) - starts[group]
    keep = slot < k
    _merge(
        best_s,
        best_r,
        q[starts],
        *_slotted(group[keep], slot[keep], scores[keep], rows[keep], len(starts), k),
    )


def _slotted(
    group: np.ndarray, slot: np.ndarray, scores: np.ndarray, rows: np.ndarray, groups: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """(groups, k) candidate scores and rows for ``_merge``: entry e at ``[group[e], slot[e]]``, the
    slots no entry fills at -inf and row -1."""
    cand_s = np.full((groups, k), -np.inf, dtype=np.float32)
    cand_r = np.full((groups, k), -1, dtype=np.int64)
    cand_s[group, slot] = scores
    cand_r[group, slot] = rows
    return cand_s, cand_r


def _merge(
    best_s: np.ndarray, best_r: np.ndarray, rows: np.ndarray, cand_s: np.ndarray, cand_r: np.ndarray
) -> None:
    """Fold candidates into the running top k of ``rows`` (ties keep the lower row first)."""
    merged_s = np.concatenate([best_s[rows], cand_s], axis=1)
    merged_r = np.concatenate([best_r[rows], np.asarray(cand_r, dtype=np.int64)], axis=1)
    order = np.lexsort((merged_r, -merged_s), axis=1)[:, : best_s.shape[1]]
    best_s[rows] = np.take_along_axis(merged_s, order, axis=1)
    best_r[rows] = np.take_along_axis(merged_r, order, axis=1)
