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

Batches. One query scans the codes with SimSIMD's int8 dot products; a batch multiplies the queries'
codes with each block of rows (onnxruntime's MatMulIntegerToFloat: u8 x s8, 3x BLAS's float32 GEMM
with VNNI; without it the queries' codes are kept within 63 so that its 16-bit sums stay exact,
``QUERY_TOPS``) and keeps, per query, every row whose approximate score is within 2W of the k-th
best (``topk.top_k`` with a window), W being the widest bound. Let K be that k-th best: the k best rows'
lower bounds are at least K - W, so tau >= K - W, and a row not kept scores, even at its upper
bound, below K - 2W + W <= tau. So the kept rows hold every candidate, which the per-row bounds
then filter as above.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .ranking import Exact
from .topk import top_k

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


def batch_block(queries: int) -> int:
    """Rows of the copy per int8 product in a batch of ``queries``: a block's scores near 1.5M
    floats (6 MB), read again by the window's comparison while still in the cache, and at most
    16,384 rows (each product is an onnxruntime call). Measured under one thread (GloVe graph
    blocks of 2,048 words: 4,096 rows 4.1 s, 768 rows 3.1 s) and on 3M x 300 (64 queries: 4,096
    rows 0.54 s, 16,384 rows 0.48 s; 1,000 queries: 4,096 rows 4.29 s, 1,536 rows 3.88 s)."""
    return max(512, min(1 << 14, (3 << 19) // max(queries, 1)))


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


def query_codes(q: np.ndarray, top: int = 127) -> tuple[np.ndarray, float, float, float]:
    """A unit query's codes d (from -``top`` to ``top``), its float32 scale t, and the norms ||f||
    (its residual) and ||q||. The proof holds for any ``top``: a coarser d only widens the bound."""
    x = np.asarray(q, dtype=np.float64)
    peak = float(np.abs(x).max())
    t = float(np.float32(peak / top)) if peak > 0 else 1.0
    d = np.clip(np.rint(x / t), -top, top).astype(np.int8)
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
    approx = np.multiply(dots, scale, out=dots)  # in place: a new array of n scores costs its pages
    approx *= dots.dtype.type(t)
    skip = np.array(sorted({int(r) for r in skip_rows if lo <= r < hi}), dtype=np.int64) - lo
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


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        out.append((value & 0x7F) | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes | int) -> bytes:
    """One protocol-buffer field: a varint, or length-delimited bytes."""
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _tensor(name: str, element_type: int, rank: int) -> bytes:
    """An ONNX ValueInfoProto: a tensor of ``element_type`` with ``rank`` dimensions, sizes left open."""
    dims = _field(1, b"") * rank  # TensorShapeProto.dim, no value
    tensor = _field(1, element_type) + _field(2, dims)  # TypeProto.Tensor: elem_type, shape
    return _field(1, name.encode()) + _field(2, _field(1, tensor))  # name, type.tensor_type


ROWS_FIRST_QUERIES = 256  # up to this many queries, a block's codes are A and the queries B


def rows_first(queries: int) -> bool:
    """Does a batch of ``queries`` multiply blocks of codes by the queries (``scaled_products_model``)?"""
    return queries <= ROWS_FIRST_QUERIES


def scaled_products_model(codes_left: bool) -> bytes:
    """The ONNX model of ``scaled_products``: onnxruntime's int8 product MatMulIntegerToFloat (A
    uint8 less its zero point 128, times B int8, summed in int32, exact in float32 up to
    ``FLOAT32_DIMS``), the result times each row's scale s in float32 (one rounding).

    ``codes_left``: Y = MatMulIntegerToFloat(A, B, 1, 1, 128) with A a block of codes and B the
    queries' codes transposed, then Z = Y * s (s a column): onnxruntime packs only the small B.
    Otherwise B = Transpose(C), C the block, and Y = MatMulIntegerToFloat(A, B, 1, s, 128) with A
    the queries (the transpose is onnxruntime's: three times numpy's speed on a block). Measured:
    64 queries on 3M x 300, 0.36 s against 0.48 s rows first; GloVe graph blocks of 2,048 words,
    3.6 s against 3.1 s for three (so codes on the left up to ``ROWS_FIRST_QUERIES``).
    Written field by field: the same bytes as ``onnx.helper``'s (tests/test_int8.py), so vecq
    does not need the onnx package."""
    UINT8, INT8, FLOAT, INTS = 2, 3, 1, 7  # onnx.TensorProto's element types, AttributeProto.INTS

    def product(scales: tuple[bytes, bytes]) -> bytes:
        return (
            b"".join(_field(1, name) for name in (b"A", b"B", *scales, b"zero"))  # inputs
            + _field(2, b"Y")
            + _field(4, b"MatMulIntegerToFloat")
            + _field(7, b"com.microsoft")  # the op's domain
        )

    if codes_left:
        nodes = [
            product((b"one", b"one")),
            _field(1, b"Y") + _field(1, b"s") + _field(2, b"Z") + _field(4, b"Mul"),
        ]
        inputs = [("A", UINT8, 2), ("B", INT8, 2), ("one", FLOAT, 0), ("zero", UINT8, 0), ("s", FLOAT, 2)]
        output = "Z"
    else:
        perm = _field(1, b"perm") + _field(8, 1) + _field(8, 0) + _field(20, INTS)  # name, ints, type
        nodes = [
            _field(1, b"C") + _field(2, b"B") + _field(4, b"Transpose") + _field(5, perm),
            product((b"one", b"s")),
        ]
        inputs = [("A", UINT8, 2), ("C", INT8, 2), ("one", FLOAT, 0), ("s", FLOAT, 1), ("zero", UINT8, 0)]
        output = "Y"
    graph = (
        b"".join(_field(1, node) for node in nodes)
        + _field(2, b"g")
        + b"".join(_field(11, _tensor(*value)) for value in inputs)
        + _field(12, _tensor(output, FLOAT, 2))
    )
    opsets = _field(8, _field(1, b"") + _field(2, 13)) + _field(8, _field(1, b"com.microsoft") + _field(2, 1))
    return _field(1, 7) + _field(7, graph) + opsets  # ir_version 7, graph, opset_import


_sessions: dict[tuple[int, bool], Any] = {}


def batch_kernel_available() -> bool:
    """Is onnxruntime, the batches' int8 kernel, installed (found without importing it)?"""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def _session(codes_left: bool) -> Any:
    """onnxruntime's session of ``scaled_products_model``, its threads sleeping between products (no
    spinning), as many as BLAS has now: all the cores, or one where ``core/threads.py`` holds BLAS to
    one thread a core (a session per count, kept for the process)."""
    from threadpoolctl import threadpool_info

    blas = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    threads = (
        max(1, min(blas)) if blas else len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    )
    if (threads, codes_left) not in _sessions:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        _sessions[threads, codes_left] = onnxruntime.InferenceSession(
            scaled_products_model(codes_left), options, providers=["CPUExecutionProvider"]
        )
    return _sessions[threads, codes_left]


_ONE, _ZERO = np.array(1.0, dtype=np.float32), np.array(128, dtype=np.uint8)
# The largest query code a batch's product takes: 127 where onnxruntime's int8 product sums exactly
# (VNNI), else 63 (AVX2 adds pairs of u8 x s8 products in 16 bits, saturating at 2^15: with the
# codes' side u8 up to 255 and queries' codes within 63, or the queries' side shifted by 64 to at
# most 127 against codes within 127, every pair fits). ``batch_query_top`` finds which by trying.
QUERY_TOPS = (127, 63)


def _unsigned(queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The queries' codes as the unsigned side of the product, and its zero point: shifted by 128,
    or by 64 when every code is within 63 (so that no byte exceeds 127)."""
    if int(np.abs(queries.astype(np.int16)).max(initial=0)) <= 63:
        return (queries.astype(np.int16) + 64).astype(np.uint8), np.array(64, dtype=np.uint8)
    return queries.view(np.uint8) ^ np.uint8(0x80), _ZERO


def scaled_products(
    queries: np.ndarray,
    codes: np.ndarray,
    scale: np.ndarray,
    session: Any = None,
    shifted: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """float32(c . d) * s for every query's codes d (m, dims) and every row's codes c (r, dims) and
    scale s: (m, r) float32 scores; up to ``ROWS_FIRST_QUERIES`` queries, the transposed view of
    the (r, m) product, which ``topk`` reads in that order (queries laid out column by column,
    ``np.asfortranarray`` once for a batch, go in without a copy). c . d is exact (an int32 sum,
    exact in float32 up to ``FLOAT32_DIMS``), then rounded once by the product with s. The kernel
    multiplies unsigned by signed bytes, so the unsigned side (the codes rows first, else the
    queries: ``_unsigned``) goes in shifted by its zero point (128: the sign bit flipped).
    ``session``: ``_session()``'s, asked once for many blocks (it reads the process's libraries);
    ``shifted``: ``_unsigned(queries)``, computed once for many blocks."""
    if not rows_first(len(queries)):
        unsigned, zero = shifted or _unsigned(queries)
        feed = {"A": unsigned, "C": np.ascontiguousarray(codes), "s": scale}
        (out,) = (session or _session(False)).run(None, {**feed, "one": _ONE, "zero": zero})
        return out
    feed = {"A": codes.view(np.uint8) ^ np.uint8(0x80), "B": np.ascontiguousarray(queries.T), "one": _ONE}
    feed["s"] = np.ascontiguousarray(scale, dtype=np.float32).reshape(-1, 1)
    (out,) = (session or _session(True)).run(None, {**feed, "zero": _ZERO})
    return out.T


def batch_refused(copy: Int8Copy, lo: int, hi: int, queries: int) -> str | None:
    """Why a batch of ``queries`` cannot scan the copy's rows ``[lo, hi)``, or None when it can."""
    if not batch_kernel_available():
        return "onnxruntime is missing"
    if copy.codes.shape[1] > FLOAT32_DIMS:
        return "rows too wide for exact float32 products"
    if hi <= lo:
        return "no rows to search"
    if not np.isfinite(copy.rows[:, lo:hi]).all():
        return "the copy's bounds are not numbers: run 'vecq cache verify'"
    if batch_query_top(rows_first(queries)) is None:
        return "onnxruntime's int8 product is not exact on this CPU (it saturates)"
    return None


_exact: dict[tuple[bool, int], bool] = {}


def exact_here(codes_left: bool, top: int = 127) -> bool:
    """Does onnxruntime's int8 product (the model ``codes_left`` or not) sum exactly on this CPU
    with queries' codes within ``top``? Without VNNI its kernels add pairs of u8 x s8 products in
    16 bits, which saturate; the proof needs exact sums, so the worst case is tried once a process."""
    if (codes_left, top) not in _exact:
        m = 2 if codes_left else ROWS_FIRST_QUERIES + 1
        queries = np.full((m, 64), top, dtype=np.int8)
        queries[1::2] = -top
        codes = np.array([[127] * 64, [-127] * 64, [127, -127] * 32], dtype=np.int8)
        want = (queries.astype(np.int64) @ codes.astype(np.int64).T).astype(np.float32)
        got = scaled_products(queries, codes, np.ones(len(codes), dtype=np.float32))
        _exact[codes_left, top] = bool(np.array_equal(got, want))
    return _exact[codes_left, top]


def batch_query_top(codes_left: bool) -> int | None:
    """The largest of ``QUERY_TOPS`` for which this CPU's product is exact (None: none is)."""
    return next((top for top in QUERY_TOPS if exact_here(codes_left, top)), None)


def candidates_many(
    copy: Int8Copy,
    probe: np.ndarray,
    k: int,
    exclude: list[list[int]],
    zero_rows: np.ndarray,
    lo: int,
    hi: int,
    slack: float = 1.0,
) -> list[np.ndarray | None] | None:
    """For each unit query of ``probe``, the rows of ``[lo, hi)`` (its ``exclude`` and ``zero_rows``
    left out) that can be among its best ``k``, ascending; None for a query with more than
    ``MAX_CANDIDATES`` kept rows (it is asked alone), and None for all when ``batch_refused``
    says why. The proof: the module's note."""
    if len(probe) == 0 or batch_refused(copy, lo, hi, len(probe)):
        return None
    bounds = copy.rows[:, lo:hi]
    scale, residual, norm = copy.rows
    top = batch_query_top(rows_first(len(probe))) or 127  # not None: batch_refused said so
    coded = [query_codes(q, top) for q in probe]
    d = np.stack([c[0] for c in coded])
    if rows_first(len(d)):
        d = np.asfortranarray(d)  # scaled_products takes d.T as it is
    t = np.array([c[1] for c in coded], dtype=np.float32)
    f = np.array([c[2] for c in coded])
    q_norm = np.array([c[3] for c in coded])
    widest = (float(bounds[2].max()) * f + float(bounds[1].max()) * q_norm + EPS) * slack

    session = _session(rows_first(len(probe)))
    shifted = None if rows_first(len(d)) else _unsigned(d)

    def approximate(span: np.ndarray) -> np.ndarray:
        start, stop = int(span[0]), int(span[-1]) + 1
        return scaled_products(d, copy.codes[start:stop], scale[start:stop], session, shifted)

    # The kept scores lack each query's positive factor t (it ranks nothing), so the window is 2W / t.
    kept = top_k(
        approximate,
        np.arange(hi),
        hi,
        len(probe),
        exclude,
        k=k,
        zero_rows=zero_rows,
        first=lo,
        window=2 * widest / t,
        window_cap=MAX_CANDIDATES,
        rows_per_block=batch_block(len(probe)),
    )
    return [
        _settled(best, k, float(t[j]), norm, residual, float(f[j]), float(q_norm[j]), slack)
        for j, best in enumerate(kept)
    ]


def _settled(
    best: list[tuple[int, float]],
    k: int,
    t: float,
    norm: np.ndarray,
    residual: np.ndarray,
    f: float,
    q_norm: float,
    slack: float,
) -> np.ndarray | None:
    """A batch query's candidates from its kept rows (``best``: row, approximate score less the
    factor ``t``), ascending: those whose upper bound reaches tau (None: too many to rescore)."""
    rows = np.array([r for r, _ in best], dtype=np.int64)
    if len(best) <= k:  # every live row is a candidate
        return np.sort(rows)
    if len(best) > MAX_CANDIDATES:
        return None
    approx = np.array([a for _, a in best], dtype=np.float64) * t
    bound = (norm[rows] * f + residual[rows] * q_norm + EPS) * slack
    lower = approx - bound
    tau = np.partition(lower, len(lower) - k)[len(lower) - k]
    return np.sort(rows[approx + bound >= tau])


def ranked(exact: Exact, j: int, rows: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Query ``j``'s candidates scored exactly and ranked by (score, row): its best ``k``."""
    scores = np.asarray(exact(np.full(len(rows), j, dtype=np.int64), rows), dtype=np.float32)
    order = np.lexsort((rows, -scores))[:k]
    return list(zip(rows[order].tolist(), scores[order].tolist()))
