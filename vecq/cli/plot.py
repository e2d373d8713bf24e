"""A 2-D picture of some words: PCA over their vectors, drawn with matplotlib (an optional extra) into
an image file, or with rich on the terminal itself.

The terminal picture is a grid of characters: a few labelled points need nothing more, and rich
(already a dependency) brings colour and its absence (NO_COLOR) for free, where a plotting library
such as plotext would add a dependency for axes and ticks that a PCA picture has no use for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..cache.files import STDOUT, output_file
from ..core.model import Model
from ..core.projection import points
from ..core.words import Match
from ..errors import UsageError, VecqError

FORMATS = (".png", ".svg", ".pdf")


class PlotError(VecqError):
    pass


def image_format(path: Path) -> str:
    """The image type of ``path``, from its extension (``-``, standard output: PNG); a usage error
    for an extension matplotlib does not write here."""
    if str(path) == STDOUT:
        return "png"
    if path.suffix.lower() not in FORMATS:
        raise UsageError(
            f"{path}: the image type comes from the extension; use one of {', '.join(FORMATS)} ('-': PNG)"
        )
    return path.suffix.lower()[1:]


def draw_terminal(model: Model, matches: list[Match], console, neighbors: int = 0) -> None:
    """The same picture on the terminal: a character grid, words in one colour, neighbours in a
    second (without colour: ● for a word asked for, · for a neighbour)."""
    from rich.panel import Panel
    from rich.text import Text

    labels, _, main, xy = points(model, matches, neighbors)
    width = max(30, min(console.width, 100) - 4)
    height = max(10, min(18, width // 4))
    longest = max(len(label) for label in labels)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    cols = ((xy[:, 0] - lo[0]) / span[0] * max(1, width - longest - 3)).round().astype(int)
    rows = ((hi[1] - xy[:, 1]) / span[1] * (height - 1)).round().astype(int)
    grid = [[(" ", "")] * width for _ in range(height)]
    colour = console.no_color is False and console.color_system is not None
    order = sorted(range(len(labels)), key=lambda i: not main[i])  # the asked-for words first
    for i in order:
        style = ("bold cyan" if main[i] else "magenta") if colour else ""
        text = ("●" if main[i] else "·") + " " + labels[i]
        r, c = int(rows[i]), int(cols[i])
        for dr in (0, 1, -1, 2, -2):  # a free place on this row or a near one
            rr = r + dr
            if 0 <= rr < height and all(grid[rr][c + k][0] == " " for k in range(min(len(text), width - c))):
                for k, ch in enumerate(text[: width - c]):
                    grid[rr][c + k] = (ch, style)
                break
    picture = Text()
    for i, line in enumerate(grid):
        for ch, style in line:
            picture.append(ch, style)
        if i < height - 1:
            picture.append("\n")
    title = f"{', '.join(m.word for m in matches)} ({model.info.name}, PCA)"
    console.print(Panel(picture, title=title, expand=False))


def draw(model: Model, matches: list[Match], path: Path, neighbors: int = 0) -> Path:
    """The PCA scatter of ``matches`` (and each one's ``neighbors`` nearest words) written to ``path``."""
    kind = image_format(path)
    try:
        import matplotlib

        matplotlib.use("Agg")
        matplotlib.rcParams["svg.fonttype"] = "none"  # labels stay text in an SVG: searchable, selectable
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise PlotError("plotting needs matplotlib: pip install 'vecq[plot]'") from e
    labels, groups, asked, xy = points(model, matches, neighbors)
    fig, ax = plt.subplots(figsize=(7, 5.5), dpi=120)
    cmap = plt.get_cmap("tab10")
    for i, (label, g) in enumerate(zip(labels, groups)):
        main = asked[i]
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
        with output_file(path) as f:
            fig.savefig(f, format=kind)
    finally:
        plt.close(fig)
    return path
