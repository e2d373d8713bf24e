"""Writing vectors out: word2vec binary or text, ``.npy`` or safetensors (each with its words).

Rows are written as the model stores them (unit row times its norm, float32: within a float32
rounding of the source file) or unit-length. A ``.npy`` or safetensors file holds no words: they go
one a line, in row order, into ``NAME.words.txt`` beside it. word2vec's formats separate a word from
its numbers with a space, so a word holding whitespace cannot be written in them (it is refused, by
name, before anything is written).
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterable, Sequence

import numpy as np

from ..errors import ModelError, UsageError

FORMATS = {".bin": "word2vec-bin", ".txt": "word2vec-text", ".vec": "word2vec-text", ".npy": "npy"}
FORMATS[".safetensors"] = "safetensors"
BLOCK = 1 << 14


def format_for(path: str, asked: str | None = None) -> str:
    """The output format: asked for, or told by the file's suffix."""
    if asked:
        return asked
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise UsageError(
            f"cannot tell the format of {path} from its suffix; name it .bin, .txt, .vec, .npy or "
            ".safetensors, or give --to"
        )
    return FORMATS[suffix]


def words_path(path: str) -> str:
    """Where the words of a ``.npy`` or safetensors file go: ``NAME.words.txt`` beside it."""
    return os.path.splitext(path)[0] + ".words.txt"


def write(path: str, fmt: str, words: Sequence[str], blocks: Iterable[np.ndarray], dims: int) -> list[str]:
    """Write ``words`` and their rows (``blocks``: float32 arrays in word order); the files written."""
    if fmt in ("word2vec-bin", "word2vec-text"):
        spaced = next((w for w in words if not w or any(c.isspace() for c in w)), None)
        if spaced is not None:
            raise ModelError(
                f"{spaced!r} holds whitespace, which word2vec's formats cannot store; write .npy or "
                ".safetensors (their words go into a separate file, one a line)"
            )
    tmp = f"{path}.part-{os.getpid()}"
    try:
        if fmt == "word2vec-bin":
            _word2vec(tmp, words, blocks, dims, binary=True)
        elif fmt == "word2vec-text":
            _word2vec(tmp, words, blocks, dims, binary=False)
        elif fmt == "npy":
            _npy(tmp, len(words), blocks, dims)
        elif fmt == "safetensors":
            _safetensors(tmp, len(words), blocks, dims)
        else:
            raise UsageError(
                f"unknown output format {fmt!r}; use one of: {', '.join(sorted(set(FORMATS.values())))}"
            )
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if fmt in ("npy", "safetensors"):
        with open(words_path(path), "w", encoding="utf-8", newline="\n") as f:
            f.writelines(w + "\n" for w in words)
        return [path, words_path(path)]
    return [path]


def _word2vec(path: str, words: Sequence[str], blocks: Iterable[np.ndarray], dims: int, binary: bool) -> None:
    with open(path, "wb") as f:
        f.write(f"{len(words)} {dims}\n".encode())
        at = 0
        for block in blocks:
            for word, row in zip(words[at : at + len(block)], block):
                if binary:  # as gensim writes it: the word, a space, the float32 bytes, a newline
                    f.write(word.encode("utf-8") + b" " + row.astype("<f4").tobytes() + b"\n")
                else:
                    f.write(
                        (
                            word + " " + " ".join(repr(float(v)) for v in row.astype(np.float32)) + "\n"
                        ).encode()
                    )
            at += len(block)


def _npy(path: str, rows: int, blocks: Iterable[np.ndarray], dims: int) -> None:
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f4", "fortran_order": False, "shape": (rows, dims)}
        )
        for block in blocks:
            f.write(np.ascontiguousarray(block, dtype="<f4").tobytes())


def _safetensors(path: str, rows: int, blocks: Iterable[np.ndarray], dims: int) -> None:
    header = {"vectors": {"dtype": "F32", "shape": [rows, dims], "data_offsets": [0, rows * dims * 4]}}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # safetensors aligns the data to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw)
        for block in blocks:
            f.write(np.ascontiguousarray(block, dtype="<f4").tobytes())
