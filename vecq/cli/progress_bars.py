"""The rich side of progress: bars and spinners on stderr, and only when stderr is a terminal."""

from __future__ import annotations

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
        return _RichTask(self._console, description, total)


def reporter_for(env: Env) -> Reporter:
    return RichReporter(env) if env.stderr_isatty else NULL_REPORTER
