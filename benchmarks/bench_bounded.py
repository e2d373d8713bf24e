"""3CosMul's and ``--away``'s proven searches: how often a query is settled from every row, and what
the bound costs.

    python benchmarks/bench_bounded.py [--model glove-wiki-gigaword-50] [--queries 1000] [--analogies N]

Both searches rank rows by a bound from above on the exact score (``cosmul.cosmul_upper``,
``axes._AwayBound``); a query whose last candidate's bound reaches its k-th exact score is settled
from every row whose bound reaches it (``Model._settle_bounded``). Asks questions-words.txt's
analogies (gensim's copy) by 3CosMul, top 1 and top 10, in one batch, and --queries random words of
the first 100,000 their 10 nearest with the he/she axis taken out, counting the queries settled
from every row; and times both with the bound and with the plain float32 score in its place (the
search the bound replaced, whose margin was measured, not proven), checking that the answers are the
same. Writes docs/benchmarks-bounded.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import machine, write_section  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-bounded.md"


class Counted:
    """Counts ``Model._all_tied`` calls (a query settled from every row) while in a ``with``."""

    def __enter__(self) -> Counted:
        from vecq.core.model import Model

        self.count, self.plain = 0, Model._all_tied

        def counted(model, *args, **kwargs):
            self.count += 1
            return self.plain(model, *args, **kwargs)

        Model._all_tied = counted
        return self

    def __exit__(self, *exc: object) -> None:
        from vecq.core.model import Model

        Model._all_tied = self.plain


def plain_scores():
    """The searches' plain float32 scores in the bounds' place (the measured-margin search); returns
    what puts the bounds back."""
    from vecq.core import axes, cosmul

    plain, saved = cosmul.cosmul, (cosmul.cosmul_upper, axes._AwayBound.above)

    def cosmul_plain(positive, negative, *slacks, **kw):
        return plain(positive, negative)

    def away_plain(self, toward, along):
        along = np.clip(along, -1.0, 1.0)
        left = 1.0 - along * along
        return np.where(left > 1e-12, toward / np.sqrt(np.maximum(left, 1e-12)), axes.NOTHING_LEFT)

    def restore() -> None:
        cosmul.cosmul_upper, axes._AwayBound.above = saved

    cosmul.cosmul_upper, axes._AwayBound.above = cosmul_plain, away_plain
    return restore


def timed(ask) -> tuple[float, object, int]:
    with Counted() as counted:
        started = time.perf_counter()
        answers = ask()
        return time.perf_counter() - started, answers, counted.count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="glove-wiki-gigaword-50")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--analogies", type=int, default=None, help="the first N questions only (default: all)")
    args = ap.parse_args()
    from gensim.test.utils import datapath

    import vecq
    from vecq.core import axes
    from vecq.core.words import Match

    kv = vecq.load(args.model, progress=False)
    model = kv.model
    rows = {}
    for line in Path(datapath("questions-words.txt")).read_text().splitlines():
        words = line.lower().split()
        if not line.startswith(":") and all(kv.has_index_for(w) for w in words[:3]):
            rows[tuple(words[:3])] = [kv.get_index(w) for w in words[:3]]
    triples = [tuple(Match(f"r{r}", f"r{r}", r) for r in three) for three in rows.values()][: args.analogies]
    pole = [[Match(w, w, kv.get_index(w)) for w in side] for side in (["he", "him"], ["she", "her"])]
    axis = axes.build(model, *pole)
    asked = np.random.default_rng(0).choice(min(100_000, len(model)), args.queries, replace=False)
    vectors = np.asarray(model.vectors[asked])

    def away() -> list:
        return [axes.neighbors_away(model, axis, vectors[j], [int(r)], 10) for j, r in enumerate(asked)]

    table = []
    for label, ask in (
        (f"{len(triples):,} analogies by 3CosMul, top 1", lambda: model.analogies(triples, 1, "cosmul")),
        (f"{len(triples):,} analogies by 3CosMul, top 10", lambda: model.analogies(triples, 10, "cosmul")),
        (f"{args.queries:,} words' 10 nearest, he/she taken out", away),
    ):
        seconds, answers, settled = timed(ask)
        restore = plain_scores()
        try:
            plain_seconds, plain_answers, _ = timed(ask)
        finally:
            restore()
        same = "yes" if answers == plain_answers else "no"
        table.append(f"| {label} | {settled:,} | {seconds:.2f} s | {plain_seconds:.2f} s | {same} |")
        print(table[-1], flush=True)
    name = Path(args.model).name
    analogies = "" if args.analogies is None else f" --analogies {args.analogies}"
    head = """# 3CosMul's and `--away`'s proven searches

Each search ranks rows by a bound from above on the exact score (`cosmul.cosmul_upper`,
`axes._AwayBound`), so a row left out is proven unable to reach the k-th; a query whose last
candidate's bound reaches its k-th is settled from every row whose bound reaches it. Against the
plain float32 score in the bound's place (the search it replaced, whose margin was measured on the
candidates, not proven): the time, and whether the answers are the same. One section a model
(`benchmarks/bench_bounded.py`).

"""
    section = f"""## {name}

`python benchmarks/bench_bounded.py --model {name} --queries {args.queries}{analogies}` on {machine()}.
{len(model):,} x {model.dims}.

| queries | settled from every row | with the bound | plain float32 score | same answers |
|---|---|---|---|---|
{chr(10).join(table)}
"""
    write_section(DOCS, head, name, section)
    print(DOCS.read_text())


if __name__ == "__main__":
    main()
