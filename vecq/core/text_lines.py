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


def not_its_encoding(where: str, encoding: str, error: UnicodeDecodeError) -> str:
    """What to say of ``where``, which begins with ``encoding``'s byte-order mark but is not in it."""
    name = encoding.upper()
    return (
        f"{where} begins with a {name} byte-order mark but is not {name} ({error.reason}); "
        f"convert it to UTF-8, e.g. iconv -f {encoding} -t utf-8"
    )


def utf8_lines(lines: Iterable[bytes], where: str = "the input") -> Iterator[bytes]:
    """``lines`` (bytes, as a binary file iterates) as UTF-8 lines, each ending as it did.

    Raises:
        UsageError: the input begins with a byte-order mark of an encoding it is not in.
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
    decoder = codecs.getincrementaldecoder(encoding)()
    pending = ""
    try:
        for raw in itertools.chain([first], lines):
            *done, pending = (pending + decoder.decode(raw)).split("\n")
            yield from (line.encode("utf-8") + b"\n" for line in done)
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as e:
        raise UsageError(not_its_encoding(where, encoding, e)) from None
    if pending:
        yield pending.encode("utf-8")
