"""Unit length: the one rule for the rows of every model, and the one for query directions.

``unit_rows`` is how a matrix becomes the unit rows vecq searches; the cache's writer and in-memory
models both call it, so a model answers with the same bits whether or not its cache could be
written (``tests/test_engine.py::test_in_memory_and_cached_models_give_the_same_bits``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import ModelError

try:  # np.einsum without its dispatch wrapper: the C function it calls when not optimising (the
    # same bits), a microsecond and a half less a call, which a notebook's single pairs notice
    from numpy._core.multiarray import c_einsum as einsum
except ImportError:  # pragma: no cover (numpy before 2)
    einsum = np.einsum

# A length within this of 1 is unit length to float32's precision (four float32 steps at 1): such a
# row or vector is taken as it is, the fixed point that makes ``unit_rows`` idempotent.
UNIT_ALREADY = 2.0**-22
F32_MAX = float(np.finfo(np.float32).max)


def unit_rows(
    block: np.ndarray, out: np.ndarray | None = None, keep_unit: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(unit rows, float32 norms) of a float32 block; an all-zero row stays all zeros, and a row
    of unit length to float32's precision (``UNIT_ALREADY``) stays as it is (unless not
    ``keep_unit``: ``direction`` tells that on the numbers before its power of two).

    Each row is multiplied by the float32 reciprocal of its norm (a row shorter than 1.2e-38 is
    divided by its float64 norm: it too is unit length). A row holding NaN or an infinity
    gets a norm that is not finite: the caller decides what that means (the writer refuses it).
    The squares are summed in float64, where a float32 product is exact: numpy's float32 sums
    depend on where a row lies in memory (its SIMD loops), so the same rows read from two file
    layouts (a word2vec file, a fse ``.npy``) would otherwise get norms one bit apart.
    """
    squares = np.einsum("ij,ij->i", block, block, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        norms = np.sqrt(squares).astype(np.float32)  # past float32's range: inf, for the caller
        unit = np.multiply(block, (1.0 / np.where(norms > 0, norms, 1.0))[:, None], out=out)
        # A row of unit length to float32's precision is its own unit row: multiplied by its
        # reciprocal it would move a last bit (in 27% of GloVe's unit rows), so a model stored at
        # unit length would score a word's own vector, given back, otherwise than the word.
        kept = np.flatnonzero(np.abs(np.sqrt(squares) - 1) <= UNIT_ALREADY) if keep_unit else np.empty(0, int)
    if kept.size:
        unit[kept] = block[kept]
    # A row shorter than float32's smallest normal number (1.2e-38) has a reciprocal past its range
    # (an infinite unit row) or a norm of few bits: it is divided by its float64 norm instead.
    tiny = np.flatnonzero((norms > 0) & (norms < np.finfo(np.float32).tiny))
    if tiny.size:
        exact = np.asarray(block[tiny], dtype=np.float64) / np.sqrt(squares[tiny])[:, None]
        unit[tiny] = exact.astype(np.float32)
    return unit, norms


def unholdable_row(block: np.ndarray, norms: np.ndarray) -> tuple[int, str] | None:
    """The first row of ``block`` vecq cannot hold (its ``unit_rows`` norm is not finite), and what
    is wrong with it, said after the row's name; None when every row is fine."""
    if np.isfinite(norms).all():
        return None
    at = int(np.flatnonzero(~np.isfinite(norms))[0])
    if np.isfinite(block[at]).all():  # finite values whose length float32 cannot hold
        largest = float(np.abs(np.asarray(block[at], dtype=np.float64)).max())
        return at, (
            f"is longer than float32 can hold (3.4e38; its largest value is {largest:.3g}); "
            "scale the vectors down"
        )
    return at, (
        "holds NaN or an infinity: the file is damaged, or a text file holds a number past "
        "float32's range (3.4e38, which gensim reads as an infinity)"
    )


def unholdable_error(path: str, word: str, row: int, problem: str) -> ModelError:
    """A model refused for one row, named by its word and its row (counted from 0, as token IDs)."""
    return ModelError(f"{path}: {word!r} (row {row}) {problem}")


def peak_scaled(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` (one, or one a row) each multiplied by the power of two that brings its largest
    component into [0.5, 1), in their own type: the same direction, and the same lengths and dot
    products but for that power (a power of two moves only the exponent), computed without
    overflow or underflow. Zero rows and rows holding NaN or an infinity are left as they are;
    whole numbers come back as float64."""
    vectors = np.asarray(vectors)
    if vectors.dtype.kind != "f":
        vectors = vectors.astype(np.float64)
    peak = np.abs(vectors).max(axis=-1, keepdims=True)
    exponent = np.frexp(peak)[1]  # 0 for a peak of 0; for NaN and infinities, made 0 below
    if not np.isfinite(peak).all():
        exponent[~np.isfinite(peak)] = 0
    with np.errstate(under="ignore"):
        return np.ldexp(vectors, -exponent)


def unit(vectors: np.ndarray) -> np.ndarray:
    """Query directions (one vector, or one a row) divided by their length; zero stays zero.

    A finite vector whose float32 length overflows (1e38 in every component) or underflows (all
    subnormal) is first scaled by a power of two near its largest component (``peak_scaled``,
    exact for normal floats), so a direction is never lost to all zeros (tests/test_engine.py)."""
    vectors = np.asarray(vectors)
    if vectors.ndim == 1 and vectors.dtype.kind == "f":  # one vector: np.linalg.norm's own steps
        with np.errstate(over="ignore", under="ignore"):
            length = np.sqrt(np.add.reduce(vectors * vectors))
        if 0 < length < np.inf:
            return vectors / length
    with np.errstate(over="ignore", under="ignore"):
        norm = np.linalg.norm(vectors, axis=-1, keepdims=True)
    lost = (~np.isfinite(norm) | (norm == 0)) & np.isfinite(vectors).all(axis=-1, keepdims=True)
    if lost.any():
        vectors = np.where(lost, peak_scaled(vectors), vectors).astype(vectors.dtype)
        norm = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norm > 0, norm, 1).astype(vectors.dtype)


def direction(values: np.ndarray | Sequence[float] | Sequence[Sequence[float]]) -> np.ndarray:
    """The float32 unit direction of numbers a user gave (one vector, or one a row), whatever their
    scale: scaled by a power of two in their own precision before they are rounded to float32, so
    that numbers float32 cannot hold (1e-50, 1e300) keep their direction rather than becoming zeros
    or infinities; then made unit length as a model's rows are (``unit_rows``, which a power of two
    does not change but in a subnormal component). Numbers float32 holds as they are (a row given
    back) are made unit as they are, so a word's own vector given back is its row to the bit, and
    its neighbours score as the word's do. A vector of unit length to float32's precision (``UNIT_ALREADY``: a
    unit row, an expression's direction, printed and given back) is taken as it is, as
    ``unit_rows`` takes such a row; it is told here, on the numbers as given, and only here: the
    power of two that keeps other vectors' directions changes their length, and a vector of length
    2.0000002 halved is not a unit vector to keep but one to make unit (kept, it was a last bit off
    its row's unit row)."""
    if isinstance(values, np.ndarray) and values.dtype == np.float32 and values.ndim == 1:
        one = _one_float32_direction(values)
        if one is not None:
            return one
    given = np.asarray(values, dtype=np.float64)
    if given.ndim == 1:
        one = _one_direction(given[None])
        if one is not None:
            return one
    given = np.atleast_2d(given)
    with np.errstate(over="ignore", invalid="ignore"):
        lengths = np.sqrt(np.einsum("ij,ij->i", given, given))
        held = given.astype(np.float32)
    # float32's own numbers (a row given back) are made unit as they are, as their row was: a power
    # of two would round a subnormal component anew
    as_they_are = (held == given).all(axis=1) & (lengths < F32_MAX)
    block = np.where(as_they_are[:, None], held, np.asarray(peak_scaled(given), dtype=np.float32))
    made = unit_rows(block, keep_unit=False)[0]
    unit_already = np.abs(lengths - 1) <= UNIT_ALREADY
    made[unit_already] = held[unit_already]
    return made.reshape(np.shape(values))


def _one_direction(given: np.ndarray) -> np.ndarray | None:
    """``direction`` of one row of finite float64 numbers, not all zero (a (1, n) array), by the
    same operations in the same order as ``direction``'s and ``unit_rows``'s array steps, on
    Python floats where those steps work on one number (the same IEEE-754 operation, the same
    bits: tests/test_unit.py). None for a row those steps treat otherwise (not finite, all zero):
    the caller takes the array path. A notebook's loop makes thousands of these calls."""
    squares = float(einsum("ij,ij->i", given, given)[0])
    if not 0 < squares < math.inf:  # a NaN, an infinity, or a length float64 cannot hold
        return None
    if abs(math.sqrt(squares) - 1) <= UNIT_ALREADY:
        return given[0].astype(np.float32)
    block = given.astype(np.float32)
    if not (math.sqrt(squares) < F32_MAX and (block == given).all()):  # not float32's own numbers
        peak = float(np.abs(given).max())
        block = np.ldexp(given, -math.frexp(peak)[1]).astype(np.float32)  # largest now in [0.5, 1)
    scaled = float(einsum("ij,ij->i", block, block, dtype=np.float64)[0])
    length = np.float32(math.sqrt(scaled))
    if length < np.finfo(np.float32).tiny:
        return None  # ``unit_rows`` divides such a row by its float64 norm: the array path
    return block[0] * (np.float32(1.0) / length)


def _one_float32_direction(values: np.ndarray) -> np.ndarray | None:
    """``_one_direction`` of float32 numbers (a mean, a row), which float32 holds as they are:
    their float64 sum of squares is both the length told against 1 and the one made unit by (einsum
    widening float32 numbers to sum them sums what their float64 copy sums: tests/test_unit.py).
    None where the array path must decide (not finite, all zero, or past float32's range)."""
    block = values[None]
    squares = float(einsum("ij,ij->i", block, block, dtype=np.float64)[0])
    if not 0 < squares < math.inf:
        return None
    root = math.sqrt(squares)
    if abs(root - 1) <= UNIT_ALREADY:
        return values.copy()
    length = np.float32(root)
    if not root < F32_MAX or length < np.finfo(np.float32).tiny:
        return None
    return values * (np.float32(1.0) / length)


def float32_rows(raw: np.ndarray, what: str) -> np.ndarray:
    """A float64 matrix rounded to the nearest float32s (the type vecq holds rows in), refused where
    float32 cannot hold a row (``float32_loss``). ``what`` names the matrix in the error."""
    rows, lost = float32_loss(raw)
    if lost is not None:
        row, kind, peak = lost
        raise ModelError(
            f"{what} holds values {kind} (row {row}: {peak:.3g}), and vecq holds rows as "
            "float32; scale the matrix before saving it"
        )
    return rows


def float32_vectors(keys: Sequence[str], given: np.ndarray) -> np.ndarray:
    """Vectors a user gives (``given``, a row per key: added, assigned, or gensim's object) as
    float32 rows; a ValueError naming the key of a row holding NaN or an infinity (every score with
    it would be NaN; gensim takes it), or values float32 cannot hold (gensim takes it as an
    infinite or an all-zero row)."""
    bad = np.flatnonzero(~np.isfinite(given).all(axis=1))
    if bad.size:
        raise ValueError(f"the vector of {keys[bad[0]]!r} holds NaN or an infinity; give finite numbers")
    weights, lost = float32_loss(given)
    if lost is not None:
        row, kind, peak = lost
        raise ValueError(
            f"the vector of {keys[row]!r} holds values {kind} ({peak:.3g}), and vecq holds vectors "
            "as float32; scale it"
        )
    return weights


def float32_loss(raw: np.ndarray) -> tuple[np.ndarray, tuple[int, str, float] | None]:
    """The rows of ``raw`` rounded to float32, and the first row float32 cannot hold, if any: (its
    index, what is wrong, its largest value), for a row holding a value past float32's range (it
    would become infinite) or a row that is not zero but would be. A row already holding NaN or an
    infinity is the caller's to refuse."""
    raw = np.asarray(raw)
    with np.errstate(over="ignore"):
        rows = np.asarray(raw, dtype=np.float32)
    blown = np.flatnonzero(np.isinf(rows).any(axis=1) & np.isfinite(raw).all(axis=1))
    vanished = np.flatnonzero(~rows.any(axis=1) & raw.any(axis=1))
    for found, kind in (
        (blown, "past float32's range of 3.4e38"),
        (vanished, "so small that float32 rounds them to 0"),
    ):
        if len(found):
            row = int(found[0])
            return rows, (row, kind, float(np.abs(raw[row]).max()))
    return rows, None


def shortest_digits(values: np.ndarray | Sequence[float]) -> list[str]:
    """Each float32 of ``values`` in the fewest digits that read back as the same float32 (numpy's
    shortest repr: ``0.45281``, ``1e-30``): how a vector's components are printed and written as
    text, never a fixed number of decimals that would turn small ones into 0."""
    return [str(x) for x in np.asarray(values, dtype=np.float32).ravel()]


# A float the file holds is within this many units in the last place of its unit row times its norm
# in all but freak rows (a denormal unit row): one int8 per float restores it, bit for bit.
RESIDUAL_LIMIT = 127


def residuals(raw: np.ndarray, unit: np.ndarray, norms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 residuals, rows too far): how far, in units in the last place, each float of ``raw``
    lies from ``unit * norm`` (as ``StoredFloats`` computes it back); rows where some float lies
    further than ``RESIDUAL_LIMIT`` get zeros here and are to be stored whole."""
    approx = np.ascontiguousarray(unit * norms[:, None], dtype=np.float32)
    raw = np.ascontiguousarray(raw, dtype=np.float32)
    diff = raw.view(np.int32).astype(np.int64) - approx.view(np.int32)
    far = np.abs(diff) > RESIDUAL_LIMIT
    far_rows = np.flatnonzero(far.any(axis=1))
    diff[far_rows] = 0
    return diff.astype(np.int8), far_rows


class StoredFloats:
    """What turns unit rows back into the floats the model file holds, bit for bit: per float, its
    distance in units in the last place from unit row times norm (int8, ``residuals``), and the few
    rows that are further stored whole (``far_rows``, sorted, and their ``far_vectors``)."""

    def __init__(self, residual: np.ndarray, far_rows: np.ndarray, far_vectors: np.ndarray):
        self.residual = residual
        self.far_rows = np.asarray(far_rows, dtype=np.int64)
        self.far_vectors = far_vectors

    def restore_row(self, approx: np.ndarray, row: int) -> np.ndarray:
        """``restore`` of one row (float32 ``approx``), without the array steps of many."""
        if len(self.far_rows):
            at = int(np.searchsorted(self.far_rows, row))
            if at < len(self.far_rows) and int(self.far_rows[at]) == row:
                return np.array(self.far_vectors[at], dtype=np.float32)
        return (approx.view(np.int32) + self.residual[row]).view(np.float32)

    def first(self, n: int) -> StoredFloats:
        keep = self.far_rows < n
        return StoredFloats(self.residual[:n], self.far_rows[keep], self.far_vectors[keep])

    def restore(self, approx: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The file's floats of ``rows`` from ``approx``, their unit rows times their norms."""
        approx = np.ascontiguousarray(approx, dtype=np.float32)
        out = (approx.view(np.int32) + np.asarray(self.residual[rows], dtype=np.int32)).view(np.float32)
        if len(self.far_rows):
            at = np.minimum(np.searchsorted(self.far_rows, rows), len(self.far_rows) - 1)
            whole = self.far_rows[at] == rows
            out[whole] = self.far_vectors[at[whole]]
        return out
