"""A matrix with its words in a file beside it, as ``vecq export`` and ``vecq vector -o`` write
them: ``NAME.npy`` or ``NAME.safetensors`` (one table) and ``NAME.words.txt``, one word a line in
UTF-8, row i's word on line i + 1. Read back as a model, so what vecq writes it can query.

Invariants (tests/test_vectors_io.py):
- the ``.npy`` is read as data (``allow_pickle=False``): a two-dimensional array of float32,
  float16 or float64 (rounded as a safetensors F64 table is, refused where float32 cannot hold it);
- the words file lists exactly one word a row, each once and none empty: anything else is one
  error naming the line, never a guess at which word goes with which row;
- what ``write_words`` writes, ``read_words`` reads back word for word: a word holding a line break,
  and the empty word (gensim's ``add_vectors`` takes ''), are refused before anything is written,
  and a word of spaces (U+3000, a tab) is a word. A leading U+FEFF is the file's mark, taken off
  the first word by ``mark_off`` (the one rule, GloVe's files too), except where that would make
  it another word or none.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from ..cache.layout import words_path
from ..core.text_lines import not_its_encoding, wide_encoding
from ..core.unit import float32_rows
from ..errors import ModelError, shorten
from .gensim_calls import one_line

if TYPE_CHECKING:
    import numpy as np

NPY_MAGIC = b"\x93NUMPY"


def check_listable(words: Sequence[str]) -> None:
    """Refuse, naming it, a word that a words file (one a line) cannot hold: one with a line break,
    or the empty word (its empty line is read as a row without a word)."""
    empty = empty_word(words)
    if empty is not None:
        raise ModelError(f"{empty}, which a words file (one word a line) cannot store; {OTHER_WORDS}")
    broken = next((w for w in words if "\n" in w or "\r" in w), None)
    if broken is not None:
        raise ModelError(
            f"{broken!r} holds a line break, which a words file (one word a line) cannot store; {OTHER_WORDS}"
        )


# What to do when a model holds a word a format cannot store (``check_listable``, export's formats).
OTHER_WORDS = "write the other words only (a list of them, one a line)"


def empty_word(words: Sequence[str]) -> str | None:
    """'the word of row N is empty' for the first empty word of ``words`` (gensim's
    ``add_vectors`` takes ''), or None."""
    row = next((at for at, word in enumerate(words) if not word), None)
    return None if row is None else f"the word of row {row + 1:,} is empty"


def write_words(f: TextIO, words: Sequence[str]) -> None:
    """``words`` into the words file ``f`` (text, UTF-8), one a line, as ``read_words`` reads them."""
    check_listable(words)
    f.writelines(w + "\n" for w in words)


def mark_off(words: list[str]) -> None:
    """Take a UTF-8 byte-order mark off the first of ``words`` read from the start of a file,
    unless what is left is empty or another of the words: a word is never renamed into another or
    into nothing (it is then the word's own U+FEFF, as gensim reads it)."""
    if words and words[0].startswith("\ufeff"):
        bare = words[0].removeprefix("\ufeff")
        if bare and bare not in words:
            words[0] = bare


def read_words(path: str, rows: int, matrix: str) -> list[str]:
    """The words of the ``rows`` rows of ``matrix``, from ``path``: checked as the module says."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ModelError(f"cannot read {path}: {e.strerror or e}") from e
    encoding = wide_encoding(raw) or "utf-8"  # a file saved as UTF-16 (Notepad's "Unicode"): its mark says so
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as e:
        if encoding != "utf-8":
            raise ModelError(not_its_encoding(path, encoding, e.reason)) from e
        line = raw[: e.start].count(b"\n") + 1
        raise ModelError(f"{path}: line {line} is not UTF-8; the words file is written in UTF-8") from e
    words = text.split("\n")
    if words and words[-1] == "":
        words.pop()  # the newline that ends the last line
    words = [w.removesuffix("\r") for w in words]
    mark_off(words)
    if len(words) != rows:
        raise ModelError(
            f"{path} lists {len(words):,} words for the {rows:,} rows of {matrix}; it must list one a row"
        )
    seen: dict[str, int] = {}
    for number, word in enumerate(words, 1):
        if not word:
            raise ModelError(f"{path}: line {number} is empty; every row needs its word")
        if word in seen:
            raise ModelError(
                f"{path}: line {number} repeats {shorten(word)} of line {seen[word]}; "
                "a model holds a word once"
            )
        seen[word] = number
    return words


def read_npy(path: str, limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """The words and float32 rows of ``NAME.npy`` with ``NAME.words.txt`` beside it."""
    import numpy as np

    try:
        matrix = np.load(path, mmap_mode="r", allow_pickle=False)
    except Exception as e:  # numpy parses the header with tokenize and ast: any bytes, any error type
        raise ModelError(f"cannot read {path} as a .npy matrix: {one_line(e)}") from e
    if matrix.ndim != 2 or min(matrix.shape) < 1:
        raise ModelError(
            f"{path} holds an array of shape {list(matrix.shape)}; a model is a matrix, a row a word"
        )
    if matrix.dtype.kind == "f" and matrix.dtype.itemsize == 8:
        rows = float32_rows(matrix, f"{path}: its float64 matrix")
    elif matrix.dtype.kind == "f" and matrix.dtype.itemsize in (2, 4):  # either byte order
        rows = matrix if matrix.dtype == np.float32 else np.asarray(matrix, dtype=np.float32)
    else:
        raise ModelError(
            f"{path} holds {matrix.dtype} numbers; vecq reads float32, float16 and float64 matrices"
        )
    words = read_words(words_path(path), len(rows), os.path.basename(path))
    check_finite(rows, words, path)
    if limit is not None:
        words, rows = words[:limit], rows[:limit]
    return words, rows


def check_finite(rows: np.ndarray, words: list[str], path: str) -> None:
    """Refuse a row holding NaN or an infinity, naming its word: such a row is how ``vecq vector
    -o`` marks a word it could not find, not a vector."""
    import numpy as np

    for start in range(0, len(rows), 1 << 16):
        bad = np.flatnonzero(~np.isfinite(rows[start : start + (1 << 16)]).all(axis=1))
        if len(bad):
            row = start + int(bad[0])
            raise ModelError(
                f"{path}: row {row} ({shorten(words[row])}) holds NaN or an infinity; 'vecq vector -o' "
                "writes such a row for a word it could not find: leave those out"
            )
