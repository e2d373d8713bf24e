"""Two models aligned (orthogonal Procrustes on the words they share) and compared word by word.

The map W is the orthogonal matrix that best turns model A's unit rows of the shared words into
model B's (scipy's ``orthogonal_procrustes``, the SVD solution of Schoenemann 1966): one rotation
(and reflection), so cosines within A are kept. A word's change between the models is the cosine of
its A vector mapped by W with its B vector; the overlap of its neighbour lists is their Jaccard
index at k (as word sets: no map needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..errors import QueryError, counted
from ..records import AlignAnswer
from .expression import Term
from .model import Model
from .words import WORD_START, Match, word_of

BLOCK = 1 << 14
RANK_TOLERANCE = 1e-6  # a singular value this small against the rows' scale counts as zero


class Alignment(NamedTuple):
    rows_a: np.ndarray  # the shared words' rows in A, in A's order (its most frequent first)
    rows_b: np.ndarray  # the same words' rows in B
    w: np.ndarray  # (dims_a, dims_b), float64: A's unit rows @ w ~ B's unit rows


def shared_rows(a: Model, b: Model, first: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The rows in A and in B of the words both models have, A's order; among A's first ``first``."""
    n = len(a) if first is None else min(first, len(a))
    rows_a, rows_b = [], []
    for start in range(0, n, BLOCK):
        words = a.vocab.words(range(start, min(n, start + BLOCK)))
        for offset, word in enumerate(words):
            form = key_in(b, word_of(word, a.vocab.tokens), a.vocab.tokens)
            row = None if form is None else b.vocab.index(form)
            if row is not None:
                rows_a.append(start + offset)
                rows_b.append(row)
    return np.array(rows_a, dtype=np.int64), np.array(rows_b, dtype=np.int64)


def key_in(b: Model, word: str | None, from_tokens: bool) -> str | None:
    """The key of ``word`` (``words.word_of`` of an entry of another model) in B: a word model's
    word is a token table's word-start token (``cat`` is ``▁cat``, never the piece inside a word);
    between two token tables, or two word models, an entry is itself."""
    if word is None or from_tokens == b.vocab.tokens:
        return word
    return WORD_START + word if b.vocab.tokens else word


def fit(a: Model, b: Model, rows_a: np.ndarray, rows_b: np.ndarray) -> Alignment:
    """The orthogonal map from A's unit rows of the shared words onto B's."""
    from scipy.linalg import orthogonal_procrustes

    if a.dims != b.dims:
        raise QueryError(
            f"an orthogonal map needs equal dimensions; {a.info.name} has {a.dims} and {b.info.name} {b.dims}"
        )
    if len(rows_a) < a.dims:
        raise QueryError(
            f"the models share {counted(len(rows_a), 'word')}, fewer than their {a.dims} dimensions: "
            "too few to align"
        )
    va = np.asarray(a.gather(rows_a), dtype=np.float64)
    vb = np.asarray(b.gather(rows_b), dtype=np.float64)
    refuse_undetermined(va, vb, a.dims)
    w, _ = orthogonal_procrustes(va, vb)
    return Alignment(rows_a, rows_b, w)


def refuse_undetermined(va: np.ndarray, vb: np.ndarray, dims: int) -> None:
    """A QueryError unless the shared words determine the map: it is unique only when their
    cross-product ``va.T @ vb`` has full rank (Schoenemann 1966). Shared words that span fewer
    dimensions (repeated or all-zero vectors) leave the rest of the rotation arbitrary, and with it
    the answer for every word outside their span."""
    singular = np.linalg.svd(va.T @ vb, compute_uv=False)
    # |va.T @ vb| <= |va| |vb| (Frobenius norms: the count of non-zero rows for unit rows), the
    # scale against which float32 rows' rounding (about 1e-7 a product) is told from a true zero
    scale = float(np.linalg.norm(va) * np.linalg.norm(vb))
    rank = int((singular > scale * RANK_TOLERANCE).sum())
    if rank < dims:
        raise QueryError(
            f"the {len(va):,} shared words fix only {rank} of the map's {dims} dimensions (their vectors "
            "repeat or cancel), so the map would be a guess: align on more shared words (⟨shared=N⟩)"
        )


def mapped(a: Model, alignment: Alignment, rows: Sequence[int] | np.ndarray) -> np.ndarray:
    """A's unit rows ``rows`` mapped into B's space (unit length, float32)."""
    out = np.asarray(a.gather(list(rows)), dtype=np.float64) @ alignment.w
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out.astype(np.float32)


def nearest_in_b(a: Model, b: Model, alignment: Alignment, row: int, top: int) -> list[tuple[int, float]]:
    """A's word at ``row``, mapped into B's space: B's ``top`` nearest rows, (row, cosine) best first."""
    (found,) = b.neighbors_of_directions(mapped(a, alignment, [row]), top)
    return found


def similarity_across(
    a: Model,
    b: Model,
    alignment: Alignment,
    rows_a: Sequence[int] | np.ndarray,
    rows_b: Sequence[int] | np.ndarray,
) -> np.ndarray:
    """Each word's cosine between its A vector, mapped, and its B vector (float64)."""
    ma = mapped(a, alignment, rows_a).astype(np.float64)
    vb = np.asarray(b.gather(list(rows_b)), dtype=np.float64)
    return np.einsum("ij,ij->i", ma, vb)


def changed_most(a: Model, b: Model, alignment: Alignment, top: int) -> list[tuple[int, int, float]]:
    """(row in A, row in B, cosine across) of the ``top`` shared words whose vectors moved most."""
    scores = np.empty(len(alignment.rows_a), dtype=np.float64)
    for start in range(0, len(scores), BLOCK):
        stop = min(len(scores), start + BLOCK)
        scores[start:stop] = similarity_across(
            a, b, alignment, alignment.rows_a[start:stop], alignment.rows_b[start:stop]
        )
    # A word all zeros in either model has no direction there: not a word that moved (its cosine
    # of 0 would head the list). Left out here, whatever alignment (even one kept from before) says.
    directionless = np.isin(alignment.rows_a, a.zero_rows) | np.isin(alignment.rows_b, b.zero_rows)
    scores[directionless] = np.inf
    order = np.lexsort((alignment.rows_a, scores))[: min(top, int((~directionless).sum()))]
    return [(int(alignment.rows_a[i]), int(alignment.rows_b[i]), float(scores[i])) for i in order]


def jaccard(first: Sequence[str], second: Sequence[str]) -> float:
    """The Jaccard index of two neighbour lists as sets of words."""
    one, two = set(first), set(second)
    return len(one & two) / len(one | two) if one | two else 1.0


def neighbour_words(model: Model, rows: Sequence[int], top: int) -> list[list[str]]:
    """Each row's ``top`` nearest words in ``model`` (the engine's exact lists), as word lists name
    them (``words.word_of``: a token table's pieces inside words stay as shown, marked apart)."""
    queries = [[Term(1.0, Match(str(r), str(r), r))] for r in rows]
    tokens = model.vocab.tokens
    return [
        [word_of(model.vocab.word(r), tokens) or "##" + model.vocab.word(r) for r, _ in found]
        for found in model.neighbors_many(queries, top=top)
    ]


def compared(
    a: Model,
    b: Model,
    alignment: Alignment,
    pairs: Sequence[tuple[str, int, int]] | None,
    top: int,
    overlap_k: int,
) -> list[AlignAnswer]:
    """The records of ``vecq align``: each word of ``pairs`` (word, its row in A, its row in B; None:
    the ``top`` shared words that changed most), its cosine across the models and its lists'
    overlap at ``overlap_k``."""
    if pairs is None:
        pairs = [(a.vocab.word(ra), ra, rb) for ra, rb, _ in changed_most(a, b, alignment, top)]
    a.refuse_zero_rows([p[1] for p in pairs], f"be compared across models (its vector in {a.info.name})")
    b.refuse_zero_rows([p[2] for p in pairs], f"be compared across models (its vector in {b.info.name})")
    across = similarity_across(a, b, alignment, [p[1] for p in pairs], [p[2] for p in pairs])
    lists_a = neighbour_words(a, [p[1] for p in pairs], overlap_k)
    lists_b = neighbour_words(b, [p[2] for p in pairs], overlap_k)
    return [
        AlignAnswer(n, w, float(s), jaccard(la, lb))
        for n, ((w, _, _), s, la, lb) in enumerate(zip(pairs, across, lists_a, lists_b), 1)
    ]
