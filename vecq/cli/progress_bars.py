"""The rich side of progress: bars and spinners on stderr, and only when stderr is a terminal."""

from __future__ import annotations

import contextlib

from ..errors import one_line
from ..progress import NULL_REPORTER, Reporter
from .env import Env


class _RichTask:
    def __init__(self, console, description: str, total: int | None):
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
        if total and total > 1_000_000:
            columns.append(DownloadColumn())
        columns += [TimeElapsedColumn(), TimeRemainingColumn()]
        self._progress = Progress(*columns, console=console, transient=True)
        self._id = self._progress.add_task(description, total=total)

    def __enter__(self) -> _RichTask:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def update(self, completed: int) -> None:
        self._progress.update(self._id, completed=completed)

    def advance(self, n: int = 1) -> None:
        self._progress.advance(self._id, n)


class RichReporter:
    def __init__(self, env: Env):
        from rich.console import Console

        self._console = Console(file=env.stderr, no_color=not env.color, force_terminal=env.stderr_isatty)

    def task(self, description: str, total: int | None) -> _RichTask:
        return _RichTask(self._console, one_line(description), total)


class _LineTask:
    """Progress as one line of plain text, redrawn with a carriage return at most twice a second:
    what a notebook cell shows as one updating line (it keeps every byte a command writes)."""

    EVERY = 0.5  # seconds between redraws

    def __init__(self, stream, description: str, total: int | None):
        self.stream, self.description, self.total = stream, description, total
        self.completed = 0
        self.drawn = 0.0

    def _draw(self, force: bool = False) -> None:
        import time

        now = time.monotonic()
        if not force and now - self.drawn < self.EVERY:
            return
        self.drawn = now
        done = f" {self.completed / self.total:.0%}" if self.total else ""
        with contextlib.suppress(OSError, ValueError):
            self.stream.write(f"\r{self.description}{done}")
            self.stream.flush()

    def __enter__(self) -> _LineTask:
        self._draw(force=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self._draw(force=True)
        with contextlib.suppress(OSError, ValueError):
            self.stream.write("\n")
            self.stream.flush()

    def update(self, completed: int) -> None:
        self.completed = completed
        self._draw()

    def advance(self, n: int = 1) -> None:
        self.update(self.completed + n)


class LineReporter:
    def __init__(self, env: Env):
        self._stream = env.stderr

    def task(self, description: str, total: int | None) -> _LineTask:
        return _LineTask(self._stream, one_line(description), total)


def reporter_for(env: Env) -> Reporter:
    """Bars on a terminal's stderr (one redrawn line under a notebook's `!`); nothing elsewhere."""
    if not env.stderr_isatty:
        return NULL_REPORTER
    return LineReporter(env) if env.notebook else RichReporter(env)
