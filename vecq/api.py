"""The Python API: open a model by name or path, ask it what the CLI asks.

``Vectors`` is also a read-only stand-in for gensim's ``KeyedVectors`` query methods over vecq's
instant-opening cache, so existing gensim code changes one line to start in milliseconds::

    import vecq
    kv = vecq.load("word2vec-google-news-300")      # was: KeyedVectors.load_word2vec_format(...)
    kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)

Unknown words raise ``KeyError`` as gensim's do (vecq's ``UnknownWordError`` is one, naming the model
and the nearest spellings); a query that cannot be answered as written raises ``ValueError``
(``QueryError``). Every method finds words by the CLI's rule (``Vectors._match``).
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import html
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Hashable, Iterable, Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any, Generic, TypeGuard, TypeVar, cast

import numpy as np

from .core import evaluate, memory
from .core.cosmul import UNIT_LENGTH, cosmul, cosmul_upper
from .core.expression import Term, describe, parse_expression, zero_vector_error
from .core.model import Model
from .core.queries import (
    APPROX_CHUNK,
    QUERIES_A_CHUNK,
    NeighborsQuery,
    VectorNeighborsQuery,
    count,
    skipped_rows,
)
from .core.ranking import cosine_slack, exact_dots, exact_scores
from .core.unit import direction, einsum, float32_vectors, peak_scaled, unit
from .core.words import Match, cut_note, past_limit, respellings, suggestions
from .display import Answers, Batch, Matrix
from .errors import (
    BeyondLimitError,
    ModelError,
    NoMemoryError,
    NotAWordError,
    QueryError,
    UnknownWordError,
    VecqError,
    counted,
    first_few,
)
from .opening import ModelOptions, open_with, opened_content
from .progress import NULL_REPORTER, Reporter
from .records import (
    STORED_TYPES,
    AnalogyAnswer,
    AxisAnswer,
    ClusterAnswer,
    FoldedNeighbor,
    Neighbor,
)
from .sources.spec import POOLS, spec_with

if TYPE_CHECKING:  # the bias test's module loads when a test runs, not with the API
    from .core.subwords import Subwords
    from .core.weat import WeatResult

logger = logging.getLogger(__name__)
_KEY_TYPES = (str, int, np.integer)
DICT_AFTER = 2000  # words looked up one by one before key_to_index is built for the rest
PROGRESS_AFTER = 2048  # questions of a batch past which a notebook shows its progress (a few seconds)
# Vectors read one by one before the stored matrix is built in memory (gensim holds it so, and its
# get_vector is a row of it): only for a matrix up to RAW_BYTES, whose copy a notebook can afford.
VECTORS_AFTER = 2000
RAW_BYTES = 1 << 30


def load(
    spec: str | os.PathLike | None = None,
    *,
    trust: bool = False,
    limit: int | None = None,
    subwords: bool = True,
    pool: str | None = None,
    approx: bool = False,
    nprobe: int | None = None,
    tensor: str | None = None,
    model_format: str | None = None,
    unicode_errors: str = "strict",
    progress: bool | None = None,
) -> KeyedVectors:
    """Open a model, converting it into vecq's cache the first time: a ``KeyedVectors`` (gensim's
    methods, and vecq's questions).

    Parameters
    ----------
    spec : a file (word2vec, GloVe, fastText, a safetensors table), a gensim-data name
        (``glove-wiki-gigaword-50``), or a Hugging Face Hub repo (``hf:OWNER/NAME``); default the
        ``VECQ_MODEL`` environment variable, else ``word2vec-google-news-300``.
    trust : allow gensim's pickle files other than KeyedVectors (a pickle can run code).
    limit : only the first ``limit`` words (the most frequent), as gensim's ``limit``.
    subwords : a fastText model builds vectors for words outside its vocabulary.
    pool : ``"mean"``: a language model's word of several tokens is their rows' mean.
    approx, nprobe : answer neighbour questions from the approximate index (``vecq index build``),
        probing ``nprobe`` lists.
    tensor : the checkpoint tensor to read as a language model's token table.
    model_format : read the file as ``word2vec-bin``, ``word2vec-text``, ``glove-text`` or
        ``fasttext-bin`` instead of telling its format from its bytes (gensim's ``binary=``).
    unicode_errors : words that are not valid UTF-8: ``strict`` (an error naming the line),
        ``replace`` or ``ignore``, as gensim's ``unicode_errors``.
    progress : show the first conversion's (and a download's) progress: with tqdm, so a notebook
        shows its own bar; default: in a Jupyter kernel only.

    Raises
    ------
    vecq.errors.ModelError : the model cannot be found, downloaded, read or trusted.
    """
    copied = _gensim_copy(spec, limit, subwords, (pool, approx, nprobe, tensor, model_format, unicode_errors))
    if copied is not None:
        return copied
    if spec is not None:
        if not isinstance(spec, (str, bytes, os.PathLike)):
            raise TypeError(
                f"a model is a file path or a name (a str), or gensim's KeyedVectors (model.wv), not "
                f"{type(spec).__name__}"
            )
        spec = os.fsdecode(spec)
    limit = None if limit is None else count("limit", limit)
    nprobe = None if nprobe is None else count("nprobe", nprobe)
    if pool is not None and pool not in POOLS:
        raise QueryError(f"⟨pool={pool}⟩ is not one of: {', '.join(POOLS)}")
    named = spec_with(spec, tensor, model_format, unicode_errors)
    options = ModelOptions(named, trust, limit, subwords, pool, approx, nprobe)
    if progress is None:
        progress = "ipykernel" in sys.modules  # a notebook: its own bar, one that updates in place
    reporter = TqdmReporter() if progress else NULL_REPORTER
    return KeyedVectors._of(open_with(options, reporter=reporter, warn=logger.warning), options)


def _gensim_copy(spec: object, limit: int | None, subwords: bool, file_options: tuple) -> KeyedVectors | None:
    """``load`` of gensim's own object (``spec``: a trained model, its ``wv``): a copy in memory;
    None when ``spec`` is not one. The options that only a file has are refused (a QueryError)."""
    from .sources.gensim_object import is_gensim_vectors

    if not is_gensim_vectors(spec):
        return None
    names = ("pool", "approx", "nprobe", "tensor", "model_format", "unicode_errors")
    given = [name for name, value in zip(names, file_options) if value and value != "strict"]
    if given:
        raise QueryError(f"{', '.join(given)}: for a model read from a file, not gensim's object")
    return KeyedVectors._of_gensim(spec, None if limit is None else count("limit", limit), subwords)


class _TqdmTask:
    def __init__(self, description: str, total: int | None):
        from tqdm.auto import tqdm  # the notebook's widget in a kernel, a text bar elsewhere

        self.bar = tqdm(total=total, desc=description, unit_scale=True, leave=False)

    def update(self, completed: int) -> None:
        self.bar.update(completed - self.bar.n)

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)

    def __enter__(self) -> _TqdmTask:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


class TqdmReporter:
    """Progress drawn by tqdm (``tqdm.auto``): a widget in a notebook, one updating line elsewhere."""

    def task(self, description: str, total: int | None) -> _TqdmTask:
        return _TqdmTask(description, total)


open = load


def _warn_at_caller(message: str, category: type[Warning]) -> None:
    """A warning shown at the line of the caller's code that led to it (the first frame outside vecq)."""
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith("vecq"):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def _weighted_keys(positive, negative) -> tuple[list, list[float], int]:
    """most_similar's inputs as gensim reads them: (keys or vectors, their weights, how many are
    positive). An item is a key, a vector, or a ``(key, weight)`` pair whose weight replaces the
    default 1 (positive) or -1 (negative)."""
    positive, negative = _ensure_list(positive), _ensure_list(negative)
    keys: list = []
    weights = [1.0] * len(positive) + [-1.0] * len(negative)
    for i, item in enumerate(positive + negative):
        if isinstance(item, (*_KEY_TYPES, np.ndarray)):
            keys.append(item)
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            keys.append(item[0])
            weights[i] = float(item[1])
        else:  # a missing value (NaN, None) or an object that is neither a key nor a (key, weight) pair
            raise TypeError(_not_text(item))
    return keys, weights, len(positive)


def _check_vectors(keys: Sequence | np.ndarray, dims: int, finite: bool = True) -> None:
    """Each vector among the inputs is ``dims`` real numbers, and finite ones when ``finite``
    (a question's direction; gensim's arithmetic, a mean or distances, takes NaN through).

    Raises:
        TypeError: a vector of complex numbers, objects or text (numpy's casting errors, or the
            imaginary parts dropped with a warning).
        QueryError: a vector of another shape or length (numpy's broadcasting errors), or holding
            NaN or an infinity (every score would be NaN, which ranks nowhere; gensim lists such
            words).
    """
    for key in keys:
        if not isinstance(key, np.ndarray):
            continue
        if key.dtype.kind not in "biuf":
            raise TypeError(
                f"a vector is real numbers, not {key.dtype} values; convert it, e.g. "
                "np.asarray(v, dtype=np.float32)"
            )
        if key.shape != (dims,):
            # a row or a column of the model's length (kv[["cat"]] is one row); never numbers of
            # other shapes raveled into one vector
            one_row = " (v.ravel() for one row)" if key.size == dims and max(key.shape) == dims else ""
            raise QueryError(
                f"a vector given has shape {key.shape}; the model's are {dims} numbers{one_row}, "
                "and several vectors are given as separate items"
            )
        if finite and not np.isfinite(key).all():
            raise QueryError("a vector given holds NaN or an infinity; a direction needs finite numbers")


def _numbers(weights: object) -> np.ndarray:
    """``weights`` as an array of numbers: text or objects get numpy's ValueError, as gensim's."""
    given = np.asarray(weights)
    return given if given.dtype.kind in "biuf" else given.astype(np.float64)


def _refuse_vanished(keys: Sequence) -> None:
    """A QueryError when the question is left with nothing but vectors float32 rounds to all zeros
    (1e-50s): gensim's float32 arithmetic answers them with words scored 0, or 3CosMul's 0.5 ties,
    in row order. (Beside a word such a vector changes no answer, and gensim's is kept.)"""
    vectors = [k for k in keys if isinstance(k, np.ndarray)]
    if (
        vectors
        and len(vectors) == len(keys)
        and not any(np.asarray(v, dtype=np.float32).any() for v in vectors)
    ):
        peak = max(float(np.abs(v).max()) for v in vectors)
        if peak > 0:
            raise QueryError(
                f"the vectors given are so small that float32 rounds them to zeros (the largest "
                f"number {peak:.3g}); scale them up"
            )


def _not_text(value: object) -> str:
    """Why ``value`` is not a word vecq's methods can read, and what to give instead."""
    kind = type(value).__name__
    if isinstance(value, (bytes, bytearray)):
        shown = bytes(value[:40])
        return f"a word is text (str), not {kind} ({shown!r}): decode it first, e.g. .decode('utf-8')"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"a word is text (str), not {kind} ({value}); for the word of row {value} give 'id:{value}'"
    if isinstance(value, bool):
        return f"a word is text (str), not bool ({value}); a row number is an int"
    if isinstance(value, (float, np.floating)) and value != value:
        return f"a word is text (str), not {kind} ({value}): a missing value (NaN)?"
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return "a word is text (str), not a vector: give vectors as a list of vectors only, or a 2-D array"
    if isinstance(value, (list, tuple, np.ndarray)):
        return f"a word is text (str), not a {kind}: this argument takes one word"
    return f"a word is text (str), not {kind} ({str(value)[:40]!r})"


def _batch_items(query: Iterable) -> list[str | VecqError]:
    """A batch's words, each as given, or its own error when it is not text: a pandas column's
    missing value (NaN) or an integer is never read as the word 'nan' or '5'."""
    return [q if isinstance(q, str) else QueryError(f"item {i}: {_not_text(q)}") for i, q in enumerate(query)]


def _vector_list(query: object) -> TypeGuard[list[np.ndarray] | tuple[np.ndarray, ...]]:
    """Is ``query`` a list of vectors (1-D arrays of numbers), each a query of a batch?"""
    return (
        isinstance(query, (list, tuple))
        and bool(query)
        and all(isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype.kind in "biuf" for v in query)
    )


def _are_vectors(query: object) -> TypeGuard[np.ndarray]:
    """Is ``neighbors``' query vectors (an array of numbers), not words (an array of strings)?"""
    return isinstance(query, np.ndarray) and query.dtype.kind not in "USO"


def _vector_label(vector: np.ndarray) -> str:
    """A vector as the query of its answers: up to six numbers, else its first and last three (as
    numpy summarises an array); the CLI's records name it by its line."""
    numbers = [f"{x:.4g}" for x in np.asarray(vector, dtype=float).ravel().tolist()]
    shown = numbers if len(numbers) <= 6 else [*numbers[:3], "...", *numbers[-3:]]
    return "[" + ", ".join(shown) + "]"


def _batch_lines(query: object) -> list[str | VecqError]:
    """``neighbors``' query as the lines of a batch: a 2-D array of numbers is vectors (as JSON),
    anything else words (``_batch_items``); one word or expression is a batch of one."""
    if isinstance(query, np.ndarray) and query.dtype.kind == "c":
        raise TypeError(f"a vector is real numbers, not {query.dtype} values; convert it first")
    if _are_vectors(query) or _vector_list(query):
        rows: Iterable = np.atleast_2d(query) if isinstance(query, np.ndarray) else query
        return [json.dumps(np.asarray(row, dtype=float).tolist()) for row in rows]
    if isinstance(query, str):
        return [query]
    if isinstance(query, (bytes, bytearray)):  # not a batch of the integers of its characters
        raise TypeError(f"neighbors takes a word or an expression, or a list of them; {_not_text(query)}")
    if not isinstance(query, Iterable):
        raise TypeError(f"neighbors takes a word or an expression, or a list of them; {_not_text(query)}")
    return _batch_items(query)


def _text_keys(value: object) -> None:
    """A TypeError when ``value`` is bytes or holds bytes (a word read from a binary file, a numpy
    ``S`` array): gensim iterates bytes as the integers of their characters, so ``kv[b"cat"]`` gave
    rows 99, 97 and 116 and ``most_similar(b"cat")`` their neighbours, answers to nothing asked."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "S" and value.size:
        raise TypeError(_not_text(value.flat[0]))
    if isinstance(value, (bytes, bytearray)):
        raise TypeError(_not_text(value))
    if isinstance(value, (list, tuple)):
        for item in value:
            key = item[0] if isinstance(item, tuple) and item else item  # a (key, weight) pair's key
            if isinstance(key, (bytes, bytearray)):
                raise TypeError(_not_text(key))


def _key_list(keys: Iterable) -> list | np.ndarray:
    """Keys given as any iterable (a generator too) as a list, an array kept as it is; refused
    when they are bytes or hold bytes (``_text_keys``)."""
    _text_keys(keys)
    if isinstance(keys, (np.ndarray, list)):
        return keys
    if not isinstance(keys, Iterable):  # kv[1.5], kv[None]: not "'float' object is not iterable"
        raise TypeError(f"{_not_text(keys)} (or a row number, or a list of them)")
    listed = list(keys)  # a generator's items are seen only now
    _text_keys(listed)
    return listed


# Norms within which gensim's float32 ``cosine_similarities`` neither overflows (squares summed
# past 3.4e38) nor loses more than the last bit of a tie to underflow (a square below 1.2e-38 is
# below 2**-86 of the sum of squares): 2**-20 to 2**20.
GENSIM_SOUND_NORMS = (2.0**-20, 2.0**20)


def _float_arrays(vector: object, rows: object) -> bool:
    """``vector`` and ``rows`` a 1-D and a 2-D ndarray of float32 or float64 numbers."""
    return (
        isinstance(vector, np.ndarray)
        and isinstance(rows, np.ndarray)
        and vector.ndim == 1
        and rows.ndim == 2
        and vector.dtype in _SOUND_FLOATS
        and rows.dtype in _SOUND_FLOATS
    )


_SOUND_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _all_within(values: np.ndarray, low: float, high: float) -> bool:
    """Every one of ``values`` (1-D) in ``[low, high]``, a NaN not: a few compared as Python floats
    (two reductions cost a notebook's small call more than the rest of it), many by reductions."""
    if len(values) <= 64:
        return all(low <= value <= high for value in values.tolist())
    return bool(values.min() >= low and values.max() <= high)


def _norms(vector: np.ndarray, rows: np.ndarray) -> tuple[np.floating, np.ndarray]:
    """np.linalg.norm's own steps for real numbers (gensim's norms to the bit), without its checks:
    the norm of ``vector`` and of each of ``rows``."""
    flat = vector.ravel(order="K")
    return np.sqrt(flat.dot(flat)), np.sqrt(np.add.reduce(rows * rows, axis=1))


def _ignoring(words: set) -> None:
    """gensim's warning for the words a mean leaves out (``doesnt_match``, ``n_similarity``)."""
    logger.warning("vectors for words %s are not present in the model, ignoring these words", words)


def _one_string(words: object, name: str) -> None:
    """A TypeError when one str is given where a list of words goes: Python (and gensim) would read
    it as its letters, and answer for 'c', 'a' and 't' (bytes: ``_text_keys``)."""
    if isinstance(words, str):
        split = words.split()
        example = repr(split) if len(split) > 1 else f"[{words!r}]"
        raise TypeError(f"{name} takes a list of words, such as {example}, not one str")


def _word_list(words: Iterable, name: str) -> list | np.ndarray:
    """A gensim method's list of words (``_key_list``), one string refused (``_one_string``)."""
    _one_string(words, name)
    return _key_list(words)


def _ensure_list(value) -> list:
    """gensim's rule: a single key or 1-D vector becomes a list; a 2-D array becomes its rows."""
    _text_keys(value)
    if value is None:
        return []
    if isinstance(value, np.ndarray) and value.ndim == 1 and _words_array(value):
        return value.tolist()  # a column of words (``df["word"].values``), not a vector
    if isinstance(value, _KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return list(value)
    return list(value)


def _words_array(value: np.ndarray) -> bool:
    """An array of words: numpy strings, or objects that are all str (a pandas column's values)."""
    if value.dtype.kind == "U":
        return True
    return value.dtype.kind == "O" and value.size > 0 and all(isinstance(v, str) for v in value.tolist())


def _refused(*args: object, **kwargs: object) -> None:
    raise TypeError(
        "vecq's vocabulary is read by index_to_key and key_to_index, not changed through them: "
        "add words with add_vectors (or kv[word] = vector)"
    )


_MIGRATING = "See https://github.com/RaRe-Technologies/gensim/wiki/Migrating-from-Gensim-3.x-to-4"
# gensim 3.x's attributes, removed in gensim 4: gensim's own messages.
_GENSIM4_REMOVED = {
    "vocab": "The vocab attribute was removed from KeyedVector in Gensim 4.0.0.\n"
    "Use KeyedVector's .key_to_index dict, .index_to_key list, and methods "
    ".get_vecattr(key, attr) and .set_vecattr(key, attr, new_val) instead.\n" + _MIGRATING,
    "index2word": "The index2word attribute has been replaced by index_to_key since Gensim 4.0.0.\n"
    + _MIGRATING,
    "index2entity": "The index2entity attribute has been replaced by index_to_key since Gensim 4.0.0.\n"
    + _MIGRATING,
    "vectors_norm": "The `.vectors_norm` attribute is computed dynamically since Gensim 4.0.0. "
    "Use `.get_normed_vectors()` instead.\n" + _MIGRATING,
}


# What other libraries call what this object does (gensim's trained models, gensim 3, fastText's
# and model2vec's Python APIs), said where Python's AttributeError would name the attribute only.
_ELSEWHERE = {
    "wv": "this object is the KeyedVectors itself (a gensim model's .wv): call kv.most_similar(...) on it",
    "syn0": "gensim 3's syn0 is kv.vectors",
    "neighbours": "the method is kv.neighbors (the CLI takes both spellings)",
    "nearest": "the method is kv.neighbors (kv.most_similar as gensim's)",
    "get_nearest_neighbors": "fastText's get_nearest_neighbors(word, k) is kv.neighbors(word, top=k)",
    "get_word_vector": "fastText's get_word_vector(word) is kv[word] (kv.vector(word) as vecq reads words)",
    "get_words": "fastText's get_words() is kv.index_to_key",
    "words": "fastText's words are kv.index_to_key",
    "get_dimension": "fastText's get_dimension() is kv.vector_size",
    "get_analogies": "fastText's get_analogies(a, b, c, k) is kv.analogy(a, b, c, top=k)",
    "encode": "model2vec's encode(texts) is kv.vector(texts), a row each",
}


def _said_elsewhere(name: str) -> property:
    """Another library's attribute (``_ELSEWHERE``): reading it fails with Python's message and
    what does it here. A property, not a ``__getattr__``: a class with one loses CPython's fast
    attribute path for every attribute (``get_index`` 0.13 to 0.18 us a call)."""

    def elsewhere(self: object) -> None:
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}; {_ELSEWHERE[name]}",
            name=name,
            obj=self,
        )

    return property(elsewhere)


def _removed_in_gensim4(name: str) -> property:
    """A gensim 3.x attribute: reading it fails with gensim 4's own message."""

    def removed(self: object) -> None:
        raise AttributeError(_GENSIM4_REMOVED[name])

    return property(removed)


def deprecated_by(replacement: str):
    """gensim's ``@deprecated``: each call warns (DeprecationWarning) to use ``replacement``."""

    def wrap(method):
        @functools.wraps(method)
        def warned(*args, **kwargs):
            warnings.warn(
                f"Call to deprecated `{method.__name__}` (Use {replacement} instead. {_MIGRATING}).",
                category=DeprecationWarning,
                stacklevel=2,
            )
            return method(*args, **kwargs)

        return warned

    return wrap


class RespelledWarning(UserWarning):
    """A word was found under the model's spelling of it (``Cat`` as ``cat``), as the CLI notes."""


class PrecisionWarning(UserWarning):
    """Vectors handed out in another type than float32 are made from float32's values: vecq keeps
    every model as float32, so a float64 file's or object's further digits (gensim keeps them) are
    not there, and a text file's float16 values are rounded from float32's, not from the text."""


def _float32_held(what: str) -> str:
    return (
        f"{what}: vecq holds vectors as float32, so they are handed out as float64 with float32's "
        "digits (about 7 significant); gensim keeps the further ones"
    )


class TextCutWarning(UserWarning):
    """A text longer than a static model reads was embedded from its first tokens (model2vec's
    ``max_length``), as the CLI notes."""


class _CopiedPlain:
    """A copy (``copy``, ``deepcopy``, a pickle) of a refusing list or dict is the plain type
    (``_plain``), equal, the caller's to change: copying is reading."""

    __slots__ = ()
    _plain: type

    def __reduce__(self):
        return self._plain, (self._plain(self),)

    def __copy__(self):
        return self._plain(self)

    def __deepcopy__(self, memo: dict):
        return self._plain(self)  # strings and ints: a deep copy shares them, as copy.deepcopy would


class Words(_CopiedPlain, list):
    """``index_to_key``: a real list of the words in row order (gensim's type), whose changes are
    refused: a change would reach no answer (``add_vectors`` is how words are added)."""

    __slots__ = ()
    _plain = list
    append = extend = insert = remove = pop = clear = sort = reverse = _refused
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refused  # type: ignore[assignment]


class Rows(_CopiedPlain, dict):
    """``key_to_index``: a real dict of word -> row (gensim's type), whose changes are refused
    (``fromkeys`` makes a plain dict)."""

    __slots__ = ()
    _plain = dict
    __setitem__ = __delitem__ = __ior__ = _refused  # type: ignore[assignment]
    pop = popitem = clear = update = setdefault = _refused  # type: ignore[assignment]

    @classmethod
    def fromkeys(cls, keys: Iterable, value: object = None) -> dict:
        return dict.fromkeys(keys, value)


T = TypeVar("T")


class _BuiltOnce(Generic[T]):
    """``functools.cached_property`` without ``__dict__``: the value is built on the first read and
    set on the instance with ``object.__setattr__``. (An instance whose ``__dict__`` was touched
    loses CPython's fast attribute path: each read of ``self.model`` or ``self._rows`` in a
    notebook's thousands of small calls went from 13 to 28 ns.)"""

    def __init__(self, build: Callable[[Any], T]):
        self.build = build
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> T:
        if instance is None:
            return self  # type: ignore[return-value]  # the class's attribute: the descriptor
        value = self.build(instance)
        object.__setattr__(instance, self.name, value)
        return value


class Vectors:
    """An opened model: vecq's questions, and gensim's ``KeyedVectors`` query methods.

    It pickles by reference: what is pickled is how it was opened (``ModelOptions``), and it is
    opened again, from the cache there, where it is unpickled; a model held in memory pickles whole.
    """

    _dtype = np.dtype(np.float32)  # the type of the vectors handed out (the cache holds float32)

    def __init__(self, model: Model, options: ModelOptions | None = None):
        self._use(model, options)

    def _use(self, model: Model, options: ModelOptions | None) -> None:
        """Answer from ``model`` (opened with ``options``; None: a model held in memory)."""
        self.model = model
        self._options = options
        self._words: Words | None = None
        self._rows: Rows | None = None
        for name in ("index_to_key", "key_to_index"):  # built for the model before, if any
            with contextlib.suppress(AttributeError):
                object.__delattr__(self, name)
        self._lookups = 0  # words looked up before key_to_index was built (DICT_AFTER)
        self._vector_reads = 0  # vectors read one by one before the matrix was built (VECTORS_AFTER)
        self._raw: np.ndarray | None = None
        # The model unit_normalize_all made (its norms are then gensim's ones), or None.
        self._unit_model: Model | None = None

    # Built on first use, then plain attributes of the instance (``_BuiltOnce``); assigning to them
    # is refused (``__setattr__``), and a new model (``_use``) drops them. Reading one costs about
    # 27 ns against gensim's 13: CPython 3.11 specialises an instance attribute only when the
    # class has no attribute of that name or one of an immutable type; ``_BuiltOnce`` is a Python class
    # (a builtin descriptor that builds on first read has no such type: ``property`` is not
    # specialised at all). Other attributes keep the fast path (the instance dict is untouched).
    @_BuiltOnce
    def index_to_key(self) -> Words:
        """gensim's ``index_to_key``: the words in row order, a list built on first use (GloVe's
        400,000 words in about 0.1 s, GoogleNews' 3,000,000 in about a second; vecq's own
        questions never need it)."""
        if self._words is None:
            vocab, n = self.model.vocab, len(self.model)
            self._words = Words(
                w for start in range(0, n, 65536) for w in vocab.words(range(start, min(n, start + 65536)))
            )
        return self._words

    @_BuiltOnce
    def key_to_index(self) -> Rows:
        """gensim's ``key_to_index``: word -> row, a dict built on first use."""
        if self._rows is None:
            self._rows = Rows(zip(self.index_to_key, range(len(self.model))))
        return self._rows

    def __dir__(self) -> list[str]:
        # what tab completion offers: not the names that only say where the attribute is
        return [name for name in super().__dir__() if name not in _ELSEWHERE and name not in _GENSIM4_REMOVED]

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("index_to_key", "key_to_index"):
            _refused()
        object.__setattr__(self, name, value)

    def __reduce__(self):
        if self._options is not None:
            source: tuple = ("opened", self._options, opened_content(self.model))
        else:
            rows = np.array(self._stored(), np.float32)
            source = ("arrays", list(self.index_to_key), rows, self.name, self.model.building)
        return _unpickled, (type(self), source, self._extra_state())

    def _extra_state(self) -> dict:
        """What a subclass keeps beside the model, for pickling (``_restore`` takes it back)."""
        return {}

    def _restore(self, state: dict) -> None:
        pass

    def _stored(self) -> np.ndarray:
        """Every row as the file holds it (float32, read-only; built once, if the free memory can
        hold it)."""
        if self._raw is None:
            memory.check_fits(
                self.model.vectors.nbytes,
                f"the {len(self.model):,} x {self.vector_size} matrix as stored (kv.vectors)",
                "kv.get_normed_vectors() maps the cache's unit rows without a copy, "
                "kv[words] reads the rows asked",
            )
            self._raw = self.model.raw_rows(np.arange(len(self.model)))
        return self._raw

    @property
    def vectors(self) -> np.ndarray:
        """The model's vectors as the file holds them, bit for bit (gensim's ``kv.vectors``): a
        read-only ndarray, built on first use.

        It is rebuilt from the cache's unit rows, norms and residuals, so it takes the matrix's size
        in memory (as gensim's does); vecq's own queries never need it.
        """
        return self._typed(self._stored())

    def _typed(self, array: np.ndarray) -> np.ndarray:
        """``array`` (float32) in the type handed out, read-only."""
        if array.dtype == self._dtype:
            return array
        out = array.astype(self._dtype)
        out.setflags(write=False)
        return out

    # -- vecq's own questions ---------------------------------------------------------------------

    def neighbors(
        self,
        query: str | Sequence[str] | np.ndarray,
        top: int = 10,
        restrict: int | None = None,
        errors: str = "record",
        min_rank: int | None = None,
        csls: bool = False,
        distinct: bool = False,
        progress: bool | None = None,
    ) -> list[Neighbor] | list[list[Neighbor] | VecqError]:
        """Nearest words to a word or an expression such as ``"king - man + woman"``.

        Parameters
        ----------
        query : a word, an expression or a vector (a 1-D array of numbers); or a list of them, or a
            2-D array (or a list) of vectors, answered as a batch in one pass over the matrix, as
            the CLI answers lines (a vector's answers name it by its first and last numbers). An array of
            strings is words; an item that is not text (a pandas column's missing value, NaN) is its
            own ``QueryError``, never the word 'nan'.
        top : how many neighbours.
        restrict : only the first ``restrict`` words (the most frequent) may be answers.
        min_rank : only words ranked ``min_rank`` or rarer (1 is the most frequent); with
            ``restrict``, a frequency band.
        errors : for a batch, ``"record"`` (an item that cannot be answered gets its error in its
            place) or ``"raise"`` (the first error is raised).
        csls : rank by CSLS (``vecq neighbors --csls``): ``CslsNeighbor`` records, a cosine and the
            CSLS score each; one word or expression, each word's r kept in the model's cache.
        distinct : fold spelling variants (``--distinct``): ``FoldedNeighbor`` records naming them.
        progress : show a batch's progress (tqdm: the notebook's own widget in a kernel); by
            default shown in a notebook for a batch of more than ``PROGRESS_AFTER`` questions.

        Returns
        -------
        ``Answers`` (a list of ``Neighbor(query, rank, word, similarity)``, shown as a table in a
        notebook, ``.to_pandas()`` a DataFrame); for a batch, one ``Answers`` (or error) per item.

        Raises
        ------
        UnknownWordError : (a KeyError) a word not found, with the nearest spellings.
        QueryError : (a ValueError) a query that cannot be answered as written (empty, no terms).
        """
        top, skip = count("top", top), skipped_rows(min_rank, restrict)
        if csls:
            return self._neighbors_by_csls(query, top, restrict, skip or distinct)
        if isinstance(query, str) and not distinct:
            terms = [Term(w, self._match(t)) for w, t in parse_expression(query, self._known)]
            return Answers(self.model.neighbors(terms, top=top, restrict=restrict, label=query, skip=skip))
        if errors not in ("record", "raise"):
            raise ValueError(f"errors is 'record' or 'raise', not {errors!r}")
        batch: NeighborsQuery
        vectors = _are_vectors(query) or _vector_list(query)  # numbers: vectors
        one = isinstance(query, str) or (_are_vectors(query) and query.ndim == 1)  # not a batch
        if vectors:
            if distinct:
                raise QueryError("⟨distinct⟩ folds variants of the query's words: give words, not vectors")
            batch = VectorNeighborsQuery(top, restrict, skip=skip)
        else:
            batch = NeighborsQuery(top, restrict, distinct=distinct, skip=skip)
        return self._asked(batch, query, vectors, "raise" if one else errors, one, progress)

    def _asked(
        self,
        batch: NeighborsQuery,
        query: object,
        vectors: bool,
        errors: str,
        one: bool,
        progress: bool | None,
    ) -> Any:
        """``neighbors``' answers to ``query`` through ``batch``: one question's ``Answers``, or a
        ``Batch``. A vector is named by ``_vector_label``, not by all its numbers (the JSON line
        the batch reads it from)."""
        lines = _batch_lines(query)
        if progress is None:
            progress = len(lines) > PROGRESS_AFTER and "ipykernel" in sys.modules
        answers = self._answered(batch, lines, errors, TqdmReporter() if progress else NULL_REPORTER)
        if vectors:
            rows = np.atleast_2d(query) if isinstance(query, np.ndarray) else cast(list, query)
            asked = [_vector_label(v) for v in rows]
            answers = [
                a if isinstance(a, VecqError) else Answers(n._replace(query=label) for n in a)
                for a, label in zip(answers, asked)
            ]
        else:
            asked = [line if isinstance(line, str) else "" for line in lines]
        return answers[0] if one else Batch(answers, asked)

    def _answered(
        self,
        batch: NeighborsQuery,
        lines: list[str | VecqError],
        errors: str,
        reporter: Reporter = NULL_REPORTER,
    ) -> list:
        """A batch's answers, one per item, as the CLI's batch answers lines: its records
        (``FoldedNeighbor`` with ``distinct``), or its error in its place, whether it could not be
        read (an empty query) or answered (``errors="raise"``: the first error raised). Answered
        ``QUERIES_A_CHUNK`` at a time (``APPROX_CHUNK`` through an approximate index), as the
        CLI's lines are, each chunk told to ``reporter``."""
        record = FoldedNeighbor if batch.distinct else Neighbor
        items: list[list[str] | VecqError] = []
        for line in lines:
            if isinstance(line, VecqError):  # an item that is not text
                if errors == "raise":
                    raise line
                items.append(line)
                continue
            try:
                items.append(batch.parse(line, self.model))
            except VecqError as e:
                if errors == "raise":
                    raise
                items.append(e)
        readable = [item for item in items if not isinstance(item, VecqError)]
        answered: list = []
        chunk = QUERIES_A_CHUNK if self.model.index is None else APPROX_CHUNK
        with reporter.task("neighbours", len(readable)) as task:
            for start in range(0, len(readable), chunk):
                part = readable[start : start + chunk]
                answered += batch.answer_chunk(self.model, part)
                task.advance(len(part))
        outcomes = iter(answered)
        answers: list = []
        for item in items:
            outcome = None if isinstance(item, VecqError) else next(outcomes)
            if outcome is not None:
                for note in outcome.respelled:
                    _warn_at_caller(note, RespelledWarning)
                for note in outcome.cut:
                    _warn_at_caller(note, TextCutWarning)
            error = outcome.error if outcome is not None else cast(VecqError, item)
            if error is not None and errors == "raise":
                raise error
            answers.append(
                error
                if error is not None or outcome is None
                else Answers(record(*(r[f] for f in record._fields)) for r in outcome.records)
            )
        return answers

    def _neighbors_by_csls(self, query, top: int, restrict: int | None, other_options: object) -> Answers:
        from .cache import derived
        from .core import csls

        if not isinstance(query, str) or other_options:
            raise QueryError("csls takes one word or expression (not a batch, ⟨distinct⟩ or ⟨min_rank=N⟩)")
        terms = [Term(w, self._match(t)) for w, t in parse_expression(query, self._known)]
        r = derived.csls_means(self.model, min(len(self), restrict or len(self)))
        return Answers(csls.answers(self.model, query, terms, r, top))

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        top: int = 1,
        method: str = "add",
        restrict: int | None = None,
        min_rank: int | None = None,
    ) -> list[AnalogyAnswer]:
        """A - B + C: ``analogy("king", "man", "woman")`` answers queen.

        Parameters
        ----------
        a, b, c : three words (A - B + C).
        top : how many answers.
        method : ``"add"`` (3CosAdd, gensim's ``most_similar``) or ``"cosmul"`` (3CosMul).
        restrict, min_rank : answers only from the words ranked ``min_rank`` to ``restrict`` by
            frequency (1 the most frequent), as ``neighbors``.

        Returns
        -------
        ``Answers``: a list of ``AnalogyAnswer(a, b, c, rank, answer, score)``, best first.

        Raises
        ------
        UnknownWordError : (a KeyError) a word not found, with the nearest spellings.
        """
        top, skip = count("top", top), skipped_rows(min_rank, restrict)
        matches = (self._match(a), self._match(b), self._match(c))
        return Answers(self.model.analogy(*matches, top=top, method=method, restrict=restrict, skip=skip))

    def axis(
        self, pole_a: Sequence[str], pole_b: Sequence[str], words: Sequence[str] | None = None, top: int = 10
    ) -> Answers:
        """Words along the semantic axis from ``pole_b`` to ``pole_a`` (``vecq axis``).

        Parameters
        ----------
        pole_a, pole_b : the two sets of pole words (``["man", "he", "him"]``).
        words : words to place along the axis; None: the ``top`` words of the vocabulary nearest
            each end (the pole words left out).

        Returns
        -------
        ``Answers`` of ``AxisAnswer(word, score, toward)``: ``score`` is the word's cosine with the
        axis (positive towards ``pole_a``), given words ranked by it, or pole a's end then pole b's.

        Raises
        ------
        UnknownWordError : (a KeyError) a word not found, with the nearest spellings.
        QueryError : (a ValueError) an empty pole, two poles with the same mean, or a pole word
            whose vector is all zeros (no direction).
        """
        from .core import axes

        top = count("top", top)
        found = axes.build(self.model, self._matches(pole_a, "pole_a"), self._matches(pole_b, "pole_b"))
        if words is not None:
            scores = axes.positions(self.model, found, self._matches(words, "words")).tolist()
            ranked = sorted(zip(words, scores), key=lambda p: -p[1])
            return Answers(AxisAnswer(w, s, found.toward(s)) for w, s in ranked)
        end_a, end_b = axes.ends(self.model, found, top)
        return Answers(
            AxisAnswer(self.model.vocab.word(row), score, side)
            for side, end in zip(found.sides, (end_a, end_b))
            for row, score in end
        )

    def align(
        self,
        other: Vectors,
        words: Sequence[str] | None = None,
        top: int = 10,
        shared: int = 20_000,
        overlap_k: int = 10,
    ) -> Answers:
        """This model aligned onto ``other`` and compared word by word (``vecq -m A -m B align``).

        Parameters
        ----------
        other : the model to align onto (B), opened with ``vecq.load``.
        words : words both models have; None: the ``top`` shared words that changed most.
        shared : align on the words both have among this model's first ``shared``.
        overlap_k : the neighbour lists compared.

        Returns
        -------
        ``Answers`` of ``AlignAnswer(rank, word, similarity, overlap)``: the word's cosine across the
        models (this model's vector rotated onto ``other`` by orthogonal Procrustes) and the Jaccard
        overlap of its ``overlap_k`` nearest in each. The map is kept beside the caches.

        Raises
        ------
        UnknownWordError : (a KeyError) a word either model lacks, with the nearest spellings.
        QueryError : (a ValueError) a word whose vector is all zeros in either model (no direction;
            the list of words that changed most leaves such words out).
        """
        from .cache import derived
        from .core import align as aligning

        top, shared, overlap_k = count("top", top), count("shared", shared), count("overlap_k", overlap_k)
        found, _ = derived.alignment(self.model, other.model, shared)
        pairs = None
        if words is not None:
            mine, others = self._matches(words, "words"), other._matches(words, "words")
            pairs = [(w, a.row, b.row) for w, a, b in zip(words, mine, others)]
        return Answers(aligning.compared(self.model, other.model, found, pairs, top, overlap_k))

    def neighbors_in(self, other: Vectors, word: str, top: int = 10, shared: int = 20_000) -> Answers:
        """``word`` of this model looked for among ``other``'s words, through the map that aligns the
        two (``vecq neighbors WORD --in B``): ``Answers`` of ``Neighbor`` records in ``other``.

        Raises
        ------
        UnknownWordError : (a KeyError) a word not found, with the nearest spellings.
        """
        from .cache import derived
        from .core import align as aligning

        top, shared = count("top", top), count("shared", shared)
        found, _ = derived.alignment(self.model, other.model, shared)
        result = aligning.nearest_in_b(self.model, other.model, found, self._match(word).row, top)
        return Answers(other.model.neighbor_records(word, result))

    def cluster(
        self, words: Sequence[str] | None = None, clusters: int = 5, first: int | None = None, seed: int = 0
    ) -> Answers:
        """k-means clusters of ``words``, or of the model's ``first`` N words (``vecq cluster``).

        Parameters
        ----------
        words : the words to cluster (or None, with ``first``).
        clusters : how many clusters (k).
        first : cluster the model's first N words (its most frequent) instead; words whose vector
            is all zeros are left out, with a warning.
        seed : k-means' seed (scikit-learn's KMeans, k-means++ starts, the best of 10).

        Returns
        -------
        ``Answers`` of ``ClusterAnswer(cluster, size, rank, word, similarity)``: every word, by
        cluster (1 the largest), each cluster's words ranked by their cosine with its centre;
        ``.to_pandas()`` a DataFrame.

        Raises
        ------
        UnknownWordError : (a KeyError) a word not found, with the nearest spellings.
        QueryError : (a ValueError) fewer words than clusters, neither or both of words and first,
            or a word whose vector is all zeros (no direction).
        """
        from .core import clusters as kmeans

        if (words is None) == (first is None):
            raise QueryError("give words or first=N, one of the two")
        if words is not None:
            rows = [m.row for m in self._matches(words, "words")]
        else:
            rows, note = kmeans.with_direction(self.model, range(min(count("first", first), len(self))))
            if note:
                logger.warning(note)
        found = kmeans.kmeans(self.model, rows, clusters, seed)
        return Answers(
            ClusterAnswer(c, group.size, n, self.model.name_of(row), score)
            for c, group in enumerate(found, 1)
            for n, (row, score) in enumerate(zip(group.rows, group.scores), 1)
        )

    def weat(
        self,
        x: Sequence[str],
        y: Sequence[str],
        a: Sequence[str],
        b: Sequence[str],
        samples: int = 100_000,
        bootstrap: int = 10_000,
        seed: int = 0,
    ) -> WeatResult:
        """The Word Embedding Association Test of targets ``x``, ``y`` and attributes ``a``, ``b``
        (``vecq weat``; Caliskan, Bryson and Narayanan 2017).

        Returns
        -------
        ``WeatResult(effect_size, statistic, p_value, p_method, ci_low, ci_high)``.

        Raises
        ------
        UnknownWordError : (a KeyError) a word not found (the CLI leaves such words out; here every
            word counts, so a caller decides).
        QueryError : (a ValueError) an empty set, or a word whose vector is all zeros (its cosines
            are all 0).
        """
        from .core import weat

        mx, my, ma, mb = (self._matches(words, name) for words, name in zip((x, y, a, b), "xyab"))
        return weat.weat(self.model, mx, my, ma, mb, samples=samples, bootstrap=bootstrap, seed=seed)

    def similarity_matrix(self, words: Sequence[str]) -> Matrix:
        """The cosine similarity of every pair of ``words`` (as ``vecq similar`` with three or more),
        a square array with its words: a shaded table in a notebook, ``.to_pandas()`` a DataFrame.

        Raises:
            UnknownWordError: (a KeyError) for a word not found, with the nearest spellings.
        """
        matches = self._matches(words, "words")
        return Matrix(list(words), self.model.similarity_matrix(matches))

    def vector(self, word: str | Sequence[str]) -> np.ndarray:
        """The vector of ``word`` as ``vecq vector`` gives it: found by the rule every method of
        vecq's own follows (``_match``: for a token table, the word before the piece inside a word
        that the key names; for a static model, a text as the model embeds it), where gensim's
        ``get_vector`` takes a key exactly as written. A list of words gives a 2-D array, a row
        each, in order (``vecq vector -o``'s matrix).

        Raises:
            UnknownWordError: (a KeyError) for a word not found, with the nearest spellings; for a
                list, naming every word not found (an array has no place for an error).
        """
        if isinstance(word, (str, bytes, bytearray)) or not isinstance(word, Iterable):
            return self._typed(self.model.embedded(self._match(word)))  # a word; else TypeError
        matches, unknown = [], []
        for w in word:
            try:
                matches.append(self._match(w))
            except UnknownWordError as e:
                unknown.append(e)
        if unknown:
            raise UnknownWordError.combine(unknown)
        if not matches:
            return self._typed(np.zeros((0, self.vector_size), dtype=np.float32))
        out = self.model.raw_rows([m.row for m in matches])  # one gather: ``embedded``'s rows
        out.setflags(write=True)  # a new array, the caller's
        for i, m in enumerate(matches):
            if m.text:  # a static model's text: as the model embeds a text
                out[i] = self.model.embedded(m)
        return self._typed(out)

    @property
    def name(self) -> str:
        """The model's name: its path as given, or its catalogue name."""
        return self.model.info.name

    def _description(self) -> list[tuple[str, str]]:
        info = self.model.info
        rows = [
            ("name", info.name),
            ("vocabulary", f"{len(self):,} {info.rows_are}"),
            ("dimensions", str(self.vector_size)),
            ("source", info.source),
        ]
        rows.append(("cache", self.model.folder or "none (held in memory)"))
        return rows

    def __repr__(self) -> str:
        info = self.model.info
        shape = f"{len(self):,} {info.rows_are} x {self.vector_size}"
        return f"<{type(self).__name__} {info.name}: {shape}, from {info.source}>"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
            f"{html.escape(str(v))}</td></tr>"
            for k, v in self._description()
        )
        return f"<table><caption>vecq.{type(self).__name__}</caption>{rows}</table>"

    # -- gensim: lookup ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.model)

    @property
    def vector_size(self) -> int:
        """gensim's ``vector_size``: the number of dimensions."""
        return self.model.dims

    @property
    def norms(self) -> np.ndarray:
        """gensim's ``norms``: each row's length as stored (one per word, in the vectors' type)."""
        return self._typed(np.asarray(self.model.norms))

    def _ipython_key_completions_(self) -> list[str]:
        """What ``kv["kitt<TAB>`` completes from in IPython and Jupyter: the vocabulary (the list is
        built once; IPython keeps the words that start with what was typed)."""
        return self.index_to_key

    def __contains__(self, key: object) -> bool:
        """gensim's ``in``: a key of the vocabulary (or a row number in range); for a fastText
        model also any word it builds from its n-grams, as gensim's ``FastTextKeyedVectors``."""
        rows = self._rows
        if rows is not None and type(key) is str:  # the dict is built: gensim's own path
            if key in rows:
                return True
        elif self.has_index_for(key):
            return True
        return self._built_from_ngrams(key)

    def _built_from_ngrams(self, key: object) -> bool:
        """Does this fastText model build ``key`` from its character n-grams (False for others)?
        Only the n-grams are hashed: nothing is built or kept (``in`` over a corpus stays small)."""
        subwords = self.model.word_builder
        return isinstance(key, str) and subwords is not None and bool(subwords.rows(key))

    def has_index_for(self, key: object) -> bool:
        """gensim's ``has_index_for``: is ``key`` a word of the model, or a row number in range?"""
        rows = self._rows
        if rows is not None and isinstance(key, str):  # the dict built: gensim's own path
            return key in rows
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):  # True is no row number
            return 0 <= int(key) < len(self)
        return isinstance(key, str) and self._row_of_word(key) is not None

    def _known(self, token: str) -> bool:
        """Whether an expression's token is a word of the model as written (GloVe's ``-lrb-``, ``-``),
        as the command line parses expressions (``Session.expression``)."""
        return token in self.model.vocab

    def _row_of_word(self, word: str) -> int | None:
        """The row of ``word``: from ``key_to_index`` once built (a dict lookup, 0.2 us), else by the
        cache's sorted vocabulary (3 us; no 3-million-entry dict built for one question). After
        ``DICT_AFTER`` lookups the dict is built: a program asking many words (a notebook's loop)
        pays for it once (GloVe 400k: 0.1 s; GoogleNews 3M: about a second)."""
        rows = self._rows
        if rows is not None:
            return rows.get(word)
        self._lookups += 1
        if self._lookups > DICT_AFTER:
            return self.key_to_index.get(word)
        return self.model.vocab.index(word)

    def get_index(self, key, default=None) -> int:
        """gensim's ``get_index``: the row of a key of the vocabulary exactly as written (or a row
        number itself).

        Raises:
            UnknownWordError: (a KeyError) naming the model and the nearest spellings, unless a
                ``default`` is given, which is returned instead.
        """
        rows = self._rows
        if rows is not None:  # the dict built: gensim's own path (its keys are the words)
            try:
                row = rows.get(key, -1)
            except TypeError:  # unhashable: told below
                row = -1
            if row >= 0:
                return row
        if isinstance(key, bool):  # an int to Python, but ``kv[w in kv]`` asks for no row
            raise TypeError(_not_text(key))
        if isinstance(key, (int, np.integer)) and 0 <= int(key) < len(self):
            return int(key)
        row = self._row_of_word(key) if isinstance(key, str) else None
        if row is not None:
            return row
        if default is not None:
            return default
        if not isinstance(key, str):
            if not isinstance(key, Hashable):  # a list where one key goes (gensim's TypeError too)
                raise TypeError(_not_text(key))
            if isinstance(key, (int, np.integer)):
                raise KeyError(key)  # a row number out of range, as gensim's
            # None, NaN (a pandas column's missing value): a KeyError, as gensim's, saying what it is
            raise NotAWordError(_not_text(key))
        row = past_limit(self.model.vocab, [key])
        if row is not None:
            raise BeyondLimitError(key, row, len(self.model.vocab), self.name)
        raise UnknownWordError(key, suggestions(self.model.vocab, key), model=self.name)

    def _row(self, key) -> int:
        """The row of ``key`` by the one lookup rule (``_match``), the exact key's path first."""
        if isinstance(key, str):
            row = self._row_of_word(key)
            return row if row is not None else self._match(key).row
        return self.get_index(key)

    def _matches(self, words: Iterable[str], name: str) -> list[Match]:
        """``_match`` of each of ``words``, a list (one string is refused, never read as its letters)."""
        _text_keys(words)
        _one_string(words, name)
        return [self._match(w) for w in words]

    def _match(self, typed: str) -> Match:
        """Every method that takes words finds them by this one rule: the word as typed; else as
        the model spells it (``Cat`` as ``cat``: a ``RespelledWarning`` says so); else, for a
        fastText model, built from its n-grams (as gensim's ``FastTextKeyedVectors``, so
        ``kv["a - b"]`` is gensim's vector there); else a quoted expression's direction. (The CLI
        reads an expression before n-grams: ``model.lookup``.) Keys (``in``, ``get_index``,
        ``key_to_index``) are exact.

        Raises:
            UnknownWordError: (a KeyError) naming the model and the nearest spellings.
        """
        if not isinstance(typed, str):
            raise TypeError(_not_text(typed))
        match = self.model.lookup(typed, literal=True)
        if match.cut:
            _warn_at_caller(cut_note(match), TextCutWarning)
        if match.changed and not (match.built or match.expression):
            for note in respellings([match]):
                _warn_at_caller(note, RespelledWarning)
        return match

    def get_vector(self, key, norm: bool = False) -> np.ndarray:
        """gensim's ``get_vector``: a word's vector as stored, or unit-length with ``norm``."""
        rows = self._rows
        if rows is not None and type(key) is str:  # the dict built: gensim's own path
            at = rows.get(key)
            if at is not None:
                if norm:
                    return self._typed(self.model.unit_row(at))
                raw = self._raw
                if raw is not None and at < len(raw) and raw.dtype == self._dtype:
                    return raw[at]
        row = self._row(key)
        if norm:
            return self._typed(self.model.unit_row(row))
        if self._raw is None and row < len(self.model):
            self._vector_reads += 1
            if self._vector_reads > VECTORS_AFTER and self.model.vectors.nbytes <= RAW_BYTES:
                try:
                    self._stored()
                except NoMemoryError:  # a speed-up only: read from the cache, and ask again later
                    self._vector_reads = 0
        if self._raw is not None and row < len(self._raw):  # the matrix was built: gensim's own path
            return self._typed(self._raw[row])
        return self._typed(self.model.raw_vector(row))

    word_vec = get_vector

    def __getitem__(self, key_or_keys: str | int | Iterable[str | int]) -> np.ndarray:
        """``kv["cat"]``: a word's vector as stored (gensim's ``get_vector``); ``kv[["cat", "dog"]]``:
        one row per word, in order.

        Parameters
        ----------
        key_or_keys : a word, a row number, or a list of them.

        Returns
        -------
        A read-only float32 array: ``(dimensions,)`` for one key, ``(keys, dimensions)`` for a list.

        Raises
        ------
        UnknownWordError : (a KeyError) a word not found, naming the model and the nearest spellings.
            A word found under the model's spelling (``Cat`` as ``cat``) is answered, with a
            ``RespelledWarning``.
        """
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        keys = _key_list(key_or_keys)
        rows = [self._row(k) for k in keys]  # one gather for all (read-only, as every array)
        return self._typed(self.model.raw_rows(rows).reshape(len(rows), self.vector_size))

    def get_normed_vectors(self) -> np.ndarray:
        """gensim's ``get_normed_vectors``: the unit rows (the cache's memory-mapped matrix, as an
        ndarray), in the vectors' type (a float64 model's: a float64 copy, as gensim's is)."""
        return self._typed(np.asarray(self.model.vectors))

    def get_sentence_vector(self, sentence: Sequence[str]) -> np.ndarray:
        """gensim's ``FastTextKeyedVectors.get_sentence_vector``: ``get_mean_vector`` of the words
        (a fastText model builds those it has not seen from their n-grams)."""
        return self.get_mean_vector(sentence)

    def get_mean_vector(
        self,
        keys: Sequence | np.ndarray,
        weights: Sequence[float] | np.ndarray | None = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> np.ndarray:
        """gensim's ``get_mean_vector``: the weighted mean of words (unit first, by default) or vectors."""
        _text_keys(keys)
        _one_string(keys, "keys")
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        return self._mean(keys, weights, pre_normalize, post_normalize, ignore_missing)

    def _mean(
        self,
        keys: Sequence | np.ndarray,
        weights: Sequence[float] | np.ndarray | None,
        pre_normalize: bool,
        post_normalize: bool,
        ignore_missing: bool,
        missing: dict | None = None,
    ) -> np.ndarray:
        """``get_mean_vector``'s arithmetic (gensim's order: float32, word by word); each key left
        out put in ``missing`` with its KeyError."""
        _check_vectors(keys, self.vector_size, finite=False)
        if weights is not None:
            weights = np.asarray(weights)
            if len(keys) != weights.shape[0]:
                raise ValueError("keys and weights array must have same number of elements")
        mean = np.zeros(self.vector_size, self._dtype)  # gensim's: in the type of the vectors
        total = 0.0
        for at, key in enumerate(keys):
            # unweighted: a weight of 1, whose product is the vector itself (the same bits)
            weight = 1.0 if weights is None else weights[at]
            if isinstance(key, np.ndarray):
                mean += key if weights is None else weight * key
                total += abs(weight)
            else:
                try:  # a word, or one a fastText model builds from its n-grams
                    vector = self.get_vector(key, norm=pre_normalize)
                except KeyError as e:
                    if ignore_missing:
                        if missing is not None:
                            missing[key] = e
                        continue
                    if isinstance(e, BeyondLimitError):
                        raise  # where the word is, not gensim's "not present"
                    raise KeyError(f"Key '{key}' not present in vocabulary") from None
                mean += vector if weights is None else weight * vector
                total += abs(weight)
        if total > 0:
            mean = mean / total
        if post_normalize:
            mean = unit(mean)
        return mean.astype(self._dtype, copy=False)

    # -- gensim: similarity -----------------------------------------------------------------------

    def similarity(self, w1, w2) -> np.float32 | np.ndarray:
        """gensim's ``similarity``: the cosine of two words (exactly rounded, as the CLI prints it).

        Parameters
        ----------
        w1, w2 : two words (or row numbers); or two lists of words of one length, compared pair by
            pair in one gather; or a word and a list, the word against each.

        Returns
        -------
        A ``numpy.float32``; for two lists, a float32 array with one cosine per pair, NaN for a pair
        with a word the model does not have (a warning names the words, as the CLI's batch records
        an error per line).

        Raises
        ------
        UnknownWordError : (a KeyError) two words, one of them not found (with the nearest spellings).
        ValueError : two lists of different lengths.
        """
        m = self.model
        rows = self._rows
        if rows is not None and type(w1) is str and type(w2) is str:  # the dict built: gensim's path
            a, b = rows.get(w1), rows.get(w2)
            if a is not None and b is not None:
                cosine = m.pair_of_rows(a, b)
                if cosine is not None:
                    return np.float32(cosine)
        _text_keys(w1)
        _text_keys(w2)
        if not isinstance(w1, _KEY_TYPES) or not isinstance(w2, _KEY_TYPES):
            # a word against a list is that word against each (gensim's list against one word)
            listed1 = None if isinstance(w1, _KEY_TYPES) else list(_key_list(w1))
            listed2 = None if isinstance(w2, _KEY_TYPES) else list(_key_list(w2))
            n = len(listed1 if listed1 is not None else cast(list, listed2))
            return self._similarities(listed1 or [w1] * n, listed2 if listed2 is not None else [w2] * n)
        score = m.similarity(Match(str(w1), str(w1), self._row(w1)), Match(str(w2), str(w2), self._row(w2)))
        return np.float32(score.similarity)  # gensim's type

    def _similarities(self, words1: list, words2: list) -> np.ndarray:
        if len(words1) != len(words2):
            raise ValueError(f"two lists of pairs: {len(words1)} words against {len(words2)}")
        rows = {w: self.get_index(w, -1) if isinstance(w, str) else -1 for w in {*words1, *words2}}
        why: dict[str, str] = {}  # a word that cannot be answered as written ('É' is 2 tokens)
        for w in [w for w, r in rows.items() if r < 0]:
            try:  # an integer row, a respelling, or a word fastText builds
                rows[w] = self._row(w)
            except (QueryError, BeyondLimitError) as e:  # said as they are: not misspellings
                why[str(w)] = str(e)
            except KeyError:
                pass
        a = np.array([rows[w] for w in words1], dtype=np.int64)
        b = np.array([rows[w] for w in words2], dtype=np.int64)
        known = (a >= 0) & (b >= 0)
        out = np.full(len(a), np.nan, dtype=np.float32)
        if known.any():
            out[known] = self.model.similarities(a[known], b[known])
        if not known.all():  # each pair's error in its place, as the CLI's batch records one a line
            missing = sorted({str(w) for w, r in rows.items() if r < 0 and isinstance(w, str)} - set(why))
            said = [f"not in the vocabulary: {first_few(missing, 10)}"] if missing else []
            said += sorted({_not_text(w) for w, r in rows.items() if r < 0 and not isinstance(w, str)})
            logger.warning(
                "NaN for %s: %s", counted(int((~known).sum()), "pair"), "; ".join(said + [*why.values()][:10])
            )
        return out

    def distance(self, w1, w2) -> np.float32:
        """gensim's ``distance``: 1 minus the cosine of two words."""
        return np.float32(1) - self.similarity(w1, w2)

    def n_similarity(self, ws1: Sequence, ws2: Sequence) -> np.float32:
        """gensim's ``n_similarity``: the cosine of the means of two word lists."""
        if type(ws1) is list and type(ws2) is list and ws1 and ws2:  # a notebook's loop: gensim's path
            means = self._stored_mean(ws1), self._stored_mean(ws2)
            if means[0] is not None and means[1] is not None:
                return np.float32(einsum("i,i->", direction(means[0]), direction(means[1]), dtype=np.float64))
        words1, words2 = _word_list(ws1, "ws1"), _word_list(ws2, "ws2")
        if not (len(words1) and len(words2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        mean1, mean2 = (self._mean_of_some(words) for words in (words1, words2))
        # made unit as rows are and summed as a pair is: one word each is their ``similarity``
        return np.float32(einsum("i,i->", direction(mean1), direction(mean2), dtype=np.float64))

    def _stored_mean(self, words: list) -> np.ndarray | None:
        """``_mean_of_some``'s mean of ``words`` (the same float32 steps in the same order) when
        each is a key of the dict built and the stored float32 matrix is built (a notebook's many
        calls); None when any is not, for the general path to find, respell or refuse."""
        rows, raw = self._rows, self._raw
        if rows is None or raw is None or self._dtype != np.float32:
            return None
        mean = np.zeros(self.vector_size, np.float32)
        for word in words:
            at = rows.get(word) if type(word) is str else None
            if at is None or at >= len(raw):
                return None
            mean += raw[at]
        return mean / float(len(words))

    def _mean_of_some(self, words: Sequence | np.ndarray) -> np.ndarray:
        """``n_similarity``'s mean of ``words`` as stored, those the model lacks left out, as gensim
        leaves them out, but said (gensim's warning of ``doesnt_match``).

        Raises:
            UnknownWordError: (a KeyError) no word of ``words`` is in the model, where gensim's mean
                of nothing answers a cosine of 0.0.
        """
        missing: dict[object, KeyError] = {}
        mean = self._mean(words, None, False, False, True, missing)
        if missing and len(missing) == len(set(words)):
            unknown = [e for e in missing.values() if isinstance(e, UnknownWordError)]
            raise UnknownWordError.combine(unknown) if unknown else next(iter(missing.values()))
        if missing:
            _ignoring(set(missing))
        return mean

    @staticmethod
    def cosine_similarities(vector_1: np.ndarray, vectors_all: np.ndarray) -> np.ndarray:
        """gensim's ``cosine_similarities``: the cosines of one vector with each row of a matrix.

        gensim's arithmetic where it is sound: when every norm lies within ``GENSIM_SOUND_NORMS``
        (float32 or float64 numbers), gensim's numbers, bit for bit. Elsewhere its norms underflow
        or overflow (1e-200s answer inf, 1e200s 0): each vector is first scaled by a power of two
        (``peak_scaled``), which changes no cosine."""
        if _float_arrays(vector_1, vectors_all):
            with np.errstate(over="ignore", under="ignore", invalid="ignore"):
                norm, all_norms = _norms(vector_1, vectors_all)
            low, high = GENSIM_SOUND_NORMS
            if low <= norm <= high and all_norms.size and _all_within(all_norms, low, high):
                return np.dot(vectors_all, vector_1) / (norm * all_norms)
        vector_1, vectors_all = peak_scaled(vector_1), peak_scaled(vectors_all)
        norm, all_norms = _norms(vector_1, vectors_all)
        return np.dot(vectors_all, vector_1) / (norm * all_norms)

    def distances(self, word_or_vector, other_words: Iterable = ()) -> np.ndarray:
        """gensim's ``distances``: 1 - cosine from a word or vector to ``other_words`` (default: all)."""
        _text_keys(word_or_vector)
        if isinstance(word_or_vector, _KEY_TYPES):
            word_or_vector = self.get_vector(word_or_vector, norm=True)
        _check_vectors([np.asarray(word_or_vector)], self.vector_size, finite=False)
        other_words = list(_word_list(other_words, "other_words"))
        if other_words:
            rows = np.asarray(self.model.vectors[[self.get_index(w) for w in other_words]])
        else:
            rows = np.asarray(self.model.vectors)
        with np.errstate(invalid="ignore", divide="ignore"):
            return 1 - exact_scores(rows, direction(word_or_vector))  # 1 - similarity, to the bit

    def closer_than(self, key1, key2) -> list[str]:
        """gensim's ``closer_than``: the words nearer to ``key1`` than ``key2`` is."""
        all_distances = self.distances(key1)
        e1, e2 = self.get_index(key1), self.get_index(key2)
        closer = np.where(all_distances < all_distances[e2])[0]
        return [self.index_to_key[i] for i in closer if i != e1]

    def rank(self, key1, key2) -> int:
        """gensim's ``rank``: ``key2``'s rank among ``key1``'s neighbours (1 = nearest)."""
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1: str, keys_list: Sequence[str]) -> str:
        """gensim's ``most_similar_to_given``: the word of ``keys_list`` nearest to ``key1``."""
        keys = _word_list(keys_list, "keys_list")
        if not len(keys):  # numpy's "attempt to get argmax of an empty sequence" (gensim's too)
            raise ValueError("keys_list holds no word to choose from")
        return keys[int(np.argmax([self.similarity(key1, key) for key in keys]))]

    def relative_cosine_similarity(self, wa, wb, topn: int = 10) -> float:
        """gensim's ``relative_cosine_similarity`` (Leeuwenberg et al.)."""
        if not isinstance(wb, _KEY_TYPES):
            raise TypeError(_not_text(wb))
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / sum(sim for _, sim in sims)

    def doesnt_match(self, words: Iterable[str]) -> str:
        """gensim's ``doesnt_match``: the word furthest from the others' mean (unknown words left out)."""
        return self.rank_by_centrality(words)[-1][1]

    def rank_by_centrality(
        self, words: Iterable[str], use_norm: bool = True
    ) -> list[tuple[np.floating, str]]:
        """gensim's ``rank_by_centrality``: (cosine to the words' normalised mean, word) pairs, the
        most central first; words not in the model are left out, with gensim's warning.
        ``use_norm``: the mean of the unit vectors (``doesnt_match``'s, and ``vecq odd``'s numbers),
        else of the vectors as stored.

        Raises:
            ValueError: no word is in the model; a QueryError (a ValueError) with ``use_norm`` for a
                word whose vector is all zeros (gensim scores every word NaN with it).
        """
        words = list(_word_list(words, "words"))
        matches = []  # each word as written, or built from n-grams (one lookup for a word of the file)
        for w in words:
            row = self.get_index(w, -1)
            if row >= 0 or w in self:
                matches.append(Match(w, w, row) if row >= 0 else self._match(w))
        if len(matches) != len(words):
            _ignoring(set(words) - {m.typed for m in matches})
        if not matches:
            raise ValueError("cannot select a word from an empty list")
        if not use_norm:
            used = [m.typed for m in matches]
            vectors = np.vstack([self.get_vector(w) for w in used]).astype(np.float32)
            scores = vectors @ self.get_mean_vector(vectors, post_normalize=True)
            return sorted(zip(scores, used), reverse=True)
        ranked = self.model.odd_one_out(matches, at_least=1)
        return [(np.float32(score), match.typed) for match, score in reversed(ranked)]

    # -- gensim: neighbours -----------------------------------------------------------------------

    def _terms(self, positive, negative) -> tuple[np.ndarray, list[int]]:
        """The unit query of most_similar (``_weighted_keys``' inputs) and the rows of its input words.
        One key alone is its direction as ``direction`` makes it (a word's own vector is its unit
        row, to the bit); several are gensim's weighted mean of unit words and vectors as given."""
        keys, weights, _ = _weighted_keys(positive, negative)
        _check_vectors(keys, self.vector_size)
        _refuse_vanished(keys)
        with np.errstate(over="ignore", invalid="ignore"):  # a sum past float32: checked below
            mean = self.get_mean_vector(
                keys, weights, pre_normalize=True, post_normalize=True, ignore_missing=False
            )
        if not np.isfinite(mean).all():
            raise QueryError("the vectors given sum past float32's range; scale them down")
        if not mean.any():
            raise QueryError("the query is the zero vector (its terms cancel out), which has no neighbours")
        rows = [self.get_index(k) for k in keys if isinstance(k, _KEY_TYPES) and self.has_index_for(k)]
        if len(keys) == 1:
            given = keys[0] if isinstance(keys[0], np.ndarray) else self.get_vector(keys[0], norm=True)
            return direction(given) * np.float32(np.sign(weights[0])), rows
        return direction(mean), rows

    def _engine_terms(self, positive, negative) -> tuple[list[Term], np.ndarray] | None:
        """most_similar's keys as the engine's terms, in the order ``analogy`` and an expression
        give them (A, B, C for positive=[A, C], negative=[B]), so that the same question has one
        number, and their direction (one row); None when an input is a vector or a row number.

        Raises:
            QueryError: the terms cancel out (or are all-zero vectors): no direction, where gensim
                answers with its float32 rounding's leftover (``the + to - the - to``).
        """
        keys, weights, positives = _weighted_keys(positive, negative)
        if not all(isinstance(k, str) for k in keys):
            return None
        weighted = list(zip(weights, keys))
        if positives == 2 and len(keys) == 3:
            weighted = [weighted[0], weighted[2], weighted[1]]
        terms = [Term(w, Match(k, k, self._row(k))) for w, k in weighted]
        if not terms:
            return None
        q = self.model.directions([terms])
        if not q.any():
            raise zero_vector_error(describe(terms))
        return terms, q

    def _searched(self, clip_start: int, clip_end: int | None, restrict_vocab: int | None) -> tuple[int, int]:
        """The rows ``[start, stop)`` a gensim-style search answers from: gensim's rules (a
        ``clip_end`` or ``restrict_vocab`` of 0 or None means no limit; ``restrict_vocab`` wins),
        but a negative bound is a QueryError where gensim's slice would drop rows from the end."""
        start, stop = count("clip_start", clip_start, low=0), len(self)
        if clip_end:
            stop = min(count("clip_end", clip_end), stop)
        if restrict_vocab:
            start, stop = 0, min(count("restrict_vocab", restrict_vocab), len(self))
        return start, stop

    def most_similar(
        self,
        positive=None,
        negative=None,
        topn: int | None = 10,
        clip_start: int = 0,
        clip_end: int | None = None,
        restrict_vocab: int | None = None,
        indexer=None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """gensim's ``most_similar`` (3CosAdd): the words nearest the mean of ``positive`` minus
        ``negative`` (unit vectors), the words given left out.

        Parameters
        ----------
        positive, negative : a word, or a list of words, vectors and ``(word, weight)`` pairs, as
            gensim takes them.
        topn : how many; ``None``: every word's score, as an array in row order.
        clip_start, clip_end, restrict_vocab : only rows in ``[clip_start, clip_end)``, or the first
            ``restrict_vocab`` (gensim's meanings).
        indexer : an object with gensim's ``most_similar(vector, topn)`` (Annoy, nmslib) to ask instead.

        Returns
        -------
        ``[(word, cosine), ...]`` best first (the numbers ``neighbors`` and the CLI give), or an array.

        Raises
        ------
        UnknownWordError : (a KeyError) a word not found, with the nearest spellings.
        ValueError : nothing to compare (no words given).
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        topn = None if topn is None else count("topn", topn)
        start, stop = self._searched(clip_start, clip_end, restrict_vocab)
        engine = self._engine_terms(positive, negative)  # words only: raises when they cancel out
        if indexer is None and topn is not None and engine is not None:
            # words only: the path (and the numbers) of neighbors and analogy (neighbors_many's)
            terms, q = engine
            exclude = [[t.match.row for t in terms]]
            (found,) = self.model.neighbors_of_directions(q, int(topn), stop, exclude, skip=start)
            return [(self.model.vocab.word(r), score) for r, score in found]
        q, rows = self._terms(positive, negative)
        if indexer is not None:
            return indexer.most_similar(q, topn)
        if engine is not None:  # the direction and the scores of the list above, for topn=None
            q = engine[1][0]
        if topn is None:
            return exact_scores(self.model.vectors[start:stop], q)
        (found,) = self.model.neighbors_of_directions(q[None, :], int(topn), stop, [rows], skip=start)
        return [(self.model.vocab.word(r), score) for r, score in found]

    def most_similar_cosmul(
        self, positive=None, negative=None, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """gensim's ``most_similar_cosmul`` (3CosMul): (word, score) pairs, best first."""
        if isinstance(topn, Integral) and topn < 1:
            return []
        topn = None if topn is None else count("topn", topn)
        _, stop = self._searched(0, None, restrict_vocab)
        positive, negative = _ensure_list(positive), _ensure_list(negative)
        odd = next((k for k in positive + negative if not isinstance(k, (*_KEY_TYPES, np.ndarray))), None)
        if odd is not None:  # gensim's ValueError (a pair read as a vector), said plainly
            raise QueryError(
                f"most_similar_cosmul takes words and vectors, not {odd!r}: 3CosMul has no weights "
                "(most_similar takes (word, weight) pairs)"
            )
        rows = [
            self.get_index(k)
            for k in positive + negative
            if isinstance(k, _KEY_TYPES) and self.has_index_for(k)
        ]
        _check_vectors(positive + negative, self.vector_size)
        _refuse_vanished(positive + negative)
        pos = [self.get_vector(k, norm=True) if isinstance(k, _KEY_TYPES) else k for k in positive]
        neg = [self.get_vector(k, norm=True) if isinstance(k, _KEY_TYPES) else k for k in negative]
        if not pos:
            raise ValueError("cannot compute similarity with no input")
        p = np.asarray(pos, dtype=np.float32)
        n = np.asarray(neg, dtype=np.float32).reshape(len(neg), self.vector_size)
        if topn is None:
            return cosmul(self._cosines(p, stop), self._cosines(n, stop))

        # each term's product's slack scales with its length (a vector given need not be unit)
        lengths_p, lengths_n = (np.linalg.norm(t.astype(np.float64), axis=1) for t in (p, n))
        slack_p, slack_n = (
            cosine_slack(self.vector_size) * lengths_p,
            cosine_slack(self.vector_size) * lengths_n,
        )
        unit_terms = bool(np.all(lengths_p <= UNIT_LENGTH) and np.all(lengths_n <= UNIT_LENGTH))

        def scores(block, which=None):
            b = np.asarray(block)
            bounds = cosmul_upper((p @ b.T)[:, None], (n @ b.T)[:, None], slack_p, slack_n, unit_terms)
            return bounds.reshape(1, -1)

        def exact(which: np.ndarray, candidates: np.ndarray) -> np.ndarray:
            return cosmul(self._cosines(p, candidates), self._cosines(n, candidates))

        (found,) = self.model.best_rows(scores, 1, [rows], int(topn), stop, exact, upper=True)
        return [(self.model.vocab.word(r), score) for r, score in found]

    def _cosines(self, terms: np.ndarray, rows: np.ndarray | int) -> np.ndarray:
        """(terms, rows): each term's dot product with each of ``rows`` (an int: the first so many),
        summed as a listed score is (so ``most_similar_cosmul`` and ``analogy(..., method="cosmul")``
        agree to the bit)."""
        matrix = self.model.vectors
        if isinstance(rows, int):
            scores = [exact_scores(matrix[:rows], t) for t in terms]
            return np.array(scores, np.float32).reshape(len(terms), rows)
        scores = [exact_dots(np.broadcast_to(t, (len(rows), len(t))), matrix, rows) for t in terms]
        return np.array(scores, np.float32).reshape(len(terms), len(rows))

    def similar_by_word(
        self, word: str, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """gensim's ``similar_by_word``: ``similar_by_key`` by its older name."""
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_key(
        self, key: str, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """gensim's ``similar_by_key``: ``most_similar`` of one key."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(
        self, vector: np.ndarray, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """gensim's ``similar_by_vector``: ``most_similar`` of a vector."""
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)


for _name in _ELSEWHERE:
    if not hasattr(Vectors, _name):
        setattr(Vectors, _name, _said_elsewhere(_name))


class KeyedVectors(Vectors):
    """gensim's ``KeyedVectors`` over vecq's cache, so that a script changes its import line only:
    ``from vecq import KeyedVectors``.

    ``KeyedVectors(vector_size)`` is an empty set of vectors held in memory, as gensim's. Changes
    (``add_vectors``, ``kv[key] = vector``) are made as gensim makes them, on the object in memory:
    the first one copies the model into memory (gensim's ``add_vectors`` copies its matrix too) and
    every later answer sees them; the cache on disk is never changed. What differs, and why, is in
    docs/from-gensim.md.
    """

    def __init__(
        self,
        vector_size: int,
        count: int = 0,
        dtype: type | np.dtype = np.float32,
        mapfile_path: str | None = None,
    ):
        if count or mapfile_path is not None:
            raise ValueError(
                "vecq's KeyedVectors(vector_size) starts empty, held in memory: add vectors with "
                "add_vectors (count and mapfile_path are gensim's ways to fill its arrays in place)"
            )
        empty = Model.from_arrays([], np.zeros((0, int(vector_size)), np.float32), name="KeyedVectors")
        super().__init__(empty)
        self._restore({"dtype": np.dtype(dtype).str, "attrs": {}, "descending_below": 0})

    @classmethod
    def _of(cls, model: Model, options: ModelOptions | None, dtype=np.float32, counts=None) -> KeyedVectors:
        """A KeyedVectors answering from ``model``; words without a ``counts`` entry get gensim's
        made-up descending counts, but a gensim native file's words the attributes it holds."""
        kv = cls.__new__(cls)
        kv._use(model, options)
        native = model.info.source_format in ("gensim-kv", "gensim-native")
        if native and model.info.dtype in _STORED_TYPES:  # gensim's load hands them out in its type
            dtype = _STORED_TYPES[model.info.dtype]
            if dtype == np.float64:
                _warn_at_caller(_float32_held(f"{model.info.name} holds float64 vectors"), PrecisionWarning)
        # a file's words have counts, from the file or made up (gensim's load_word2vec_format)
        attrs = {"count": dict(counts or {})}
        state = {"dtype": np.dtype(dtype).str, "attrs": attrs, "descending_below": len(model)}
        kv._restore({**state, "types": {"count": "<i8"}})
        if native:
            # gensim's native file: its counts, other attributes and events, read when first needed
            kv._native_file = (
                model.info.source,
                options is not None and options.trust,
                _identity(model.info.source),
            )
        return kv

    @classmethod
    def _of_gensim(cls, value: object, limit: int | None, subwords: bool) -> KeyedVectors:
        """A copy held in memory of gensim's ``KeyedVectors`` ``value`` (or a model's ``wv``): its
        words, vectors (in their type), a fastText object's n-grams, attributes and events."""
        from .sources.gensim_object import held

        got = held(value, limit, subwords)
        if got.dtype == np.float64:
            _warn_at_caller(_float32_held("gensim's object holds float64 vectors"), PrecisionWarning)
        kv = cls.__new__(cls)
        kv._use(got.model, None)
        state = {
            "dtype": _float_type(got.dtype).str,
            "attrs": {attr: values for attr, (_, values) in got.attributes.items()},
            "descending_below": 0,  # gensim's own counts, if it has any, are among the attributes
            "types": {attr: dtype.str for attr, (dtype, _) in got.attributes.items()},
            "lifecycle_events": got.events,
        }
        kv._restore(state)
        return kv

    def _extra_state(self) -> dict:
        self._read_native_file()  # what the file keeps is part of the state
        return {
            "dtype": self._dtype.str,
            "attrs": self._attrs,
            "descending_below": self._descending_below,
            # a model opened again from its cache holds them again (not pickled twice)
            "file_counts": None if self._options is not None else self._file_counts,
            "types": {attr: dtype.str for attr, dtype in self._attr_types.items()},
            "lifecycle_events": self.lifecycle_events,
        }

    def _restore(self, state: dict) -> None:
        self._dtype = _float_type(state["dtype"])
        # Per-word attributes (gensim's ``get_vecattr``) set by a file's counts or ``set_vecattr``.
        self._attrs: dict[str, dict[str, object]] = state["attrs"]
        # A row below this without a count set has the count its file holds (``_file_counts``, a
        # fastText file's), else gensim's made-up count for a file without counts (this number
        # minus the row); a row added in memory has 0, as gensim's add_vectors gives.
        self._descending_below: int = state["descending_below"]
        given = state.get("file_counts")
        self._file_counts: np.ndarray | None = self.model.counts if given is None else given
        # a fastText cache written before vecq kept the file's counts: made-up ones, said once
        self._counts_made_up = self._file_counts is None and self.model.subwords is not None
        # each attribute's type (gensim's arrays'), as allocate_vecattrs or the first value set it
        legacy = {"count": "<i8"} if "count" in self._attrs else {}  # pickled by vecq before 0.3
        self._attr_types = {attr: np.dtype(t) for attr, t in state.get("types", legacy).items()}
        # gensim's lifecycle_events (None: not kept), after those of the native file below
        self._events: list[dict] | None = state.get("lifecycle_events", [])
        # gensim's native file this was loaded from, and whether it is trusted: its counts, other
        # attributes and events, read when first asked
        self._native_file: tuple[str, bool, list | None] | None = None  # and the file's identity then

    # -- opening ----------------------------------------------------------------------------------

    @classmethod
    def load_word2vec_format(
        cls,
        fname: str | os.PathLike,
        fvocab: str | os.PathLike | None = None,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: int | None = None,
        datatype: type | np.dtype = np.float32,
        no_header: bool = False,
    ) -> KeyedVectors:
        """gensim's ``KeyedVectors.load_word2vec_format``, each argument with gensim's meaning.

        Parameters
        ----------
        fname : the word2vec (text or ``binary``) or, with ``no_header``, GloVe file.
        fvocab : a file of ``word count`` lines, read into ``get_vecattr(word, "count")``.
        encoding : the words' encoding; vecq reads UTF-8 (another is refused).
        unicode_errors : ``strict`` (UnicodeDecodeError naming the line), ``replace`` or ``ignore``.
        limit : only the first ``limit`` vectors.
        datatype : the type of the vectors handed out (float16, float32 or float64). The cache holds
            the file's float32 values: float64 gives them widened, not a text file's further digits.

        Raises
        ------
        ValueError : an ``encoding`` or ``datatype`` vecq does not read.
        UnicodeDecodeError : a word is not valid UTF-8 and ``unicode_errors`` is ``strict``.
        vecq.errors.ModelError : the file cannot be read in the format named.
        """
        if encoding.lower().replace("-", "").replace("_", "") != "utf8":
            raise ValueError(f"vecq reads words as UTF-8, not {encoding}; convert the file with iconv first")
        dtype = _float_type(datatype)
        fmt = "glove-text" if no_header else ("word2vec-bin" if binary else "word2vec-text")
        if dtype == np.float64 and fmt != "word2vec-bin":  # a binary file holds float32 itself
            _warn_at_caller(_float32_held(f"datatype float64 for the text file {fname}"), PrecisionWarning)
        if dtype == np.float16 and fmt != "word2vec-bin":
            _warn_at_caller(
                f"datatype float16 for the text file {fname}: vecq rounds the file's float32 values to "
                "float16, gensim the text itself, so a value that float32 puts on a float16 rounding "
                "tie may end a float16 step from gensim's (about 1 in 20,000)",
                PrecisionWarning,
            )
        try:
            opened = load(os.fspath(fname), limit=limit, model_format=fmt, unicode_errors=unicode_errors)
        except ModelError as e:
            if isinstance(e.__cause__, UnicodeDecodeError):  # gensim's error, with vecq's words
                cause = e.__cause__
                raise UnicodeDecodeError(cause.encoding, cause.object, cause.start, cause.end, str(e)) from e
            raise
        counts = _read_counts(os.fspath(fvocab), unicode_errors) if fvocab is not None else None
        kv = cls._of(opened.model, opened._options, dtype, counts)
        if fvocab is not None and counts is not None:
            _say_uncounted(os.fspath(fvocab), kv.index_to_key, counts)
        kv.add_lifecycle_event(
            "load_word2vec_format",
            msg=f"loaded {(len(kv), kv.vector_size)} matrix of type {dtype} from {fname}",
            binary=binary,
            encoding=encoding,
        )
        return kv

    @classmethod
    def load(cls, fname: str | os.PathLike, mmap: str | None = None) -> KeyedVectors:
        """gensim's ``KeyedVectors.load`` of a native file (gensim 4's ``.kv``, or 3.x's): read as data,
        never unpickled as code; the vectors are memory-mapped whatever ``mmap`` says. Any other
        model ``vecq.load`` opens is opened too, its words' counts gensim's made-up descending ones."""
        kv = load(os.fspath(fname))
        kv.add_lifecycle_event("loaded", fname=fname)
        return kv

    def save(self, fname_or_handle, **kwargs) -> None:
        """gensim's ``save``: a native gensim file, written by gensim itself, that gensim's
        ``KeyedVectors.load`` and vecq's both open (a file named is replaced only once written whole)."""
        from .sources import kv_pickle

        attrs = self.expandos
        saving = kv_pickle.write(
            fname_or_handle,
            list(self.index_to_key),
            np.array(self.vectors),
            attrs,
            self.lifecycle_events,
            **kwargs,
        )
        if saving is not None and self._events is not None:  # as gensim's records it, the name as given
            self._events.append({**saving, "fname_or_handle": str(fname_or_handle)})

    # -- attributes -------------------------------------------------------------------------------

    def get_vecattr(self, key: str | int, attr: str) -> object:
        """gensim's ``get_vecattr``: ``count`` from ``fvocab`` or the ``.kv`` file, else gensim's
        made-up descending counts for a file's words (0 for words added since); other attributes
        as set (0 for words not given one). KeyError for an attribute no word has."""
        row = self.get_index(key)
        word = self.index_to_key[row]
        self._read_native_file()
        values = self._attrs.get(attr)
        if values is None:
            raise KeyError(f"no word has the attribute {attr!r}")
        if attr == "count" and word not in values:
            return self._count_below(row)[0]
        return self._typed_value(attr, values.get(word, 0))

    def _typed_value(self, attr: str, value: object) -> object:
        """``value`` as gensim's array of ``attr`` holds it: of the attribute's type (a Python object
        for ``str``'s, or for an attribute set before vecq 0.3 other than ``count``)."""
        dtype = self._attr_types.get(attr)
        return value if dtype is None or dtype.kind == "O" else dtype.type(value)

    def _read_native_file(self) -> None:
        """The per-word attributes (``count``...) and lifecycle events of gensim's native file this
        was loaded from, read before any is first asked for or set (the file is read a second time,
        so not at load): the file's attributes as gensim's load gives them, no count made up (a
        file without counts has none: gensim's KeyError)."""
        if self._native_file is not None:
            from .sources.gensim_object import file_bookkeeping

            path, trusted, loaded = self._native_file
            if loaded is None or _identity(path) != loaded:  # what it holds now is another model's
                raise ModelError(
                    f"{path} is gone or was changed since it was loaded, so its counts and other "
                    "attributes cannot be read: load it again"
                )
            held = file_bookkeeping(path, trusted)
            index = self.key_to_index
            self._descending_below = 0
            if not self._attrs.get("count", True):  # the made-up counts' place, no count set in it
                del self._attrs["count"]
                self._attr_types.pop("count", None)
            for attr, (dtype, values) in held.attributes.items():
                # the file's words the model holds (read with ``limit``, it holds its first ones)
                self._attrs.setdefault(attr, {}).update((w, v) for w, v in values.items() if w in index)
                self._attr_types[attr] = dtype
            if self._events is not None:
                self._events[:0] = held.events
            self._native_file = None

    def _counts(self) -> np.ndarray:
        """Every row's ``get_vecattr(row, "count")`` at once (int64); its KeyError when no word has
        a count."""
        if "count" not in self._attribute_names():
            raise KeyError("no word has the attribute 'count'")
        counts = self._count_below(np.arange(len(self), dtype=np.int64))
        for word, given in self._attrs["count"].items():
            counts[self.get_index(word)] = given
        return counts

    def _count_below(self, rows: int | np.ndarray) -> np.ndarray:
        """The count of each of ``rows`` not set (int64): the file's own below ``_descending_below``
        (a fastText file's), else gensim's made-up descending ones; 0 from there on."""
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        below = rows < self._descending_below
        if self._file_counts is None:
            if self._counts_made_up and below.any():
                self._counts_made_up = False
                _warn_at_caller(
                    f"{self.name} was converted by a vecq that did not keep a fastText file's counts: "
                    f"these are gensim's made-up descending ones; for the file's own, convert it again "
                    f"(vecq cache clear {self.name})",
                    UserWarning,
                )
            return np.where(below, self._descending_below - rows, 0)
        held = below & (rows < len(self._file_counts))
        return np.where(held, self._file_counts[np.where(held, rows, 0)], 0).astype(np.int64)

    def _attribute_names(self) -> list[str]:
        self._read_native_file()
        return list(self._attrs)

    @property
    def expandos(self) -> dict[str, np.ndarray]:
        """gensim's ``expandos``: each attribute's values, one per row (``get_vecattr`` of every row),
        read-only: a value is set with ``set_vecattr``, where a write here would be lost."""
        out: dict[str, np.ndarray] = {}
        for attr in self._attribute_names():
            values = (
                self._counts()
                if attr == "count"
                else np.array(
                    [self.get_vecattr(r, attr) for r in range(len(self))], self._attr_types.get(attr)
                )
            )
            values.setflags(write=False)
            out[attr] = values
        return out

    def set_vecattr(self, key: str | int, attr: str, val: object) -> None:
        """gensim's ``set_vecattr``: an attribute kept with this object (the cache is never changed),
        of the type its first value gave it (``allocate_vecattrs``): a TypeError for a value of
        another, as gensim's."""
        row = self.get_index(key)
        self.allocate_vecattrs([attr], [type(val)])
        self._attrs[attr][self.index_to_key[row]] = val

    def allocate_vecattrs(self, attrs: Iterable[str] | None = None, types: Iterable | None = None) -> None:
        """gensim's ``allocate_vecattrs``: each of ``attrs`` an attribute of every word, of its type in
        ``types`` (``int`` is int64 and ``str`` an object, as gensim's), 0 until set. With no
        ``attrs``, gensim's arrays are made as long as the vocabulary, which vecq's always are.

        Raises:
            TypeError: an attribute given a type its values cannot take (gensim's message).
        """
        from .sources.kv_pickle import attribute_type

        self._read_native_file()  # the file's attributes and their types first: a value set stays
        for attr, given in zip(attrs or (), types or ()):
            wanted = attribute_type(given)
            held = self._attr_types.get(attr)
            if held is not None and not np.issubdtype(cast(Any, wanted), held):
                raise TypeError(
                    f"Can't allocate type {wanted} for attribute {attr}, conflicts with its existing "
                    f"type {held}"
                )
            self._attrs.setdefault(attr, {})
            self._attr_types.setdefault(attr, np.dtype(cast(Any, wanted)))

    def resize_vectors(self, seed: int = 0) -> None:
        """gensim's ``resize_vectors`` (after ``index_to_key`` grew): nothing to do, vecq's vectors
        always have a row per word (``index_to_key`` changes through ``add_vectors`` only)."""

    @property
    def next_index(self) -> int:
        """gensim's ``next_index``: the row ``add_vector`` fills next (the end: vecq keeps no empty
        rows)."""
        return len(self)

    mapfile_path = None  # gensim's: the matrix is never gensim's np.memmap

    @property
    def lifecycle_events(self) -> list[dict] | None:
        """gensim's ``lifecycle_events``: what happened to this object (loaded, saved...), with those
        of gensim's native file it was loaded from first; None: not kept (set it so)."""
        self._read_native_file()
        return self._events

    @lifecycle_events.setter
    def lifecycle_events(self, events: list[dict] | None) -> None:
        self._events = events

    def add_lifecycle_event(self, event_name: str, log_level: int = logging.INFO, **event: object) -> None:
        """gensim's ``add_lifecycle_event``: ``event`` with the time, the versions and the platform,
        appended to ``lifecycle_events`` (unless None) and logged at ``log_level`` (unless 0)."""
        import copy
        import datetime
        import platform

        from .version import __version__

        record = copy.deepcopy(event)
        record.update(
            datetime=datetime.datetime.now().isoformat(),
            gensim=_gensim_version(),
            vecq=__version__,
            python=sys.version,
            platform=platform.platform(),
            event=event_name,
        )
        if log_level:
            logger.log(log_level, "%s lifecycle event %s", type(self).__name__, record)
        if self._events is not None:
            self._events.append(record)

    def fill_norms(self, force: bool = False) -> None:
        """gensim's ``fill_norms``: nothing to do, the cache holds every norm."""

    def words_closer_than(self, word1: str, word2: str) -> list[str]:
        """gensim's ``words_closer_than``: ``closer_than`` by its older name."""
        return self.closer_than(word1, word2)

    # -- gensim's FastTextKeyedVectors: a fastText model's n-grams --------------------------------

    def __dir__(self) -> list[str]:
        # what tab completion offers: a fastText model's names on a fastText model only (elsewhere
        # reading them raises AttributeError, as on gensim's plain KeyedVectors)
        names = super().__dir__()
        return names if self.model.word_builder is not None else [n for n in names if n not in _NGRAM_NAMES]

    def _ngrams(self, name: str) -> Subwords:
        """The n-grams that build words a fastText model does not hold; gensim's AttributeError
        (a plain ``KeyedVectors`` has no ``name``) for any other model, or with subwords off."""
        subwords = self.model.word_builder
        if subwords is None:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{name}': {self.name} is not a fastText "
                "model with subwords"
            )
        return subwords

    @property
    def min_n(self) -> int:
        """gensim's ``min_n``: the shortest n-gram, in characters (a fastText model's)."""
        return self._ngrams("min_n").minn

    @property
    def max_n(self) -> int:
        """gensim's ``max_n``: the longest n-gram, in characters (a fastText model's)."""
        return self._ngrams("max_n").maxn

    @property
    def bucket(self) -> int:
        """gensim's ``bucket``: the rows n-grams are hashed into (a fastText model's)."""
        return self._ngrams("bucket").bucket

    @property
    def vectors_ngrams(self) -> np.ndarray:
        """gensim's ``vectors_ngrams``: the n-gram rows, read-only (a fastText model's)."""
        rows = np.asarray(self._ngrams("vectors_ngrams").matrix).view()
        rows.setflags(write=False)
        return rows

    @property
    def compatible_hash(self) -> bool:
        """gensim's ``compatible_hash``: n-grams are hashed as Facebook's fastText hashes them."""
        self._ngrams("compatible_hash")
        return True

    # -- gensim 3.x's names, and gensim's helpers ---------------------------------------------------

    vocab = _removed_in_gensim4("vocab")
    index2word = _removed_in_gensim4("index2word")
    index2entity = _removed_in_gensim4("index2entity")
    vectors_norm = _removed_in_gensim4("vectors_norm")

    def similarity_unseen_docs(self, *args: object, **kwargs: object) -> None:
        """gensim's: not for word vectors."""
        raise NotImplementedError("Call similarity_unseen_docs on a Doc2Vec model instead.")

    @staticmethod
    def log_accuracy(section: dict) -> None:
        """gensim's ``log_accuracy``: one analogy section's score, logged."""
        correct, incorrect = len(section["correct"]), len(section["incorrect"])
        if correct + incorrect > 0:
            total = correct + incorrect
            logger.info("%s: %.1f%% (%i/%i)", section["section"], 100.0 * correct / total, correct, total)

    @staticmethod
    def log_evaluate_word_pairs(pearson, spearman, oov: float, pairs: str) -> None:
        """gensim's ``log_evaluate_word_pairs``: word-pair correlations, logged."""
        logger.info("Pearson correlation coefficient against %s: %.4f", pairs, pearson[0])
        logger.info("Spearman rank-order correlation coefficient against %s: %.4f", pairs, spearman[0])
        logger.info("Pairs with unknown words ratio: %.1f%%", oov)

    def wmdistance(self, document1: Sequence[str], document2: Sequence[str], norm: bool = True) -> float:
        """gensim's ``wmdistance``: the Word Mover's Distance of two documents (lists of words),
        computed by gensim's own code over these vectors.

        Raises:
            ImportError: POT, the optimal-transport library gensim's code needs, is not installed
                (``pip install POT``).
        """
        from gensim.models.keyedvectors import KeyedVectors as GensimKeyedVectors

        return GensimKeyedVectors.wmdistance(self, document1, document2, norm=norm)

    # -- changes, on the object in memory ---------------------------------------------------------

    @property
    def vectors(self) -> np.ndarray:
        """The model's vectors as the file holds them, bit for bit (gensim's ``kv.vectors``): a
        read-only ndarray, built on first use; assigning a matrix replaces them (below)."""
        return super().vectors

    @vectors.setter
    def vectors(self, matrix: np.ndarray) -> None:
        """gensim's ``kv.vectors = matrix``: every word's vector replaced at once (a mean taken
        off, a projection to fewer dimensions), a row per word in row order, on the object in
        memory; every later answer, norm and unit vector follows (gensim's norms wait for
        ``fill_norms(force=True)``). A fastText model keeps its dimensions: its n-grams build the
        words it does not hold.

        Raises:
            ValueError: not a row per word, a row holding NaN, an infinity or values float32
                cannot hold (the word named), or a fastText model's dimensions changed.
        """
        given = _numbers(matrix)
        if given.ndim != 2 or given.shape[0] != len(self) or not given.shape[1]:
            raise ValueError(
                f"kv.vectors takes a matrix of a row per word ({len(self):,} rows, in the order of "
                f"kv.index_to_key), not an array of shape {given.shape}"
            )
        words = list(self.index_to_key)
        weights = float32_vectors(words, given)
        if given.shape[1] != self.vector_size and self.model.subwords is not None:
            raise ValueError(
                f"{self.name} is a fastText model: its n-gram vectors, which build the words it does "
                f"not hold, have {self.vector_size} dimensions, so its vectors keep them; for other "
                "dimensions, a model of the words alone: KeyedVectors(d), then add_vectors"
            )
        info = self.model.info
        changed = Model.from_arrays(words, weights, name=info.name, source=info.source)
        self._use(changed.building_as(self.model.building, same_rows=True), None)

    @property
    def norms(self) -> np.ndarray:
        """gensim's ``norms``: each row's length as stored (one per word, in the vectors' type)."""
        return super().norms

    @norms.setter
    def norms(self, value: None) -> None:
        """``kv.norms = None``, gensim's way to have its norms recomputed: vecq's always follow the
        vectors, so there is nothing to do; other values are refused (a norm is a vector's length)."""
        if value is not None:
            raise ValueError("vecq's norms are the vectors' lengths: change kv.vectors, and they follow")

    def add_vectors(self, keys, weights, extras: dict | None = None, replace: bool = False) -> None:
        """gensim's ``add_vectors``: new keys are appended; a key already present keeps its vector
        unless ``replace``. ``extras`` holds per-key attributes (``{"count": [...]}``)."""
        if isinstance(keys, _KEY_TYPES):  # one key's numbers, whatever their shape (gensim's)
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        keys = list(keys)
        given = _numbers(weights)
        if given.ndim == 1 and len(keys) == 1:  # one vector for a list of one key (gensim stacks it)
            given = given[None]
        if given.ndim != 2 or len(given) != len(keys):  # never cut or glue rows to fit the keys
            raise ValueError(
                f"vectors of shape {given.shape} given for {counted(len(keys), 'key')}: give one row a key "
                f"(a matrix of shape ({len(keys)}, {self.vector_size}))"
            )
        if not all(isinstance(k, str) for k in keys):
            raise TypeError("vecq's keys are words (str)")
        if given.shape[1] != self.vector_size:
            raise ValueError(f"vectors of {given.shape[1]} dimensions added to a model of {self.vector_size}")
        weights = float32_vectors(keys, given)
        rows = np.array([self.get_index(k, -1) for k in keys], dtype=np.int64)
        new = rows < 0
        added = [k for k, is_new in zip(keys, new) if is_new]
        if len(set(added)) != len(added):
            raise ValueError("a new key is given twice; give each key once")
        replaced = ~new & replace
        if added or replaced.any():  # else nothing changes (the model, and what was built of it, stay)
            self._use(self.model.changed(rows[replaced], weights[replaced], added, weights[new]), None)
        for attr, values in (extras or {}).items():
            for key, value, is_new in zip(keys, values, new):
                if is_new or replace:
                    self.set_vecattr(key, attr, value.item() if isinstance(value, np.generic) else value)

    @deprecated_by("fill_norms()")
    def init_sims(self, replace: bool = False) -> None:
        """gensim's ``init_sims`` (deprecated there since 4.0): nothing to do, or with ``replace``,
        ``unit_normalize_all``."""
        if replace:
            logger.warning(
                "destructive init_sims(replace=True) deprecated & no longer required for space-efficiency"
            )
            self.unit_normalize_all()

    def unit_normalize_all(self) -> None:
        """gensim's ``unit_normalize_all``: every vector replaced by itself over its norm (gensim's
        arithmetic: ``vectors / np.linalg.norm(vectors, axis=1)``), on the object in memory; the
        norms are then 1 (an all-zero vector stays zero, where gensim's becomes NaN), so a second
        call changes nothing, as gensim's divides by those ones."""
        if self._unit_model is self.model:
            return
        stored = self._stored()
        norms = np.linalg.norm(stored, axis=1)[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            unit_vectors = np.where(norms > 0, stored / norms, np.float32(0)).astype(np.float32)
        self._use(self.model.normalised(unit_vectors), None)
        self._unit_model = self.model

    def sort_by_descending_frequency(self) -> None:
        """gensim's ``sort_by_descending_frequency``: the words reordered by their ``count``, the
        largest first (ties: the later row first, as gensim's), on the object in memory."""
        if not len(self):
            return
        counts = self._counts()
        order = np.lexsort((-np.arange(len(counts)), -counts))
        if np.array_equal(order, np.arange(len(order))):
            return
        if self.model.text is not None:
            raise ValueError(
                f"{self.name} is a token table: its rows are its tokenizer's token ids, which a new "
                "order would no longer match; build a model of its words to reorder (vectors_for_all)"
            )
        words = [self.index_to_key[i] for i in order.tolist()]
        raw = self._stored()[order]
        self._attrs.setdefault("count", {}).update(zip(words, counts[order].tolist()))
        self._descending_below = 0  # every count is now set
        unit = self._unit_model is self.model
        reordered = Model.from_arrays(words, raw, name=self.model.info.name, source=self.model.info.source)
        self._use(reordered.building_as(self.model.building, same_rows=False), None)
        if unit:  # the same rows, reordered
            self._unit_model = self.model

    def intersect_word2vec_format(
        self,
        fname: str | os.PathLike,
        lockf: float = 0.0,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
    ) -> None:
        """gensim's ``intersect_word2vec_format``: the vectors of a word2vec file (read as
        ``load_word2vec_format`` reads it) replace those of the words both hold, on the object in
        memory. ``lockf`` is training's (gensim's lock factor) and has nothing to act on here.

        Raises:
            ValueError: the file's vectors have another number of dimensions.
        """
        other = KeyedVectors.load_word2vec_format(
            fname, binary=binary, encoding=encoding, unicode_errors=unicode_errors
        )
        if other.vector_size != self.vector_size:
            raise ValueError(f"incompatible vector size {other.vector_size} in file {os.fspath(fname)}")
        shared = [w for w in other.index_to_key if self._is_word(w)]
        if shared:
            self.add_vectors(shared, other[shared], replace=True)

    def add_vector(self, key: str, vector: np.ndarray) -> int:
        """gensim's ``add_vector``: one key (kept as it is when present); its row."""
        self.add_vectors([key], vector)  # one row (gensim's refuses a matrix of more, as this does)
        return self.get_index(key)

    def __setitem__(self, keys, weights) -> None:
        """``kv[key] = vector`` and ``kv[keys] = vectors``: add, or replace, as gensim's."""
        if not isinstance(keys, list):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def vectors_for_all(
        self, keys: Iterable, allow_inference: bool = True, copy_vecattrs: bool = False
    ) -> KeyedVectors:
        """gensim's ``vectors_for_all``: a new KeyedVectors (in memory) of the ``keys`` this one
        has, or can build from subwords (``allow_inference``), each once, in the order given."""
        keys = list(dict.fromkeys(keys))
        if not all(isinstance(k, str) for k in keys):
            raise TypeError("vecq's keys are words (str): give words, not row numbers")
        found = [k for k in keys if (k in self if allow_inference else self._is_word(k))]
        raw = self.model.raw_rows([self._row(k) for k in found]).reshape(len(found), self.vector_size)
        memory = Model.from_arrays(found, raw)
        kv = KeyedVectors._of(memory, None, self._dtype)
        if copy_vecattrs:
            for attr in self._attribute_names():
                for key in found:
                    if self._is_word(key):  # a word built from subwords has no attributes
                        kv.set_vecattr(key, attr, self.get_vecattr(key, attr))
        return kv

    def _is_word(self, key: object) -> bool:
        """Is ``key`` a word of the vocabulary as written (gensim's ``key in kv.key_to_index``)?"""
        return isinstance(key, str) and self.has_index_for(key)

    # -- evaluations ------------------------------------------------------------------------------

    def evaluate_word_analogies(
        self,
        analogies: str | os.PathLike,
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        similarity_function: str = "most_similar",
    ) -> tuple[float, list[dict]]:
        """gensim's ``evaluate_word_analogies``, answered by vecq's batched evaluator: the accuracy
        and, per section, the questions answered right and wrong (the last section is the total).

        Raises
        ------
        QueryError : (a ValueError) the file holds no question of four words, where gensim divides
            by zero. A file none of whose questions has all four words among the first
            ``restrict_vocab`` scores 0.0, as gensim's, with a warning saying so.
        """
        methods = {"most_similar": "add", "most_similar_cosmul": "cosmul"}
        if similarity_function not in methods:
            raise ValueError(f"similarity_function is one of {', '.join(methods)}")
        report = evaluate.analogies(
            self.model,
            os.fspath(analogies),
            restrict_vocab,
            case_insensitive,
            methods[similarity_function],
            dummy4unknown=dummy4unknown,
        )
        why = report.nothing_scored()
        if why is not None and not report.questions:
            raise QueryError(f"{os.fspath(analogies)}: {why}")
        if why is not None:
            warnings.warn(f"{os.fspath(analogies)}: {why}; the score is gensim's 0.0", stacklevel=2)
        sections = [*report.sections, report.total]
        score = report.total.accuracy if report.total.total else 0.0
        return score, [{"section": s.section, "correct": s.right, "incorrect": s.wrong} for s in sections]

    def evaluate_word_pairs(
        self,
        pairs: str | os.PathLike,
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ):
        """gensim's ``evaluate_word_pairs``: scipy's Pearson and Spearman results of the model's
        cosines against the judged scores, and the percentage of pairs with an unknown word."""
        if encoding.lower().replace("-", "").replace("_", "") != "utf8":
            raise ValueError(f"vecq reads word pairs as UTF-8, not {encoding}")
        return evaluate.pairs_as_gensim(
            self.model, os.fspath(pairs), restrict_vocab, case_insensitive, delimiter, dummy4unknown
        )

    def save_word2vec_format(
        self,
        fname: str | os.PathLike,
        fvocab: str | os.PathLike | None = None,
        binary: bool = False,
        total_vec: int | None = None,
        write_header: bool = True,
        prefix: str = "",
        append: bool = False,
        sort_attr: str = "count",
    ) -> None:
        """gensim's ``save_word2vec_format``: every vector as the file held it, as word2vec text or
        ``binary``; with ``fvocab``, each word's ``sort_attr`` beside it.

        Parameters
        ----------
        fname : the vectors' file, replaced only once written whole (unless ``append``).
        fvocab : a vocabulary file, ``WORD VALUE`` a line.
        binary : word2vec's binary format instead of text.
        total_vec : the count the first line states (default: the number of words).
        write_header : write that first line (text only).
        prefix : put before every word written (gensim's, for Doc2Vec's tags).
        append : write after what the files hold.
        sort_attr : words in descending order of this attribute, ties in row order (the default
            ``count``: a file's counts, or gensim's made-up descending ones, so row order unless
            counts were given or set); an attribute no word has: row order.

        Raises
        ------
        ValueError : ``fvocab`` with a ``sort_attr`` no word has (gensim's), or ``binary`` without
            ``write_header``.
        """
        from .cache.files import output_file
        from .sources import export

        if not write_header and binary:
            raise ValueError("a binary word2vec file has a header; write_header=False is for text only")
        rows, values = self._saving_order(sort_attr, fvocab is not None)
        in_rows = self.index_to_key
        words = [prefix + in_rows[row] for row in rows.tolist()]
        blocks = (self.model.raw_rows(rows[i : i + export.BLOCK]) for i in range(0, len(rows), export.BLOCK))
        export.write(
            os.fspath(fname),
            "word2vec-bin" if binary else "word2vec-text",
            words,
            blocks,
            self.vector_size,
            header=write_header,
            total=total_vec,
            append=append,
        )
        # After the vectors, which may be refused (a word with whitespace): never a new vocabulary
        # file beside the old vectors. By the vectors' rule (``cache.files.output_file``).
        if fvocab is not None:
            with output_file(fvocab, text=True, append=append) as f:
                f.writelines(f"{w} {v}\n" for w, v in zip(words, values))

    def _saving_order(self, attr: str, listed: bool) -> tuple[np.ndarray, list]:
        """The rows in descending order of ``attr`` (a stable sort, as gensim's ``sorted``), and
        their values; row order, and no values, when no word has it (an error if ``listed``)."""
        n = len(self)
        if attr not in self._attribute_names():
            if listed:
                raise ValueError(
                    f"Cannot store vocabulary with {attr!r} because that attribute does not exist"
                )
            return np.arange(n), []
        if attr == "count":
            counts = self._counts()
            order = np.argsort(-counts, kind="stable")
            return order, counts[order].tolist()
        values: list = [self.get_vecattr(row, attr) for row in range(n)]
        by_value = sorted(range(n), key=lambda row: -values[row])
        return np.array(by_value, dtype=np.int64), [values[row] for row in by_value]


# a native file's vectors' type, by the name ``records.STORED_TYPES`` gives it: handed out in it
_STORED_TYPES = {code: np.dtype(name) for name, code in STORED_TYPES.items()}


def _float_type(datatype) -> np.dtype:
    """gensim's ``datatype``: float16, float32 or float64; anything else is a ValueError."""
    dtype = np.dtype(datatype)
    if dtype not in (np.float16, np.float32, np.float64):
        raise ValueError(f"vectors are float16, float32 or float64, not {dtype}")
    return dtype


def _unpickled(cls: type[Vectors], source: tuple, state: dict) -> Vectors:
    """A pickled ``Vectors``: opened again by the options it was opened with, or built from its arrays."""
    if source[0] == "opened":
        model, options = open_with(source[1], warn=logger.warning), source[1]
        pickled = source[2] if len(source) > 2 else None  # (vecq before 0.3 kept no content)
        if pickled is not None and opened_content(model) not in (None, pickled):
            raise ModelError(
                f"{model.info.name} has changed since this object was pickled (another file, or the "
                "same file retrained), so it would answer with other vectors; open it anew with vecq.load"
            )
    else:
        model, options = Model.from_arrays(source[1], source[2], name=source[3]), None
        if len(source) > 4:  # how it builds unseen words (vecq before 0.3 kept none)
            model.building_as(source[4], same_rows=True)
    obj = cls.__new__(cls)
    obj._use(model, options)
    obj._restore(state)
    return obj


# gensim's FastTextKeyedVectors names, which a fastText model answers (``KeyedVectors._ngrams``)
_NGRAM_NAMES = ("min_n", "max_n", "bucket", "vectors_ngrams", "compatible_hash")


def _gensim_version() -> str | None:
    """The installed gensim's version, as gensim's lifecycle events record it (None: not installed)."""
    from importlib import metadata

    try:
        return metadata.version("gensim")
    except metadata.PackageNotFoundError:
        return None


def _identity(path: str) -> list | None:
    """What says a file is unchanged (``cache.layout.identity``); None when it is gone."""
    from .cache.layout import identity

    try:
        return identity(path)
    except OSError:
        return None


def _read_counts(path: str, unicode_errors: str) -> dict[str, int]:
    """gensim's vocabulary file: ``word count`` a line (bytes decoded as ``unicode_errors`` says);
    a line that is not is a ValueError naming it (gensim's said "not enough values to unpack")."""
    counts: dict[str, int] = {}
    with builtins.open(path, "rb") as f:  # io's: ``open`` here is vecq.open
        for number, line in enumerate(f, 1):
            word, _, count = line.decode("utf-8", errors=unicode_errors).rstrip().rpartition(" ")
            try:
                counts[word] = int(count)
            except ValueError:
                raise ValueError(f"{path}, line {number}: {line[:80]!r} is not 'word count'") from None
    return counts


def _say_uncounted(path: str, words: list[str], counts: dict[str, int]) -> None:
    """A warning naming the model's words the vocabulary file has no count for: they keep gensim's
    made-up descending counts, which a sort by count would mix with the file's (gensim warns that
    the file is incomplete, then fails on its None counts)."""
    missing = [w for w in words if w not in counts]
    if missing:
        shown = first_few([repr(w) for w in missing[:4]], 3)
        _warn_at_caller(
            f"{path} has no count for {len(missing):,} of the model's {len(words):,} words ({shown}): "
            "they get gensim's made-up descending counts, which sorting by count mixes with the file's",
            UserWarning,
        )
