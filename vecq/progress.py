"""Progress reporting as a plain protocol, so the cache and the sources never import rich.

The CLI passes a rich-backed reporter when stderr is a terminal (``cli/progress_bars.py``); everything else
gets ``NULL_REPORTER``, which draws nothing.
"""

from __future__ import annotations

from typing import Protocol


class Task(Protocol):
    def update(self, completed: int) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def __enter__(self) -> Task: ...
    def __exit__(self, *exc: object) -> None: ...


class Reporter(Protocol):
    def task(self, description: str, total: int | None) -> Task: ...


class _NullTask:
    def update(self, completed: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def __enter__(self) -> _NullTask:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class NullReporter:
    def task(self, description: str, total: int | None) -> Task:
        return _NullTask()


NULL_REPORTER = NullReporter()
