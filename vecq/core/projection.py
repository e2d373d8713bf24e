"""Words placed in two dimensions, as ``vecq plot`` draws them and the server's explorer shows them."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..errors import MissingExtraError, QueryError, first_few
from .expression import Term
from .model import Model
from .words import Match

# Unit rows closer than this in every coordinate are one point: what parts them is the rounding
# of a file's decimals (a vector written beside its double), not a direction.
ONE_POINT = 1e-5


class ProjectionError(MissingExtraError):
    """A projection that cannot be made here (its library is not installed)."""


class Placed(NamedTuple):
    """Words placed in two dimensions, and what the two axes keep of them."""

    labels: list[str]
    groups: list[int]  # the word asked for that each point belongs to (its own index for those)
    asked: list[bool]  # a word asked for, or a neighbour of one
    xy: np.ndarray  # (points, 2)
    explained: tuple[float, float]  # the share of the fitted words' spread (variance) on each axis
    fitted: int  # how many of the points the axes were fitted on (the first ``fitted``)
    projection: str = "pca"  # or "tsne"
    dims: int = 2  # the vectors' dimensions (t-SNE starts at random below two)


# A placed point as a record (``vecq plot -f``, the server's ``/api/plot``): the word, the number of
# the word asked for that it belongs to, whether it was asked for, and its place.
PLACED_COLUMNS = ("word", "group", "asked", "x", "y")


def placed_records(placed: Placed) -> list[dict]:
    """``placed``'s points as records of ``PLACED_COLUMNS``, in its order (the words asked first)."""
    return [
        {"word": w, "group": g, "asked": a, "x": float(x), "y": float(y)}
        for w, g, a, (x, y) in zip(placed.labels, placed.groups, placed.asked, placed.xy.tolist())
    ]


def project(vectors: np.ndarray, fit: int | None = None) -> tuple[np.ndarray, tuple[float, float]]:
    """The rows on the first two principal components of their first ``fit`` rows (all by default;
    centred; SVD, so no scikit-learn needed), and the share of those rows' variance on each."""
    fitted = vectors[: fit or len(vectors)]
    mean = fitted.mean(axis=0)
    _, s, vt = np.linalg.svd(fitted - mean, full_matrices=False)
    out = (vectors - mean) @ vt[:2].T
    if out.shape[1] < 2:
        out = np.hstack([out, np.zeros((out.shape[0], 2 - out.shape[1]))])
    total = float((s**2).sum())
    shares = [float(v**2) / total if total > 0 else 0.0 for v in s[:2]]
    shares += [0.0] * (2 - len(shares))
    return out, (shares[0], shares[1])


def across_epochs(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The same words in several snapshots of a training (one array of rows per snapshot, the
    last the trained model), all placed on the trained model's two principal axes, so that a move
    from frame to frame is the word's own move towards where training put it.

    Rows are made unit length first (cosine similarity is what the other commands show), and
    centred by the trained rows' mean (word2vec's vectors share a common direction that would
    otherwise be the first axis). The axes come from the last frame alone: fitted on every frame,
    the first axis would only part the random start from the rest.
    """
    unit = []
    for rows in frames:
        rows = np.asarray(rows, dtype=np.float64)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        unit.append(rows / np.where(norms > 0, norms, 1.0))
    mean = unit[-1].mean(axis=0)
    _, _, vt = np.linalg.svd(unit[-1] - mean, full_matrices=False)
    axes = vt[:2].T
    if axes.shape[1] < 2:
        axes = np.hstack([axes, np.zeros((axes.shape[0], 2 - axes.shape[1]))])
    return [(u - mean) @ axes for u in unit]


def tsne(vectors: np.ndarray) -> np.ndarray:
    """scikit-learn's t-SNE of the rows (seeded, PCA start: the same rows give the same picture; a
    random one for rows of one dimension); the perplexity below the number of points, as t-SNE needs."""
    try:
        from sklearn.manifold import TSNE
    except ImportError as e:
        raise ProjectionError("t-SNE needs scikit-learn: pip install 'vecq[projections]'") from e
    perplexity = tsne_perplexity(len(vectors))
    start = tsne_start(vectors.shape[1])
    return TSNE(n_components=2, perplexity=perplexity, init=start, random_state=0).fit_transform(vectors)


def tsne_start(dims: int) -> str:
    """t-SNE's start: the rows' PCA, or at random for rows of one dimension (PCA needs two)."""
    return "pca" if dims >= 2 else "random"


def tsne_perplexity(n: int) -> float:
    """scikit-learn's default perplexity (30), below a third of the points for a few."""
    return float(max(1.0, min(30.0, (n - 1) / 3)))


def umap_neighbours(n: int) -> int:
    """umap-learn's default neighbours (15), fewer than the points for a few."""
    return min(UMAP_NEIGHBOURS, n - 1)


def parameters(projection: str, n: int, dims: int = 2) -> str:
    """The method and its parameters for ``n`` points of ``dims`` dimensions, as the picture states them."""
    if projection == "tsne":
        start = "PCA" if tsne_start(dims) == "pca" else "random"
        return f"scikit-learn's t-SNE, perplexity {tsne_perplexity(n):g}, {start} start, seed 0"
    if projection == "umap":
        return f"umap-learn's UMAP, {umap_neighbours(n)} neighbours by cosine, seed 0"
    return "PCA"


# The projections vecq draws with, by the name the options take, and as pictures name them.
PROJECTIONS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


def umap(vectors: np.ndarray) -> np.ndarray:
    """umap-learn's UMAP of the rows by cosine (seeded: the same rows give the same picture; a
    seeded UMAP runs on one thread). ``UMAP_NEIGHBOURS`` neighbours, fewer for a few points;
    spectral start from five points on (a random one below: the spectral start needs more)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numba's and umap's import-time notices
            from umap import UMAP
    except ImportError as e:
        raise ProjectionError("UMAP needs umap-learn: pip install 'vecq[projections]'") from e
    n = len(vectors)
    if n < 3:
        raise QueryError("UMAP places three words or more: give more words (or ⟨top=K⟩, their neighbours)")
    reducer = UMAP(
        n_neighbors=umap_neighbours(n),
        metric="cosine",
        init="spectral" if n >= 5 else "random",
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by setting random_state": said above
        return np.asarray(reducer.fit_transform(vectors), dtype=np.float64)


UMAP_NEIGHBOURS = 15  # umap-learn's default


def points(model: Model, matches: list[Match], neighbors: int = 0, projection: str = "pca") -> Placed:
    """The words and their ``neighbors`` nearest words placed in 2-D. PCA: the axes are fitted on
    the words asked for when there are three or more, so that adding neighbours keeps their layout
    (the neighbours are placed on the same axes); on every point otherwise. ``"tsne"``: t-SNE of
    every point (scikit-learn; no axes to speak of, so no share of the spread: ``explained`` 0)."""
    model.refuse_zero_rows([m.row for m in matches if m.row < len(model)], "be placed by its direction")
    labels: list[str] = []
    groups: list[int] = []
    main: list[bool] = []
    rows: list[int] = []
    shown: list[Match] = []
    for m in matches:  # a word asked for twice (or as two spellings of one row) is one point
        if m.row not in rows:
            labels.append(m.word)
            groups.append(len(shown))
            main.append(True)
            rows.append(m.row)
            shown.append(m)
    matches = shown
    for g, m in enumerate(matches):  # a neighbour already shown (asked for, or another's) is shown once
        if neighbors:
            for n in model.neighbors([Term(1.0, m)], top=neighbors):
                row = model.vocab.index(n.word)
                if row is None or row in rows:
                    continue
                labels.append(n.word)
                groups.append(g)
                main.append(False)
                rows.append(row)
    if len(rows) < 2:
        raise QueryError("give at least two different words (or ⟨top=K⟩, their neighbours) to plot")
    vectors = np.asarray(model.gather(rows), dtype=np.float64)
    if np.abs(vectors - vectors[0]).max() < ONE_POINT:
        # Invariant: no projection is asked to spread points that are one point. PCA would stack
        # them at the origin, and scikit-learn's t-SNE crashes the process (a segfault) on them.
        raise QueryError(
            f"{' and '.join(labels) if len(labels) < 4 else 'the words'} have the same direction: "
            "nothing to place apart; give words that differ (or ⟨top=K⟩, their neighbours)"
        )
    if projection in ("tsne", "umap"):
        xy = tsne(vectors) if projection == "tsne" else umap(vectors)
        lost = [label for label, place in zip(labels, np.isfinite(xy).all(axis=1).tolist()) if not place]
        if lost:  # a point without coordinates would be left out of the picture without a word
            raise QueryError(
                f"{PROJECTIONS[projection]} gave no place to {first_few(lost, 3)} (a few words, some "
                "of one direction): give more words (or ⟨top=K⟩), or ⟨projection=pca⟩"
            )
        return Placed(labels, groups, main, xy, (0.0, 0.0), len(rows), projection, vectors.shape[1])
    fitted = len(matches) if len(matches) >= 3 else len(rows)
    xy, explained = project(vectors, fitted)
    return Placed(labels, groups, main, xy, explained, fitted)
