"""gensim's native KeyedVectors files (``.kv``, ``.model``) read as data, never run as code.

A pickle names callables and unpickling calls them, so a pickle can run anything. ``SafeUnpickler``
admits only the names a KeyedVectors file needs: gensim's ``KeyedVectors`` class, replaced by a
plain attribute holder (no gensim code runs, gensim is not even imported), and numpy's array
reconstruction. Any other name is refused by name before anything is called
(tests/test_sources.py::test_a_pickle_that_would_run_code_is_refused_and_runs_nothing). The arrays
gensim stores beside the file (``NAME.vectors.npy``) are memory-mapped with ``allow_pickle=False``,
so a conversion streams rows from the mapping and never holds gensim's copy of the model.
"""

from __future__ import annotations

import os
import pickle
from typing import TYPE_CHECKING, BinaryIO

from ..errors import ModelError

if TYPE_CHECKING:
    import numpy as np

KEYED_VECTORS = ("gensim.models.keyedvectors", "KeyedVectors")


class KeyedVectorsState:
    """What a KeyedVectors pickle holds, as plain attributes (gensim's class is never imported)."""

    def __setstate__(self, state: dict) -> None:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError("a KeyedVectors whose state is not a dict")
        self.__dict__.update(state)


def _allowed() -> dict[tuple[str, str], object]:
    import numpy as np

    try:
        from numpy._core import multiarray
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray  # type: ignore[no-redef]
    names: dict[tuple[str, str], object] = {KEYED_VECTORS: KeyedVectorsState}
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


class RefusedName(pickle.UnpicklingError):
    """A name the allow-list does not admit."""


def read(path: str, limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """The words (row order) and vectors of a KeyedVectors file, the vectors memory-mapped if gensim
    stored them beside it. ModelError, naming what was refused, for anything else."""
    import numpy as np

    try:
        with open(path, "rb") as f:
            held = SafeUnpickler(f).load()
    except RefusedName as e:
        raise ModelError(
            f"{path} is a pickle that names {e}, which vecq does not load without ⟨trust⟩ (unpickling "
            "it could run code); give ⟨trust⟩ only if you trust where the file came from"
        ) from e
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as e:
        raise ModelError(f"{path} is not a readable gensim KeyedVectors file ({e})") from e
    if not isinstance(held, KeyedVectorsState):
        raise ModelError(f"{path} holds a {type(held).__name__}, not gensim's KeyedVectors")
    state = held.__dict__
    words = state.get("index_to_key")
    vectors = state.get("vectors")
    if vectors is None and "vectors" in (state.get("__numpys") or []):
        companion = f"{path}.vectors.npy"
        if not os.path.exists(companion):
            raise ModelError(f"{path} keeps its vectors in {companion}, which is missing; copy it beside it")
        try:
            vectors = np.load(companion, mmap_mode="r", allow_pickle=False)
        except ValueError as e:
            raise ModelError(f"{companion} is not a plain array file ({e})") from e
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
