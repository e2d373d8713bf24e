"""The research questions' whole-vocabulary forms, timed as users run them, on GloVe 6B 50d.

    python benchmarks/bench_research.py [--dir ~/.cache/vecq-bench] [--runs 5]

vecq from a wheel (bench.py's venv, with the glove and projections extras); each command a whole
process, the median wall time of --runs after a warm-up (whose cost, where a first run computes
something that is then kept, is given on its own), and the largest peak RSS. `vecq neighbors cat`
is the yardstick: one scan of the 400,000 x 50 matrix. Writes docs/benchmarks-research.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import bench_folder, log, machine, measure, repeat  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-research.md"
GENDER = ["man he him his", "woman she her hers"]


def rotated_glove(folder: Path, rows: int) -> Path:
    """GloVe's first ``rows`` words rotated by a random orthogonal matrix: a second model to align."""
    path = folder / f"glove-rotated-{rows}.txt"
    if not path.exists():
        from scipy.stats import ortho_group

        sys.path.insert(0, str(HERE))
        from make_model import glove

        words, vectors = glove()
        q = ortho_group.rvs(vectors.shape[1], random_state=7)
        turned = (vectors[:rows].astype(np.float64) @ q).astype(np.float32)
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"{rows} {vectors.shape[1]}\n")
            for w, v in zip(words[:rows], turned):
                f.write(w + " " + " ".join(f"{x:.6f}" for x in v) + "\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("~/.cache/vecq-bench").expanduser())
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    folder, python = bench_folder(args.dir, "research", extras="glove,projections")
    env = {**os.environ, "VECQ_CACHE_DIR": str(folder / "cache")}
    other = rotated_glove(folder, 100_000)
    vecq = [str(Path(python).parent / "vecq"), "-m", "glove-wiki-gigaword-50"]
    commands = {
        "vecq neighbors cat": [*vecq, "neighbors", "cat"],
        "vecq axis 'man he him his' 'woman she her hers' (the vocabulary's two ends)": [
            *vecq,
            "axis",
            *GENDER,
        ],
        "vecq neighbors nurse --away 'man he him his' 'woman she her hers'": [
            *vecq,
            "neighbors",
            "nurse",
            "--away",
            *GENDER,
        ],
        "vecq neighbors cat --min-rank 1000 --max-rank 100000": [
            *vecq,
            "neighbors",
            "cat",
            "--min-rank",
            "1000",
            "--max-rank",
            "100000",
        ],
        "vecq neighbors cat --distinct": [*vecq, "neighbors", "cat", "--distinct"],
        "vecq neighbors cat --csls --restrict 50000 (r kept)": [
            *vecq,
            "neighbors",
            "cat",
            "--csls",
            "--restrict",
            "50000",
        ],
        "vecq weat weat1 (p from 100,000 sampled partitions)": [*vecq, "weat", "weat1"],
        "vecq cluster --first 20000 -k 20": [*vecq, "cluster", "--first", "20000", "-k", "20"],
        "vecq -m GloVe -m rotated align (the 10 that changed most; map kept)": [
            *vecq,
            "-m",
            str(other),
            "align",
        ],
    }
    first = {}
    log("first runs (conversions, CSLS's r, the alignment map)")
    for name, cmd in commands.items():
        first[name] = measure(cmd, env)[0]
    rows = []
    for name, cmd in commands.items():
        log(name)
        wall, rss = repeat(cmd, env, args.runs, warm=False)
        rows.append((name, wall, rss, first[name]))
    base = rows[0][1]
    table = "\n".join(
        f"| `{name}` | {wall:.2f} s | {wall / base:.1f}x | {rss:.0f} MB | {once:.2f} s |"
        for name, wall, rss, once in rows
    )
    DOCS.write_text(
        f"""# The research questions, timed

`python benchmarks/bench_research.py --runs {args.runs}` on {machine()}. vecq installed from a
wheel with the glove and projections extras; GloVe 6B 50d (400,000 x 50) from its cache; each
command a whole process (start-up included), the median of {args.runs} runs, and its first run
(which converts nothing here: the cache was filled before, but computes CSLS's r and the alignment
map, which later runs read back). "x" is against `vecq neighbors cat`, one scan of the matrix.

| command | wall | x | peak RSS | first run |
|---|---|---|---|---|
{table}

The axis's two ends and `--away` are each one more product with the matrix: about one scan.
The band reads a quarter of the rows. `--distinct` asks for 50 answers to keep 10.
CSLS over the first 50,000 words reads r from the cache after the first run (which finds every
one of those words' 10 nearest); over the whole vocabulary that first run is the k-NN graph's work
(docs/benchmarks-graph.md). WEAT's cost is its permutations, not the matrix. k-means is
scikit-learn's (10 starts over 20,000 x 50). align's first run fits the map (one SVD) and later
runs read it; the words that changed most need every shared word's two vectors and the
neighbour lists of the ten.
"""
    )
    print(DOCS.read_text())


if __name__ == "__main__":
    main()
