"""``similar A B`` from two rows of the cache, read with the standard library alone.

Invariant: ``similar A B`` on a ready cache never imports numpy
(tests/test_architecture.py::test_what_a_query_imports; why: docs/design.md, "Start-up"). When both
words are in the cache, they are found by bisection over the sorted vocabulary (the arrays
``core/vocab.py`` describes) and their unit rows are read from ``vectors.npy``.

A word outside a fastText model's vocabulary is built from its n-grams here too, with float32
arithmetic emulated step by step (``array('f')`` rounds each sum, quotient and product to float32 as
numpy does), so it gets the unit row ``Model.from_subwords`` gives it.

Anything else (a word to suggest spellings for, a model to convert or download, an odd file) gives
None, and the caller takes the ordinary path, which says what went wrong. The score is the one
``Model.similarities`` gives: the dot product of the stored unit rows summed exactly, rounded to
float32, so both paths print the same digits (tests/test_direct.py).

The files are read (unbuffered seek and read), not mapped: a bisection touches some twenty
scattered places per file, and a mapping faults in whole page-cache folios around each, tens of
megabytes of resident memory for a few bytes.
"""

from __future__ import annotations

import ast
import bisect
import functools
import math
import operator
import os
import struct
from array import array
from contextlib import ExitStack
from typing import BinaryIO

from ..core.subwords import ngram_rows
from ..core.words import Match, find_word
from ..errors import UnknownWordError, VecqError
from ..records import ModelInfo
from .layout import Manifest, block_as_written, model_info

_MAGIC = b"\x93NUMPY"
_CODES = {"<f4": "f", "<i4": "i", "<i8": "q"}


def _pread(f: BinaryIO, size: int, offset: int) -> bytes:
    f.seek(offset)
    return f.read(size)


class _Npy:
    """One array file of the cache: its header checked against what vecq wrote, its items read."""

    def __init__(self, stack: ExitStack, path: str, descr: str, shape: tuple[int, ...]):
        self.file = stack.enter_context(open(path, "rb", buffering=0))  # noqa: SIM115 (the stack closes it)
        head = _pread(self.file, 12, 0)
        if head[:6] != _MAGIC:
            raise ValueError(f"{os.path.basename(path)} is not a .npy file")
        start = 10 if head[6] == 1 else 12
        (length,) = struct.unpack_from("<H" if head[6] == 1 else "<I", head, 8)
        header = ast.literal_eval(_pread(self.file, length, start).decode("latin1"))
        if header != {"descr": descr, "fortran_order": False, "shape": shape}:
            raise ValueError(f"{os.path.basename(path)} holds {header}, not {descr} {shape}")
        self.start = start + length
        self.code = _CODES[descr]
        self.size = struct.calcsize(self.code)

    def read(self, first: int, count: int = 1) -> tuple:
        """Items ``first`` to ``first + count`` (in row-major order)."""
        data = _pread(self.file, count * self.size, self.start + first * self.size)
        return struct.unpack(f"<{count}{self.code}", data)


class _Cache:
    """The arrays a lookup and a row need, open for the length of one answer."""

    def __init__(self, stack: ExitStack, folder: str, manifest: Manifest):
        rows, dims = manifest["rows"], manifest["dimensions"]
        self.rows, self.dims = rows, dims
        self.stack, self.folder, self.subwords = stack, folder, manifest.get("subwords")
        self.manifest, self.block = manifest, manifest.get("block_size")
        self.built: dict[str, array] = {}
        self.tokens = bool((manifest.get("table") or {}).get("tokenizer"))  # as Vocab.tokens
        path = functools.partial(os.path.join, folder)
        self.vectors = _Npy(stack, path("vectors.npy"), "<f4", (rows, dims))
        self.norms = _Npy(stack, path("norms.npy"), "<f4", (rows,))
        self.offsets = _Npy(stack, path("offsets.npy"), "<i8", (rows + 1,))
        self.order = _Npy(stack, path("order.npy"), "<i4", (rows,))
        self.blob = stack.enter_context(open(path("words.bin"), "rb", buffering=0))  # noqa: SIM115

    def __len__(self) -> int:
        return self.rows

    def word(self, row: int) -> str:
        return self.word_bytes(row).decode("utf-8", "replace")

    def word_bytes(self, row: int) -> bytes:
        a, b = self.offsets.read(row, 2)
        return _pread(self.blob, b - a, a)

    def index(self, word: str) -> int | None:
        """The row of ``word`` as spelt: a bisection over the rows in byte order, as ``Vocab.index``.

        (The one method of ``Vocab`` that ``words.find_word`` needs when it does not suggest.)
        """
        target = word.encode("utf-8", errors="surrogatepass")
        at = bisect.bisect_left(
            range(self.rows), target, key=lambda i: self.word_bytes(self.order.read(i)[0])
        )
        if at == self.rows:
            return None
        (row,) = self.order.read(at)
        return row if self.word_bytes(row) == target else None

    def find(self, typed: str, subwords: bool) -> Match:
        """``words.find_word`` without suggestions, then the word built from its n-grams, then
        (for a model that builds words) a respelling: ``Model.lookup``'s order. A word the model
        lacks that reads as an expression, or ends in whitespace, is UnknownWordError here:
        ``Model.lookup`` reads those before building any n-grams, so the engine answers them."""
        builds = bool(subwords and self.subwords)
        try:
            return find_word(self, typed, suggest=False, respell=not builds)
        except UnknownWordError:
            if not builds:
                raise
            from ..core.expression import expression_terms  # only for a word the model lacks

            if typed != typed.strip() or expression_terms(typed, known=lambda t: self.index(t) is not None):
                raise
        if self.build(typed):
            return Match(typed, typed, -1, built=True)
        return find_word(self, typed, suggest=False)

    def build(self, typed: str) -> bool:
        """Build ``typed``'s unit row from its n-grams (as ``core.subwords`` and ``unit_rows`` do)."""
        s, dims = self.subwords or {}, self.dims
        rows = ngram_rows(typed, s["minn"], s["maxn"], s["bucket"])
        if not rows:
            return False
        path = os.path.join(self.folder, "ngrams.npy")
        ngrams = _Npy(self.stack, path, "<f4", (s["bucket"], dims))
        total = array("f", bytes(4 * dims))
        for row in rows:
            for d, value in enumerate(ngrams.read(row * dims, dims)):
                total[d] += value
        count = len(rows)
        for d in range(dims):
            total[d] /= count
        norm = array("f", [math.sqrt(math.fsum(x * x for x in total))])[0]
        reciprocal = array("f", [1.0 / norm if norm > 0 else 1.0])[0]
        self.built[typed] = array("f", (x * reciprocal for x in total))
        return True

    def unit_row(self, m: Match) -> tuple | array:
        if m.built:
            return self.built[m.typed]
        first = self.vectors.start + m.row * self.dims * 4  # the row's bytes in vectors.npy
        for block in {first // self.block, (first + self.dims * 4 - 1) // self.block} if self.block else ():
            if not block_as_written(self.folder, self.manifest, "vectors.npy", block):
                raise ValueError("damaged")  # the ordinary path says so, and marks the cache
        return self.vectors.read(m.row * self.dims, self.dims)

    def similarity(self, a: Match, b: Match) -> float:
        if a.row == b.row and not (a.built or b.built):  # exactly 1, or 0 for a zero row, as the engine
            return 1.0 if self.norms.read(a.row)[0] > 0 else 0.0
        if a.built and b.built and a.typed == b.typed:
            return 1.0 if any(self.built[a.typed]) else 0.0
        va, vb = self.unit_row(a), self.unit_row(b)
        # Products of float32 values are exact in float64; fsum rounds their sum once.
        return struct.unpack("<f", struct.pack("<f", math.fsum(map(operator.mul, va, vb))))[0]


def similarity(
    folder: str,
    manifest: Manifest,
    a: str,
    b: str,
    limit: int | None = None,
    name: str | None = None,
    subwords: bool = True,
) -> tuple[list[Match], float, ModelInfo] | None:
    """The two matches, their cosine and the model, if both words are in the ready cache in ``folder``
    (among its first ``limit`` rows, with a limit), or built from their n-grams (``subwords``)."""
    if (manifest.get("text") or {}).get("static"):
        return None  # a static model embeds text through its tokenizer: the ordinary path does
    try:
        with ExitStack() as stack:
            cache = _Cache(stack, folder, manifest)
            # words.find_word without suggestions: an unknown word raises, and is left to the caller
            matches = [cache.find(a, subwords), cache.find(b, subwords)]
            if limit is not None and max(m.row for m in matches) >= limit:
                return None  # the ordinary path says which word is beyond the limit
            score = cache.similarity(*matches)
            if not math.isfinite(score) or abs(score) > 1 + 1e-4:
                return None  # only damaged rows give such a score: the ordinary path says so
    except (OSError, ValueError, SyntaxError, KeyError, OverflowError, struct.error, VecqError):
        return None  # the ordinary path reports it
    return matches, score, model_info(manifest, limit, name)
