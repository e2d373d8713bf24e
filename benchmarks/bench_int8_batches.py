"""Batches through the int8 copy on the CPU at hand, against the float32 scan, in one run.

    python benchmarks/bench_int8_batches.py [--dir ~/.cache/vecq-bench] [--rows 3000000] [--runs 3]

Which query codes this CPU's int8 product sums exactly (127 with VNNI, 63 without: core/int8.py's
``QUERY_TOPS``), the rows a batch keeps and rescores per query on GloVe (300 random words), 1,000
batched queries (`neighbors -`) on the GoogleNews-shaped model with the copy present and set aside
in alternation (whole processes, warm page cache), and GloVe's k-NN graph both ways (its two files
compared byte for byte). vecq from a wheel (bench.py's venv, glove and int8 extras). Writes the
section "Batches on this CPU" of docs/benchmarks-int8.md (bench_int8.py writes the rest).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import bench_folder, google_news_model, int8_aside, log, machine, measure  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-int8.md"
MARK = "## Batches on this CPU"

# In the wheel's python: the CPU's query range per orientation, and a batch's kept rows on GloVe.
PROBE = r"""
import json
import numpy as np
import vecq
from vecq.core import int8

model = vecq.load("glove-wiki-gigaword-50", progress=False).model
copy = model.int8
assert copy is not None, "no int8 copy"
rows = np.random.default_rng(0).integers(0, len(model), 300)
probe = np.asarray(model.vectors[np.sort(rows)], dtype=np.float32)
found = int8.candidates_many(copy, probe, 10, [[int(r)] for r in np.sort(rows)], model.zero_rows, 0, len(model))
kept = [len(f) for f in found if f is not None]
print(json.dumps({
    "tops": [int8.batch_query_top(True), int8.batch_query_top(False)],
    "kept": [float(np.median(kept)), float(np.percentile(kept, 99)), max(kept)],
    "alone": sum(f is None for f in found),
}))
"""


def vnni() -> str:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    found = [name for name in ("avx512_vnni", "avx_vnni") if name in flags]
    return ", ".join(found) if found else "no VNNI (AVX2 only)" if " avx2" in flags else "no AVX2"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("~/.cache/vecq-bench").expanduser())
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    folder, python = bench_folder(args.dir, "int8", extras="glove,int8")
    model = google_news_model(args.dir, python, args.rows)
    env = {**__import__("os").environ, "VECQ_CACHE_DIR": str(folder / "cache")}
    bindir = Path(python).parent
    vecq = [str(bindir / "vecq"), "-m", str(model)]
    glove = [str(bindir / "vecq"), "-m", "glove-wiki-gigaword-50"]
    log("converting, and the int8 copies")
    for cmd in (vecq, glove):
        subprocess.run([*cmd, "cache", "build", "--int8"], env=env, check=True, capture_output=True)
    copy = next(p for p in (folder / "cache").glob("model-*/int8"))
    glove_copy = next(p for p in (folder / "cache").glob("*/int8") if "glove" in str(p.parent).lower())
    log("the CPU's query range, and a batch's kept rows")
    probe = subprocess.run([python, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    log("1,000 batched queries")
    words = folder / "words.txt"
    words.write_text(
        subprocess.run(
            [python, "-c", f"import vecq; print('\\n'.join(vecq.load({str(model)!r}).index_to_key[:1000]))"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    said = subprocess.run(
        [*vecq, "neighbors", "-", "-v"], env=env, stdin=words.open("rb"), capture_output=True
    )
    note = next((x for x in said.stderr.decode().splitlines() if "int8" in x), "(no note)")
    runs: dict = {"int8": [], "float32": []}
    for i in range(args.runs + 1):  # the first pair warms the page cache and is not counted
        for kind in runs:
            with int8_aside([copy], kind == "float32"):
                measured = measure([*vecq, "neighbors", "-"], env, stdin=words)
                if i:
                    runs[kind].append(measured)
    batch = {k: (statistics.median(w for w, _ in v), max(r for _, r in v)) for k, v in runs.items()}
    log("GloVe's k-NN graph")
    graph = {}
    for kind in ("int8", "float32"):
        with int8_aside([glove_copy], kind == "float32"):
            graph[kind] = measure([*glove, "graph", "-o", str(folder / f"graph-{kind}.npy")], env)[0]
    same = all(
        (folder / f"graph-int8{s}").read_bytes() == (folder / f"graph-float32{s}").read_bytes()
        for s in (".ids.npy", ".scores.npy")
    )
    write(args, found, note, batch, graph, same)
    print(DOCS.read_text().partition(MARK)[2])


def write(args, found: dict, note: str, batch: dict, graph: dict, same: bool) -> None:
    (w8, r8), (wf, rf) = batch["int8"], batch["float32"]
    tops = found["tops"]
    section = f"""{MARK}

`python benchmarks/bench_int8_batches.py --rows {args.rows} --runs {args.runs}` on {machine()}
({vnni()}). The queries' codes the int8 product sums exactly here: within {tops[0]} (up to 256
queries, the codes on the product's unsigned side) and {tops[1]} (more queries, the queries there).
A batch keeps and rescores, per query (GloVe, 300 random words, 10 neighbours; median, 99th
percentile, largest): {found["kept"][0]:.0f}, {found["kept"][1]:.0f}, {found["kept"][2]}
({found["alone"]} asked alone).

| | int8 copy | float32 scan | speed-up |
|---|---|---|---|
| 1,000 batched queries (`neighbors -`), {args.rows:,} x 300, whole process, warm (median of {args.runs}) | {w8:.3f} s, {r8:,.0f} MB | {wf:.3f} s, {rf:,.0f} MB | {wf / w8:.2f}x |
| GloVe's k-NN graph, 400,000 words x 10 (`vecq graph -o FILE.npy`, one run) | {graph["int8"]:.1f} s | {graph["float32"]:.1f} s | {graph["float32"] / graph["int8"]:.2f}x |

`-v` said of the first 256: "{note.removeprefix("vecq: ")}". The two graph files are
{"the same bytes" if same else "NOT the same bytes"} with and without the copy.
"""
    text = DOCS.read_text()
    before, _, after = text.partition(MARK)
    _, heading, rest = after.partition("\n## ")  # a section after this one is kept
    DOCS.write_text(before.rstrip() + "\n\n" + section + (f"\n## {rest}" if heading else ""))


if __name__ == "__main__":
    main()
