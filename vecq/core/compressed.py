"""Files as gensim reads them, compressed or not: gzip, bzip2 and xz (``.gz``, ``.bz2``, ``.xz``,
which gensim decompresses through smart_open by the file's name) are told here by their magic
numbers, read decompressed, and a stream cut short (a download that stopped) or damaged is a
ModelError naming the file, wherever it is read: model files (sources), evaluation files (core),
corpora (training). The standard library does the decompressing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, NamedTuple, cast

from ..errors import ModelError


class Compression(NamedTuple):
    magic: bytes  # how its files begin: vecq tells compression by this, gensim by the name
    module: str  # the standard library's module that reads it
    name: str  # as a person calls it
    cat: str  # the command that writes its file decompressed


# What gensim decompresses (through smart_open, by the file's name), by suffix: every list of
# compressed suffixes vecq knows (model names, a repo's files, export's names) comes from here.
COMPRESSED = {
    ".gz": Compression(b"\x1f\x8b", "gzip", "gzip", "zcat"),
    ".bz2": Compression(b"BZh", "bz2", "bzip2", "bzcat"),
    ".xz": Compression(b"\xfd7zXZ\x00", "lzma", "xz", "xzcat"),
}


def compression(head: bytes) -> str | None:
    """The suffix (``.gz``, ``.bz2``, ``.xz``) of the compression whose magic number ``head`` starts
    with, or None."""
    return next((suffix for suffix, kind in COMPRESSED.items() if head.startswith(kind.magic)), None)


def open_file(path: str) -> BinaryIO:
    """The file's bytes, decompressed when it is gzip, bzip2 or xz (told by its magic number, not
    its name); a compressed stream that is cut short or damaged is a ModelError where it is read."""
    raw = open(path, "rb")  # noqa: SIM115 (the caller closes it) opened once, peeked: a pipe reads once
    suffix = compression(raw.peek(8)[:8])
    if suffix:
        import importlib

        module = importlib.import_module(COMPRESSED[suffix].module)
        return cast(BinaryIO, _Decompressed(module.open(raw, "rb"), raw, path, suffix))
    return raw


def _decompression_errors() -> tuple[type[Exception], ...]:
    """What gzip, bz2 and lzma raise on a stream cut short or damaged."""
    import lzma
    import zlib

    return (EOFError, OSError, zlib.error, lzma.LZMAError)


def _damaged(path: str, suffix: str, e: Exception) -> ModelError:
    why = "it ends before its end marker (a download that stopped?)" if isinstance(e, EOFError) else e
    return ModelError(f"{path} is a damaged {suffix} file: {why}; download or copy it again")


def decompression_failure(path: str, e: Exception) -> ModelError | None:
    """The one-line error of a reader's failure ``e`` when ``path`` is compressed and ``e`` is its
    decompression's (gensim reads through smart_open, which raises them as they come), else None
    (a corpus's reader gives the message to its own error)."""
    try:
        with open(path, "rb") as f:
            suffix = compression(f.read(8))
    except OSError:
        return None
    return _damaged(path, suffix, e) if suffix and isinstance(e, _decompression_errors()) else None


class _Decompressed:
    """A decompressing stream (read, readline, lines) whose errors name the file: a stream that
    ends before its end marker (a download that stopped) or whose data is damaged. No EOFError
    leaves it (click's main would take one for Ctrl-D)."""

    def __init__(self, stream: BinaryIO, raw: BinaryIO, path: str, suffix: str):
        self.stream, self.raw, self.path, self.suffix = stream, raw, path, suffix
        self.errors = _decompression_errors()

    def _failed(self, e: Exception) -> ModelError:
        return _damaged(self.path, self.suffix, e)

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except self.errors as e:
            raise self._failed(e) from e

    def readline(self, size: int = -1) -> bytes:
        try:
            return self.stream.readline(size)
        except self.errors as e:
            raise self._failed(e) from e

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def __enter__(self) -> _Decompressed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.stream.close()  # the decompressor leaves the file it was given open
        self.raw.close()
