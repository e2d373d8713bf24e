"""A similarity matrix of many words (``kv.similarity_matrix``, ``vecq similar`` with several words):
its time and peak memory, against a float32 BLAS product of the unit rows (what a gensim user
writes: ``u @ u.T`` on ``get_normed_vectors()``) and against summing a pair at a time.

Every entry of vecq's matrix is the pair's ``similarity`` to the bit (``core.ranking.exact_matrix``:
a float64 product a block at a time, each rounding proved or the pair summed again). Each figure is
one fresh process (its peak resident memory is the process's), best of ``--runs`` calls inside it,
vecq installed from a wheel of this checkout in a new venv (``--python`` names another interpreter).
GloVe 6B 50d (the ``glove`` extra). Not part of CI; writes docs/benchmarks-matrix.md.

    python benchmarks/bench_similarity_matrix.py [--runs 5] [--dir ~/.cache/vecq-bench]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import machine, wheel_venv

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks-matrix.md"
SIZES = (500, 2000, 5000, 10000)
PAIRS_UP_TO = 5000  # a pair at a time past this needs more memory than the machine has

CHILD = """
import json, resource, sys, time
import numpy as np
import vecq

way, n, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
kv = vecq.load("glove-wiki-gigaword-50", progress=False)
words = kv.index_to_key[:n]
rows = np.arange(n)
if way == "vecq":
    call = lambda: kv.similarity_matrix(words)
elif way == "blas":
    normed = kv.get_normed_vectors()
    call = lambda: normed[rows] @ normed[rows].T
else:  # the pairs' path vecq took before exact_matrix: every pair gathered and summed
    def call():
        i, j = np.meshgrid(rows, rows, indexing="ij")
        return kv.model.similarities(rows[i.ravel()], rows[j.ravel()]).reshape(n, n)
best = float("inf")
for _ in range(runs):
    start = time.perf_counter()
    call()
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best, "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(python: str, way: str, n: int, runs: int) -> dict:
    done = subprocess.run(
        [python, "-c", CHILD, way, str(n), str(runs)], capture_output=True, text=True, check=True, cwd="/"
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path("~/.cache/vecq-bench").expanduser())
    parser.add_argument(
        "--python", help="an interpreter with vecq installed [default: a wheel in a new venv]"
    )
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    python = args.python or wheel_venv(args.dir, "glove")
    lines = []
    for n in SIZES:
        ours, blas = measure(python, "vecq", n, args.runs), measure(python, "blas", n, args.runs)
        pairs = measure(python, "pairs", n, 1) if n <= PAIRS_UP_TO else None
        before = f"{pairs['seconds']:.3f} s, {pairs['mb']:,.0f} MB" if pairs else "(not run: memory)"
        lines.append(
            f"| {n:,} | {ours['seconds']:.3f} s, {ours['mb']:,.0f} MB | {blas['seconds']:.3f} s, "
            f"{blas['mb']:,.0f} MB | {before} |"
        )
        print(lines[-1], flush=True)
    DOCS.write_text(
        f"""# A similarity matrix of many words

`python benchmarks/bench_similarity_matrix.py --runs {args.runs}` on {machine()}; vecq from a
wheel. GloVe 6B 50d;
the first N words; each cell one fresh process, best of {args.runs} calls (a pair at a time: one
call), and that process's peak resident memory (opening the model included).

| words | vecq's `similarity_matrix` | float32 BLAS `u @ u.T` | a pair at a time (vecq before) |
|---|---|---|---|
{chr(10).join(lines)}

vecq's entries are each pair's `similarity` to the bit (tests/test_properties.py,
tests/test_notebook_api.py): a float64 product of a block of rows at a time, each sum's rounding to
float32 proved to be the fixed-order sum's (two float64 sums of the same products lie within twice
gamma_n of each other), the others summed again. The float32 product's entries differ from them
in the last bits. vecq's costs 8-10 times the float32 product's time (the float64 product and
the proof's steps over every entry, a block in the core's cache at a time) and about its memory
(the answer, and the scores' checks by their least and greatest, with no array of the answer's
size beside it). Summing a pair at a time gathered both rows of every pair: n squared rows, so
5,000 words took gigabytes.
"""
    )


if __name__ == "__main__":
    main()
