"""Building the approximate index: spherical k-means lists, int8 codes, and the measured recall."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..cache.files import AlignedWriter, as_path, npy_header, rmtree, swap_in, sweep, temporary_beside
from ..cache.layout import index_dir
from ..progress import NULL_REPORTER, Reporter
from .index import FILES, FORMAT_VERSION, NPROBE_CHOICES, Index, _open, load
from .recall import measure

if TYPE_CHECKING:
    from pathlib import Path


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
    n = len(matrix)
    lists = min(lists or n_lists(n), n)
    rng = np.random.default_rng(seed)
    folder = as_path(folder)
    target = as_path(index_dir(folder))
    sweep(target)
    tmp = temporary_beside(target)
    try:
        with reporter.task(f"training {lists} lists", None):
            pick = np.sort(rng.choice(n, min(n, max(sample_size, lists * 4)), replace=False))
            sample = np.asarray(matrix[pick], dtype=np.float32)
            centroids = train(sample, lists, seed=seed)
            del sample
        labels, peak = _assign_all(matrix, centroids, reporter)
        rows = np.argsort(labels, kind="stable").astype(np.int32)
        offsets = np.zeros(lists + 1, dtype=np.int64)
        np.cumsum(np.bincount(labels, minlength=lists), out=offsets[1:])
        del labels
        scale = (np.where(peak > 0, peak, 1.0) / 127.0).astype(np.float32)
        for name, array in (("centroids", centroids), ("rows", rows), ("offsets", offsets), ("scale", scale)):
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        _write_codes(tmp / "codes.npy", matrix, rows, scale, reporter)
        built = time.time() - started
        index = _open(str(tmp), {"nprobe": NPROBE_CHOICES[-1]})
        with reporter.task("measuring recall@10", None):
            meta = measure(index, matrix, exact_top, rng, queries)
        files = {name: (tmp / name).stat().st_size for name in FILES}
        meta = {"format": FORMAT_VERSION, "lists": lists, **meta, "rows": n}
        meta |= {"build_seconds": round(built, 1), "mean_list": n / lists, "files": files}
        (tmp / "index.json").write_text(json.dumps(meta, indent=1))
        index = index._replace(meta=meta)
        swap_in(tmp, target)
    except BaseException:
        rmtree(tmp, ignore_errors=True)
        raise
    return load(folder) or index


def _assign_all(
    matrix: np.ndarray, centroids: np.ndarray, reporter: Reporter
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's list, and the largest |component| per dimension (the codes' range)."""
    n, dims = matrix.shape
    labels = np.empty(n, dtype=np.int32)
    peak = np.zeros(dims, dtype=np.float32)
    step = 65536
    with reporter.task("assigning rows to lists", n) as task:
        for s in range(0, n, step):
            e = min(n, s + step)
            block = np.asarray(matrix[s:e], dtype=np.float32)
            labels[s:e] = _assign(block, centroids, 0, e - s)
            np.maximum(peak, np.abs(block).max(axis=0), out=peak)
            task.update(e)
    return labels, peak


def _write_codes(
    path: Path, matrix: np.ndarray, rows: np.ndarray, scale: np.ndarray, reporter: Reporter
) -> None:
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
            f.write(block.astype(np.int8).data)
            task.update(s + len(chunk))
