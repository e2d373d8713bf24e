"""Approximate neighbours: an inverted-file index with int8 codes, re-ranked exactly.

The rows are clustered once (spherical k-means on a sample, then every row assigned to its nearest
centroid). Each row's unit vector is also stored as int8 codes (one scale per dimension), laid out
list after list, so that the rows of one list are one contiguous slab. A query:

1. scores the centroids and takes the ``nprobe`` best lists;
2. scores the codes of those lists (a slab at a time, each slab shared by every query of a batch that
   probes it), keeping only rows that can still be among its best ``candidates``: the bound is the
   ``candidates``-th best code score in the query's nearest list, known before the other lists;
3. re-ranks those candidates *exactly* against the memory-mapped float32 matrix.

So every reported score is the exact cosine; the approximations are which rows are looked at (the
lists) and which are re-ranked (the codes), and both are measured at build time (recall@10 against
exact search, with and without the codes) and stored. The codes are a quarter of the float32
matrix's size; scanning them, not the scattered float32 rows, is what makes a probe cheap.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from . import cores
from .layout import as_path, index_dir
from .progress import NULL_REPORTER, Reporter
from .store import AlignedWriter, npy_header, rmtree, swap_in

if TYPE_CHECKING:  # pathlib is imported where an index is written (see layout)
    from pathlib import Path

FORMAT_VERSION = 2
FILES = ("centroids.npy", "rows.npy", "offsets.npy", "codes.npy", "scale.npy")
NPROBE_CHOICES = (4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
TARGET_RECALL = 0.97
CANDIDATES = 32  # re-ranked exactly per query (at least 2k plus the excluded words)
PARALLEL_QUERIES = 16  # from this many queries a search spreads its lists over the cores
NO_SCORE = np.float32(-np.inf)


class Index(NamedTuple):
    centroids: np.ndarray  # (L, d) unit rows
    rows: np.ndarray  # int32 row ids grouped by list
    offsets: np.ndarray  # int64 (L + 1)
    codes: np.ndarray  # int8 (n, d): the unit rows in list order; code * scale ~ component
    scale: np.ndarray  # float32 (d,)
    meta: dict

    @property
    def nprobe(self) -> int:
        return int(self.meta["nprobe"])


def n_lists(rows: int) -> int:
    return int(min(4096, max(8, round(2 * np.sqrt(rows)))))


def _assign(
    matrix: np.ndarray, centroids: np.ndarray, start: int, stop: int, step: int = 32768
) -> np.ndarray:
    out = np.empty(stop - start, dtype=np.int32)
    for s in range(start, stop, step):
        e = min(stop, s + step)
        out[s - start : e - start] = np.argmax(np.asarray(matrix[s:e]) @ centroids.T, axis=1)
    return out


def train(sample: np.ndarray, lists: int, iterations: int = 10, seed: int = 0) -> np.ndarray:
    """Spherical k-means: centroids are unit means of their members; empty lists are reseeded."""
    rng = np.random.default_rng(seed)
    centroids = sample[rng.choice(len(sample), lists, replace=False)].copy()
    for _ in range(iterations):
        labels = _assign(sample, centroids, 0, len(sample))
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, sample)
        norms = np.linalg.norm(sums, axis=1)
        empty = norms == 0
        if empty.any():
            sums[empty] = sample[rng.choice(len(sample), int(empty.sum()), replace=False)]
            norms[empty] = np.linalg.norm(sums[empty], axis=1)
        centroids = (sums / np.where(norms > 0, norms, 1)[:, None]).astype(np.float32)
    return centroids


def build(
    matrix: np.ndarray,
    exact_top: Callable[[np.ndarray, list[list[int]], int], list[list[tuple[int, float]]]],
    folder: str | os.PathLike,
    lists: int | None = None,
    sample_size: int = 100_000,
    queries: int = 500,
    reporter: Reporter = NULL_REPORTER,
    seed: int = 0,
) -> Index:
    """Cluster ``matrix`` (unit rows) into ``folder / 'ivf'``, measuring recall@10 against ``exact_top``.

    Written into a temporary sibling and renamed into place, like the cache itself: a killed build
    leaves the previous index (or none), never half of one.
    """
    started = time.time()
    n, dims = matrix.shape
    lists = min(lists or n_lists(n), n)
    rng = np.random.default_rng(seed)
    folder = as_path(folder)
    sweep(folder)
    tmp = folder / f".ivf-tmp-{os.getpid()}-{os.urandom(4).hex()}"
    tmp.mkdir()
    try:
        with reporter.task(f"training {lists} lists", None):
            pick = np.sort(rng.choice(n, min(n, max(sample_size, lists * 4)), replace=False))
            sample = np.asarray(matrix[pick], dtype=np.float32)
            centroids = train(sample, lists, seed=seed)
            del sample
        labels = np.empty(n, dtype=np.int32)
        peak = np.zeros(dims, dtype=np.float32)  # largest |component| per dimension: the codes' range
        step = 65536
        with reporter.task("assigning rows to lists", n) as task:
            for s in range(0, n, step):
                e = min(n, s + step)
                block = np.asarray(matrix[s:e], dtype=np.float32)
                labels[s:e] = _assign(block, centroids, 0, e - s)
                np.maximum(peak, np.abs(block).max(axis=0), out=peak)
                task.update(e)
        rows = np.argsort(labels, kind="stable").astype(np.int32)
        offsets = np.zeros(lists + 1, dtype=np.int64)
        np.cumsum(np.bincount(labels, minlength=lists), out=offsets[1:])
        del labels
        scale = (np.where(peak > 0, peak, 1.0) / 127.0).astype(np.float32)
        for name, array in (("centroids", centroids), ("rows", rows), ("offsets", offsets), ("scale", scale)):
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        _write_codes(tmp / "codes.npy", matrix, rows, scale, reporter)
        built = time.time() - started
        index = _open(tmp, {"nprobe": NPROBE_CHOICES[-1]})
        with reporter.task("measuring recall@10", None):
            meta = _measure(index, matrix, exact_top, rng, queries)
        files = {name: (tmp / name).stat().st_size for name in FILES}
        meta = {"format": FORMAT_VERSION, "lists": lists, **meta, "rows": n}
        meta |= {"build_seconds": round(built, 1), "mean_list": n / lists, "files": files}
        (tmp / "index.json").write_text(json.dumps(meta, indent=1))
        index = index._replace(meta=meta)
        swap_in(tmp, as_path(index_dir(folder)), folder / f".ivf-old-{os.urandom(4).hex()}")
    except BaseException:
        rmtree(tmp, ignore_errors=True)
        raise
    return load(folder) or index


def _write_codes(path: Path, matrix: np.ndarray, rows: np.ndarray, scale: np.ndarray, reporter: Reporter):
    """The int8 codes of ``matrix[rows]``, in that order, with plain writes (no writable mapping)."""
    n, dims = len(rows), matrix.shape[1]
    step = 65536
    # 2 MiB page-cache folios (AlignedWriter): fewer faults per probed slab
    with open(path, "wb") as raw, AlignedWriter(raw) as f, reporter.task("writing int8 codes", n) as task:
        npy_header(f, (n, dims), np.int8)
        for s in range(0, n, step):
            chunk = rows[s : s + step]
            ascending = np.argsort(chunk)  # gather in file order, put back in list order
            block = np.empty((len(chunk), dims), dtype=np.float32)
            block[ascending] = matrix[chunk[ascending]]
            np.divide(block, scale, out=block)
            np.rint(block, out=block)
            np.clip(block, -127, 127, out=block)
            f.write(memoryview(block.astype(np.int8)))
            task.update(s + len(chunk))


def _measure(index: Index, matrix: np.ndarray, exact_top, rng: np.random.Generator, queries: int) -> dict:
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
    score_rows: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    zero_rows: np.ndarray | None = None,
    limit: int | None = None,
    candidates: int | None = None,
) -> list[list[tuple[int, float]]]:
    """Top ``k`` (row, exact score) per query among the rows of its probed lists.

    ``q`` (m, d) are unit probe directions. ``score_rows(vectors, query_ids)`` -> (len(query_ids),
    len(vectors)) gives the exact scores used for the final ranking; by default the dot product
    with ``q``. Rows at or beyond ``limit`` (a --restrict), ``exclude``d rows and all-zero rows never
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
            parts = cores.shares(lambda share, first=nearest_first: scan(share, first), groups)
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
        exact = score_rows(v, np.array([j]))[0] if score_rows is not None else v @ q[j]
        exact = np.asarray(exact, dtype=np.float32)
        top = np.lexsort((mine, -exact))[:k]
        out.append(list(zip(mine[top].tolist(), exact[top].tolist())))
    return out


# -- on disk --------------------------------------------------------------------------------------


def _open(target: str, meta: dict) -> Index:
    def arr(name: str) -> np.ndarray:
        # a plain ndarray view of the mapping: slicing a np.memmap costs microseconds more per call
        return np.asarray(np.load(os.path.join(target, name), mmap_mode="r", allow_pickle=False))

    return Index(
        arr("centroids.npy"),
        arr("rows.npy"),
        np.array(arr("offsets.npy")),
        arr("codes.npy"),
        np.array(arr("scale.npy")),
        meta,
    )


def load(folder: str | os.PathLike) -> Index | None:
    """The index in ``folder``, memory-mapped; None when absent, incomplete or of another version."""
    target = index_dir(folder)
    try:
        with open(os.path.join(target, "index.json"), encoding="utf-8") as f:
            meta = json.loads(f.read())
        if meta.get("format") != FORMAT_VERSION:
            return None
        for name, size in meta["files"].items():
            if os.stat(os.path.join(target, name)).st_size != size:
                return None
        return _open(target, meta)
    except (OSError, ValueError, KeyError):
        return None


def sweep(folder: str | os.PathLike) -> int:
    """Delete what killed builds left in ``folder`` (never read: only ``ivf/`` is). Call under its lock."""
    folder = as_path(folder)
    leftovers = [p for p in folder.glob(".ivf-*") if p.name.startswith((".ivf-tmp-", ".ivf-old-"))]
    for p in leftovers:
        rmtree(p, ignore_errors=True)
    return len(leftovers)


def size_on_disk(folder: str | os.PathLike) -> int:
    target = as_path(index_dir(folder))
    return sum(p.stat().st_size for p in target.iterdir()) if target.is_dir() else 0
