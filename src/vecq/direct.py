"""``similar A B`` from two rows of the cache, read with the standard library alone.

A two-word similarity multiplies one pair of rows; importing numpy to do it costs about 0.1 s, half
of the command's time budget (docs/design.md, "Where the time goes"). So when the model's cache is
ready and both words are in it, they are found by bisection over the sorted vocabulary (the arrays
``vocab.py`` describes) and their unit rows are read from ``vectors.npy`` with ``struct``.

Anything else (a word to suggest spellings for, a model to convert or download, an odd file) gives
None, and the caller takes the ordinary path, which says what went wrong. The score is the one
``Model.similarities`` gives: the dot product of the stored unit rows summed exactly, rounded to
float32, so both paths print the same digits.
"""

from __future__ import annotations

import ast
import math
import mmap
import operator
import struct
from contextlib import ExitStack
from pathlib import Path

from .errors import VecqError
from .layout import model_info
from .loader import ready
from .records import ModelInfo
from .words import Match, check_typed, variants

_MAGIC = b"\x93NUMPY"


class _Npy:
    """One array file of the cache, mapped: where its data starts, and its element type checked."""

    def __init__(self, stack: ExitStack, path: Path, descr: str, shape: tuple[int, ...]):
        with open(path, "rb") as f:
            self.data = stack.enter_context(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
        if self.data[:6] != _MAGIC:
            raise ValueError(f"{path.name} is not a .npy file")
        if self.data[6] == 1:
            (length,), start = struct.unpack_from("<H", self.data, 8), 10
        else:
            (length,), start = struct.unpack_from("<I", self.data, 8), 12
        header = ast.literal_eval(self.data[start : start + length].decode("latin1"))
        if header != {"descr": descr, "fortran_order": False, "shape": shape}:
            raise ValueError(f"{path.name} holds {header}, not {descr} {shape}")
        self.start = start + length


class _Cache:
    """The four arrays a lookup and a row need, mapped read-only for the length of one answer."""

    def __init__(self, stack: ExitStack, folder: Path, manifest: dict):
        rows, dims = manifest["rows"], manifest["dimensions"]
        self.rows, self.dims = rows, dims
        self.vectors = _Npy(stack, folder / "vectors.npy", "<f4", (rows, dims))
        self.norms = _Npy(stack, folder / "norms.npy", "<f4", (rows,))
        self.offsets = _Npy(stack, folder / "offsets.npy", "<i8", (rows + 1,))
        self.order = _Npy(stack, folder / "order.npy", "<i4", (rows,))
        with open(folder / "words.bin", "rb") as f:
            self.blob = stack.enter_context(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))

    def word(self, row: int) -> bytes:
        a, b = struct.unpack_from("<2q", self.offsets.data, self.offsets.start + 8 * row)
        return self.blob[a:b]

    def index(self, word: str) -> int | None:
        """The row of ``word`` as spelt: a bisection over the rows in byte order, as ``Vocab.index``."""
        target = word.encode("utf-8", errors="surrogatepass")
        order = self.order
        lo, hi = 0, self.rows
        while lo < hi:
            mid = (lo + hi) // 2
            if self.word(struct.unpack_from("<i", order.data, order.start + 4 * mid)[0]) < target:
                lo = mid + 1
            else:
                hi = mid
        if lo == self.rows:
            return None
        row = struct.unpack_from("<i", order.data, order.start + 4 * lo)[0]
        return row if self.word(row) == target else None

    def match(self, typed: str) -> Match | None:
        """``words.resolve`` without its suggestions: None where it would raise."""
        row = self.index(typed)
        if row is not None:
            return Match(typed, typed, row)
        check_typed(typed)
        for form in variants(typed)[1:]:
            row = self.index(form)
            if row is not None:
                return Match(typed, form, row)
        return None

    def similarity(self, a: int, b: int) -> float:
        if a == b:  # exactly 1, or 0 for an all-zero row, as Model.similarities
            return 1.0 if struct.unpack_from("<f", self.norms.data, self.norms.start + 4 * a)[0] > 0 else 0.0
        row = struct.Struct(f"<{self.dims}f")
        va = row.unpack_from(self.vectors.data, self.vectors.start + 4 * self.dims * a)
        vb = row.unpack_from(self.vectors.data, self.vectors.start + 4 * self.dims * b)
        # Products of float32 values are exact in float64; fsum rounds their sum once.
        return struct.unpack("<f", struct.pack("<f", math.fsum(map(operator.mul, va, vb))))[0]


def similarity(
    spec: str | None, a: str, b: str, *, trust: bool = False, limit: int | None = None
) -> tuple[list[Match], float, ModelInfo] | None:
    """The two matches, their cosine and the model, if the cache is ready and both words are in it."""
    found = ready(spec, trust=trust, limit=limit)
    if found is None:
        return None
    folder, manifest = found
    try:
        with ExitStack() as stack:
            cache = _Cache(stack, folder, manifest)
            matches = [cache.match(a), cache.match(b)]
            if None in matches:
                return None
            score = cache.similarity(matches[0].row, matches[1].row)
    except (OSError, ValueError, SyntaxError, KeyError, OverflowError, struct.error, VecqError):
        return None  # the ordinary path reports it
    return matches, score, model_info(manifest)
