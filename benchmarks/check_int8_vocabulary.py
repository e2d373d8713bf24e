"""Every word of GloVe 6B 50d as a query: the int8 copy's answers against the float32 scan's.

    python benchmarks/check_int8_vocabulary.py [--words 400000]

Each of the first --words words (all 400,000 by default) asks its 10 nearest through the float32
matrix product (batches of 2,048, the oracle) and through the int8 copy, one query at a time (as
`vecq neighbors WORD` does) and in batches of 2,048 (as `neighbors -` and graphs do): --passes
chooses which. Counts the words whose answers differ in any row, order or bit, and writes one line
per pass into docs/benchmarks-int8.md (lines of passes not run are kept). About half an hour on 2
cores for one at a time, minutes in batches.
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


PASSES = {
    "one": "one query at a time (SimSIMD's kernel, as `vecq neighbors WORD` asks)",
    "batch": "in batches of 2,048 (onnxruntime's int8 product, as `neighbors -` and graphs ask)",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=400_000)
    ap.add_argument("--passes", default="one,batch", help="which ways through the copy: one, batch")
    args = ap.parse_args()
    import vecq
    from vecq.cache import int8_copy

    model = vecq.load("glove-wiki-gigaword-50", progress=False).model
    if model.int8 is None:
        int8_copy.build(model)
        model.int8 = int8_copy.load(model.folder, len(model), model.dims)
    copy = model.int8
    n = min(args.words, len(model))
    started = time.perf_counter()
    model.int8 = None
    scanned = in_batches(model, n)
    lines = {"scan": f"the float32 scan in batches of 2,048: {time.perf_counter() - started:.0f} s"}
    model.int8 = copy
    for way in args.passes.split(","):
        started = time.perf_counter()
        if way == "one":
            found = [answer for r in range(n) for answer in model.neighbors_many(queries(r, r + 1), top=10)]
        else:
            found = in_batches(model, n)
        differ = [r for r in range(n) if found[r] != scanned[r]]
        lines[way] = (
            f"through the int8 copy {PASSES[way]}: {time.perf_counter() - started:.0f} s, "
            f"{len(differ)} words answered differently in any row, order or bit"
            + (": " + ", ".join(model.vocab.word(r) for r in differ[:20]) if differ else "")
        )
    write(n, lines)


def queries(lo: int, hi: int) -> list:
    from vecq.core.expression import Term
    from vecq.core.words import Match

    return [[Term(1.0, Match(str(r), str(r), r))] for r in range(lo, hi)]


def in_batches(model, n: int) -> list:
    return [a for s in range(0, n, 2048) for a in model.neighbors_many(queries(s, min(n, s + 2048)), top=10)]


def write(n: int, lines: dict[str, str]) -> None:
    """The section of docs/benchmarks-int8.md, keeping the lines of passes not run this time."""
    before, _, section = DOCS.read_text().partition(MARK)
    section, heading, after = section.partition("\n## ")  # the sections after this one are kept
    kept = {}
    for line in section.splitlines():
        for key, label in (
            ("scan", "- the float32 scan"),
            *((w, f"- through the int8 copy {PASSES[w]}") for w in PASSES),
        ):
            if line.startswith(label):
                kept[key] = line[2:]
    kept.update(lines)
    body = "\n".join(f"- {kept[key]}" for key in ("scan", *PASSES) if key in kept)
    text = f"""{before.rstrip()}

{MARK}

`python benchmarks/check_int8_vocabulary.py --words {n}` on {machine()}: each of the first {n:,}
words asked its 10 nearest, the float32 scan's answers the oracle (every row, its order and its bits):

{body}
"""
    if heading:
        text += f"\n## {after}"
    DOCS.write_text(text)
    print(text.split(MARK)[1])


if __name__ == "__main__":
    main()
