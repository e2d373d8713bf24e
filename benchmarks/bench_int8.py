"""The int8 copy against the float32 scan on the GoogleNews-shaped model and on GloVe, in one run.

    python benchmarks/bench_int8.py [--dir ~/.cache/vecq-bench] [--rows 3000000] [--runs 5]

vecq from a wheel (bench.py's venv, with the glove and int8 extras) and the 3,000,000 x 300 model
of make_model.py, converted once and given its int8 copy (`vecq cache build --int8`). Measured, the
copy present and set aside in alternation: `vecq neighbors WORD` as a whole process (warm: the
files in the page cache; cold: the page cache dropped before each run, as root), its peak RSS,
and the query alone in one process (20 words); 1,000 batched queries; the candidates the proof
keeps (GloVe and the 3M model); a 1-bit (sign) copy's candidates, measured the same way; and the
kernels tried (bench_int8_kernels.py). Writes docs/benchmarks-int8.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import bench_folder, google_news_model, int8_aside, log, machine, measure  # noqa: E402
from bench_int8_kernels import table as kernel_table  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-int8.md"
WORDS = ["cat", "king", "paris", "computer", "run", "blue", "happy", "river", "music", "doctor"]

# In the wheel's python: per-query seconds with and without the copy, candidates, and 1-bit's.
PROBE = r"""
import json, sys, time
import numpy as np
import vecq
from vecq.core import int8
from vecq.core.expression import Term
from vecq.core.words import Match

model = vecq.load(sys.argv[1], progress=False).model
words = json.loads(sys.argv[2])
copy = model.int8
assert copy is not None, "no int8 copy"
rows = [model.vocab.index(w) for w in words]
queries = [[Term(1.0, Match(w, w, r))] for w, r in zip(words, rows)]

def per_query(with_copy):
    model.int8 = copy if with_copy else None
    model.neighbors_many(queries[:1], top=10)
    times = []
    for q in queries:
        t = time.perf_counter(); model.neighbors_many([q], top=10); times.append(time.perf_counter() - t)
    return float(np.median(times))

out = {"int8": per_query(True), "float32": per_query(False)}
model.int8 = copy
rng = np.random.default_rng(0)
sample = rng.integers(0, len(model), 300)
counts = []
for r in sample:
    q = np.asarray(model.vectors[int(r)], dtype=np.float32)
    counts.append(len(int8.candidates(copy, q, 10, np.array([r]), 0, len(model))))
out["candidates"] = [float(np.median(counts)), float(np.percentile(counts, 99)), int(max(counts))]
# 1 bit: x ~ s sign(x) with s = |x|_1 / d (the best scale); bound ||x - s sign(x)|| (a float query)
n, d = model.vectors.shape
Q = np.asarray(model.vectors[np.sort(sample[:100])], dtype=np.float32)
approx = np.empty((len(Q), n), dtype=np.float32)
bound = np.empty(n, dtype=np.float32)
for s in range(0, n, 1 << 16):
    x = np.asarray(model.vectors[s : s + (1 << 16)], dtype=np.float32)
    signs = np.where(x >= 0, 1.0, -1.0).astype(np.float32)
    scale = np.abs(x).mean(axis=1)
    approx[:, s : s + len(x)] = (Q @ signs.T) * scale
    bound[s : s + len(x)] = np.linalg.norm(x - signs * scale[:, None], axis=1) + 1e-6
shares = []
for j in range(len(Q)):
    lower = approx[j] - bound
    tau = np.partition(lower, n - 11)[n - 11]
    shares.append(float(np.count_nonzero(approx[j] + bound >= tau)) / n)
out["one_bit_share"] = [float(np.median(shares)), float(max(shares))]
out["one_bit_mean_bound"] = float(bound.mean())
print(json.dumps(out))
"""


def drop_caches() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def timed_pair(vecq: list[str], env: dict, copy: Path, runs: int, cold: bool) -> dict:
    """Median wall and peak RSS of `neighbors`, the copy present and set aside in alternation."""
    results: dict = {"int8": [], "float32": []}
    for i in range(runs):
        for kind in ("int8", "float32"):
            with int8_aside([copy], kind == "float32"):
                if cold:
                    drop_caches()
                else:
                    measure([*vecq, "neighbors", WORDS[i % len(WORDS)]], env)
                results[kind].append(measure([*vecq, "neighbors", WORDS[i % len(WORDS)]], env))
    return {k: (statistics.median(w for w, _ in v), max(r for _, r in v)) for k, v in results.items()}


def probe(python: str, model: str, env: dict) -> dict:
    proc = subprocess.run(
        [python, "-c", PROBE, model, json.dumps(WORDS)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("~/.cache/vecq-bench").expanduser())
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    log("kernels")  # first: the kernels run in this process, and a failure there costs no other run
    kernels = kernel_table(args.rows, 300, 1000)
    folder, python = bench_folder(args.dir, "int8", extras="glove,int8")
    model = google_news_model(args.dir, python, args.rows)
    env = {**os.environ, "VECQ_CACHE_DIR": str(folder / "cache")}
    vecq = [str(Path(python).parent / "vecq"), "-m", str(model)]
    log("converting, and the int8 copy")
    subprocess.run([*vecq, "cache", "build"], env=env, check=True, capture_output=True)
    started = __import__("time").perf_counter()
    subprocess.run([*vecq, "cache", "build", "--int8"], env=env, check=True, capture_output=True)
    build_seconds = __import__("time").perf_counter() - started
    copy = next((folder / "cache").glob("model-*")) / "int8"
    log("warm runs")
    warm = timed_pair(vecq, env, copy, args.runs, cold=False)
    cold = None
    if drop_caches():
        log("cold runs")
        cold = timed_pair(vecq, env, copy, max(3, args.runs // 2), cold=True)
    log("one process: per query, candidates, one bit")
    big = probe(python, str(model), env)
    glove_vecq = [str(Path(python).parent / "vecq"), "-m", "glove-wiki-gigaword-50"]
    subprocess.run([*glove_vecq, "cache", "build", "--int8"], env=env, check=True, capture_output=True)
    small = probe(python, "glove-wiki-gigaword-50", env)
    log("1,000 batched queries")
    words_file = folder / "words.txt"
    listed = subprocess.run(
        [
            python,
            "-c",
            f"import vecq; kv = vecq.load({str(model)!r}); print('\\n'.join(kv.index_to_key[:1000]))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words_file.write_text(listed)
    batch: dict = {}
    batch_cold: dict = {}
    for kind in ("int8", "float32"):
        with int8_aside([copy], kind == "float32"):
            measure([*vecq, "neighbors", "-"], env, stdin=words_file)
            runs = [measure([*vecq, "neighbors", "-"], env, stdin=words_file) for _ in range(3)]
            batch[kind] = (statistics.median(w for w, _ in runs), max(r for _, r in runs))
            if cold is not None:
                drop_caches()
                batch_cold[kind] = measure([*vecq, "neighbors", "-"], env, stdin=words_file)
    log("GloVe's k-NN graph")
    graph = {}
    glove_copy = next(p for p in (folder / "cache").glob("*/int8") if "glove" in str(p.parent).lower())
    for kind in ("int8", "float32"):
        with int8_aside([glove_copy], kind == "float32"):
            out = folder / f"graph-{kind}.npy"
            graph[kind] = measure([*glove_vecq, "graph", "-o", str(out)], env)[0]
            if cold is not None:
                drop_caches()
                cold_out = folder / f"graph-{kind}-cold.npy"
                graph[f"{kind}-cold"] = measure([*glove_vecq, "graph", "-o", str(cold_out)], env)[0]
    graph["same"] = all(
        (folder / f"graph-{name}{suffix}").read_bytes() == (folder / f"graph-float32{suffix}").read_bytes()
        for name in ("int8", *(("int8-cold", "float32-cold") if cold is not None else ()))
        for suffix in (".ids.npy", ".scores.npy")
    )
    write(args, warm, cold, big, small, batch, batch_cold, graph, build_seconds, kernels)
    print(DOCS.read_text())


def graph_cold_row(graph: dict) -> str:
    if "int8-cold" not in graph:
        return "| the graph, cold: not measured (not root) | | | |"
    i8, f32 = graph["int8-cold"], graph["float32-cold"]
    return f"| the same graph, cold page cache (one run) | {i8:.1f} s | {f32:.1f} s | {f32 / i8:.2f}x |"


def write(args, warm, cold, big, small, batch, batch_cold, graph, build_seconds, kernels) -> None:
    def row(label, pair):
        (w8, r8), (wf, rf) = pair["int8"], pair["float32"]
        return f"| {label} | {w8:.3f} s, {r8:,.0f} MB | {wf:.3f} s, {rf:,.0f} MB | {wf / w8:.2f}x |"

    cold_row = (
        row("`vecq neighbors WORD`, cold page cache", cold)
        if cold
        else "| cold: not measured (not root) | | | |"
    )
    # The sections other scripts write (check_int8_vocabulary.py) and the targets' are kept.
    kept = DOCS.read_text().partition("## Every word of GloVe as a query")
    DOCS.write_text(
        f"""# The int8 copy: exact answers from a quarter of the bytes

`python benchmarks/bench_int8.py --rows {args.rows} --runs {args.runs}` on {machine()}. vecq from a
wheel (glove and int8 extras); the {args.rows:,} x 300 model of make_model.py (its first 400,000
rows GloVe's words) converted once, then `vecq cache build --int8` ({build_seconds:.1f} s: codes
{args.rows * 300 / 1e6:,.0f} MB beside the {args.rows * 300 * 4 / 1e6:,.0f} MB matrix). The copy
present and set aside in alternation, the same build; medians, and the largest peak RSS.

| | int8 copy | float32 scan | speed-up |
|---|---|---|---|
{row("`vecq neighbors WORD`, warm page cache (whole process)", warm)}
{cold_row}
| the query alone, in one process (median of {len(WORDS)} words) | {big["int8"] * 1000:.1f} ms | {big["float32"] * 1000:.1f} ms | {big["float32"] / big["int8"]:.2f}x |
| GloVe 400,000 x 50: the query alone | {small["int8"] * 1000:.2f} ms | {small["float32"] * 1000:.2f} ms | {small["float32"] / small["int8"]:.2f}x |
{row("1,000 batched queries (`neighbors -`), whole process, warm", batch)}
{row("1,000 batched queries, cold page cache (one run)", batch_cold) if batch_cold else "| batched, cold: not measured (not root) | | | |"}
| GloVe's k-NN graph, 400,000 words x 10 (`vecq graph -o FILE.npy`) | {graph["int8"]:.1f} s | {graph["float32"]:.1f} s | {graph["float32"] / graph["int8"]:.2f}x |
{graph_cold_row(graph)}

The query itself is {big["float32"] / big["int8"]:.1f}x faster; the whole process less so, as the
interpreter, numpy and opening the cache (docs/benchmarks-startup.md) cost the same both ways; a
cold query reads {args.rows * 300 / 1e6:,.0f} MB instead of {args.rows * 300 * 4 / 1e6:,.0f} MB. The peak
RSS is the copy's bytes and the candidates' pages, not the matrix's.

Every answer is the float32 scan's (tests/test_int8.py); the rows the proof keeps and rescores
from the float32 matrix, per query (300 random words; median, 99th percentile, largest):
{args.rows:,} x 300: {big["candidates"][0]:.0f}, {big["candidates"][1]:.0f}, {big["candidates"][2]}; GloVe:
{small["candidates"][0]:.0f}, {small["candidates"][1]:.0f}, {small["candidates"][2]}.

Batches of more than 6 queries and the graph's blocks multiply the copy with all their queries
at once (onnxruntime's `MatMulIntegerToFloat`, blocks sized to the batch, `int8.batch_block`; the kernels' table) and keep
the rows within twice the widest bound of each query's k-th best (docs/design.md). The two graph
files are {"the same bytes" if graph["same"] else "NOT the same bytes"} with and without the copy (and cold as
warm). A cold graph reads GloVe's cache once: 80 MB of float32 rows and 20 MB of codes, against a job of
minutes, so cold and warm differ by the VM's noise.

## 1 bit

A sign copy (x ~ s sign(x), s = ||x||_1 / d, the best scale; its bound ||x - s sign(x)|| for a
float query) on the same queries: the share of all rows it must keep for an exact answer is
{small["one_bit_share"][0]:.1%} (median; largest {small["one_bit_share"][1]:.1%}) on GloVe and
{big["one_bit_share"][0]:.1%} (largest {big["one_bit_share"][1]:.1%}) on the {args.rows:,}-row model; its mean bound
is {small["one_bit_mean_bound"]:.2f} (GloVe) and {big["one_bit_mean_bound"]:.2f}, against cosines of neighbours
around 0.5 to 0.9. A copy that must rescore that share of the float32 rows never pays, so it is
not shipped.

## The kernels tried

{args.rows:,} x 300, random codes (speed does not depend on the values), in memory, best of 5; one
query unless said (`benchmarks/bench_int8_kernels.py`):

{kernels}

SimSIMD's int8 dot products (AVX-512 VNNI here, two threads) are the kernel: numpy has no int8
product, widening blocks for BLAS costs more than the float32 scan it replaces, NumKong (the
same author's newer library) and usearch's exact search were slower for one query.
"""
        + (f"\n{kept[1]}{kept[2]}" if kept[1] else "")
    )


if __name__ == "__main__":
    main()
