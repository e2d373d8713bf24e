"""What each command may import at start-up, pinned as click pins its own imports: a new import on the
way to an answer fails here, not in a benchmark weeks later. Each command runs in a fresh interpreter
on a ready cache; the modules of vecq it loaded must be among those allowed for it, and the heavy
libraries it has no use for must not be loaded at all."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GLOVE, M, invoke

# What every run loads: the group, its options and the session (no command module).
GROUP = {
    "vecq",
    "vecq.ann",
    "vecq.cache",
    "vecq.cache.files",
    "vecq.cache.layout",
    "vecq.cli",
    "vecq.cli.app",
    "vecq.cli.env",
    "vecq.cli.group",
    "vecq.cli.options",
    "vecq.cli.render",
    "vecq.cli.session",
    "vecq.core",
    "vecq.core.words",
    "vecq.errors",
    "vecq.jsondata",
    "vecq.opening",
    "vecq.progress",
    "vecq.records",
    "vecq.sources",
    "vecq.sources.catalogue",
    "vecq.sources.spec",
    "vecq.version",
}
# Finding a ready cache by its name, without reading anything else of the sources.
FIND = {
    "vecq.cli.query_commands",
    "vecq.sources.hub",
    "vecq.sources.loader",
    "vecq.sources.names",
    "vecq.sources.source",
}
# Mapping the cache and answering with the engine.
ENGINE = {
    "vecq.cache.reader",
    "vecq.cache.int8_copy",  # an int8 copy beside the cache, used when there is one
    "vecq.core.int8",
    "vecq.core.built",  # the words built during a run (a few lines, the standard library's)
    "vecq.cli.progress_bars",
    "vecq.core.expression",
    "vecq.core.memory",  # the memory free, read when an answer is large (the standard library's)
    "vecq.core.model",
    "vecq.core.queries",
    "vecq.core.ranking",
    "vecq.core.topk",
    "vecq.core.unit",
    "vecq.core.vocab",
}
NEVER = {"gensim", "huggingface_hub", "tokenizers", "importlib.metadata", "rich", "scipy", "distributed"}
CASES = {
    "--version": (["--version"], GROUP, NEVER | {"numpy"}),
    "--help": (["--help"], GROUP, NEVER | {"numpy"}),
    "similar": (
        ["similar", "cat", "dog"],
        GROUP | FIND | {"vecq.cache.pair_reader", "vecq.core.subwords"},
        NEVER | {"numpy"},
    ),
    # numpy.ma (7 ms) comes with np.unique and the set routines built on it: a query avoids them.
    "neighbors": (["neighbors", "cat"], GROUP | FIND | ENGINE, NEVER | {"numpy.ma"}),
    "vector": (["vector", "cat"], GROUP | FIND | ENGINE, NEVER),
    "info": (["info"], GROUP | FIND | ENGINE | {"vecq.core.answers"}, NEVER),
}


def loaded_by(args: list[str], cache: Path) -> tuple[set[str], str]:
    """The modules a fresh interpreter loaded to run ``vecq -m GLOVE *args``, and what it printed."""
    code = (
        "import sys\nfrom vecq.cli import cli\n"
        f"sys.argv = ['vecq', '-m', {GLOVE!r}, *{args!r}]\n"
        "try:\n    cli.main(prog_name='vecq')\nexcept SystemExit:\n    pass\n"
        "print(sorted(sys.modules), file=sys.stderr)\n"
    )
    env = {"VECQ_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin", "COLUMNS": "100"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.stdout.strip(), proc.stderr[-2000:]
    return set(ast.literal_eval(proc.stderr.strip().splitlines()[-1])), proc.stdout


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_command_imports_only_what_it_uses(glove, session_cache, name):
    args, allowed, absent = CASES[name]
    loaded, _ = loaded_by(args, session_cache)
    mine = {m for m in loaded if m == "vecq" or m.startswith("vecq.")}
    assert mine - allowed == set(), f"{name} loads more of vecq than it may"
    assert {m for m in absent if m in loaded} == set()


def test_a_query_through_the_int8_copy_loads_its_kernel_and_nothing_more(glove, session_cache):
    built = invoke([*M, "cache", "build", "--int8"])
    assert built.exit_code == 0, built.stderr
    try:
        loaded, out = loaded_by(["neighbors", "cat", "-v"], session_cache)
    finally:
        shutil.rmtree(Path(glove.folder) / "int8")
    assert "simsimd" in loaded  # the copy answered (without it, the scan would not load the kernel)
    mine = {m for m in loaded if m == "vecq" or m.startswith("vecq.")}
    assert mine - (GROUP | FIND | ENGINE) == set()
    assert {m for m in NEVER | {"numpy.ma", "onnxruntime"} if m in loaded} == set()
    assert out.splitlines()[1].split("\t")[2] == "dog"
