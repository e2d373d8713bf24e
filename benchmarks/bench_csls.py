"""Hubness of GloVe 6B 50d's neighbour lists, by cosine and by CSLS, among its first N words.

    python benchmarks/bench_csls.py [--words 50000]

Each of the first N words gets its 10 nearest among the first N (vecq's engine: the same lists as
`vecq neighbors WORD --restrict N`), then its 10 best by CSLS (2 cos - r, r each word's mean cosine
with its 10 nearest). Hubness: how many lists the 100 words found in most lists enter, in all, and
the most lists one word enters. Writes docs/benchmarks-csls.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import machine  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-csls.md"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=50_000)
    args = ap.parse_args()
    import vecq
    from vecq.core import csls
    from vecq.core.expression import Term
    from vecq.core.words import Match

    model = vecq.load("glove-wiki-gigaword-50", progress=False).model
    n = args.words
    started = time.perf_counter()
    plain: list[list[int]] = []
    for start in range(0, n, 2048):
        rows = range(start, min(n, start + 2048))
        queries = [[Term(1.0, Match(str(i), str(i), i))] for i in rows]
        plain += [[r for r, _ in found] for found in model.neighbors_many(queries, top=10, restrict=n)]
    r = csls.mean_neighbour_similarity(model, n)
    seconds_r = time.perf_counter() - started
    unit = np.asarray(model.vectors[:n], dtype=np.float32)
    started = time.perf_counter()
    rescored: list[list[int]] = []
    for start in range(0, n, 2048):
        block = unit[start : start + 2048] @ unit.T * 2 - r[None, :]
        block[np.arange(len(block)), np.arange(start, start + len(block))] = -np.inf
        best = np.argpartition(-block, 10, axis=1)[:, :10]
        rescored += best.tolist()
    seconds_csls = time.perf_counter() - started
    words = model.vocab.word
    before, after = csls.hubness(plain), csls.hubness(rescored)
    counts: dict[int, int] = {}
    for found in plain:
        for row in found:
            counts[row] = counts.get(row, 0) + 1
    hubs = sorted(counts, key=lambda row: -counts[row])[:8]
    after_counts: dict[int, int] = {}
    for found in rescored:
        for row in found:
            after_counts[row] = after_counts.get(row, 0) + 1
    shown = ", ".join(f"{words(h)} {counts[h]} -> {after_counts.get(h, 0)}" for h in hubs)
    DOCS.write_text(
        f"""# CSLS against hubs: GloVe 6B 50d's first {n:,} words

`python benchmarks/bench_csls.py --words {n}` on {machine()}. Every one of the first {n:,} words
gets its 10 nearest among them by cosine (vecq's engine, as `vecq neighbors WORD --restrict {n}`)
and its 10 best by CSLS (2 cos - r: r is a word's mean cosine with its 10 nearest, Lample et al.
2018). A hub is a word found in many lists; the table counts the lists the 100 most found words
enter (of {n * 10:,} places in all) and the most lists one word enters.

| ranking | lists entered by the 100 top hubs | most lists one word enters |
|---|---|---|
| cosine | {before[0]:,} | {before[1]:,} |
| CSLS | {after[0]:,} | {after[1]:,} |

The eight words found in most cosine lists, in how many lists by cosine -> by CSLS: {shown}.

Time: each word's 10 nearest by cosine and r (two passes, the engine's exact lists) {seconds_r:.1f} s;
the CSLS lists of all {n:,} words {seconds_csls:.1f} s. `vecq neighbors WORD --csls --restrict {n}`
computes r once ({seconds_r / 2:.0f} s or so, one pass) and keeps it in the model's cache; every
later question costs a scan, as `neighbors` does. For the whole 400,000-word vocabulary r is the
k-NN graph's work (docs/benchmarks-graph.md: 139 s exact on this machine), done once.
"""
    )
    print(DOCS.read_text())


if __name__ == "__main__":
    main()
