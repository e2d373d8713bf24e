"""How vecq calls gensim: its logging kept off stderr, its exceptions cut down to one line."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..core.expression import is_number


def one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return (text[0] if text else type(e).__name__)[:300]


@contextlib.contextmanager
def quiet_gensim() -> Iterator[None]:
    """gensim logs (and, on a failed download, prints tracebacks through logging), and numpy warns
    from inside gensim's arithmetic on a damaged file ("overflow encountered in add", with the
    source line): keep them off stderr. What the damage did is vecq's to say (a row holding NaN or
    an infinity is refused by name when the rows are made unit)."""
    import logging
    import warnings

    log = logging.getLogger("gensim")
    saved = log.propagate, log.level
    log.propagate = False
    log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=RuntimeWarning, module="gensim")
            yield
    finally:
        log.propagate, log.level = saved


class SpacedWords:
    """Words holding spaces in a word2vec or GloVe text file (GloVe 840B's '. . .' and 'at
    name@domain.com'), which gensim's reader refuses ("could not convert string to float"): such a
    line's last ``dims`` fields are its numbers and the fields before them, spaces kept, its word.
    ``dims`` is the first line's count. A line is read so only when the field just before its
    numbers is not a number itself, so a damaged row holding a number too many stays an error.
    ``found``: the words so read, in file order."""

    def __init__(self) -> None:
        self.dims: int | None = None
        self.found: list[str] = []

    def read(
        self, original: Callable, line: bytes, datatype: Any, unicode_errors: str, encoding: str
    ) -> tuple:
        try:
            word, weights = original(line, datatype, unicode_errors, encoding)
        except ValueError as refused:
            spaced = self._spaced(line, datatype, unicode_errors, encoding)
            if spaced is None:
                raise refused from None
            return spaced
        if self.dims is None:
            self.dims = len(weights)
        elif len(weights) != self.dims:  # "a 5 0.1 ...": gensim's word 'a' and a number too many
            return self._spaced(line, datatype, unicode_errors, encoding) or (word, weights)
        return word, weights

    def _spaced(self, line: bytes, datatype: Any, unicode_errors: str, encoding: str) -> tuple | None:
        from gensim import utils

        dims = self.dims
        parts = utils.to_unicode(line.rstrip(), encoding=encoding, errors=unicode_errors).split(" ")
        if dims is None or not spaced_row(parts, dims):
            return None
        try:
            weights = [datatype(x).item() for x in parts[-dims:]]
        except ValueError:
            return None
        word = " ".join(parts[:-dims])
        self.found.append(word)
        return word, weights


def spaced_row(fields: Sequence[str | bytes], dims: int) -> bool:
    """A text line's fields that are a word holding spaces and ``dims`` numbers: more than ``dims``
    + 1 fields, the last ``dims`` numbers and the one before them not (a row with a number too
    many is not one). The one rule for the reader (``SpacedWords``) and for telling the format."""
    return (
        len(fields) > dims + 1
        and all(is_number(x) for x in fields[-dims:])
        and not is_number(fields[-dims - 1])
    )


_SPACED = threading.local()  # the SpacedWords of the file this thread reads, if any


def _line_to_vector(line: bytes, datatype: Any, unicode_errors: str, encoding: str) -> tuple:
    """gensim's ``_word2vec_line_to_vector``, through the ``SpacedWords`` of a file vecq is reading
    in this thread (gensim's own behaviour anywhere else: another caller of gensim's reader)."""
    spaced = getattr(_SPACED, "words", None)
    if spaced is None:
        return _GENSIMS_LINE_TO_VECTOR[0](line, datatype, unicode_errors, encoding)
    return spaced.read(_GENSIMS_LINE_TO_VECTOR[0], line, datatype, unicode_errors, encoding)


_GENSIMS_LINE_TO_VECTOR: list[Callable] = []
_INSTALL = threading.Lock()


@contextlib.contextmanager
def spaced_words() -> Iterator[SpacedWords]:
    """gensim's text reader, in this thread, reading words that hold spaces (``SpacedWords``). gensim's
    line parser is replaced once, for good, by one that is gensim's own unless a thread is inside
    this block (threads read their own files: the state is per thread)."""
    from gensim.models import keyedvectors

    with _INSTALL:
        if not _GENSIMS_LINE_TO_VECTOR:
            _GENSIMS_LINE_TO_VECTOR.append(keyedvectors._word2vec_line_to_vector)
            keyedvectors._word2vec_line_to_vector = _line_to_vector
    words = SpacedWords()
    _SPACED.words = words
    try:
        yield words
    finally:
        _SPACED.words = None
