"""k-means clusters of words (``vecq cluster``): scikit-learn's KMeans on the words' unit vectors,
each cluster listed by its words nearest the centre.

Invariants (tests/test_clusters.py):
- the partition is scikit-learn's ``KMeans(k, n_init=10, random_state=seed)`` on the unit rows: the
  same words, seed and k give the same clusters on every run and machine;
- clusters are numbered by size, largest first (ties: the one holding the most frequent word first);
  within a cluster, words are ranked by their cosine with the cluster's mean direction (its centre
  made unit length), ties by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..errors import MissingExtraError, QueryError, counted, first_few, shorten
from .model import Model
from .queries import count
from .ranking import exact_dots
from .unit import unit


class Cluster(NamedTuple):
    """One cluster: its rows ranked by ``scores`` (cosine with the centre), and how many it holds."""

    size: int
    rows: list[int]
    scores: list[float]


SEEDS = 1 << 32  # scikit-learn's random_state: 0 to 2^32 - 1


def with_direction(model: Model, rows: Sequence[int]) -> tuple[list[int], str | None]:
    """``rows`` without the all-zero ones (no direction: ``kmeans`` refuses them), and the note
    naming those left out (None: none), for a job over many words (``--first N``, a list) to say."""
    zero = set(np.intersect1d(np.asarray(rows, dtype=np.int64), model.zero_rows).tolist())
    if not zero:
        return list(rows), None
    named = first_few([shorten(model.vocab.word(r)) for r in rows if r in zero], 3)
    note = f"left out {counted(len(zero), 'word')} whose vector is all zeros, so no direction ({named})"
    return [r for r in rows if r not in zero], note


def kmeans(model: Model, rows: Sequence[int], k: int, seed: int = 0) -> list[Cluster]:
    """The words of ``rows`` in ``k`` clusters, each with every member ranked (the module's rules)."""
    try:
        from sklearn.cluster import KMeans
    except ImportError as e:
        raise MissingExtraError("vecq cluster needs scikit-learn: pip install 'vecq[projections]'") from e
    asked = np.asarray(rows, dtype=np.int64)
    k, seed = count("clusters", k, low=2), count("seed", seed, low=0, high=SEEDS - 1)
    values, counts = np.unique(asked, return_counts=True)
    if (counts > 1).any():
        named = shorten(model.name_of(int(values[counts > 1][0])))
        raise QueryError(f"{named} is given twice (or as two spellings of one word): give each word once")
    model.refuse_zero_rows(asked, "be clustered")
    if len(asked) < k:
        raise QueryError(
            f"{counted(len(asked), 'word')} cannot make {k} clusters: give more words or a smaller "
            "⟨clusters=N⟩"
        )
    vectors = model.gather(asked)  # words built from subwords or expressions too (rows past the vocabulary)
    distinct = len(np.unique(vectors, axis=0))
    if distinct < k:  # k-means would leave clusters empty
        raise QueryError(
            f"the {len(asked)} words hold only {distinct} different vectors (some share one), which "
            f"cannot make {k} clusters: give a smaller ⟨clusters=N⟩"
        )
    fitted = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(vectors.astype(np.float64))
    labels = np.asarray(fitted.labels_)
    centres = unit(np.asarray(fitted.cluster_centers_, dtype=np.float32))
    out = []
    for c in range(k):
        at = np.flatnonzero(labels == c)
        members = asked[at]
        scores = exact_dots(np.repeat(centres[c : c + 1], len(at), axis=0), vectors, at)
        order = np.lexsort((members, -scores))
        out.append(Cluster(len(members), members[order].tolist(), scores[order].tolist()))
    return sorted(out, key=lambda c: (-c.size, min(c.rows)))
