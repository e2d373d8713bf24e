"""Every word of GloVe 6B 50d as a query: the int8 copy's answers against the float32 scan's.

    python benchmarks/check_int8_vocabulary.py [--words 400000]

Each of the first --words words (all 400,000 by default) asks its 10 nearest twice: through the
int8 copy (one query at a time, as `vecq neighbors WORD` does) and through the float32 matrix
product (batches of 2,048, the k-NN graph's path). Counts the words whose answers differ in any
row, order or bit. Appends its result to docs/benchmarks-int8.md.
About half an hour on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import machine  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-int8.md"
MARK = "## Every word of GloVe as a query"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=400_000)
    args = ap.parse_args()
    import vecq
    from vecq.cache import int8_copy
    from vecq.core.expression import Term
    from vecq.core.words import Match

    model = vecq.load("glove-wiki-gigaword-50", progress=False).model
    if model.int8 is None:
        int8_copy.build(model)
        model.int8 = int8_copy.load(model.folder, len(model), model.dims)
    copy = model.int8
    n = min(args.words, len(model))
    started = time.perf_counter()
    model.int8 = None
    scanned = []
    for s in range(0, n, 2048):
        queries = [[Term(1.0, Match(str(r), str(r), r))] for r in range(s, min(n, s + 2048))]
        scanned += model.neighbors_many(queries, top=10)
    scan_seconds = time.perf_counter() - started
    model.int8 = copy
    started = time.perf_counter()
    differ = []
    for r in range(n):
        (found,) = model.neighbors_many([[Term(1.0, Match(str(r), str(r), r))]], top=10)
        if found != scanned[r]:
            differ.append(r)
    copy_seconds = time.perf_counter() - started
    text = (
        DOCS.read_text().split(MARK)[0].rstrip()
        + f"""

{MARK}

`python benchmarks/check_int8_vocabulary.py --words {n}` on {machine()}: each of the first {n:,}
words asked its 10 nearest through the int8 copy (one query at a time, {copy_seconds:.0f} s) and
through the float32 matrix product (batches of 2,048, {scan_seconds:.0f} s): {len(differ)} words answered
differently in any row, order or bit{": " + ", ".join(model.vocab.word(r) for r in differ[:20]) if differ else ""}.
"""
    )
    DOCS.write_text(text + "\n")
    print(text.split(MARK)[1])


if __name__ == "__main__":
    main()
