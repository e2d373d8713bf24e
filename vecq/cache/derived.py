"""What vecq derives from cached models and keeps beside them: CSLS's mean neighbour similarities
(in the model's folder) and the map that aligns two models (in ``alignments/`` under the cache
root). The CLI and the Python API both read and write them here.

Invariants: a kept array is used only when its shape is the one asked for (anything else is computed
again and replaced); arrays are written whole through ``output_file`` (a temporary sibling renamed
into place) and read without pickles; a model with no cache folder (built in memory) keeps nothing.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ..core import align, csls
from ..core.model import Model
from ..progress import NULL_REPORTER, Reporter
from .files import output_file
from .layout import cache_root, content_key


def _kept(path: str | None, shape: tuple[int, ...]) -> np.ndarray | None:
    if path is None or not os.path.isfile(path):
        return None
    found = np.load(path, allow_pickle=False)
    return found if found.shape == shape else None


def _keep(path: str | None, array: np.ndarray) -> None:
    if path is None:
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with output_file(path) as f:
        np.save(f, array, allow_pickle=False)


def csls_path(model: Model, n: int) -> str:
    """Where r of a model's first ``n`` words is kept (the model has a cache folder). The name says
    "exact": an older vecq kept r found through the approximate index under ``csls-r-*``."""
    return os.path.join(model.folder or "", f"csls-exact-r-k{csls.K}-n{n}.npy")


def csls_means(model: Model, n: int, reporter: Reporter = NULL_REPORTER) -> np.ndarray:
    """r(w) of the model's first ``n`` words (``core/csls.py``): kept in its cache folder."""
    path = csls_path(model, n) if model.folder else None
    r = _kept(path, (n,))
    if r is None:
        r = csls.mean_neighbour_similarity(model, n, reporter=reporter)
        _keep(path, r)
    return r


def alignment(a: Model, b: Model, shared: int) -> tuple[align.Alignment, bool]:
    """The map from A to B on their first ``shared`` shared words, and whether it was fitted now
    (rather than read from an earlier run: kept under both caches' content keys, so a model file
    changed and converted again into the same folder gets a new map)."""
    rows_a, rows_b = align.shared_rows(a, b, shared)
    path = None
    if a.folder and b.folder:
        keyed = [f"{os.path.basename(m.folder)}-{content_key(m.folder)}" for m in (a, b) if m.folder]
        name = f"{keyed[0]}--{keyed[1]}--{shared}"
        path = os.path.join(cache_root(), "alignments", name + ".npy")
    w = _kept(path, (a.dims, b.dims))
    if w is not None:
        return align.Alignment(rows_a, rows_b, w), False
    found = align.fit(a, b, rows_a, rows_b)
    _keep(path, found.w)
    if path is not None:
        with output_file(path[: -len(".npy")] + ".json", text=True) as f:
            json.dump({"a": a.info.name, "b": b.info.name, "shared_words": len(rows_a)}, f)
    return found, True
