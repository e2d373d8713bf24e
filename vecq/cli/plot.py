"""A 2-D picture of some words: PCA over their vectors, drawn with matplotlib (an optional extra)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.expression import Term
from ..core.model import Model
from ..core.words import Match
from ..errors import OutputError, QueryError, UsageError, VecqError

FORMATS = (".png", ".svg", ".pdf")


class PlotError(VecqError):
    pass


def project(vectors: np.ndarray) -> np.ndarray:
    """The first two principal components (rows centred; SVD, so no scikit-learn needed)."""
    centred = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    out = centred @ vt[:2].T
    if out.shape[1] < 2:
        out = np.hstack([out, np.zeros((out.shape[0], 2 - out.shape[1]))])
    return out


def check_image_path(path: Path) -> None:
    """Refuse an image name whose extension is not a format matplotlib writes here (a usage error)."""
    if path.suffix.lower() not in FORMATS:
        raise UsageError(f"{path}: the image type comes from the extension; use one of {', '.join(FORMATS)}")


def draw(model: Model, matches: list[Match], path: Path, neighbors: int = 0) -> Path:
    """The PCA scatter of ``matches`` (and each one's ``neighbors`` nearest words) written to ``path``."""
    check_image_path(path)
    try:
        import matplotlib

        matplotlib.use("Agg")
        matplotlib.rcParams["svg.fonttype"] = "none"  # labels stay text in an SVG: searchable, selectable
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise PlotError("plotting needs matplotlib: pip install 'vecq[plot]'") from e
    labels, groups, rows = [], [], []
    for g, m in enumerate(matches):
        labels.append(m.word)
        groups.append(g)
        rows.append(m.row)
        if neighbors:
            for n in model.neighbors([Term(1.0, m)], top=neighbors):
                labels.append(n.word)
                groups.append(g)
                rows.append(model.vocab.index(n.word))
    if len(rows) < 2:
        raise QueryError("give at least two words (or --neighbors K) to plot")
    xy = project(np.asarray(model.vectors[rows], dtype=np.float64))
    fig, ax = plt.subplots(figsize=(7, 5.5), dpi=120)
    cmap = plt.get_cmap("tab10")
    for i, (label, g) in enumerate(zip(labels, groups)):
        main = i == 0 or groups[i - 1] != g or not neighbors
        colour = cmap(g % 10) if neighbors else cmap(0)
        ax.scatter(xy[i, 0], xy[i, 1], color=colour, s=60 if main else 25, alpha=1 if main else 0.7)
        ax.annotate(label, xy[i], xytext=(4, 4), textcoords="offset points", fontsize=11 if main else 9)
    ax.set_title(f"{', '.join(m.word for m in matches)} ({model.info.name}, PCA)")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.grid(alpha=0.3)
    ax.margins(0.15)  # room for the labels at the edges
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}; choose another -o") from e
    finally:
        plt.close(fig)
    return path
