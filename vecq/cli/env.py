"""What vecq knows of its surroundings (terminals, colour), decided once and injected."""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from typing import Literal, TextIO


@dataclass
class Env:
    """What vecq knows of its surroundings, decided once and injected (tests build their own)."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdout_isatty: bool = False
    stderr_isatty: bool = False
    color: bool = False
    stdin_isatty: bool = False
    # Run by a notebook's `!vecq` (IPython gives it a pty, and the cell keeps every byte): no colour,
    # and progress as one line redrawn with \r, never rich's cursor movements.
    notebook: bool = False
    # Standard output's encoding carries any character (UTF-8 or UTF-16/32): else tables draw without
    # bars and shades, pictures mark points in ASCII, and JSON escapes what it cannot write.
    unicode: bool = True

    @classmethod
    def from_system(cls, no_color: bool = False) -> Env:
        out_tty = _isatty(sys.stdout)
        err_tty = _isatty(sys.stderr)
        notebook = in_notebook_shell()
        color = (
            not no_color
            and not notebook
            and not os.environ.get("NO_COLOR")  # no-color.org: set and not empty
            and os.environ.get("TERM") != "dumb"
            and (out_tty or err_tty)
        )
        unicode = carries_unicode(getattr(sys.stdout, "encoding", None))
        if out_tty and not unicode:  # a person reads it: a character the terminal cannot show as \xe9
            with contextlib.suppress(AttributeError, ValueError):
                sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        return cls(sys.stdout, sys.stderr, out_tty, err_tty, color, _isatty(sys.stdin), notebook, unicode)

    def default_format(self) -> str:
        return "table" if self.stdout_isatty else "tsv"


def carries_unicode(encoding: str | None) -> bool:
    """Can a stream in ``encoding`` write every character (rich's own test: its name starts "utf")?
    Python's streams are UTF-8 in a UTF-8 or C locale; PYTHONIOENCODING or a Latin-1 locale
    choose others."""
    return (encoding or "utf-8").lower().replace("_", "-").startswith("utf")


class _Ellipsis:
    """A stream whose encoding lacks "…" (rich cuts long words with it): written as "." instead,
    one character for one, so that a table keeps its columns."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(text.replace("\u2026", "."))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def for_a_person(env: Env) -> TextIO:
    """Standard output for what a person reads (tables, pictures), in characters its encoding has."""
    return env.stdout if env.unicode else _Ellipsis(env.stdout)  # type: ignore[return-value]


def in_notebook_shell() -> bool:
    """Is this process a Jupyter kernel's child (``!vecq`` in a cell)? jupyter_client sets
    JPY_PARENT_PID in a kernel's environment, and every command the kernel runs inherits it."""
    return bool(os.environ.get("JPY_PARENT_PID"))


def colour_system() -> Literal["truecolor", "256", "standard"]:
    """The colours the terminal shows, as rich names them, from COLORTERM and TERM now (decided
    here, once, so that every table and picture of a run, and the golden tests, agree)."""
    if os.environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        return "truecolor"
    return "256" if os.environ.get("TERM", "").endswith("256color") else "standard"


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
