"""The ranking rules every answer follows, exact or approximate: candidates are re-scored exactly
(float64 sums rounded to float32) and ranked by (score, row), so a query answers with the same rows,
order and bits alone, in a batch of any size, or through the approximate index (which imports these
rules from here, not the model)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

# Candidates beyond the top k that are re-scored exactly before the final ranking: a row whose BLAS
# score ties the k-th within rounding still competes on its exact score (when even the last
# candidate ties the k-th, every row is scored exactly: ``Model._all_tied``).
RESCORE_MARGIN = 8

# Up to this many numbers (rows x dims), every row's score is summed in the calling thread:
# starting threads (0.12-0.15 ms, measured) costs about what a second thread saves there (one
# thread widens and sums about 2,000 numbers a microsecond).
ONE_THREAD_NUMBERS = 1 << 19

# exact(which, rows): the exact scores of queries ``which`` (one per row) with ``rows``.
Exact = Callable[[np.ndarray, np.ndarray], np.ndarray]


def exact_dots(directions: np.ndarray, vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Dot products of ``directions[i]`` with ``vectors[rows[i]]``, summed exactly and rounded to float32.

    float32 products are exact in float64 and the sum runs in one fixed order per pair, so a score
    does not depend on which other queries or rows were computed beside it (as ``similarities``).
    """
    rows = np.asarray(rows, dtype=np.int64)
    gathered = np.empty((len(rows), vectors.shape[1]), dtype=np.float32)
    ascending = np.argsort(rows, kind="stable")  # read the mapped matrix in file order
    gathered[ascending] = np.take(vectors, rows[ascending], axis=0)  # as Model.gather copies rows
    return np.einsum("ij,ij->i", directions, gathered, dtype=np.float64).astype(np.float32)


def exact_scores(rows: np.ndarray, direction: np.ndarray, block: int = 1 << 13) -> np.ndarray:
    """Every row's score with ``direction``, as ``exact_dots`` scores a pair: a whole array (gensim's
    ``topn=None``, ``distances``) that agrees to the bit with the scores listed for the same rows.

    ``rows`` are unit rows (of length at most 1.01, as ``dot_rounding`` takes them). A block at a
    time, one part of the rows a core: a float64 BLAS product, each sum rounded to float32 where
    that rounding is proved to be the fixed-order sum's (``float32_settled``); the few others are
    summed again in that order. 2-3 times a float32 BLAS product (the widening is most of it),
    whose scores depend on its blocks."""
    from .threads import spread

    out = np.empty(len(rows), dtype=np.float32)
    wide = np.asarray(direction, dtype=np.float64)
    apart = _sums_apart(len(wide), 1.01 * float(np.sqrt(wide @ wide)))  # unit rows: length <= 1.01

    free = _float64_blocks(block, len(wide))

    def part(lo: int, hi: int) -> None:
        piece, sums = free.pop() if free else (np.empty((block, len(wide))), np.empty(block))
        for start in range(lo, hi, block):
            n = min(hi, start + block) - start
            np.copyto(piece[:n], rows[start : start + n])
            np.dot(piece[:n], wide, out=sums[:n])
            _settle(sums[:n], out[start : start + n], apart, lambda i: np.einsum("ij,j->i", piece[i], wide))
        free.append((piece, sums))

    if len(rows) * len(wide) <= ONE_THREAD_NUMBERS:
        part(0, len(rows))
    else:
        spread(part, 0, len(rows), block)
    return out


# Float64 sums per block of ``exact_matrix``: its proof's steps then run within the core's cache
# (1 MiB: 5,000 x 5,000 words in 0.19 s, against 0.29-0.36 s with blocks of 64-256 rows, measured).
MATRIX_BLOCK_NUMBERS = 1 << 17


def exact_matrix(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Every pair's score of ``left``'s rows with ``right``'s (float32, len(left) x len(right)), each
    as ``exact_dots`` scores that pair, without gathering the pairs' rows (n squared rows).

    A block of ``left``'s rows at a time (``MATRIX_BLOCK_NUMBERS`` sums): a float64 BLAS product,
    each sum rounded to float32 where that rounding is proved to be the fixed-order sum's
    (``float32_settled``); the few others are summed again in that order. Memory beyond the
    answer: a block's float64 sums and ``right`` widened."""
    wide = np.asarray(right, dtype=np.float64)
    out = np.empty((len(left), len(right)), dtype=np.float32)
    if out.size == 0:
        return out
    # the products' magnitudes sum to at most the product of the two rows' lengths
    longest = [float(np.sqrt(np.einsum("ij,ij->i", m, m, dtype=np.float64).max())) for m in (left, right)]
    apart = _sums_apart(wide.shape[1], longest[0] * longest[1])
    block = max(1, MATRIX_BLOCK_NUMBERS // len(right))
    for start in range(0, len(left), block):
        piece = np.asarray(left[start : start + block], dtype=np.float64)

        def again(i: np.ndarray, j: np.ndarray, start: int = start) -> np.ndarray:
            return np.einsum("ij,ij->i", left[start + i], right[j], dtype=np.float64)

        _settle(piece @ wide.T, out[start : start + len(piece)], apart, again)
    return out


def _settle(sums: np.ndarray, rounded: np.ndarray, apart: float, again: Callable[..., np.ndarray]) -> None:
    """``rounded[...] = sums`` (float64 sums of float32 products, in BLAS's order) where that
    rounding to float32 is proved to be the fixed-order sum's (``float32_settled``: any two sums of
    the products lie within ``apart``); elsewhere ``again(*where)``, those sums in the fixed order."""
    rounded[...] = sums
    unsure = np.nonzero(~float32_settled(sums, rounded, apart))
    if unsure[0].size:
        rounded[unsure] = again(*unsure)


def _sums_apart(terms: int, magnitude: float) -> float:
    """How far apart two float64 sums of the same ``terms`` products, in any orders, can lie when
    the products' magnitudes sum to at most ``magnitude``: twice one's error bound (Higham 3.1:
    gamma_n times that magnitude)."""
    return 2.0 * _float64_rounding(terms) * magnitude


_BLOCKS = threading.local()


def _float64_blocks(rows: int, dims: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The calling thread's free float64 blocks of ``rows`` x ``dims`` (and their sums), kept
    between calls: a fresh block costs its pages' faults each call (3-5% of a whole vocabulary's
    scores, measured).
    Each part of a call takes one and gives it back (list.pop and append are atomic); a call from
    another thread has its own list, so no block is shared by two calls at once."""
    kept = getattr(_BLOCKS, "kept", None)
    if kept is None or kept[0] != (rows, dims):
        kept = _BLOCKS.kept = ((rows, dims), [])
    return kept[1]


def _float64_rounding(terms: int) -> float:
    """gamma_n for float64 sums of ``terms`` numbers: n u / (1 - n u), u = 2**-53."""
    nu = terms * 2.0**-53
    return nu / (1 - nu)


def float32_settled(sums: np.ndarray, rounded: np.ndarray, apart: float) -> np.ndarray:
    """Where every float64 number within ``apart`` of ``sums`` rounds to float32 as ``rounded``
    (``sums`` rounded): rounding is monotonic, so it is enough that both ends of the interval do.
    The ends are widened by a float64 step of the sums for their own rounding. NaN is never
    settled; numbers past float32's range round to inf, as ``rounded``'s did."""
    reach = apart + np.abs(sums) * 2.0**-52
    return (np.asarray(sums - reach, np.float32) == rounded) & (
        np.asarray(sums + reach, np.float32) == rounded
    )


def dot_rounding(dims: int) -> float:
    """A bound on how far a float32 dot product of two vectors of ``dims`` numbers, each of length at
    most 1 (a unit probe, a unit row), summed in any order (BLAS's blocks, FMA or not), can lie from
    the exact one: gamma_n = n u / (1 - n u) times the sum of the products' magnitudes, at most 1 by
    Cauchy-Schwarz (Higham, Accuracy and Stability of Numerical Algorithms, 3.1), with u = 2**-24;
    the factor 1.01 covers unit rows rounded a little past length 1."""
    nu = dims * 2.0**-24
    return 1.01 * nu / (1 - nu)


def cosine_slack(dims: int) -> float:
    """How far a float32 product of two vectors of length at most 1 (``dot_rounding``) may lie from
    ``exact_dots``' score of them, itself rounded to float32 (a step at most, and float64's sums)."""
    return dot_rounding(dims) + 2.0**-23


def float32_above(bounds: np.ndarray, relative: float) -> np.ndarray:
    """float64 bounds from above on scores, as float32 bounds never below them: widened by
    ``relative`` of their size (the roundings the exact scores' own steps make), by 2**-22 of it
    more (the float64 steps that made the bounds, and the rounding to float32 itself) and by
    2**-100 (a bound near 0). NaN stays NaN, inf inf."""
    with np.errstate(invalid="ignore", over="ignore"):
        wider = bounds + np.abs(bounds) * (relative + 2.0**-22) + 2.0**-100
        return wider.astype(np.float32)


def float32_rounded(value: float, up: bool) -> np.float32:
    """``value`` as a float32, rounded up or down (never past it the wrong way): a bound's constant."""
    near = np.float32(value)
    if (float(near) < value) if up else (float(near) > value):
        return np.nextafter(near, np.float32(np.inf if up else -np.inf))
    return near


def within_reach(kth: float, rounding: float) -> float:
    """The lowest score that, off by at most ``rounding``, may still be ``kth`` exactly: two float32
    steps of the k-th lower again, for the exact scores' own rounding to float32."""
    return kth - rounding - 2.0 * float(np.spacing(np.float32(abs(kth))))


def near_kth(candidates: list[tuple[int, float]], top: int, rounding: float) -> bool:
    """May rows outside ``candidates`` (one query's, ranked by their exact scores) score the
    ``top``-th exactly or better?

    A row left out had a search score no higher than the last candidate's, and a search score is
    off its exact score by at most ``rounding`` (``dot_rounding`` for a product with a unit probe;
    the caller's own for CSLS and analogies summed by parts): a row left out scores at most the
    last candidate's exact score plus twice that, and two float32 steps for the exact scores' own
    rounding. That is the proof. (Searches whose scores bound the exact ones from above, 3CosMul's
    and ``--away``'s, need no rounding: ``Model._settle_bounded``.)"""
    kth, last = candidates[top - 1][1], candidates[-1][1]
    return last >= within_reach(kth, 2.0 * rounding)


def exactly_ranked(
    found: list[list[tuple[int, float]]], exact: Callable[[np.ndarray, np.ndarray], np.ndarray], top: int
) -> list[list[tuple[int, float]]]:
    """Each query's candidates re-scored by ``exact(which, rows)`` and the best ``top`` kept, ties by row."""
    sizes = np.array([len(f) for f in found], dtype=np.int64)
    if sizes.sum() == 0:
        return [[] for _ in found]
    which = np.repeat(np.arange(len(found)), sizes)
    rows = np.array([r for f in found for r, _ in f], dtype=np.int64)
    scores = np.asarray(exact(which, rows), dtype=np.float32)
    order = np.lexsort((rows, -scores, which))
    which, rows, scores = which[order], rows[order], scores[order]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    out = []
    for j, start in enumerate(starts.tolist()):
        stop = start + min(top, int(sizes[j]))
        out.append(list(zip(rows[start:stop].tolist(), scores[start:stop].tolist())))
    return out
