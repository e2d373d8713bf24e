"""What the cache's checks of its own bytes cost, on a GoogleNews-shaped model (3M x 300).

    python benchmarks/bench_integrity.py [--dir ~/.cache/vecq-bench] [--rows 3000000] [--runs 7]

With vecq installed from a wheel (bench.py's venv): the conversion, `vecq cache verify` (every byte
read and each 1 MiB block's crc32 compared), and whole `similar` and `neighbors` commands, which
check the blocks holding the rows they read and answer. Then, in one process, the same queries with
the block checks and without them (paired, alternating), and what checking every block of the
matrix in a scan would add. Writes docs/benchmarks-integrity.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import bench_folder, google_news_model, log, machine, measure, repeat  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-integrity.md"

IN_PROCESS = r"""
import sys, time, statistics, zlib, os
import numpy as np
import vecq
from vecq.cache import layout
kv = vecq.load(sys.argv[1])
model = kv.model
checker = model.checker
runs = int(sys.argv[2])

def timed(f):
    start = time.perf_counter(); f(); return time.perf_counter() - start

def fresh():  # a new process checks each block once: forget what this one checked
    checker.checked.clear()

pairs = {"neighbors cat": lambda: kv.neighbors("cat"), "similar cat kitten": lambda: kv.similarity("cat", "kitten"),
         "vector cat": lambda: kv["cat"]}
out = {}
for name, query in pairs.items():
    query()
    on, off = [], []
    for _ in range(runs):
        fresh(); model.checker = checker; on.append(timed(query))
        model.checker = None; off.append(timed(query))
    model.checker = checker
    out[name] = (statistics.median(off), statistics.median(on))
path = os.path.join(model.folder, "vectors.npy")
start = time.perf_counter()
with open(path, "rb", buffering=0) as f:
    while block := f.read(1 << 20):
        zlib.crc32(block)
out["crc32 of vectors.npy"] = (0.0, time.perf_counter() - start)
for name, (off, on) in out.items():
    print(f"{name}\t{off:.6f}\t{on:.6f}")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("~/.cache/vecq-bench").expanduser())
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", type=Path, default=DOCS)
    args = ap.parse_args()
    folder, python = bench_folder(args.dir, "integrity")
    model = google_news_model(args.dir, python, args.rows)
    env = {**os.environ, "VECQ_CACHE_DIR": str(folder / "cache")}
    vecq = [python, "-m", "vecq", "-m", str(model)]
    subprocess.run([*vecq, "cache", "clear", "--all"], env=env, check=True, capture_output=True)
    log("converting")
    convert, convert_rss = measure([*vecq, "cache", "build"], env)
    log("cache verify")
    verify = statistics.median(measure([*vecq, "cache", "verify"], env)[0] for _ in range(3))
    similar, _ = repeat([*vecq, "similar", "cat", "kitten"], env, args.runs)
    neighbors, _ = repeat([*vecq, "neighbors", "cat"], env, args.runs)
    floor, _ = repeat([python, "-c", "pass"], env, args.runs)
    log("in one process")
    lines = subprocess.run(
        [python, "-c", IN_PROCESS, str(model), str(args.runs)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    rows = [line.split("\t") for line in lines]
    cache_bytes = sum(p.stat().st_size for p in next((folder / "cache").glob("model-*")).iterdir())
    text = f"""# What checking the cache's bytes costs

`python benchmarks/bench_integrity.py --rows {args.rows:,}` on {machine()};
vecq installed from a wheel; a word2vec binary of {args.rows:,} x 300 made by `benchmarks/make_model.py`
(cache: {cache_bytes / 1e9:.2f} GB).

| what | time |
|---|---|
| conversion (`cache build`: gensim's parse, the cache written, every block read back and compared) | {convert:.1f} s (peak {convert_rss:,.0f} MB) |
| `vecq cache verify` (every byte of the cache read, each 1 MiB block's crc32 compared) | {verify:.2f} s |
| `vecq similar cat kitten`, whole process (median of {args.runs}) | {similar:.3f} s |
| `vecq neighbors cat`, whole process | {neighbors:.3f} s |
| `python -c pass` | {floor:.3f} s |

In one process, each query with the checks of the blocks it reads and answers (each block once a
process, as a new command does) and without them; medians of {args.runs}, paired:

| query | without checks | with checks | added |
|---|---|---|---|
"""
    for name, off, on in rows:
        if name.startswith("crc32"):
            crc = float(on)
            continue
        added = float(on) - float(off)
        text += f"| `{name}` | {float(off) * 1000:.2f} ms | {float(on) * 1000:.2f} ms | {added * 1000:+.2f} ms |\n"
    text += f"""
Checking every block of the matrix in each exact scan would add the crc32 of `vectors.npy`,
{crc:.2f} s, to a scan of {neighbors:.2f} s for the whole command: far beyond a few percent, so a scan
checks only the blocks of the rows it answers, and `vecq cache verify` reads everything.
"""
    args.out.write_text(text)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
