"""A gensim object already in memory (a trained model's ``.wv``, a ``KeyedVectors`` built in a
notebook) as a model held in memory: its words, vectors, n-grams, attributes and history, copied.

Nothing is read from a file and nothing is cached: the object is the source, and a later change
to it does not reach the copy (as a saved and reloaded model would not see it)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import ModelError

if TYPE_CHECKING:
    import numpy as np

    from ..core.model import Model
    from . import kv_pickle


class Held(NamedTuple):
    """What a gensim object holds, for vecq's ``KeyedVectors``."""

    model: Model
    attributes: dict[str, tuple[np.dtype, dict[str, object]]]  # name: (type, word: value)
    events: list[dict] | None  # its lifecycle_events (None: it keeps none)
    dtype: np.dtype  # the type of its vectors, handed out as they are


def is_gensim_vectors(value: object) -> bool:
    """Is ``value`` gensim's ``KeyedVectors`` (or a subclass), or a model holding one as ``wv``?"""
    vectors = getattr(value, "wv", value)
    return any(
        cls.__module__.startswith("gensim.") and cls.__name__ == "KeyedVectors"
        for cls in type(vectors).__mro__
    )


def held(value: Any, limit: int | None = None, subwords: bool = True) -> Held:
    """``value``'s vectors (``value.wv`` for a model; its first ``limit``) copied into a vecq model;
    with ``subwords``, a fastText object's n-grams build its unseen words as gensim's do.

    Raises:
        TypeError: a key that is not a word (gensim also takes integers as keys).
        ValueError: a vector holding NaN or an infinity, or values float32 cannot hold, named; or
            n-grams hashed by gensim's hash before 3.8, which vecq does not build words with.
    """
    import numpy as np

    from ..core.model import Model
    from ..core.subwords import Subwords
    from ..core.unit import float32_vectors

    kv = getattr(value, "wv", value)
    words = list(kv.index_to_key[:limit])
    odd = next((w for w in words if not isinstance(w, str)), None)
    if odd is not None:
        raise TypeError(f"vecq's keys are words (str); this gensim object has the key {odd!r}")
    vectors = np.asarray(kv.vectors)[: len(words)]
    name = f"gensim {type(kv).__name__}"
    model = Model.from_arrays(words, float32_vectors(words, vectors), name=name, source="memory")
    ngrams = getattr(kv, "vectors_ngrams", None)
    if subwords and ngrams is not None and np.size(ngrams):
        if not getattr(kv, "compatible_hash", True):
            raise ValueError(
                "this FastText model hashes its n-grams as gensim did before 3.8, not as fastText "
                "does, so vecq cannot build its unseen words: give subwords=False for its words alone"
            )
        rows = np.array(ngrams, dtype=np.float32)
        model.subwords = Subwords(rows, int(kv.min_n), int(kv.max_n), int(kv.bucket))
    events = getattr(kv, "lifecycle_events", [])
    return Held(
        model, attributes_of(kv, words), None if events is None else copy.deepcopy(events), vectors.dtype
    )


def attributes_of(kv: Any, words: list[str]) -> dict[str, tuple[np.dtype, dict[str, object]]]:
    """The per-word attributes (gensim's ``expandos``: ``count``...) of gensim's ``kv`` for ``words``,
    its first words: each attribute's type, and its value for each word."""
    import numpy as np

    return {
        attr: (values.dtype, dict(zip(words, values[: len(words)].tolist())))
        for attr, values in getattr(kv, "expandos", {}).items()
        if isinstance(values, np.ndarray) and values.shape == (len(kv.index_to_key),)
    }


def file_bookkeeping(path: str, trusted: bool) -> kv_pickle.Bookkeeping:
    """The per-word attributes and lifecycle events of gensim's native file ``path``: read as data
    (``kv_pickle``) when it holds a KeyedVectors; a whole model's file (a Word2Vec's, a FastText's),
    which that reader refuses, loaded by gensim itself when the user ``trusted`` it (a pickle can
    run code), and its ``wv`` taken.

    Raises:
        ModelError: the file cannot be read, or names what the data reader refuses, untrusted.
    """
    from . import kv_pickle

    try:
        return kv_pickle.bookkeeping(path)
    except ModelError as e:
        if not (trusted and isinstance(e.__cause__, kv_pickle.RefusedName)):
            raise
    from gensim.utils import SaveLoad

    from .gensim_calls import quiet_gensim

    with quiet_gensim():
        loaded = SaveLoad.load(path)
    kv = getattr(loaded, "wv", loaded)
    events = copy.deepcopy(getattr(kv, "lifecycle_events", None) or [])
    if kv is loaded and events and events[-1].get("event") == "loaded":
        events.pop()  # gensim's load records itself last: the file's own events are those before
    return kv_pickle.Bookkeeping(attributes_of(kv, list(kv.index_to_key)), events)
