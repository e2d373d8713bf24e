"""``vecq repl`` at a real terminal: a pseudo-terminal runs the program, keys are typed, the screen
is read. What a person meets: the prompt stays while a line is edited, Tab completes a word, `exit`,
`quit` and Ctrl-D leave with status 0, and the history is there in the next session."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest
from conftest import GLOVE

pytestmark = pytest.mark.slow


class Terminal:
    def __init__(self, env: dict):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vecq", "-m", GLOVE, "repl", "-n", "3"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**env, "TERM": "xterm", "COLUMNS": "100", "LINES": "40"},
            close_fds=True,
        )
        os.close(slave)
        self.screen = b""

    def read_until(self, needle: bytes, seconds: float = 30) -> bytes:
        deadline = time.monotonic() + seconds
        while needle not in self.screen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536)
                except OSError:
                    break
        assert needle in self.screen, self.screen[-2000:]
        return self.screen

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> int:
        code = self.proc.wait(20)
        os.close(self.master)
        return code


@pytest.fixture
def env(glove, tmp_path):
    return {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}


@pytest.mark.parametrize("leave", [b"exit\r", b"quit\r", b"\x04"], ids=["exit", "quit", "ctrl-d"])
def test_exit_quit_and_ctrl_d_leave_with_status_0(env, leave):
    term = Terminal(env)
    term.read_until(b"vecq> ")
    term.type(leave)
    assert term.close() == 0
    assert b"neighbours of" not in term.screen  # 'exit' and 'quit' are not looked up as words


def test_the_prompt_stays_while_a_line_is_edited_and_tab_completes(env):
    term = Terminal(env)
    term.read_until(b"vecq> ")
    term.type(b"kitx\x7f")  # a typo, then backspace
    term.screen = b""
    term.type(b"\x0c")  # Ctrl-L: line editing redraws the line, with the prompt it was given
    term.read_until(b"vecq> kit")  # (a prompt written apart from line editing is not redrawn)
    term.type(b"\t")  # Tab: 'kit' completes to words of the vocabulary
    term.type(b"\t")
    term.read_until(b"kitten")
    term.type(b"\x15help\r")  # Ctrl-U clears the line; 'help' says what can be typed
    term.read_until(b"'exit'")
    term.type(b"\x15cat\r")
    term.read_until(b"dog")
    term.type(b"exit\r")
    assert term.close() == 0


def test_the_history_is_kept_between_runs(env, tmp_path):
    term = Terminal(env)
    term.read_until(b"vecq> ")
    term.type(b"kitten ~ puppy\r")
    term.read_until(b"similarity")
    term.type(b"exit\r")
    assert term.close() == 0
    history = tmp_path / "state" / "vecq" / "repl_history"
    assert "kitten ~ puppy" in history.read_text()
    again = Terminal(env)
    again.read_until(b"vecq> ")
    again.screen = b""
    again.type(b"\x1b[A\x1b[A")  # up: the last line of the earlier run ('exit'), then the one before
    again.read_until(b"kitten ~ puppy")
    again.type(b"\x15exit\r")
    assert again.close() == 0


def test_two_sessions_at_once_keep_each_others_history(env, tmp_path):
    """A session that ends adds its own lines to the history file: those another session wrote
    there meanwhile stay."""
    history = tmp_path / "state" / "vecq" / "repl_history"
    history.parent.mkdir(parents=True)
    history.write_text("earlier ~ line\n")
    term = Terminal(env)
    term.read_until(b"vecq> ")
    with history.open("a") as other:  # another session ends while this one runs
        other.write("dog ~ cat\n")
    term.type(b"kitten ~ puppy\r")
    term.read_until(b"similarity")
    term.type(b"exit\r")
    assert term.close() == 0
    assert history.read_text().splitlines() == ["earlier ~ line", "dog ~ cat", "kitten ~ puppy", "exit"]


def test_the_history_keeps_its_last_thousand_lines(env, tmp_path):
    history = tmp_path / "state" / "vecq" / "repl_history"
    history.parent.mkdir(parents=True)
    history.write_text("".join(f"w{i}\n" for i in range(1500)))
    term = Terminal(env)
    term.read_until(b"vecq> ")
    term.type(b"exit\r")
    assert term.close() == 0
    lines = history.read_text().splitlines()
    assert len(lines) == 1000 and lines[-2:] == ["w1499", "exit"]
