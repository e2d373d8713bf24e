"""Which kernel scores one query (and a batch) against an int8 matrix fastest: the choice behind
``vecq cache build --int8``, measured rather than assumed.

    python benchmarks/bench_int8_kernels.py [--rows 3000000] [--dims 300] [--batch 1000]

A random matrix of the given shape (the kernels' speed does not depend on the values), in memory
(the page cache, as a warm query sees the cache's files). Each kernel computes the same products
(checked equal to an int64 reference on a sample); the time is the best of 5. Tried: numpy's float32
BLAS on the float32 matrix (the scan vecq does today), int8 blocks widened to float32 and multiplied
by BLAS, int8 blocks widened to int16/int32 by numpy, NumKong's and SimSIMD's int8 cdist/dot (AVX2,
AVX-512 VNNI), NumKong's packed int8 GEMM, and usearch's exact int8 search. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import time

import numpy as np

BLOCK = 1 << 16


def best(f, repeat: int = 5) -> float:
    f()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--dims", type=int, default=300)
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args()
    print(table(args.rows, args.dims, args.batch))


def table(n: int, d: int, batch: int) -> str:
    """The Markdown table of every kernel's seconds on an n x d matrix (module note)."""
    rows = kernels(n, d, batch)
    return "| kernel | seconds |\n|---|---|\n" + "\n".join(f"| {name} | {s:.3f} |" for name, s, _ in rows)


def kernels(n: int, d: int, batch: int) -> list[tuple[str, float, float | None]]:
    # onnxruntime is imported before usearch: imported after usearch's extension, onnxruntime's
    # own crashes the process (usearch 2.26, onnxruntime 1.32; vecq never loads usearch).
    with contextlib.suppress(ImportError):
        import onnxruntime  # noqa: F401
    rng = np.random.default_rng(0)
    codes = rng.integers(-127, 128, size=(n, d), dtype=np.int8)
    floats = codes.astype(np.float32) / 127.0
    q8 = rng.integers(-127, 128, size=(1, d), dtype=np.int8)
    qf = q8.astype(np.float32)
    batch8 = rng.integers(-127, 128, size=(batch, d), dtype=np.int8)
    batchf = batch8.astype(np.float32)
    reference = codes[:1000].astype(np.int64) @ q8[0].astype(np.int64)
    rows: list[tuple[str, float, float | None]] = []

    def scan_f32():
        out = np.empty(n, dtype=np.float32)
        for s in range(0, n, BLOCK):
            out[s : s + BLOCK] = floats[s : s + BLOCK] @ qf[0]
        return out

    def widen_f32(q=qf):
        out = np.empty((len(q), n), dtype=np.float32)
        buf = np.empty((BLOCK, d), dtype=np.float32)
        for s in range(0, n, BLOCK):
            e = min(n, s + BLOCK)
            np.copyto(buf[: e - s], codes[s:e], casting="unsafe")
            out[:, s:e] = q @ buf[: e - s].T
        return out

    def widen_i32():
        out = np.empty(n, dtype=np.int32)
        qi = q8[0].astype(np.int32)
        for s in range(0, n, BLOCK):
            out[s : s + BLOCK] = codes[s : s + BLOCK].astype(np.int32) @ qi
        return out

    rows.append(("float32 BLAS on the float32 matrix (today's scan)", best(scan_f32), None))
    assert np.array_equal(np.rint(widen_f32()[0][:1000]), reference)
    rows.append(("int8 blocks widened to float32, BLAS", best(widen_f32), None))
    rows.append(("int8 blocks widened to int32, numpy", best(widen_i32), None))
    try:
        import numkong as nk

        got = np.asarray(nk.cdist(q8, codes[:1000], metric="dot"))
        assert np.array_equal(np.rint(got[0]), reference)
        rows.append(("NumKong cdist, int8 dot", best(lambda: nk.cdist(q8, codes, metric="dot")), None))
        packed = nk.dots_pack(codes[:200_000])
        rows.append(
            (
                "NumKong packed int8 GEMM (200,000 rows, scaled to all)",
                best(lambda: nk.dots_packed(q8, packed)) * n / 200_000,
                None,
            )
        )
    except ImportError:
        pass
    try:
        import simsimd

        got = np.asarray(simsimd.cdist(q8, codes[:1000], metric="dot", dtype="int8"))
        assert np.array_equal(np.rint(got[0]), reference)
        for threads in (1, 2):
            rows.append(
                (
                    f"SimSIMD cdist, int8 dot, {threads} thread(s)",
                    best(lambda t=threads: simsimd.cdist(q8, codes, metric="dot", dtype="int8", threads=t)),
                    None,
                )
            )
    except ImportError:
        pass
    try:
        from usearch.index import MetricKind, search

        part = n // 10
        rows.append(
            (
                "usearch exact search, int8 inner product, top 10, 2 threads (a tenth, x10)",
                best(lambda: search(codes[:part], q8, 10, MetricKind.IP, exact=True, threads=2)) * 10,
                None,
            )
        )
    except ImportError:
        pass
    # batches: the float32 GEMM against the widened int8 blocks and the SIMD kernels
    b = batch
    part = n // 10  # a tenth of the rows, times ten
    rows.append(
        (f"{b} queries: float32 BLAS (a tenth, x10)", best(lambda: batchf @ floats[:part].T, 2) * 10, None)
    )
    try:
        import simsimd

        rows.append(
            (
                f"{b} queries: SimSIMD int8 cdist, 2 threads (a tenth, x10)",
                best(lambda: simsimd.cdist(batch8, codes[:part], metric="dot", dtype="int8", threads=2), 2)
                * 10,
                None,
            )
        )
    except ImportError:
        pass
    try:
        import numkong as nk

        packed = nk.dots_pack(codes[:part])
        rows.append(
            (
                f"{b} queries: NumKong packed int8 GEMM (a tenth, x10)",
                best(lambda: nk.dots_packed(batch8, packed), 2) * 10,
                None,
            )
        )
    except ImportError:
        pass
    try:
        from vecq.core import int8

        scale = np.ones(part, dtype=np.float32)
        rows.append(
            (
                f"{b} queries: onnxruntime MatMulIntegerToFloat, vecq's blocks of {int8.batch_block(b):,} rows (a tenth, x10)",
                best(
                    lambda: [
                        int8.scaled_products(
                            batch8,
                            codes[s : min(part, s + int8.batch_block(b))],
                            scale[s : s + int8.batch_block(b)],
                        )
                        for s in range(0, part, int8.batch_block(b))
                    ],
                    2,
                )
                * 10,
                None,
            )
        )
    except ImportError:
        pass
    return rows


if __name__ == "__main__":
    main()
