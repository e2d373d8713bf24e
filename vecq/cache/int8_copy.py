"""The int8 copy of a cached model's unit rows (``vecq cache build --int8``), in ``int8/`` inside its
cache folder: ``codes.npy`` (n, d) int8, ``rows.npy`` (3, n) float32 (scale, residual bound, code
norm: ``core/int8.py`` says what they prove) and ``copy.json`` (format, shape, sizes and CRC-32s).

Invariants (tests/test_int8.py):
- written whole into a temporary sibling and renamed into place under the cache's lock, like the
  cache itself: a killed build leaves the old copy or none, never half of one;
- used only when its shape is the cache's and every file has the size ``copy.json`` lists; any
  other copy is ignored (the float32 scan answers), and ``cache verify`` reads every byte of it
  against its CRC-32s;
- a cache without one (an older vecq's, or never built) answers as before.
"""

from __future__ import annotations

import json
import os
import zlib

import numpy as np

from ..core import int8
from ..core.model import Model
from ..progress import NULL_REPORTER, Reporter
from .files import (
    AlignedWriter,
    as_path,
    large_folios,
    locked,
    npy_header,
    rmtree,
    size_mismatch,
    swap_in,
    sweep,
    temporary_beside,
)

FOLDER = "int8"
FORMAT = 2
FILES = ("codes.npy", "rows.npy")


def folder_of(cache_folder: str | os.PathLike) -> str:
    return os.path.join(cache_folder, FOLDER)


def build(model: Model, reporter: Reporter = NULL_REPORTER) -> None:
    """Write the int8 copy of ``model`` (opened from its cache folder, all its rows)."""
    assert model.folder is not None and not model.limited
    target = folder_of(model.folder)
    with locked(target):
        sweep(target)
        tmp = temporary_beside(target)
        try:
            n, d = model.vectors.shape
            rows = np.empty((3, n), dtype=np.float32)
            path = tmp / "codes.npy"
            with open(path, "wb") as raw, AlignedWriter(raw) as f, reporter.task("int8 copy", n) as task:
                npy_header(f, (n, d), np.int8)
                for s in range(0, n, int8.BLOCK):
                    e = min(n, s + int8.BLOCK)
                    codes, rows[:, s:e] = int8.quantise(model.vectors[s:e])
                    f.write(codes.tobytes())
                    task.update(e)
            np.save(tmp / "rows.npy", rows, allow_pickle=False)
            sizes = {name: (tmp / name).stat().st_size for name in FILES}
            crc = {name: _crc(tmp / name) for name in FILES}
            meta = {"format": FORMAT, "rows": n, "dimensions": d, "sizes": sizes, "crc32": crc}
            (tmp / "copy.json").write_text(json.dumps(meta, indent=1))
            swap_in(tmp, as_path(target))
        except BaseException:
            rmtree(tmp, ignore_errors=True)
            raise


# A conversion writes the copy itself for a float32 matrix of 1 GiB or more (1M words x 300, say;
# GoogleNews's is 3.4 GiB): there a query's scan is bound by memory bandwidth and fills the page
# cache, and the copy's scan is 3-4x faster in a quarter of the memory (docs/benchmarks-int8.md);
# below it the matrix stays in the page cache and the copy saves little (GloVe's 80 MB: none).
DEFAULT_BYTES = 1 << 30


def build_by_default(model: Model, reporter: Reporter = NULL_REPORTER) -> bool:
    """After a conversion: write the copy when the matrix is large enough and SimSIMD is here."""
    if model.folder is None or model.limited or model.vectors.nbytes < DEFAULT_BYTES:
        return False
    if not int8.kernel_available():
        return False
    build(model, reporter)
    model.int8 = load(model.folder, len(model), model.dims)
    return model.int8 is not None


def _meta(folder: str) -> dict | None:
    try:
        with open(os.path.join(folder, "copy.json"), encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else None


def load(cache_folder: str, rows: int, dims: int) -> int8.Int8Copy | None:
    """The copy of a cache of ``rows`` x ``dims``, memory-mapped; None when there is none that fits."""
    folder = folder_of(cache_folder)
    meta = _meta(folder)
    if meta is None or meta.get("rows") != rows or meta.get("dimensions") != dims:
        return None
    sizes = meta.get("sizes")
    if not isinstance(sizes, dict) or size_mismatch(folder, {k: int(sizes.get(k, -1)) for k in FILES}):
        return None
    try:
        codes = np.load(os.path.join(folder, "codes.npy"), mmap_mode="r", allow_pickle=False)
        large_folios(codes)
        table = np.load(os.path.join(folder, "rows.npy"), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if codes.shape != (rows, dims) or codes.dtype != np.int8 or table.shape != (3, rows):
        return None
    return int8.Int8Copy(codes, table)


def damaged(cache_folder: str) -> str | None:
    """Why the copy in ``cache_folder`` is not as written (every byte read), or None (or no copy)."""
    folder = folder_of(cache_folder)
    if not os.path.isdir(folder):
        return None
    meta = _meta(folder)
    if meta is None:
        return "its int8 copy has no readable copy.json"
    for name in FILES:
        try:
            if _crc(os.path.join(folder, name)) != meta.get("crc32", {}).get(name):
                return f"its int8 copy's {name} changed after it was written"
        except OSError as e:
            return f"its int8 copy's {name} cannot be read ({e.strerror or e})"
    return None


def _crc(path: str | os.PathLike) -> int:
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    return crc
