"""`!vecq ...` in a notebook cell: IPython runs it under a pseudo-terminal with a Jupyter kernel's
environment (JPY_PARENT_PID, TERM=xterm-color, FORCE_COLOR=1), and the cell keeps every byte.
No escape sequence may reach it; progress is one line redrawn with a carriage return."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time

import pytest

from tests.conftest import GLOVE

# What ipykernel's shell sets for the commands a cell runs (ipykernel.zmqshell.init_environment),
# and what jupyter_client sets for the kernel itself.
KERNEL_ENVIRONMENT = {
    "JPY_PARENT_PID": "1",
    "TERM": "xterm-color",
    "CLICOLOR": "1",
    "FORCE_COLOR": "1",
    "CLICOLOR_FORCE": "1",
    "PAGER": "cat",
}


def run_in_pty(args: list[str], env: dict) -> bytes:
    """The bytes a terminal shows while ``vecq ARGS`` runs with its three streams on a pty."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vecq", *args], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    screen = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        screen += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 0, screen[-2000:]
    return screen


@pytest.mark.slow
def test_no_escape_sequence_reaches_a_notebook_cell(glove, tmp_path):
    env = {**os.environ, **KERNEL_ENVIRONMENT}
    graph = run_in_pty(
        ["-m", GLOVE, "graph", "--first", "20000", "-n", "3", "-o", str(tmp_path / "g.tsv")], env
    )
    assert b"\x1b" not in graph
    lines = graph.replace(b"\r\n", b"\n").split(b"\n")
    progress = [line for line in lines if b"graph of 20,000 words" in line]
    assert progress and all(b"\r" in line or line.startswith(b"graph") for line in progress)
    table = run_in_pty(["-m", GLOVE, "similar", "cat", "dog", "kitten"], env)
    assert b"\x1b" not in table and b"cat" in table and "│".encode() in table  # a table


@pytest.mark.slow
def test_the_same_terminal_outside_a_notebook_keeps_its_colours(glove):
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env.pop("JPY_PARENT_PID", None)
    screen = run_in_pty(["-m", GLOVE, "neighbors", "cat", "-n", "3"], env)
    assert b"\x1b[" in screen  # the check above can fail: outside a notebook colour is drawn
