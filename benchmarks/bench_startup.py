"""Start-up: what a single vecq command costs beyond its work, as ratios measured in one run.

    python benchmarks/bench_startup.py [--dir ~/.cache/vecq-bench] [--rows 3000000] [--runs 15]

With vecq installed from a wheel (bench.py's venv) and a GoogleNews-shaped model (make_model.py,
3M x 300, converted once), each process is timed whole, alternating between the commands so that the
machine's speed that minute cancels in the ratios: `python -c pass`, `python -c "import click"` (the
floor of a click program), `vecq --version`, `vecq similar cat kitten`, `vecq neighbors cat`, and a
ten-line numpy script that maps the cache's vectors, multiplies once and takes the top 10 (the
floor of an exact scan). Then 1,000 `vecq similar` calls in a shell loop against the same pairs in
one batch call. Writes docs/benchmarks-startup.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import bench_folder, google_news_model, log, machine  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-startup.md"

NUMPY_SCRIPT = """
import sys, numpy as np
folder = sys.argv[1]
v = np.load(folder + "/vectors.npy", mmap_mode="r")
words = open(folder + "/words.bin", "rb").read()
offsets = np.load(folder + "/offsets.npy", mmap_mode="r")
order = np.load(folder + "/order.npy", mmap_mode="r")
row = int(sys.argv[2])
s = v @ v[row]
best = np.argpartition(-s, 11)[:11]
print(sorted(best.tolist(), key=lambda r: -s[r])[1:11])
"""


STEPS = r"""
import sys, time, statistics
from vecq.cache import layout, reader, pair_reader
folder = sys.argv[1]
runs = int(sys.argv[2])

def median_ms(f):
    f()
    t = []
    for _ in range(runs):
        start = time.perf_counter(); f(); t.append(time.perf_counter() - start)
    return statistics.median(t) * 1000

status = layout.check(folder)
manifest = status.usable
model = reader.map_folder(folder, manifest)
row = model.vocab.index("cat")
steps = {
    "layout.check: manifest read and typed, sizes, edge checksums, the source's identity": lambda: layout.check(folder),
    "reader.map_folder: every array mapped, the vocabulary's index": lambda: reader.map_folder(folder, manifest),
    "vocab.index('cat'): a bisection of the sorted vocabulary": lambda: model.vocab.index("cat"),
    "the block checks of one row (vectors, norms, residuals; a fresh process's)": lambda: [
        reader.BlockChecker(folder, manifest)(name, [row]) for name in ("vectors.npy", "norms.npy", "residuals.npy")
    ],
    "pair_reader.similarity('cat', 'kitten'): the whole numpy-free answer": lambda: pair_reader.similarity(
        folder, manifest, "cat", "kitten"
    ),
}
for name, f in steps.items():
    print(f"{name}\t{median_ms(f):.2f}")
"""


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("~/.cache/vecq-bench").expanduser())
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--loop", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=DOCS)
    args = ap.parse_args()
    folder, python = bench_folder(args.dir, "startup")
    model = google_news_model(args.dir, python, args.rows)
    env = {**os.environ, "VECQ_CACHE_DIR": str(folder / "cache")}
    vecq = [str(Path(python).parent / "vecq"), "-m", str(model)]
    subprocess.run([*vecq, "cache", "build"], env=env, check=True, capture_output=True)
    cache = next((folder / "cache").glob("model-*"))
    row = subprocess.run(
        [python, "-c", f"import vecq; print(vecq.load({str(model)!r}).key_to_index['cat'])"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    commands = {
        "python -c pass": [python, "-c", "pass"],
        'python -c "import click"': [python, "-c", "import click"],
        "vecq --version": [vecq[0], "--version"],
        "vecq similar cat kitten": [*vecq, "similar", "cat", "kitten"],
        "vecq neighbors cat": [*vecq, "neighbors", "cat"],
        "numpy script: map, one product, top 10": [python, "-c", NUMPY_SCRIPT, str(cache), row],
    }
    for cmd in commands.values():  # warm the page cache
        timed(cmd, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):  # alternating: the machine's speed that minute cancels in the ratios
        for name, cmd in commands.items():
            times[name].append(timed(cmd, env))
    median = {name: statistics.median(t) for name, t in times.items()}
    pairs = folder / "pairs.tsv"
    pairs.write_text("cat\tkitten\n" * args.loop)
    log("a shell loop")
    loop = f'while IFS=$(printf "\\t") read a b; do {" ".join(vecq)} similar "$a" "$b" >/dev/null; done < {pairs}'
    loop_seconds = timed(["bash", "-c", loop], env)
    batch_seconds = timed(["bash", "-c", f"{' '.join(vecq)} similar - < {pairs} >/dev/null"], env)
    click = median['python -c "import click"']
    rows = [
        ("vecq --version", median["vecq --version"] / click, 'python -c "import click"', 1.3),
        (
            "vecq similar cat kitten",
            median["vecq similar cat kitten"] / click,
            'python -c "import click"',
            1.6,
        ),
        (
            "vecq neighbors cat",
            median["vecq neighbors cat"] / median["numpy script: map, one product, top 10"],
            "the numpy script",
            1.05,
        ),
    ]
    text = f"""# Start-up: what a single command costs beyond its work

`python benchmarks/bench_startup.py --rows {args.rows:,} --runs {args.runs}` on {machine()}; vecq installed
from a wheel; a word2vec binary of {args.rows:,} x 300 (`benchmarks/make_model.py`), converted once.
Each process timed whole, the commands alternating, medians of {args.runs}.

| process | median |
|---|---|
"""
    for name, value in median.items():
        text += f"| `{name}` | {value * 1000:.0f} ms |\n"
    text += "\n| ratio | measured | target | met |\n|---|---|---|---|\n"
    for name, ratio, against, target in rows:
        text += f"| `{name}` / {against} | {ratio:.2f}x | at most {target}x | {'yes' if ratio <= target else 'NO'} |\n"
    text += f"""
A shell loop of {args.loop:,} `vecq similar cat kitten` calls (`while read`): {loop_seconds:.1f} s
({loop_seconds / args.loop * 1000:.0f} ms a call); the same {args.loop:,} pairs in one batch (`vecq similar -`):
{batch_seconds:.2f} s. A loop pays the interpreter's start-up every time: give a batch its lines on
standard input instead.
"""
    steps = subprocess.run(
        [python, "-c", STEPS, str(cache), str(args.runs)], env=env, check=True, capture_output=True, text=True
    ).stdout.splitlines()
    text += f"""
What opening the cache costs before a query reads its rows, step by step in one process (medians of
{args.runs}, warm page cache), against `python -c pass` ({median["python -c pass"] * 1000:.0f} ms):

| step | time |
|---|---|
"""
    for line in steps:
        name, ms = line.split("\t")
        text += f"| {name} | {float(ms):.2f} ms |\n"
    args.out.write_text(text)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
