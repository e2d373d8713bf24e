"""Streaming many queries: bounded chunks in, records out, in input order.

Invariants (tests/test_batch.py):
- every query line gives at least one record, and every record carries its line number and input:
  ``status`` is ``ok`` (an answer), ``none`` (answered, but nothing qualifies: the ``error`` column
  says why) or ``error`` (the line could not be answered: the ``error`` column says why);
- blank lines and comment lines (``#`` alone, or ``#`` and a space) are not queries: no record,
  and the comment lines are named on stderr; for a model that reads text (``Model.reads_text``)
  only blank lines are skipped: '# A title' is a text;
- lines end at ``\n`` only (a lone ``\r`` inside a line is part of it; ``\r\n`` ends a line), and
  a UTF-8 byte-order mark before the first line is dropped;
- a line that is not UTF-8 (or, in an input whose byte-order mark names UTF-16 or UTF-32, not in
  that encoding) is an error record saying so (shown with U+FFFD for its bad bytes), never a query
  for the text with U+FFFD in it, which a model read with ``--unicode-errors replace`` may hold as
  another word.

A chunk is answered by one matrix product, written and flushed before the next is read, so the first
answers appear before the input ends and memory stays flat however long the input is. A bad line
becomes an error record (and a line on stderr) and the stream goes on, unless ``strict``.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from ..core.model import Model
from ..core.queries import Outcome, Query, mark_built
from ..core.text_lines import NotInEncoding, not_its_encoding, utf8_lines
from ..core.words import suggestions
from ..errors import (
    BeyondLimitError,
    ModelError,
    QueryError,
    UnknownWordError,
    UsageError,
    VecqError,
    counted,
    first_few,
    in_flags,
)
from .render import Output

LINE_COLUMN = "line"
STATUS_COLUMNS = ("status", "error")
# Distinct unknown words of a batch given spelling suggestions: each costs a prefix scan of the
# vocabulary (milliseconds), so a file of a million typos is not slowed down by them.
SUGGESTED_WORDS = 50


def chunks(
    stream: BinaryIO | Iterable[bytes],
    size: int,
    comments: list[int] | None = None,
    texts: bool = False,
    header: Callable[[str], bool] | None = None,
    headers: list[int] | None = None,
) -> Iterator[list[tuple[int, str]]]:
    """(line number, line) lists of at most ``size`` query lines; a chunk also ends when the input
    pauses. Blank and comment lines are counted but not handed on (``comments``: the numbers of
    the comment lines are added to it); with ``texts`` (lines of text), blank lines only. A line
    that ``header`` takes for the header of the vecq output the query reads is not handed on
    either (``headers``: its number added).

    Ending a chunk on a pause keeps an interactive or slow producer answered line by line instead of
    waiting for a full chunk.
    """
    fd = _fileno(stream)
    if fd is not None and _regular_file(fd):
        fd = None  # a file never pauses: no need to ask
    chunk: list[tuple[int, str]] = []
    for number, raw in enumerate(_lines(stream), 1):
        encoding = raw.encoding if isinstance(raw, NotInEncoding) else None
        raw = raw.removesuffix(b"\n").removesuffix(b"\r")
        try:
            line = raw.decode("utf-8") if encoding is None else Undecodable(raw.decode("utf-8"), encoding)
        except UnicodeDecodeError:
            line = Undecodable(raw.decode("utf-8", errors="replace"))
        if header is not None and header(line):
            if headers is not None:
                headers.append(number)
        elif not is_skipped(line, texts):
            chunk.append((number, line))
        elif comments is not None and line.strip():
            comments.append(number)
        if len(chunk) >= size or (chunk and fd is not None and not _readable(fd)):
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _lines(stream: BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
    """The stream's lines as UTF-8 bytes (``utf8_lines``: a UTF-16 or UTF-32 input read in its
    encoding); a compressed file found damaged as it is read is a UsageError (exit 2, the
    input's fault), not a model's error."""
    try:
        yield from utf8_lines(stream, bad_lines=True)
    except ModelError as e:
        raise UsageError(e.message) from None


class Undecodable(str):
    """A line whose bytes are not in the input's encoding (UTF-8, or the UTF-16 or UTF-32 its
    byte-order mark names), with U+FFFD in place of the bad ones: shown in its error record, never
    asked for (``answer``). A str, so it travels in a chunk to a Dask worker."""

    encoding: str

    def __new__(cls, text: str, encoding: str = "utf-8") -> Undecodable:
        line = super().__new__(cls, text)
        line.encoding = encoding
        return line


def utf8_line(line: str) -> str:
    """``line``, or QueryError if its bytes were not in the input's encoding (``Undecodable``)."""
    if isinstance(line, Undecodable):
        if line.encoding != "utf-8":
            detail = "this line, shown with U+FFFD for its bad bytes"
            raise QueryError(not_its_encoding("the input", line.encoding, detail))
        raise QueryError(
            "the line is not valid UTF-8 (shown with U+FFFD for its bad bytes); vecq reads UTF-8: "
            "convert the input, e.g. iconv -f latin1 -t utf-8"
        )
    return line


def is_skipped(line: str, texts: bool = False) -> bool:
    """Blank lines and comments (``#`` alone, or ``#`` and a space) are not queries; lines of
    ``texts`` have blank lines only ('# A title' is a text).

    ``#`` followed by a tab stays a query, so that the word ``#`` can be asked about in
    tab-separated input (``#<TAB>tag``) and listed in a word list (``#<TAB>``).
    """
    text = line.strip()
    return not text or (not texts and ((text == "#" and "\t" not in line) or text.startswith("# ")))


def input_name(source: str) -> str:
    """How a message names an input given as ``source`` ('-', or a file's path)."""
    return "standard input" if source == "-" else source


def comments_note(comments: list[int], source: str) -> str:
    """What is said of the lines a batch or a word list took for comments."""
    shown = first_few([str(n) for n in comments], 3)
    return (
        f"left out {counted(len(comments), 'line')} of {input_name(source)} as comments ('#' alone, "
        f"or '# ' and text: line {shown}); to ask about the word '#', put a tab after it"
    )


def headers_note(headers: list[int], source: str) -> str:
    """What is said of the lines a batch took for the header of vecq's own output."""
    shown = first_few([str(n) for n in headers], 3)
    return f"left out {counted(len(headers), 'line')} of {input_name(source)} as vecq's header (line {shown})"


def _fileno(stream: object) -> int | None:
    try:
        return stream.fileno()  # type: ignore[attr-defined]
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


Chunk = list[tuple[int, str]]  # (line number, line)
# A chunk answered: each line's parsed fields (or why it did not parse), and the parsed lines' outcomes.
Answered = tuple[Chunk, list, list[Outcome]]


def answer(model: Model, query: Query, chunk: Chunk) -> tuple[list, list[Outcome]]:
    """One chunk's lines parsed and answered by one matrix product (here or on a Dask worker)."""
    parsed: list[list[str] | VecqError] = []
    for _, line in chunk:
        try:
            parsed.append(query.parse(utf8_line(line), model))
        except VecqError as e:
            parsed.append(e)
    good = [p for p in parsed if not isinstance(p, VecqError)]
    outcomes = query.answer_chunk(model, good, suggest=False)
    mark_built(model, outcomes)
    return parsed, outcomes


def answered_here(model: Model, query: Query, lines: Iterable[Chunk]) -> Iterator[Answered]:
    """Each chunk answered in this process, as it is read."""
    for chunk in lines:
        yield (chunk, *answer(model, query, chunk))


def run(
    model: Model,
    query: Query,
    answered: Iterable[Answered],
    renderer: Output,
    warn: Callable[[str], None],
    strict: bool = False,
) -> int:
    """Write the records of every answered line, in input order; returns how many failed. With
    ``strict``, raises at the first bad line."""
    failed = 0
    notes = BatchNotes(warn)
    hints: dict[str, UnknownWordError] = {}

    for chunk, parsed, outcomes in answered:
        answers = iter(outcomes)
        records: list[dict] = []
        for (number, line), item in zip(chunk, parsed):
            outcome = None if isinstance(item, VecqError) else next(answers)
            error = item if outcome is None else outcome.error
            at = {LINE_COLUMN: number}
            if error is None and outcome is not None:
                notes.say(outcome)
                if outcome.records:
                    records += [{**at, **r, "status": "ok", "error": None} for r in outcome.records]
                else:
                    why = in_flags(query.why_no_answer())
                    records.append({**at, **query.input_record(item, line), "status": "none", "error": why})
                continue
            failed += 1
            assert error is not None  # neither answered nor without an answer: it failed
            error = explained(error, model, hints)
            if strict:
                renderer.write(records)
                error.message = f"line {number}: {error.message}"
                raise error
            warn(f"line {number}: {error.message}")
            fields = None if isinstance(item, VecqError) else item
            records.append(
                {**at, **query.input_record(fields, line), "status": "error", "error": error.message}
            )
        renderer.write(records)
    notes.close()
    return failed


def explained(error: VecqError, model: Model, hints: dict[str, UnknownWordError]) -> VecqError:
    """Unknown words' error with suggestions, for a batch's first SUGGESTED_WORDS words (kept in
    ``hints``); a word of the model past --limit is said to be there, without suggestions."""
    if not isinstance(error, UnknownWordError):
        return error
    name = model.info.name
    for word, found in error.unknown:
        if not found and word not in hints and word not in error.past_limit and len(hints) < SUGGESTED_WORDS:
            hints[word] = UnknownWordError(word, suggestions(model.vocab, word), name)
    parts: list[UnknownWordError] = [
        BeyondLimitError(w, *error.past_limit[w], name)
        if w in error.past_limit
        else hints.get(w) or UnknownWordError(w, found, name)
        for w, found in error.unknown
    ]
    return UnknownWordError.combine(parts)


class BatchNotes:
    """What a batch says on stderr beside its errors: each note once (the first 1,000 notes), and
    of the texts pooled from several tokens (a static model's every line) the first, then how many
    more there were."""

    def __init__(self, warn: Callable[[str], None]):
        self.warn = warn
        self.noted: set[str] = set()
        self.pooled = self.cut = 0  # lines of texts pooled from several tokens, and of those cut

    def say(self, outcome: Outcome) -> None:
        for note in outcome.notes + (outcome.pooled if not self.pooled else []):
            if note not in self.noted and len(self.noted) < 1000:
                self.noted.add(note)
                self.warn(note)
        self.pooled += bool(outcome.pooled)
        self.cut += len(outcome.cut)

    def close(self) -> None:
        if self.pooled > 1:
            more = self.pooled - 1
            cuts = f"; {self.cut:,} of all were longer than the model reads and were cut" if self.cut else ""
            self.warn(f"(and {counted(more, 'more line')} of several tokens, pooled as the model does{cuts})")
