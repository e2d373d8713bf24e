"""Unit length: the one rule for the rows of every model, and the one for query directions.

``unit_rows`` is how a matrix becomes the unit rows vecq searches; the cache's writer and in-memory
models both call it, so a model answers with the same bits whether or not its cache could be
written (``tests/test_engine.py::test_in_memory_and_cached_models_give_the_same_bits``).
"""

from __future__ import annotations

import numpy as np


def unit_rows(block: np.ndarray, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(unit rows, float32 norms) of a float32 block; an all-zero row stays all zeros.

    Each row is multiplied by the float32 reciprocal of its norm. A row holding NaN or an infinity
    gets a norm that is not finite: the caller decides what that means (the writer refuses it).
    The squares are summed in float64, where a float32 product is exact: numpy's float32 sums
    depend on where a row lies in memory (its SIMD loops), so the same rows read from two file
    layouts (a word2vec file, a fse ``.npy``) would otherwise get norms one bit apart.
    """
    squares = np.einsum("ij,ij->i", block, block, dtype=np.float64)
    norms = np.sqrt(squares).astype(np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        unit = np.multiply(block, (1.0 / np.where(norms > 0, norms, 1.0))[:, None], out=out)
    return unit, norms


def unit(vectors: np.ndarray) -> np.ndarray:
    """Query directions (one vector, or one a row) divided by their length; zero stays zero."""
    norm = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norm > 0, norm, 1).astype(vectors.dtype)
