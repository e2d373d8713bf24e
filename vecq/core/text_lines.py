"""Lines of text input as UTF-8 bytes, whatever Unicode encoding its byte-order mark names.

Batches, word lists and training corpora are read as UTF-8 lines. Input that begins with a UTF-16
or UTF-32 byte-order mark (what PowerShell's ``>`` and Notepad's "Unicode" write) is read in that
encoding: split at its bytes of 10 as UTF-8, each line was NUL bytes and halves of characters. A
UTF-8 byte-order mark is dropped: it is no part of the first word.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterable, Iterator

from ..errors import UsageError

# The byte-order marks of the wide encodings, UTF-32's first: UTF-32LE's begins with UTF-16LE's.
WIDE_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def wide_encoding(head: bytes) -> str | None:
    """The encoding whose byte-order mark ``head`` begins with, UTF-16's or UTF-32's; else None."""
    return next((name for mark, name in WIDE_MARKS if head.startswith(mark)), None)


def not_its_encoding(where: str, encoding: str, detail: str) -> str:
    """What to say of ``where``, which begins with ``encoding``'s byte-order mark but is not in it
    (``detail``: where, or the decoder's reason)."""
    name = encoding.upper()
    return (
        f"{where} begins with a {name} byte-order mark but is not {name} ({detail}); "
        f"convert it to UTF-8, e.g. iconv -f {encoding} -t utf-8"
    )


class NotInEncoding(bytes):
    """A line of a wide-encoded input that is not in its encoding (``utf8_lines`` with
    ``bad_lines``): its text as UTF-8, U+FFFD in place of each bad unit; ``encoding`` names the
    encoding its byte-order mark said."""

    encoding: str


# A bad unit of a wide-encoded line is decoded as a lone surrogate, which neither UTF-16's nor
# UTF-32's decoder gives for text in its encoding, so a line holding one is a bad line.
_BAD_UNIT = "\udfff"
_BAD_UNITS = "vecq.bad-unit"


def _bad_unit(error: UnicodeError) -> tuple[str, int]:
    """The codecs error handler ``_BAD_UNITS``: a decoding error's bytes decoded as ``_BAD_UNIT``."""
    assert isinstance(error, UnicodeDecodeError)  # registered for decoding only
    return _BAD_UNIT, error.end


codecs.register_error(_BAD_UNITS, _bad_unit)


def utf8_lines(lines: Iterable[bytes], where: str = "the input", bad_lines: bool = False) -> Iterator[bytes]:
    """``lines`` (bytes, as a binary file iterates) as UTF-8 lines, each ending as it did. With
    ``bad_lines``, a line of a UTF-16 or UTF-32 input that is not in its encoding is handed on as
    a ``NotInEncoding`` in its place (a batch's error record): every line still one line.

    Raises:
        UsageError: without ``bad_lines``, a line of an input that begins with a byte-order mark of
            an encoding it is not in (the line named).
    """
    lines = iter(lines)
    first = next(lines, None)
    if first is None:
        return
    encoding = wide_encoding(first)
    if encoding is None:
        yield first.removeprefix(codecs.BOM_UTF8)
        yield from lines
        return
    decoder = codecs.getincrementaldecoder(encoding)(_BAD_UNITS)
    pending, number = "", 0
    for raw in itertools.chain([first], lines):
        *done, pending = (pending + decoder.decode(raw)).split("\n")
        for line in done:
            number += 1
            yield _utf8_line(line, b"\n", encoding, bad_lines, f"line {number}", where)
    pending += decoder.decode(b"", final=True)  # a unit cut short at the end: a bad unit
    if pending:
        yield _utf8_line(pending, b"", encoding, bad_lines, f"line {number + 1}", where)


def _utf8_line(line: str, ending: bytes, encoding: str, bad_lines: bool, at: str, where: str) -> bytes:
    """One decoded line of a wide-encoded input as UTF-8 bytes, ``ending`` after it; a bad one
    handed on as ``NotInEncoding`` or refused (``utf8_lines``)."""
    if _BAD_UNIT not in line:
        return line.encode("utf-8") + ending
    if not bad_lines:
        raise UsageError(not_its_encoding(where, encoding, at))
    bad = NotInEncoding(line.replace(_BAD_UNIT, "\ufffd").encode("utf-8") + ending)
    bad.encoding = encoding
    return bad
