"""The exact search's proven margin: how often it sends a query to every row, and what that costs.

    python benchmarks/bench_rescoring.py [--model glove-wiki-gigaword-50] [--queries 1000]

The float32 scan picks k + 8 candidates, rescored exactly; when the last of them lies within twice
the bound on BLAS's rounding (``ranking.dot_rounding``) of the k-th, every row of the query is
settled (``Model._all_tied``: a float32 pass picks the rows within the bound, only those are
scored exactly). Asks --queries random rows of the first 400,000 (a real vocabulary's words, in
make_model.py's 3M model too) and, when the model has more, a third as many of the rest, their 10
nearest in batches of 100 through the float32 scan (an int8 copy set aside), counting the queries
settled from every row; then times the settling of three queries against the float64 pass over every
row it replaced, and checks that both give the scan's answers. Writes docs/benchmarks-rescoring.md.
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

DOCS = HERE.parent / "docs" / "benchmarks-rescoring.md"
REAL_WORDS = 400_000


def settled(model, rows: np.ndarray) -> int:
    """How many of ``rows``, asked as queries (top 10, batches of 100), were settled from every row."""
    from vecq.core.model import Model

    count = 0
    plain = Model._all_tied

    def counted(self, *args, **kwargs):
        nonlocal count
        count += 1
        return plain(self, *args, **kwargs)

    Model._all_tied = counted
    try:
        for i in range(0, len(rows), 100):
            part = rows[i : i + 100]
            q = np.asarray(model.vectors[part])
            model.neighbors_of_directions(q, top=10, exclude=[[int(r)] for r in part])
    finally:
        Model._all_tied = plain
    return count


def settling_seconds(model, rows: np.ndarray) -> tuple[list[float], list[float]]:
    """Seconds to settle each of ``rows`` from every row: the bound's float32 pass, the float64 pass."""
    q = np.asarray(model.vectors[rows])
    exact = model._exact_dots(q)
    picked, every = [], []
    from vecq.core.model import _probe_reaches

    for j, row in enumerate(rows.tolist()):
        (found,) = model.neighbors_of_directions(q[j : j + 1], top=10, exclude=[[row]])
        kth = found[-1][1]
        for within, times in ((_probe_reaches(q[j], kth, model.dims), picked), (None, every)):
            started = time.perf_counter()
            answer = model._all_tied(j, exact, kth, [row], len(model), 10, 0, within)
            times.append(time.perf_counter() - started)
            assert answer == found, (row, answer, found)
    return picked, every


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="glove-wiki-gigaword-50")
    ap.add_argument("--queries", type=int, default=1000)
    args = ap.parse_args()
    import vecq
    from vecq.core.ranking import dot_rounding

    model = vecq.load(args.model, progress=False).model
    model.int8 = None  # the float32 scan, whose rounding the margin bounds
    rng = np.random.default_rng(0)
    real = min(REAL_WORDS, len(model))
    groups = [
        ("rows of the first 400,000", np.sort(rng.choice(real, min(args.queries, real), replace=False)))
    ]
    if len(model) > real:
        rest = np.sort(rng.choice(np.arange(real, len(model)), args.queries // 3, replace=False))
        groups.append(("rows past them (make_model.py's case variants, phrases and filler)", rest))
    counts = [(label, len(rows), settled(model, rows)) for label, rows in groups]
    picked, every = settling_seconds(model, groups[0][1][:3])
    name = Path(args.model).name
    section = [
        f"## {name}",
        "",
        f"`python benchmarks/bench_rescoring.py --model {name} --queries {args.queries}` on "
        f"{machine()}. {len(model):,} x {model.dims}, the float32 scan (an int8 copy set aside); the "
        f"margin: twice {dot_rounding(model.dims):.2g} (`ranking.dot_rounding`) and two float32 steps "
        "between the k-th and the k + 8-th candidate.",
        "",
        "| queries (top 10, batches of 100) | asked | settled from every row |",
        "|---|---|---|",
        *(f"| {label} | {asked:,} | {count:,} |" for label, asked, count in counts),
        "",
        f"Settling a query from every row (three queries, the same answers both ways): the float32 pass "
        f"that picks the rows within the bound {', '.join(f'{s:.3f}' for s in picked)} s; the float64 "
        f"pass over every row it replaced {', '.join(f'{s:.3f}' for s in every)} s.",
        "",
    ]
    head = "# The exact search's proven margin\n\nOne section a model (`benchmarks/bench_rescoring.py`).\n\n"
    write_section(DOCS, head, name, "\n".join(section))
    print("\n".join(section))


if __name__ == "__main__":
    main()
