"""Approximate neighbours: an inverted-file index over the cached unit matrix, with exact scores.

The rows are clustered once (spherical k-means on a sample, then every row assigned to its nearest
centroid). A query scores the centroids, takes the ``nprobe`` best lists, and scores the rows in
them *exactly* against the memory-mapped float32 matrix. So:

- the index holds no copy of the vectors: centroids plus one int32 row id per word, about 1% of
  the matrix's size;
- every score it reports is the exact cosine; the only approximation is which rows are looked at,
  and recall@10 against exact search is measured at build time and stored;
- a batch is answered list by list: each probed list is gathered once for all the queries that
  probe it, so a thousand queries cost one pass over the lists they touch.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .progress import NULL_REPORTER, Reporter

FORMAT_VERSION = 1
FOLDER = "ivf"
NPROBE_CHOICES = (4, 8, 16, 32, 64, 128, 256)
TARGET_RECALL = 0.97


@dataclass
class Index:
    centroids: np.ndarray  # (L, d) unit rows
    rows: np.ndarray  # int32 row ids grouped by list
    offsets: np.ndarray  # int64 (L + 1)
    meta: dict

    @property
    def nprobe(self) -> int:
        return int(self.meta["nprobe"])

    def probe(self, q: np.ndarray, nprobe: int | None = None) -> np.ndarray:
        """The ``nprobe`` best lists for each query row of ``q`` (m, d) -> (m, nprobe)."""
        nprobe = min(nprobe or self.nprobe, len(self.centroids))
        s = q @ self.centroids.T
        if nprobe >= s.shape[1]:
            return np.broadcast_to(np.arange(s.shape[1]), s.shape)
        return np.argpartition(-s, nprobe - 1, axis=1)[:, :nprobe]


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
    lists: int | None = None,
    sample_size: int = 100_000,
    queries: int = 200,
    reporter: Reporter = NULL_REPORTER,
    seed: int = 0,
) -> Index:
    """Cluster ``matrix`` (unit rows) and measure recall@10 against ``exact_top``."""
    started = time.time()
    n = matrix.shape[0]
    lists = min(lists or n_lists(n), n)
    rng = np.random.default_rng(seed)
    with reporter.task(f"training {lists} lists", None):
        pick = np.sort(rng.choice(n, min(n, max(sample_size, lists * 4)), replace=False))
        sample = np.asarray(matrix[pick], dtype=np.float32)
        centroids = train(sample, lists, seed=seed)
    labels = np.empty(n, dtype=np.int32)
    step = 65536
    with reporter.task("assigning rows to lists", n) as task:
        for s in range(0, n, step):
            e = min(n, s + step)
            labels[s:e] = _assign(matrix, centroids, s, e)
            task.update(e)
    rows = np.argsort(labels, kind="stable").astype(np.int32)
    offsets = np.zeros(lists + 1, dtype=np.int64)
    np.cumsum(np.bincount(labels, minlength=lists), out=offsets[1:])
    index = Index(centroids, rows, offsets, {"lists": lists, "nprobe": NPROBE_CHOICES[-1]})
    built = time.time() - started
    with reporter.task("measuring recall@10", None):
        qrows = rng.choice(min(n, 100_000), min(queries, n), replace=False)
        q = np.asarray(matrix[np.sort(qrows)], dtype=np.float32)
        exclude = [[int(r)] for r in np.sort(qrows)]
        truth = exact_top(q, exclude, 10)
        recall = {}
        for nprobe in NPROBE_CHOICES:
            if nprobe > lists:
                break
            approx = search(index, matrix, q, exclude, 10, nprobe=nprobe)
            recall[nprobe] = _recall(truth, approx)
            if recall[nprobe] >= TARGET_RECALL:
                break
    chosen = next((p for p, r in recall.items() if r >= TARGET_RECALL), max(recall))
    index.meta = {
        "format": FORMAT_VERSION,
        "lists": lists,
        "nprobe": chosen,
        "recall_at_10": recall[chosen],
        "recall_by_nprobe": {str(k): v for k, v in recall.items()},
        "queries": len(qrows),
        "rows": n,
        "build_seconds": round(built, 1),
        "mean_list": n / lists,
    }
    return index


def _recall(truth: list[list[tuple[int, float]]], approx: list[list[tuple[int, float]]]) -> float:
    hits = sum(len({r for r, _ in t} & {r for r, _ in a}) for t, a in zip(truth, approx))
    total = sum(len(t) for t in truth)
    return hits / total if total else 1.0


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
) -> list[list[tuple[int, float]]]:
    """Top ``k`` (row, exact score) per query among the rows of its probed lists.

    ``score_rows(vectors, query_ids)`` -> (len(query_ids), len(vectors)) scores; by default the dot
    product with ``q``. Rows at or beyond ``limit`` (a --restrict) and all-zero rows never answer.
    """
    m = q.shape[0]
    probes = index.probe(q, nprobe)
    by_list: dict[int, list[int]] = {}
    for j, lists in enumerate(probes.tolist()):
        for lst in lists:
            by_list.setdefault(lst, []).append(j)
    cand_rows: list[list[np.ndarray]] = [[] for _ in range(m)]
    cand_scores: list[list[np.ndarray]] = [[] for _ in range(m)]
    for lst, qs in by_list.items():
        rows = index.rows[index.offsets[lst] : index.offsets[lst + 1]]
        if limit is not None:
            rows = rows[rows < limit]
        if rows.size == 0:
            continue
        vecs = np.asarray(matrix[rows], dtype=np.float32)  # ascending within a list: a forward gather
        qs_arr = np.array(qs)
        s = score_rows(vecs, qs_arr) if score_rows is not None else q[qs_arr] @ vecs.T
        for i, j in enumerate(qs):
            cand_rows[j].append(rows)
            cand_scores[j].append(s[i])
    zero = set(zero_rows.tolist()) if zero_rows is not None and zero_rows.size else set()
    out = []
    for j in range(m):
        if not cand_rows[j]:
            out.append([])
            continue
        rows = np.concatenate(cand_rows[j]).astype(np.int64)
        scores = np.concatenate(cand_scores[j]).astype(np.float32)
        bad = set(exclude[j]) | zero
        if bad:
            keep = ~np.isin(rows, np.fromiter(bad, dtype=np.int64))
            rows, scores = rows[keep], scores[keep]
        take = min(k, len(rows))
        if take == 0:
            out.append([])
            continue
        top = np.argpartition(-scores, take - 1)[:take] if take < len(rows) else np.arange(len(rows))
        order = top[np.lexsort((rows[top], -scores[top]))]
        out.append(list(zip(rows[order].tolist(), scores[order].tolist())))
    return out


# -- on disk --------------------------------------------------------------------------------------


def save(index: Index, folder: Path) -> None:
    """Write into ``folder / 'ivf'`` atomically (a temporary sibling renamed into place)."""
    tmp = folder / f".ivf-tmp-{os.getpid()}-{os.urandom(4).hex()}"
    tmp.mkdir()
    try:
        np.save(tmp / "centroids.npy", index.centroids, allow_pickle=False)
        np.save(tmp / "rows.npy", index.rows, allow_pickle=False)
        np.save(tmp / "offsets.npy", index.offsets, allow_pickle=False)
        files = {name: (tmp / name).stat().st_size for name in ("centroids.npy", "rows.npy", "offsets.npy")}
        (tmp / "index.json").write_text(json.dumps({**index.meta, "files": files}, indent=1))
        target = folder / FOLDER
        if target.exists():
            old = folder / f".ivf-old-{os.urandom(4).hex()}"
            target.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load(folder: Path) -> Index | None:
    """The index in ``folder``, memory-mapped; None when absent or incomplete."""
    target = folder / FOLDER
    try:
        meta = json.loads((target / "index.json").read_text())
        if meta.get("format") != FORMAT_VERSION:
            return None
        for name, size in meta["files"].items():
            if (target / name).stat().st_size != size:
                return None

        def arr(name: str) -> np.ndarray:
            return np.load(target / name, mmap_mode="r", allow_pickle=False)

        return Index(np.asarray(arr("centroids.npy")), arr("rows.npy"), np.asarray(arr("offsets.npy")), meta)
    except (OSError, ValueError, KeyError):
        return None


def size_on_disk(folder: Path) -> int:
    target = folder / FOLDER
    return sum(p.stat().st_size for p in target.iterdir()) if target.is_dir() else 0
