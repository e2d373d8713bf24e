"""`vecq export` of GloVe 6B 50d (400,000 x 50) to each format and compression, from a wheel.

    python benchmarks/bench_export.py [--dir ~/.cache/vecq-bench] [--runs 3]

Each file is written by `vecq export -o FILE` in a fresh process (the wheel's vecq, the cache
converted first), timed whole (median of --runs), its size taken, and read back by gensim's
``load_word2vec_format`` to the same words and bits (word2vec files; gensim decompresses by the
name). Writes docs/benchmarks-export.md.
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
from bench import bench_folder, log, machine, measure  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-export.md"
NAMES = [
    "glove.bin",
    "glove.bin.gz",
    "glove.txt",
    "glove.txt.gz",
    "glove.txt.bz2",
    "glove.txt.xz",
    "glove.npy",
]

CHECK = r"""
import sys
import numpy as np
from gensim.models import KeyedVectors
import vecq
kv = vecq.load("glove-wiki-gigaword-50", progress=False)
back = KeyedVectors.load_word2vec_format(sys.argv[1], binary=".bin" in sys.argv[1])
print(back.index_to_key == list(kv.index_to_key) and np.array_equal(back.vectors, kv.vectors))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("~/.cache/vecq-bench").expanduser())
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    folder, python = bench_folder(args.dir, "export", extras="glove")
    env = {**os.environ, "VECQ_CACHE_DIR": str(folder / "cache")}
    vecq = [str(Path(python).parent / "vecq"), "-m", "glove-wiki-gigaword-50"]
    subprocess.run([*vecq, "cache", "build"], env=env, check=True, capture_output=True)
    rows = []
    for name in NAMES:
        out = folder / name
        log(name)
        seconds = statistics.median(
            measure([*vecq, "export", "-o", str(out)], env)[0] for _ in range(args.runs)
        )
        same = "(numpy's own)"
        if not name.endswith(".npy"):
            check = subprocess.run([python, "-c", CHECK, str(out)], env=env, capture_output=True, text=True)
            same = "yes" if check.stdout.strip() == "True" else f"NO: {check.stderr.strip()[-200:]}"
        rows.append(f"| `{name}` | {seconds:.1f} s | {out.stat().st_size / 1e6:,.0f} MB | {same} |")
    DOCS.write_text(
        "# Writing vectors out: `vecq export`, by format and compression\n\n"
        f"`python benchmarks/bench_export.py --runs {args.runs}` on {machine()}. vecq from a wheel; GloVe 6B "
        "50d (400,000 x 50) from its converted cache; each file written in a fresh process (median "
        "of the runs, the whole process), and read back by gensim's `load_word2vec_format` (which "
        "decompresses by the name).\n\n"
        "| file | seconds | size | gensim reads the same words and bits |\n|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n\nText is written in each float's fewest digits that read back as itself (GloVe's own "
        "171 MB). gzip runs at its own default level (6), bzip2 at 9, xz at preset 1: xz's default "
        "(6) took 261 s for the same text when tried by hand (2026-12-06), about twelve times preset 1, "
        "for a file 14% smaller (58 MB).\n"
    )
    print(DOCS.read_text())


if __name__ == "__main__":
    main()
