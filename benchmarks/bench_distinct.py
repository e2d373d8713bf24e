"""--distinct against the plain lists, on GloVe 6B 50d.

    python benchmarks/bench_distinct.py [--queries 2000]

The 2,000 most frequent words of letters from rank 1,001 on each get their 10 nearest (`vecq
neighbors WORD`) and their 10 with spelling variants folded (`--distinct`): how many lists change,
how many of the plain lists' places were a variant of the query or of a better answer, and the
words most often folded. Writes docs/benchmarks-distinct.md.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import machine  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-distinct.md"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=2000)
    args = ap.parse_args()
    import vecq
    from vecq.core.expression import Term
    from vecq.core.queries import NeighborsQuery
    from vecq.core.words import Match, fold, fold_key

    model = vecq.load("glove-wiki-gigaword-50", progress=False).model
    word = model.vocab.word
    rows = [r for r in range(1000, 20_000) if word(r).isalpha()][: args.queries]
    queries = [[Term(1.0, Match(word(r), word(r), r))] for r in rows]
    started = time.perf_counter()
    wide = model.neighbors_many(queries, top=10 * NeighborsQuery.DISTINCT_SPARE + 10)
    seconds = time.perf_counter() - started
    changed = folded_places = into_query = 0
    examples = []
    often: collections.Counter = collections.Counter()
    for r, found in zip(rows, wide):
        plain = [row for row, _ in found[:10]]
        kept, _ = fold([word(r)], found, word, 10)
        kept_rows = [row for row, _, _ in kept]
        variants = [row for row in plain if row not in kept_rows]
        if kept_rows != plain:
            changed += 1
        folded_places += len(variants)
        into_query += sum(fold_key(word(v)) == fold_key(word(r)) for v in variants)
        often.update(word(v) for v in variants)
        if len(variants) >= 3 and len(examples) < 4:
            examples.append(
                f"| {word(r)} | {', '.join(word(x) for x in plain[:8])} | {', '.join(word(x) for x, _, _ in kept[:8])} |"
            )
    n = len(rows)
    DOCS.write_text(
        f"""# `--distinct` against the plain lists: GloVe 6B 50d

`python benchmarks/bench_distinct.py --queries {args.queries}` on {machine()}. The {n:,} first words
of letters from rank 1,001 each get their 10 nearest as `vecq neighbors WORD` gives them, and as
`--distinct` gives them (the engine asked for {10 * NeighborsQuery.DISTINCT_SPARE + 10}, variants folded: the
same fold as the command; {seconds:.1f} s for the batch).

| | |
|---|---|
| lists that `--distinct` changes | {changed:,} of {n:,} ({changed / n:.1%}) |
| places of the plain top 10 held by a variant of the query or of a better answer | {folded_places:,} of {n * 10:,} ({folded_places / (n * 10):.1%}) |
| of those, variants of the query itself (said on stderr: folded into the query) | {into_query:,} |

The kept words and their scores are the plain list's (the oracle in tests/test_distinct.py): a
folded list only makes room for the next distinct word.

| word | plain | `--distinct` |
|---|---|---|
{chr(10).join(examples)}
"""
    )
    print(DOCS.read_text())


if __name__ == "__main__":
    main()
