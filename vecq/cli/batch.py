"""Streaming many queries: bounded chunks in, one answer record per input line out, in order.

A chunk is answered by one matrix product, written and flushed before the next is read, so the first
answers appear before the input ends and memory stays flat however long the input is. A bad line
becomes an error record (and a line on stderr) and the stream goes on, unless ``strict``.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from ..core.model import Model
from ..core.queries import Query
from ..core.words import suggestions
from ..errors import UnknownWordError, VecqError
from .render import Renderer

STATUS_COLUMNS = ("status", "error")
APPROX_CHUNK = 2048  # lines a chunk for an approximate index (see Session.stream)
# Distinct unknown words of a batch given spelling suggestions: each costs a prefix scan of the
# vocabulary (milliseconds), so a file of a million typos is not slowed down by them.
SUGGESTED_WORDS = 50


def chunks(stream: TextIO | Iterable[str], size: int) -> Iterator[list[tuple[int, str]]]:
    """(line number, line) lists of at most ``size``; a chunk also ends when the input pauses.

    Ending a chunk on a pause keeps an interactive or slow producer answered line by line instead of
    waiting for a full chunk.
    """
    fd = _fileno(stream)
    if fd is not None and _regular_file(fd):
        fd = None  # a file never pauses: no need to ask
    chunk: list[tuple[int, str]] = []
    for number, line in enumerate(stream, 1):
        chunk.append((number, line.rstrip("\r\n")))
        if len(chunk) >= size or (fd is not None and not _readable(fd)):
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _fileno(stream: object) -> int | None:
    try:
        return stream.fileno()  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):
        return None


def _regular_file(fd: int) -> bool:
    import stat

    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


def _readable(fd: int) -> bool:
    try:
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def run(
    model: Model,
    query: Query,
    lines: Iterable[list[tuple[int, str]]],
    renderer: Renderer,
    warn: Callable[[str], None],
    strict: bool = False,
) -> int:
    """Answer every line; returns how many failed. With ``strict``, raises at the first bad line."""
    failed = 0
    noted: set[str] = set()
    hints: dict[str, VecqError] = {}

    def explained(error: VecqError) -> VecqError:
        """Unknown words' error with suggestions, for the batch's first SUGGESTED_WORDS words."""
        if not isinstance(error, UnknownWordError):
            return error
        for word, found in error.unknown:
            if not found and word not in hints and len(hints) < SUGGESTED_WORDS:
                hints[word] = UnknownWordError(word, suggestions(model.vocab, word), model.info.name)
        parts = [hints.get(w) or UnknownWordError(w, found, model.info.name) for w, found in error.unknown]
        return UnknownWordError.combine(parts)

    for chunk in lines:
        parsed: list[list[str] | VecqError] = []
        for _, line in chunk:
            try:
                parsed.append(query.parse(line))
            except VecqError as e:
                parsed.append(e)
        good = [p for p in parsed if not isinstance(p, VecqError)]
        answers = iter(query.answer_chunk(model, good, suggest=False))
        records: list[dict] = []
        for (number, line), item in zip(chunk, parsed):
            outcome = None if isinstance(item, VecqError) else next(answers)
            error = item if outcome is None else outcome.error
            if error is None:
                for note in outcome.notes:
                    if note not in noted and len(noted) < 1000:
                        noted.add(note)
                        warn(note)
                records += [{**r, "status": "ok", "error": None} for r in outcome.records]
                continue
            failed += 1
            error = explained(error)
            if strict:
                renderer.write(records)
                error.message = f"line {number}: {error.message}"
                raise error
            warn(f"line {number}: {error.message}")
            fields = None if isinstance(item, VecqError) else item
            records.append({**query.error_record(fields, line), "status": "error", "error": error.message})
        renderer.write(records)
    return failed
