"""vecq serve --workers: throughput for 1 and 64 clients with one and two worker processes, and the
memory all the server's processes hold (PSS: a page shared by two processes counts half to each).

    python benchmarks/bench_serve_workers.py [--dir ~/.cache/vecq-bench] [--rows 3000000] [--seconds 30]

The same wheel, model and clients as bench_serve.py. Writes docs/benchmarks-serve-workers.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import bench_folder, google_news_model, log, machine  # noqa: E402
from bench_serve import load, start, words  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-serve-workers.md"


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    out = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        out += tree(int(child))
    return out


def pss_mb(pids: list[int]) -> dict[str, float]:
    """Proportional set sizes summed over ``pids``: all of it, the file-backed part (the model's
    mapped pages) and the anonymous part (each process's own)."""
    total = {"Pss": 0, "Pss_File": 0, "Pss_Anon": 0}
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key = line.split(":")[0]
            if key in total:
                total[key] += int(line.split()[1])
    return {k: v / 1024 for k, v in total.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path.home() / ".cache" / "vecq-bench")
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--seconds", type=float, default=30)
    args = ap.parse_args()
    folder, python = bench_folder(args.dir, "serve")
    model = google_news_model(args.dir, python, args.rows)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(folder),
        "VECQ_CACHE_DIR": str(args.dir / "startup" / "cache"),
    }
    paths = [f"/api/neighbors?query={quote(w)}&top=10" for w in words(folder)]
    results = {}
    for workers in (1, 2):
        proc, port = start(python, model, env, "--workers", str(workers))
        try:
            log(f"{workers} worker(s): warming")
            load(port, 4, 10, paths)
            levels = []
            for clients in (1, 64):
                log(f"{workers} worker(s), {clients} clients for {args.seconds:.0f} s")
                levels.append(load(port, clients, args.seconds, paths))
                log(json.dumps(levels[-1]))
            results[workers] = {"levels": levels, "memory": pss_mb(tree(proc.pid))}
            proc.send_signal(signal.SIGTERM)
            results[workers]["exit"] = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    write(args, results)


def write(args, results: dict) -> None:
    rows = []
    for workers, r in results.items():
        one, many = r["levels"]
        m = r["memory"]
        rows.append(
            f"| {workers} | {one['per_second']:.1f} | {many['per_second']:.1f} | "
            f"{many['p50'] * 1000:.0f} ms | {many['p99'] * 1000:.0f} ms | {m['Pss']:.0f} MB | "
            f"{m['Pss_File']:.0f} MB | {m['Pss_Anon']:.0f} MB | {r['exit']} |"
        )
    one, two = (results[w]["levels"][1]["per_second"] for w in (1, 2))
    files = [results[w]["memory"]["Pss_File"] for w in (1, 2)]
    verdict = (
        f"What it shows: the file-backed PSS with two workers is {files[1]:,.0f} MB against {files[0]:,.0f} MB "
        f"with one (one copy of the model's pages, or not: compare them). At 64 clients two workers answer "
        f"{two:.1f} questions a second against {one:.1f} with one."
    )
    DOCS.write_text(
        f"""# vecq serve --workers: one port, several processes, one copy of the model

`python benchmarks/bench_serve_workers.py --seconds {args.seconds:.0f}` on {machine()}; a
GoogleNews-shaped model ({args.rows:,} x 300, float32, 3.6 GB), vecq from a wheel, `/api/neighbors`
for real words; clients as in docs/benchmarks-serve.md. Memory: the proportional set size (PSS) of
all the server's processes together after the load (a page two processes share counts half to
each), its file-backed part (the mapped model) and its anonymous part (each process's own).

| workers | req/s, 1 client | req/s, 64 clients | p50 (64) | p99 (64) | PSS, all processes | of it, mapped files | of it, own memory | exit after SIGTERM |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

{verdict}
"""
    )
    print(DOCS.read_text())


if __name__ == "__main__":
    main()
