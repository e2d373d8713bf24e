"""gensim's native KeyedVectors files (``.kv``, ``.model``) read as data, never run as code.

A pickle names callables and unpickling calls them, so a pickle can run anything. ``SafeUnpickler``
admits only the names a KeyedVectors file needs: gensim's ``KeyedVectors`` classes (4.x's, and 3.x's
``EuclideanKeyedVectors``/``Word2VecKeyedVectors`` with their ``Vocab`` entries), replaced by plain
attribute holders (no gensim code runs, gensim is not even imported), numpy's array reconstruction,
and ``_codecs.encode`` (how a protocol-2 pickle spells bytes). Any other name is refused by name
before anything is called
(tests/test_sources.py::test_a_pickle_that_would_run_code_is_refused_and_runs_nothing). The arrays
gensim stores beside the file (``NAME.vectors.npy``) are memory-mapped with ``allow_pickle=False``,
so a conversion streams rows from the mapping and never holds gensim's copy of the model.
Writing one (``write``, for ``KeyedVectors.save``) is gensim's own ``save``.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from ..errors import ModelError

if TYPE_CHECKING:
    import numpy as np

_MODULE = "gensim.models.keyedvectors"
# gensim 4's class, and the names gensim 3.x saved its KeyedVectors under
KEYED_VECTORS = ("KeyedVectors", "EuclideanKeyedVectors", "Word2VecKeyedVectors", "BaseKeyedVectors")


class KeyedVectorsState:
    """What a KeyedVectors pickle holds, as plain attributes (gensim's class is never imported)."""

    def __setstate__(self, state: dict) -> None:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError("a KeyedVectors whose state is not a dict")
        self.__dict__.update(state)


class VocabEntry:
    """gensim 3.x's per-word ``Vocab`` (``count``, ``index``), as plain attributes."""

    count: object = None
    index: object = None


def _allowed() -> dict[tuple[str, str], object]:
    import codecs

    import numpy as np

    try:
        from numpy._core import multiarray
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray  # type: ignore[no-redef]
    names: dict[tuple[str, str], object] = {(_MODULE, name): KeyedVectorsState for name in KEYED_VECTORS}
    names[(_MODULE, "Vocab")] = VocabEntry
    names[("_codecs", "encode")] = codecs.encode  # str -> bytes: runs nothing else
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        names[(module, "_reconstruct")] = multiarray._reconstruct
        names[(module, "scalar")] = multiarray.scalar
    names[("numpy", "ndarray")] = np.ndarray
    names[("numpy", "dtype")] = np.dtype
    return names


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that finds only allow-listed names; any other is an UnpicklingError naming it."""

    def __init__(self, file: BinaryIO) -> None:
        super().__init__(file)
        self._allowed = _allowed()

    def find_class(self, module: str, name: str) -> object:
        found = self._allowed.get((module, name))
        if found is None:
            raise RefusedName(f"{module}.{name}")
        return found


# gensim's trained models, saved whole with ``model.save``: their ``.wv`` is what vecq reads.
_WHOLE_MODELS = {"Word2Vec", "FastText", "Doc2Vec"}


class RefusedName(pickle.UnpicklingError):
    """A name the allow-list does not admit."""


def _state(path: str) -> dict:
    """The attributes a KeyedVectors file holds, read by the allow-list unpickler."""
    try:
        with open(path, "rb") as f:
            held = SafeUnpickler(f).load()
    except RefusedName as e:
        whole = str(e).startswith("gensim.models.") and str(e).rsplit(".", 1)[-1] in _WHOLE_MODELS
        raise ModelError(
            f"{path} is a pickle that names {e}, which vecq does not load without ⟨trust⟩ (unpickling "
            "it could run code); give ⟨trust⟩ only if you trust where the file came from"
            + (
                " (a model you trained and saved is such a file), or save its vectors alone: "
                "model.wv.save('vectors.kv')"
                if whole
                else ""
            )
        ) from e
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as e:
        raise ModelError(f"{path} is not a readable gensim KeyedVectors file ({e})") from e
    if not isinstance(held, KeyedVectorsState):
        raise ModelError(f"{path} holds a {type(held).__name__}, not gensim's KeyedVectors")
    return held.__dict__


def read(path: str, limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """The words (row order) and vectors of a KeyedVectors file (gensim 4's, or 3.x's ``index2word``
    and ``syn0``/``vectors``), the vectors memory-mapped if gensim stored them beside it. ModelError,
    naming what was refused, for anything else."""
    import numpy as np

    state = _state(path)
    words = state.get("index_to_key", state.get("index2word"))
    vectors = None
    for name in ("vectors", "syn0"):
        vectors = state.get(name)
        if vectors is None and name in (state.get("__numpys") or []):
            vectors = _companion(path, name)
        if vectors is not None:
            break
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ModelError(f"{path}: its vocabulary (index_to_key) is not a list of words")
    if not isinstance(vectors, np.ndarray) or vectors.ndim != 2 or vectors.shape[0] != len(words):
        shape = getattr(vectors, "shape", None)
        raise ModelError(f"{path}: {len(words)} words but vectors of shape {shape}; the file is damaged")
    if vectors.dtype.kind != "f":
        raise ModelError(f"{path}: its vectors are {vectors.dtype}, not floating point")
    if limit is not None:
        words, vectors = words[:limit], vectors[:limit]
    return words, vectors


def _companion(path: str, name: str) -> np.ndarray:
    """An array gensim stored beside the file (``PATH.NAME.npy``), memory-mapped, never unpickled."""
    import numpy as np

    companion = f"{path}.{name}.npy"
    if not os.path.exists(companion):
        raise ModelError(f"{path} keeps its vectors in {companion}, which is missing; copy it beside it")
    try:
        return np.load(companion, mmap_mode="r", allow_pickle=False)
    except ValueError as e:
        raise ModelError(f"{companion} is not a plain array file ({e})") from e


class Bookkeeping(NamedTuple):
    """What a KeyedVectors file keeps beside its vectors."""

    attributes: dict[str, tuple[np.dtype, dict[str, object]]]  # name: (type, word: value)
    events: list[dict]  # gensim's lifecycle_events, its history ([] when it has none)


def bookkeeping(path: str) -> Bookkeeping:
    """The per-word attributes of a KeyedVectors file (gensim 4's ``expandos``, such as
    ``count``; gensim 3.x's ``vocab[word].count``) and its lifecycle events."""
    import numpy as np

    state = _state(path)
    events = state.get("lifecycle_events")
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        events = []
    words = state.get("index_to_key", state.get("index2word"))
    attributes: dict[str, tuple[np.dtype, dict[str, object]]] = {}
    expandos = state.get("expandos") or {}
    if isinstance(words, list) and isinstance(expandos, dict):
        for name, values in expandos.items():
            if isinstance(name, str) and isinstance(values, np.ndarray) and values.shape == (len(words),):
                attributes[name] = (values.dtype, dict(zip(words, values.tolist())))
    vocab = state.get("vocab")
    entries = list(vocab.items()) if isinstance(vocab, dict) else []
    if entries and all(isinstance(v, VocabEntry) for _, v in entries):
        attributes.update(_upconverted(entries))
    return Bookkeeping(attributes, events)


def _upconverted(entries: list[tuple[object, VocabEntry]]) -> dict[str, tuple[np.dtype, dict[str, object]]]:
    """gensim 3.x's per-word ``Vocab`` entries as gensim 4 upconverts them (its
    ``_upconvert_old_vocab``): each of an entry's attributes (``count``, ``index``, ``sample_int``...)
    an attribute of its word, of the type of the first value (``attribute_type``), ``sample_int``
    as uint32."""
    import numpy as np

    attributes: dict[str, tuple[np.dtype, dict[str, object]]] = {}
    for word, entry in entries:
        for attr, value in vars(entry).items():
            if attr not in attributes:
                attributes[attr] = (np.dtype(attribute_type(type(value))), {})  # type: ignore[call-overload]
            attributes[attr][1][str(word)] = value
    if "sample_int" in attributes:
        attributes["sample_int"] = (np.dtype(np.uint32), attributes["sample_int"][1])
    return attributes


def attribute_type(given: object) -> object:
    """The type gensim's array for an attribute of values of type ``given`` is made of (its
    ``allocate_vecattrs``: ``int`` is int64, ``str`` an object, any other type as it is)."""
    import numpy as np

    return {int: np.int64, str: object}.get(given, given)  # type: ignore[call-overload]


def write(
    fname_or_handle: str | os.PathLike | BinaryIO,
    words: list[str],
    vectors: np.ndarray,
    attrs: Mapping[str, list | np.ndarray],
    events: list[dict] | None = None,
    **kwargs: object,
) -> dict | None:
    """A gensim 4 KeyedVectors file, written by gensim itself, that gensim's ``KeyedVectors.load``
    and vecq's both open. To a path, as gensim lays it out (``kwargs``: its ``sep_limit``,
    ``separately``, ``ignore``, ``pickle_protocol``; a large array in ``NAME.vectors.npy`` beside,
    which gensim's ``load(mmap="r")`` maps), replaced only once all is written
    (``cache.files.output_files``); to a handle, gensim pickles the arrays inline, so it is one file.
    ``events``: the ``lifecycle_events`` it holds, to which gensim adds its "saving" one (naming
    the hidden file it writes, for a path); that event is returned (None: ``events`` is None)."""
    import numpy as np
    from gensim.models import KeyedVectors

    from ..cache.files import output_files

    native = KeyedVectors(vectors.shape[1], dtype=vectors.dtype)
    native.add_vectors(words, vectors)
    for attr, values in attrs.items():  # gensim's add_vectors(extras=) drops them: set here
        native.allocate_vecattrs([attr], [np.asarray(values).dtype])
        native.expandos[attr][:] = values
    native.lifecycle_events = None if events is None else list(events)
    if hasattr(fname_or_handle, "write"):
        native.save(fname_or_handle, **kwargs)
    else:
        with output_files(fname_or_handle) as staged:
            native.save(staged, **kwargs)
    return None if native.lifecycle_events is None else native.lifecycle_events[-1]
