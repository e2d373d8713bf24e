"""Keep the docs true: run every example in them and write what it really prints.

    python docs/generate.py          # rewrite the outputs in docs/*.md and docs/reference.md
    python docs/generate.py --check  # exit 1, with a diff, when anything is out of date (tests do this)

In a Markdown file, a ```console block holds commands after "$ " and, below each, the exact
standard output it prints. Commands run with bash, in one temporary folder per file (so a file
written by one example is there for the next), with the offline GloVe model as VECQ_MODEL.
Every command must succeed (bash with pipefail, so a pipe cannot hide a failure) unless the example
shows its exit code itself (`; echo "exit code $?"`). A value the prose beside an example states (a
number with three decimals or more) must be what the example before or after it printed, or this
fails, and so must a claim of order the prose makes in words ("`cat` is nearer `dog` than
`kitten`", "`kitten` is not in `cat`'s top 5": ``false_claims``). docs/reference.md is every
command's --help, generated. docs/screenshots/*.svg are what an
80-column colour terminal shows for a few commands (rich records the console and writes the SVG), so
the README's pictures are true too.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
CHECKED = ("guide.md", "tutorial.md")
BLOCK = re.compile(r"^```console\n(.*?)^```\n", re.S | re.M)


# Training (gensim's BLAS calls) and alignment (an SVD) give last digits that depend on the kernels
# the CPU selects (AVX2 or AVX-512): the examples run with the AVX2 ones on every x86 machine, so
# that --check compares the same digits wherever it runs.
SAME_KERNELS = (
    {"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}
    if platform.machine().lower() in ("x86_64", "amd64")
    else {}
)


def environment(cache: str) -> dict:
    bindir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        **SAME_KERNELS,
        "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
        "VECQ_CACHE_DIR": cache,
        "VECQ_MODEL": "glove-wiki-gigaword-50",
        "COLUMNS": "100",
        "NO_COLOR": "1",
        "LC_ALL": "C.UTF-8",
    }


FAILED: list[str] = []  # examples that failed without showing it: no example hides an exit status


def run_block(body: str, cwd: str, env: dict) -> str:
    out = []
    for chunk in re.split(r"^(?=\$ )", body, flags=re.M):
        if not chunk.startswith("$ "):
            continue
        command = chunk.splitlines()[0][2:]
        # pipefail: a failing vecq is not hidden by the command after it in a pipe (| sed, | head)
        proc = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode not in (0, 141) and "exit code $?" not in command:  # 141: head closed the pipe
            FAILED.append(f"$ {command}\n  exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        out.append(f"$ {command}\n{proc.stdout}")
    return "".join(out)


IMAGE = re.compile(r"!\[[^\]]*\]\(([\w.-]+\.(?:png|gif))\)")


def render(path: Path, cache: str, images: bool = False) -> str:
    """The file with every example's real output; ``images``: the pictures it shows (``![..](NAME)``)
    that its examples wrote are copied beside it (pixels differ by machine: --check never compares)."""
    import shutil

    text = path.read_text()
    env = environment(cache)
    with tempfile.TemporaryDirectory() as cwd:
        out = BLOCK.sub(lambda m: "```console\n" + run_block(m.group(1), cwd, env) + "```\n", text)
        for name in IMAGE.findall(text) if images else ():
            if (Path(cwd) / name).is_file():
                shutil.copyfile(Path(cwd) / name, path.parent / name)
                print(f"wrote {path.parent / name}", file=sys.stderr)
    return out


# A score or a value in the prose (a measured time or size, "0.082 s", is a benchmark's, not an example's).
CLAIMED = re.compile(r"(?<![\w.])-?\d+\.\d{3,}(?!\w|\.\d)(?!\s?(?:s|ms|MB|GB|%|x)\b)")


def unsupported_claims(text: str) -> list[str]:
    """Values the prose beside an example states (numbers with three decimals or more) that neither
    the example before it nor the one after it printed: a claim that is no longer what vecq says."""
    parts = BLOCK.split(text)  # prose, block, prose, block, ..., prose
    problems = []
    for i in range(0, len(parts), 2):
        prose = re.sub(r"`[^`]*`", lambda m: m.group(0) if CLAIMED.search(m.group(0)) else "", parts[i])
        beside = " ".join(parts[j] for j in (i - 1, i + 1) if 0 <= j < len(parts))
        if not beside:
            continue
        for value in CLAIMED.findall(prose):
            if value not in beside:
                line = prose.strip().splitlines()[0][:70] if prose.strip() else ""
                problems.append(f"{value} is claimed beside an example that does not print it ({line}...)")
    return problems


# Claims of order the prose makes in words, checked against the examples beside it:
# "`A` is nearer `B` than `C`" (A's similarity to B above A's to C), "`X` is in `Y`'s top K" (and
# "is not in"), the top K of `vecq neighbors Y`.
NEARER = re.compile(r"`([^`]+)` is nearer `([^`]+)` than `([^`]+)`")
TOP = re.compile(r"`([^`]+)` is (not )?in `([^`]+)`'s top (\d+)")


def shown_scores(output: str) -> tuple[dict, dict]:
    """What examples printed: ({(a, b): similarity} from pairs, neighbour lists and matrices, both
    ways; {query: [neighbours in rank order]})."""
    pairs: dict = {}
    ranked: dict = {}
    header: list[str] = []
    labels: list[str] = []
    for line in output.splitlines():
        if line.startswith("$ "):  # the next command's output
            header, labels = [], []
        elif line.startswith("┃"):  # a matrix drawn as a table: its column labels
            labels = [c.strip() for c in line.strip("┃").split("┃")][1:]
        elif line.startswith("│") and labels:
            cells = [c.strip() for c in line.strip("│").split("│")]
            for label, cell in zip(labels, cells[1:]):
                with contextlib.suppress(ValueError, IndexError):  # a table of other things
                    pairs[(cells[0], label)] = float(cell.split()[0])
        elif "\t" in line and "similarity" in line.split("\t"):
            header = line.split("\t")
        elif "\t" in line and header:
            row = dict(zip(header, line.split("\t")))
            a, b = (
                (row.get("word1"), row.get("word2"))
                if "word1" in row
                else (row.get("query"), row.get("word"))
            )
            if a and b and "similarity" in row:
                with contextlib.suppress(ValueError):
                    pairs[(a, b)] = pairs[(b, a)] = float(row["similarity"])
            if "query" in row and "rank" in row:
                ranked.setdefault(row["query"], []).append(row["word"])
    return pairs, ranked


def false_claims(text: str) -> list[str]:
    """Claims of order in the prose (``NEARER``, ``TOP``) that the examples before and after it
    contradict, or do not show."""
    parts = BLOCK.split(text)
    problems = []
    for i in range(0, len(parts), 2):
        pairs, ranked = shown_scores(" \n".join(parts[j] for j in (i - 1, i + 1) if 0 <= j < len(parts)))
        prose = " ".join(parts[i].split())
        for a, b, c in NEARER.findall(prose):
            if (a, b) not in pairs or (a, c) not in pairs:
                problems.append(f"'{a} is nearer {b} than {c}': the examples beside it do not show both")
            elif not pairs[(a, b)] > pairs[(a, c)]:
                problems.append(
                    f"'{a} is nearer {b} than {c}' is false: {pairs[(a, b)]} against {pairs[(a, c)]}"
                )
        for x, negated, y, k in TOP.findall(prose):
            if y not in ranked or len(ranked[y]) < int(k):
                problems.append(f"'{x} is {negated}in {y}'s top {k}': no example beside it lists them")
            elif (x in ranked[y][: int(k)]) == bool(negated):
                problems.append(
                    f"'{x} is {negated}in {y}'s top {k}' is false: {' '.join(ranked[y][: int(k)])}"
                )
    return problems


def reference() -> str:
    import click

    from vecq.cli import cli
    from vecq.cli.group import command_tree

    parts = [
        "# Command reference\n\n",
        "Generated from the commands' own `--help` by `python docs/generate.py`; a test fails when the two\n"
        "disagree. The [guide](guide.md) shows each command at work.\n",
    ]

    for path, cmd in command_tree(cli, ("vecq",)):
        with click.Context(cmd, info_name=" ".join(path), terminal_width=100, max_content_width=100) as ctx:
            help_text = cmd.get_help(ctx)
        parts.append(f"\n## {' '.join(path)}\n\n```\n{help_text}\n```\n")
    return "".join(parts)


SCREENSHOTS = {
    "plot": ["plot", "cat", "kitten", "dog", "puppy", "car", "-n", "2"],
    "neighbors": ["neighbors", "cat", "-n", "5"],
    "matrix": ["similar", "cat", "dog", "kitten", "puppy", "car"],
}


def screenshots(cache: str) -> dict[Path, str]:
    """Each command as an 80-column colour terminal shows it, as SVG."""
    import io

    from click.testing import CliRunner
    from rich.console import Console
    from rich.text import Text

    from vecq.cli import cli
    from vecq.cli.env import Env

    env = {**environment(cache), "COLUMNS": "80", "COLORTERM": "truecolor", "TERM": "xterm-256color"}
    env.pop("NO_COLOR")
    out = {}
    for name, args in SCREENSHOTS.items():
        shown = CliRunner().invoke(
            cli, args, env=env, obj=Env(stdout_isatty=True, stderr_isatty=False, color=True)
        )
        console = Console(record=True, width=80, file=io.StringIO(), color_system="truecolor")
        console.print(Text.from_ansi(shown.stdout.rstrip("\n")))
        out[DOCS / "screenshots" / f"{name}.svg"] = console.export_svg(title="vecq " + " ".join(args))
    return out


NOTEBOOK = DOCS / "notebook.ipynb"


def executed_notebook(cache: str, cwd: str) -> object:
    """docs/notebook.ipynb run top to bottom in a real IPython kernel (nbclient), in ``cwd``, with
    the docs' environment; a stream's consecutive outputs joined, as a notebook shows them."""
    import nbclient
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    saved = dict(os.environ)
    os.environ.update(environment(cache))  # the kernel, and the commands it runs, inherit these
    try:
        client = nbclient.NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": cwd}}
        )
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    for cell in notebook.cells:
        joined: list = []
        for out in cell.get("outputs", []):
            if (
                out.output_type == "stream"
                and joined
                and joined[-1].output_type == "stream"
                and joined[-1].name == out.name
            ):
                joined[-1].text += out.text
            else:
                joined.append(out)
        if cell.cell_type == "code":
            cell.outputs = joined
    return notebook


EXPLORER = DOCS / "screenshots" / "explorer.png"


def explorer_screenshot(cache: str) -> bool:
    """The explorer page as chromium shows it (``vecq serve``, the lecture's first screen), as PNG.
    A browser's pixels differ from machine to machine, so --check never compares it; False when
    chromium or chromium-driver is missing."""
    import shutil

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        return False
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    server = subprocess.Popen(
        [sys.executable, "-m", "vecq", "serve", "--port", "0"],
        env=environment(cache),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        line = ""
        while " at http://" not in line:
            line = server.stderr.readline()
            if not line:
                raise RuntimeError("vecq serve did not start")
        url = line.split(" at ", 1)[1].split(" ")[0]
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in ("--headless=new", "--no-sandbox", "--window-size=900,1500", "--hide-scrollbars"):
            options.add_argument(flag)
        browser = webdriver.Chrome(service=Service(driver), options=options)
        try:
            browser.get(url)
            WebDriverWait(browser, 60).until(
                lambda d: d.execute_script("return document.body.dataset.ready") == "true"
            )
            EXPLORER.write_bytes(browser.get_screenshot_as_png())
        finally:
            browser.quit()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description="Run the examples in docs/ and write their real output.")
    ap.add_argument("--check", action="store_true", help="only compare; exit 1 when out of date")
    ap.add_argument("--cache", help="VECQ_CACHE_DIR to use (default: a temporary folder)")
    args = ap.parse_args()
    stale = False
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or tmp
        targets = {DOCS / name: None for name in CHECKED}
        for path in targets:
            targets[path] = render(path, cache, images=not args.check)
        claims = [
            f"{path.name}: {p}"
            for path in list(targets)
            for p in [*unsupported_claims(targets[path]), *false_claims(targets[path])]
        ]
        targets[DOCS / "reference.md"] = reference()
        targets.update(screenshots(cache))
        if not args.check and explorer_screenshot(cache):
            print(f"wrote {EXPLORER}", file=sys.stderr)
        if not args.check:  # a kernel's outputs carry timings and ids: written, never compared
            import nbformat

            with tempfile.TemporaryDirectory() as cwd:
                nbformat.write(executed_notebook(cache, cwd), NOTEBOOK)
            print(f"wrote {NOTEBOOK}", file=sys.stderr)
        for path, new in targets.items():
            old = path.read_text() if path.exists() else ""
            if old == new:
                continue
            stale = True
            if args.check:
                sys.stdout.writelines(
                    difflib.unified_diff(old.splitlines(True), new.splitlines(True), str(path), "now")
                )
            else:
                path.parent.mkdir(exist_ok=True)
                path.write_text(new)
                print(f"wrote {path}", file=sys.stderr)
    for problem in [*claims, *FAILED]:
        print(problem, file=sys.stderr)
    return 1 if (stale and args.check) or claims or FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
