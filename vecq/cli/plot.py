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
from ..core.projection import PROJECTIONS as NAMES
from ..core.projection import Placed, parameters, points
from ..core.words import Match
from ..errors import UsageError, VecqError
from .env import carries_unicode

FORMATS = (".png", ".svg", ".pdf")
EPOCH_FORMATS = (*FORMATS, ".gif")  # --epochs: a GIF is animated, the others a grid of small multiples


class PlotError(VecqError):
    pass


def image_format(path: Path, formats: tuple[str, ...] = FORMATS) -> str:
    """The image type of ``path``, from its extension (``-``, standard output: PNG); a usage error
    for an extension not among ``formats``."""
    if str(path) == STDOUT:
        return "png"
    if path.suffix.lower() not in formats:
        raise UsageError(
            f"{path}: the image type comes from the extension; use one of {', '.join(formats)} ('-': PNG)"
        )
    return path.suffix.lower()[1:]


def draw_terminal(
    model: Model, matches: list[Match], console, neighbors: int = 0, projection: str = "pca"
) -> None:
    """The same picture on the terminal: a character grid, words in one colour, neighbours in a
    second (without colour: ● for a word asked for, · for a neighbour)."""
    from rich.panel import Panel
    from rich.text import Text

    placed = points(model, matches, neighbors, projection)
    labels, main, xy = placed.labels, placed.asked, placed.xy
    width = max(30, min(console.width, 100) - 4)
    height = max(10, min(18, width // 4))
    picture = _grid(labels, main, xy, width, height, xy.min(axis=0), xy.max(axis=0), console)
    title = f"{', '.join(m.word for m in matches)} ({model.info.name}, {NAMES[placed.projection]})"
    x_share, y_share = placed.explained
    axes = (
        f"across: PC 1, {x_share:.0%} of the spread; up: PC 2, {y_share:.0%}"
        if placed.projection == "pca"
        else f"{NAMES[placed.projection]}: the axes mean nothing, nearness does"
    )
    console.print(Panel(picture, title=title, subtitle=axes, expand=False))
    console.print(Text(caption(placed), style="dim" if _coloured(console) else ""))


def draw_epochs_terminal(frames: list[tuple[int, np.ndarray]], labels: list[str], name: str, console) -> None:
    """Snapshots of a training side by side (small multiples), all on the same axes."""
    from rich.columns import Columns
    from rich.panel import Panel
    from rich.text import Text

    lo = np.min([xy.min(axis=0) for _, xy in frames], axis=0)
    hi = np.max([xy.max(axis=0) for _, xy in frames], axis=0)
    width = max(24, min(34, console.width // 3 - 4))
    main = [True] * len(labels)
    frames = some_frames(frames, 9)
    panels = [
        Panel(_grid(labels, main, xy, width, 9, lo, hi, console), title=f"epoch {epoch}", expand=False)
        for epoch, xy in frames
    ]
    axes = "unit vectors on the trained model's two principal axes"
    console.print(Text(f"{', '.join(labels)} ({name}, {axes})"))
    console.print(Columns(panels))


def some_frames(frames: list, most: int) -> list:
    """At most ``most`` of ``frames``, evenly spread, the first (the random start) and the last kept."""
    if len(frames) <= most:
        return frames
    picks = sorted({round(i * (len(frames) - 1) / (most - 1)) for i in range(most)})
    return [frames[i] for i in picks]


def _coloured(console) -> bool:
    return console.no_color is False and console.color_system is not None


def _grid(labels, main, xy, width: int, height: int, lo, hi, console):
    """The points as a grid of characters, ``lo``-``hi`` the corners; a label that would cover
    another moves to a free row near its own. Marks in ASCII (* and .) where the terminal's
    encoding has no ● and ·."""
    from rich.text import Text

    colour = _coloured(console)
    marks = ("●", "·") if carries_unicode(console.encoding) else ("*", ".")

    longest = max(len(label) for label in labels)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    cols = ((xy[:, 0] - lo[0]) / span[0] * max(1, width - longest - 3)).round().astype(int)
    rows = ((hi[1] - xy[:, 1]) / span[1] * (height - 1)).round().astype(int)
    grid = [[(" ", "")] * width for _ in range(height)]
    order = sorted(range(len(labels)), key=lambda i: not main[i])  # the asked-for words first
    for i in order:
        style = ("bold cyan" if main[i] else "magenta") if colour else ""
        text = marks[0 if main[i] else 1] + " " + labels[i]
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
    return picture


def draw(model: Model, matches: list[Match], path: Path, neighbors: int = 0, projection: str = "pca") -> Path:
    """The PCA scatter of ``matches`` (and each one's ``neighbors`` nearest words) written to ``path``."""
    kind = image_format(path)
    plt = _pyplot()
    placed = points(model, matches, neighbors, projection)
    xy, (x_share, y_share) = placed.xy, placed.explained
    fig, ax = plt.subplots(figsize=(7, 6), dpi=120)
    cmap = plt.get_cmap("tab10")
    for i, g in enumerate(placed.groups):
        main = placed.asked[i]
        colour = cmap(g % 10) if neighbors else cmap(0)
        ax.scatter(xy[i, 0], xy[i, 1], color=colour, s=60 if main else 25, alpha=1 if main else 0.7)
    ax.set_title(f"{', '.join(m.word for m in matches)} ({model.info.name}, {NAMES[placed.projection]})")
    if placed.projection == "pca":
        ax.set_xlabel(f"PC 1: {x_share:.0%} of the spread")
        ax.set_ylabel(f"PC 2: {y_share:.0%} of the spread")
    else:
        ax.set_xlabel(f"{NAMES[placed.projection]} 1")
        ax.set_ylabel(f"{NAMES[placed.projection]} 2")
    ax.set_aspect("equal", adjustable="datalim")  # one unit is as long across as up: distances are true
    ax.grid(alpha=0.3)
    ax.margins(0.15)  # room for the labels at the edges
    fig.text(0.5, 0.01, caption(placed), ha="center", va="bottom", fontsize=8, wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    place_labels(fig, ax, xy, placed.labels, [11 if a else 9 for a in placed.asked])
    return _saved(plt, fig, path, kind)


def caption(placed: Placed) -> str:
    """One line under a picture saying what its axes are (and, for t-SNE and UMAP, their parameters)."""
    if placed.projection != "pca":
        how = parameters(placed.projection, placed.fitted, placed.dims)
        return (
            f"{NAMES[placed.projection]} of these {placed.fitted} words' unit vectors ({how}): it keeps "
            "who is near whom; the axes, and the distances between far groups, mean nothing"
        )
    x_share, y_share = placed.explained
    asked = sum(placed.asked)
    what = (
        f"the {asked} words asked for"
        if placed.fitted < len(placed.labels)
        else f"these {placed.fitted} words"
    )
    line = (
        f"PCA of the unit vectors: the two directions along which {what} differ most; together they keep "
        f"{x_share + y_share:.0%} of their spread"
    )
    if placed.fitted < len(placed.labels):
        line += "; the neighbours are placed on the same axes"
    return line


# Where a label may go around its point, in order of preference: (dx, dy) in points, alignment.
LABEL_PLACES = [
    (dx * k, dy * k, "left" if dx > 0 else "right" if dx < 0 else "center", "bottom" if dy > 0 else "top")
    for k in (1, 2.6)
    for dx, dy in ((5, 5), (5, -5), (-5, 5), (-5, -5), (0, 8), (0, -8))
]


def place_labels(fig, ax, xy: np.ndarray, labels: list[str], sizes: list[int]) -> list:
    """Each label beside its point where it covers no point and no label placed before it (the
    bigger first); where every place is taken, the first. The boxes of the labels, in display units."""
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    radius = 4 * fig.dpi / 72  # a marker's half width, in display units
    centres = ax.transData.transform(xy)
    markers = [Bbox.from_extents(x - radius, y - radius, x + radius, y + radius) for x, y in centres]
    boxes: list = []
    for i in sorted(range(len(labels)), key=lambda i: -sizes[i]):
        for dx, dy, ha, va in LABEL_PLACES:
            text = ax.annotate(
                labels[i], xy[i], xytext=(dx, dy), textcoords="offset points", fontsize=sizes[i], ha=ha, va=va
            )
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(b) for b in [*boxes, *markers]):
                break
            text.remove()
        else:
            dx, dy, ha, va = LABEL_PLACES[0]
            text = ax.annotate(
                labels[i], xy[i], xytext=(dx, dy), textcoords="offset points", fontsize=sizes[i], ha=ha, va=va
            )
            box = text.get_window_extent(renderer)
        boxes.append(box)
    return boxes


def _saved(plt, fig, path: Path, kind: str) -> Path:
    """The figure written to ``path`` (by ``output_file``'s rule), then closed whatever happened."""
    try:
        with output_file(path) as f:
            fig.savefig(f, format=kind)
    finally:
        plt.close(fig)
    return path


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        matplotlib.rcParams["svg.fonttype"] = "none"  # labels stay text in an SVG: searchable, selectable
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise PlotError("plotting needs matplotlib: pip install 'vecq[plot]'") from e
    return plt


def draw_epochs(frames: list[tuple[int, np.ndarray]], labels: list[str], name: str, path: Path) -> Path:
    """Snapshots of a training on the same axes: an animated GIF (one frame an epoch), or a grid of
    small multiples (.png, .svg, .pdf)."""
    kind = image_format(path, EPOCH_FORMATS)
    plt = _pyplot()
    lo = np.min([xy.min(axis=0) for _, xy in frames], axis=0)
    hi = np.max([xy.max(axis=0) for _, xy in frames], axis=0)
    pad = (hi - lo) * 0.12 + 1e-9
    limits = (lo - pad, hi + pad)
    caption = f"{name}: unit vectors on the last epoch's two principal axes (PCA), the same in every frame"
    if kind == "gif":
        return _gif(plt, frames, labels, name, limits, caption, path)
    frames = some_frames(frames, 12)
    cols = min(4, len(frames))
    rows = -(-len(frames) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.0 * rows + 0.5), dpi=100, squeeze=False)
    for ax in axes.flat[len(frames) :]:
        ax.axis("off")
    for ax, (epoch, xy) in zip(axes.flat, frames):
        _frame(ax, xy, labels, limits, f"epoch {epoch}" if epoch else "epoch 0 (random start)", small=True)
    fig.suptitle(", ".join(labels) + " as training goes on")
    fig.text(0.5, 0.005, caption, ha="center", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    return _saved(plt, fig, path, kind)


def _frame(ax, xy: np.ndarray, labels: list[str], limits, title: str, small: bool = False) -> None:
    cmap = __import__("matplotlib").colormaps["tab10"]
    for i, label in enumerate(labels):
        ax.scatter(xy[i, 0], xy[i, 1], color=cmap(i % 10), s=30 if small else 60)
        ax.annotate(label, xy[i], xytext=(3, 3), textcoords="offset points", fontsize=8 if small else 11)
    ax.set_xlim(limits[0][0], limits[1][0])
    ax.set_ylim(limits[0][1], limits[1][1])
    ax.set_title(title, fontsize=9 if small else 12)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(alpha=0.3)


def _gif(plt, frames, labels, name: str, limits, caption: str, path: Path) -> Path:
    """One PNG an epoch, drawn by matplotlib and joined by Pillow (a dependency of matplotlib)."""
    import io

    from PIL import Image

    images = []
    for epoch, xy in frames:
        fig, ax = plt.subplots(figsize=(6, 5), dpi=90)
        title = f"{name}: epoch {epoch}" + (" (random start)" if epoch == 0 else "")
        _frame(ax, xy, labels, limits, title)
        fig.text(0.5, 0.01, caption, ha="center", va="bottom", fontsize=7)
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
        buffer.seek(0)
        images.append(Image.open(buffer).convert("P", palette=Image.Palette.ADAPTIVE))
    durations = [700] * (len(images) - 1) + [2000]  # the last frame held: where training ended
    with output_file(path) as f:
        images[0].save(f, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)
    return path
