"""Writing vectors out: word2vec binary or text, ``.npy`` or safetensors (each with its words).

Rows are written as the model file holds them (bit for bit: ``Model.raw_rows``) or unit-length.
A ``.npy`` or safetensors file holds no words: they go one a line, in row order, into
``NAME.words.txt`` beside it. word2vec's formats end a word at a space and a text row at a line
end, so a word holding either cannot be written in them (it is refused, by name, before anything is
written); any other character, a tab or U+00A0 among them, is read back as written, by gensim and
by vecq (tests/test_vectors_io.py).
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable, Iterable, Sequence
from typing import BinaryIO, cast

import numpy as np

from ..cache.files import STDOUT, output_file
from ..cache.layout import words_path
from ..core.compressed import COMPRESSED
from ..core.unit import shortest_digits
from ..errors import ModelError, UsageError
from .word_list import OTHER_WORDS, check_listable, empty_word, write_words

FORMATS = {".bin": "word2vec-bin", ".txt": "word2vec-text", ".vec": "word2vec-text", ".npy": "npy"}
FORMATS[".safetensors"] = "safetensors"
BLOCK = 1 << 14


def packed(path: str) -> str | None:
    """The compression a file's name asks for (``.gz``, ``.bz2``, ``.xz``: what gensim reads), or None."""
    suffix = os.path.splitext(path)[1].lower()
    return suffix if path != STDOUT and suffix in COMPRESSED else None


def format_for(path: str, asked: str | None = None) -> str:
    """The output format: asked for, or told by the file's suffix (``-``, standard output: word2vec
    text); ``vectors.txt.gz`` is word2vec text, compressed."""
    if asked:
        return asked
    if path == STDOUT:
        return "word2vec-text"
    inner = path[: -len(packed(path) or "")] or path
    suffix = os.path.splitext(inner)[1].lower()
    if suffix not in FORMATS:
        raise UsageError(
            f"cannot tell the format of {path} from its suffix; name it .bin, .txt, .vec, .npy or "
            ".safetensors, or give ⟨to=FORMAT⟩"
        )
    return FORMATS[suffix]


# Each writer takes (file, words, blocks, dims, stated): ``stated`` is the count word2vec's first
# line gives (None: no first line), which the other formats do not have.
WRITERS: dict[str, Callable[..., None]] = {
    "word2vec-bin": lambda f, words, blocks, dims, stated: _word2vec(f, words, blocks, dims, True, stated),
    "word2vec-text": lambda f, words, blocks, dims, stated: _word2vec(f, words, blocks, dims, False, stated),
    "npy": lambda f, words, blocks, dims, stated: _npy(f, len(words), blocks, dims),
    "safetensors": lambda f, words, blocks, dims, stated: _safetensors(f, len(words), blocks, dims),
}


def write(
    path: str,
    fmt: str,
    words: Sequence[str],
    blocks: Iterable[np.ndarray],
    dims: int,
    header: bool = True,
    total: int | None = None,
    append: bool = False,
) -> list[str]:
    """Write ``words`` and their rows (``blocks``: float32 arrays in word order); the files written
    (``header``: word2vec text's first line, which GloVe's files leave out; ``total``: the count it
    states, ``len(words)`` by default; ``append``: word2vec's formats after what ``path`` holds,
    gensim's ``append=True``).

    ``path`` is written by the rule for every file a user names (``cache.files.output_file``):
    ``-`` is standard output, a link or a device is written through.
    """
    _check_words(fmt, words)
    if fmt in ("npy", "safetensors") and path == STDOUT:
        raise UsageError(
            f"{fmt} keeps its words in a file beside it, which standard output has not; "
            "name a file, or write word2vec text or binary to '-'"
        )
    compression = packed(path)
    if compression and fmt in ("npy", "safetensors"):
        stem = os.path.splitext(os.path.basename(path)[: -len(compression)])[0]
        raise UsageError(
            f"{fmt} files are read uncompressed (numpy and safetensors map them): name it without "
            f"{compression}, or write word2vec ({stem}.txt{compression})"
        )
    stated = (len(words) if total is None else total) if header else None
    if fmt not in ("npy", "safetensors"):
        with output_file(path, append=append) as f:
            if compression:
                with _compressor(f, compression) as z:
                    WRITERS[fmt](z, words, blocks, dims, stated)
            else:
                WRITERS[fmt](f, words, blocks, dims, stated)
        return [path]
    if append:
        raise UsageError(f"{fmt} holds one matrix: it cannot be appended to")
    # The matrix and its words change together: each is written whole beside its name first, the
    # matrix renamed into place, then the words at once (a kill or an error before leaves the old
    # pair, which vecq reads as a model: a new matrix beside old words of the same count would be
    # a model that answers with the wrong words).
    with output_file(words_path(path), text=True) as listed:
        write_words(listed, words)
        with output_file(path) as f:
            WRITERS[fmt](f, words, blocks, dims, stated)
    return [path, words_path(path)]


def _check_words(fmt: str, words: Sequence[str]) -> None:
    """A format vecq writes, and words it can store."""
    if fmt not in WRITERS:
        raise UsageError(f"unknown output format {fmt!r}; use one of: {', '.join(sorted(WRITERS))}")
    if fmt in ("word2vec-bin", "word2vec-text"):
        empty = empty_word(words)
        if empty is not None:
            raise ModelError(f"{empty}, which word2vec's formats cannot store; {OTHER_WORDS}")
        spaced = next((w for w in words if " " in w or "\n" in w), None)
        if spaced is not None:
            raise ModelError(
                f"{spaced!r} holds a space or a line end, which end a word in word2vec's formats; "
                "write .npy or .safetensors (their words go into a separate file, one a line)"
            )
    else:
        check_listable(words)


def _compressor(f: BinaryIO, suffix: str) -> BinaryIO:
    """A stream that writes into ``f`` compressed as ``suffix`` says (gzip, bzip2 or xz, as gensim
    and vecq read them); closing it finishes the compressed data, not ``f``. GloVe's 171 MB of text
    (docs/benchmarks.md): gzip at its own level 6, with no name or time in its header (the
    temporary file's name would be), 18 s and 69 MB; bzip2 at 9, 19 s and 56 MB; xz at preset 1,
    24 s and 68 MB (its default, 6, took 261 s)."""
    if suffix == ".gz":
        import gzip

        return cast(BinaryIO, gzip.GzipFile("", "wb", 6, f, mtime=0))
    if suffix == ".bz2":
        import bz2

        return cast(BinaryIO, bz2.BZ2File(f, "wb", compresslevel=9))
    import lzma

    return cast(BinaryIO, lzma.LZMAFile(f, "wb", preset=1))


def _word2vec(
    f: BinaryIO,
    words: Sequence[str],
    blocks: Iterable[np.ndarray],
    dims: int,
    binary: bool,
    stated: int | None,
) -> None:
    if stated is not None:
        f.write(f"{stated} {dims}\n".encode())
    at = 0
    for block in blocks:
        for word, row in zip(words[at : at + len(block)], block):
            if binary:  # as word2vec's C tool writes it: the word, a space, the float32 bytes, a newline
                f.write(word.encode("utf-8") + b" " + row.astype("<f4").tobytes() + b"\n")
            else:
                f.write((word + " " + " ".join(shortest_digits(row)) + "\n").encode())
        at += len(block)


def _npy(f: BinaryIO, rows: int, blocks: Iterable[np.ndarray], dims: int) -> None:
    np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (rows, dims)})
    for block in blocks:
        f.write(np.ascontiguousarray(block, dtype="<f4").tobytes())


def _safetensors(f: BinaryIO, rows: int, blocks: Iterable[np.ndarray], dims: int) -> None:
    header = {"vectors": {"dtype": "F32", "shape": [rows, dims], "data_offsets": [0, rows * dims * 4]}}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # safetensors aligns the data to 8 bytes
    f.write(struct.pack("<Q", len(raw)) + raw)
    for block in blocks:
        f.write(np.ascontiguousarray(block, dtype="<f4").tobytes())
