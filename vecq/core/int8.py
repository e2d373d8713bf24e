"""Exact neighbours from an int8 copy of the unit rows: a scan of a quarter of the bytes, then the
float32 rows of the few that can still be answers.

The copy. Each unit row x (float32, as the cache holds it) is stored as int8 codes c and a float32
scale s (the largest |component| / 127), with two numbers that bound what the rounding lost, both
computed in float64 against that s and rounded up to float32: r = ||x - s c|| (the residual) and
m = ||s c||.

The bound. A query q (unit float32) is quantised the same way, q = t d + f. For every row,

    x . q - s t (c . d) = s c . f + (x - s c) . q,   so   |x . q - s t (c . d)| <= m ||f|| + r ||q||

(Cauchy-Schwarz on each term). c . d is an integer, computed exactly (an int32 sum, exact in
float32 up to 1,040 dimensions and in float64 beyond), so a = s t (c . d), evaluated in float32, is
within B = m ||f|| + r ||q|| + EPS of the exact score. EPS covers every rounding on the way, each a
few 2^-24 relative to numbers at most about 1: a's two products, the bound's and the comparisons'
sums, and the exact score's own rounding to float32 (``ranking.exact_dots``: a float64 sum rounded
once); together under 4e-7, and EPS is 1e-6.

The proof that nothing is missed. Let tau be the k-th largest lower bound a - B among the rows that
may answer. k rows then score at least tau. A row whose upper bound a + B is below tau scores below
all k of them, so it is not among the best k, whatever the ties (ties are broken by row, and a
strictly lower score loses). Every other row is a candidate, scored exactly from the float32 matrix
and ranked by (score, row): the answer of a full exact scan, the same rows, order and bits
(tests/test_int8.py, with a check that fails when the bound is made smaller).

When the candidates are too many (a query near a vast tie, or codes that round badly), the search
falls back to the float32 scan, and says so through the model's note.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .ranking import Exact

EPS = 1e-6
# Past this many candidates the float32 rows to read (scattered pages) cost more than a scan.
MAX_CANDIDATES = 20_000
BLOCK = 1 << 16  # rows quantised at once


class Int8Copy(NamedTuple):
    codes: np.ndarray  # (n, d) int8
    rows: np.ndarray  # (3, n) float32: scale s, residual bound r, code norm m (the bounds rounded up)

    def first(self, n: int) -> Int8Copy:
        """The copy of the first ``n`` rows (a model opened with --limit from a larger cache)."""
        return Int8Copy(self.codes[:n], self.rows[:, :n])


def _up(values: np.ndarray) -> np.ndarray:
    """float64 values rounded up to float32 (so a stored bound is never below the true one)."""
    down = values.astype(np.float32)
    return np.where(down.astype(np.float64) < values, np.nextafter(down, np.float32(np.inf)), down)


def quantise(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 codes and the (3, rows) scale, residual bound and code norm of a float32 block (the
    module's note). The scale is a float32, and the residual is measured against it."""
    x = np.asarray(block, dtype=np.float64)
    peak = np.abs(x).max(axis=1)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32).astype(np.float64)
    codes = np.clip(np.rint(x / scale[:, None]), -127, 127).astype(np.int8)
    kept = codes.astype(np.float64) * scale[:, None]
    residual = _up(np.linalg.norm(x - kept, axis=1))
    norm = _up(np.linalg.norm(kept, axis=1))
    return codes, np.stack([scale.astype(np.float32), residual, norm])


def query_codes(q: np.ndarray) -> tuple[np.ndarray, float, float, float]:
    """A unit query's codes d, its float32 scale t, and the norms ||f|| (its residual) and ||q||."""
    x = np.asarray(q, dtype=np.float64)
    peak = float(np.abs(x).max())
    t = float(np.float32(peak / 127.0)) if peak > 0 else 1.0
    d = np.clip(np.rint(x / t), -127, 127).astype(np.int8)
    f = float(np.linalg.norm(x - d.astype(np.float64) * t))
    return d, t, f, float(np.linalg.norm(x))


# c . d is exact in float32 while |c . d| <= 127^2 d < 2^24, that is up to 1,040 dimensions.
FLOAT32_DIMS = (1 << 24) // (127 * 127)


def kernel_available() -> bool:
    """Is SimSIMD, the int8 kernel, installed (found without importing it)?"""
    import importlib.util

    return importlib.util.find_spec("simsimd") is not None


def products(codes: np.ndarray, d: np.ndarray) -> np.ndarray | None:
    """c . d for every row, exactly (float32 up to ``FLOAT32_DIMS`` dimensions, else float64); None
    without SimSIMD (its int8 kernel is what makes the copy pay: docs/benchmarks-int8.md)."""
    try:
        import simsimd
    except ImportError:
        return None
    threads = max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))
    if codes.shape[1] <= FLOAT32_DIMS:
        out = simsimd.cdist(
            d[None, :], codes, metric="dot", dtype="int8", threads=threads, out_dtype="float32"
        )
    else:
        out = simsimd.cdist(
            d[None, :], codes, metric="dot", dtype="int8", threads=threads, out_dtype="float64"
        )
    return np.asarray(out).reshape(-1)


def candidates(
    copy: Int8Copy,
    q: np.ndarray,
    k: int,
    skip_rows: Sequence[int] | np.ndarray,
    lo: int,
    hi: int,
    slack: float = 1.0,
) -> np.ndarray | None:
    """The rows of ``[lo, hi)`` (``skip_rows`` left out) that can be among the best ``k`` for the
    unit query ``q``, ascending; None when there are more than ``MAX_CANDIDATES`` (or no kernel):
    then a float32 scan answers. ``slack`` scales the bound: 1 is the proven one (tests shrink it).

    In steps that each read the n scores once: the approximate scores; a threshold T that at
    least k live rows reach; tau, the k-th best lower bound among those rows (a valid tau: k rows
    score at least it); the rows whose upper bound (with the largest bound first, then their own)
    reaches tau."""
    d, t, f, q_norm = query_codes(q)
    dots = products(copy.codes[lo:hi], d)
    if dots is None:
        return None
    scale, residual, norm = copy.rows[0, lo:hi], copy.rows[1, lo:hi], copy.rows[2, lo:hi]
    approx = dots * scale
    approx *= dots.dtype.type(t)
    skip = np.unique(np.asarray(skip_rows, dtype=np.int64))
    skip = skip[(skip >= lo) & (skip < hi)] - lo
    approx[skip] = -np.inf
    live = len(approx) - len(skip)
    if live == 0:
        return np.empty(0, dtype=np.int64)
    k = min(k, live)
    widest = (float(norm.max()) * f + float(residual.max()) * q_norm + EPS) * slack
    step, top = 2 * widest + 1e-3, float(approx.max())
    threshold = top - step
    while int(np.count_nonzero(approx >= threshold)) < k and np.isfinite(threshold):
        step *= 2
        threshold = top - step
    near = np.flatnonzero(approx >= threshold)
    if len(near) < k:  # scores that are not numbers: damaged codes; the float32 scan answers
        return None
    bound = lambda rows: (norm[rows] * f + residual[rows] * q_norm + EPS) * slack  # noqa: E731
    lower = approx[near] - bound(near)
    tau = np.partition(lower, len(lower) - k)[len(lower) - k]
    maybe = np.flatnonzero(approx >= tau - widest)
    found = maybe[approx[maybe] + bound(maybe) >= tau]
    if len(found) > MAX_CANDIDATES:
        return None
    return found + lo


def ranked(exact: Exact, j: int, rows: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Query ``j``'s candidates scored exactly and ranked by (score, row): its best ``k``."""
    scores = np.asarray(exact(np.full(len(rows), j, dtype=np.int64), rows), dtype=np.float32)
    order = np.lexsort((rows, -scores))[:k]
    return list(zip(rows[order].tolist(), scores[order].tolist()))
