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

import os
from typing import Any, NamedTuple

import numpy as np

from .. import jsondata
from ..cache.files import as_path, size_mismatch
from ..cache.layout import index_dir
from ..errors import CacheError
from . import search

FORMAT_VERSION = 2
FILES = ("centroids.npy", "rows.npy", "offsets.npy", "codes.npy", "scale.npy")
NPROBE_CHOICES = (4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)


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

    def search(
        self, matrix: np.ndarray, q: np.ndarray, exclude: list[list[int]], k: int, **options: Any
    ) -> list[list[tuple[int, float]]]:
        """Top ``k`` (row, exact score) per unit query ``q``: ``search.search`` over this index.

        The model calls this method (``Model.index``), so the engine never imports the index.
        """
        return search.search(self, matrix, q, exclude, k, **options)


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
    path = os.path.join(target, "index.json")
    if not os.path.exists(path):
        return None
    try:
        meta = jsondata.load(path, "index description", error=CacheError)
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
            return None
        if size_mismatch(target, meta["files"]) is not None:
            return None
        return _open(target, meta)
    except (CacheError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # an index that cannot be used is not used: the search is exact


def size_on_disk(folder: str | os.PathLike) -> int:
    target = as_path(index_dir(folder))
    return sum(p.stat().st_size for p in target.iterdir()) if target.is_dir() else 0
