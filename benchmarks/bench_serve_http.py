"""Does a faster HTTP stack raise vecq serve's throughput? uvicorn with and without uvloop and
httptools (its ``standard`` extra), A/B, on the float32 3M x 300 model.

    python benchmarks/bench_serve_http.py [--dir ~/.cache/vecq-bench] [--rows 3000000] [--seconds 15]
        [--rounds 2]

Two venvs get the same wheel of this checkout with the serve extra; one also gets uvloop and
httptools (uvicorn picks them up by itself). Each round starts each server in turn on the same cache
(bench_serve.py's, its int8 copy set aside) and loads it with 1 and then 64 clients for ``--seconds``
each, after a warm-up: bench_serve.py's clients and words. Writes docs/benchmarks-serve-http.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
from pathlib import Path
from urllib.parse import quote

from bench import google_news_model, int8_aside, log, machine, wheel_venv
from bench_serve import load, start, words

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs" / "benchmarks-serve-http.md"
STACKS = {"uvicorn alone (h11, asyncio)": [], "uvicorn with uvloop and httptools": ["uvloop", "httptools"]}


def venvs(root: Path) -> dict[str, str]:
    """Each stack's python: a new venv with the wheel and the serve extra, plus the stack's packages."""
    pythons = {}
    for i, (stack, packages) in enumerate(STACKS.items()):
        python = wheel_venv(root / f"serve-http-{i}", "serve,glove")
        if packages:
            subprocess.run([python, "-m", "pip", "install", "-q", *packages], check=True)
        pythons[stack] = python
    return pythons


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path.home() / ".cache" / "vecq-bench")
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    pythons = venvs(args.dir)
    model = google_news_model(args.dir, next(iter(pythons.values())), args.rows)
    folder = args.dir / "serve"
    folder.mkdir(parents=True, exist_ok=True)
    os.chdir(folder)  # never import the checkout's vecq
    cache = args.dir / "startup" / "cache"
    env = {"PATH": os.environ["PATH"], "HOME": str(folder), "VECQ_CACHE_DIR": str(cache)}
    paths = [f"/api/neighbors?query={quote(w)}&top=10" for w in words(folder)]
    results: dict[str, list[dict]] = {stack: [] for stack in STACKS}
    with int8_aside(list(cache.glob("*/int8"))):
        for round_ in range(args.rounds):
            for stack, python in pythons.items():
                proc, port = start(python, model, env)
                try:
                    load(port, 64, 5, paths)  # the page cache and the batcher warmed
                    levels = {clients: load(port, clients, args.seconds, paths) for clients in (1, 64)}
                finally:
                    proc.terminate()
                    proc.wait(60)
                log(f"round {round_ + 1}, {stack}: {json.dumps(levels)}")
                results[stack].append(levels)
    write(args, results)


def write(args, results: dict[str, list[dict]]) -> None:
    def cell(runs: list[dict], clients: int, key: str) -> float:
        return statistics.median(run[clients][key] for run in runs)

    rows = "\n".join(
        f"| {stack} | {cell(runs, 1, 'per_second'):.1f} | {cell(runs, 64, 'per_second'):.1f} | "
        f"{cell(runs, 64, 'per_second') / cell(runs, 1, 'per_second'):.1f}x | "
        f"{cell(runs, 1, 'p50') * 1000:.0f} ms | {cell(runs, 64, 'p50') * 1000:.0f} ms |"
        for stack, runs in results.items()
    )
    plain, fast = (cell(runs, 64, "per_second") for runs in results.values())
    verdict = (
        "within this VM's run-to-run spread (5%). A request's HTTP work is a fraction of a millisecond "
        "against the second that the matrix product of 64 gathered questions takes, so the stack does "
        "not move the throughput, and vecq's serve extra stays Starlette on plain uvicorn (install "
        "uvloop and httptools beside it and uvicorn takes them up)."
        if abs(fast / plain - 1) < 0.05
        else "more than this VM's run-to-run spread (5%): worth adding them to vecq's serve extra."
    )
    DOCS.write_text(
        f"""# vecq serve: does a faster HTTP stack help?

`python benchmarks/bench_serve_http.py --rows {args.rows:,} --seconds {args.seconds:.0f} --rounds {args.rounds}`
on {machine()}. The same wheel in two venvs, one with uvloop and httptools added (uvicorn uses them
when they are installed); each server in turn on the float32 GoogleNews-shaped model of
{args.rows:,} x 300, loaded by 1 and by 64 clients asking `/api/neighbors?query=WORD&top=10` for
{args.seconds:.0f} s each (bench_serve.py's clients), {args.rounds} rounds alternating; medians.

| stack | 1 client, per second | 64 clients, per second | 64 against 1 | p50, 1 client | p50, 64 clients |
|---|---|---|---|---|---|
{rows}

With 64 clients the faster stack answers {fast / plain:.2f} times as many requests: {verdict}
"""
    )
    print(DOCS.read_text())


if __name__ == "__main__":
    main()
