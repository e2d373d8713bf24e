"""One renderer for every command: a rich table for people, TSV/CSV/JSON/JSONL for pipelines.

Records arrive as dicts in chunks and leave as soon as they arrive (flushed), so a batch streams; a
JSON array is written element by element. Only the table format imports rich.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterable, Sequence

from ..records import ModelInfo
from .env import Env, colour_system

FORMATS = ("table", "tsv", "csv", "json", "jsonl")
SCORE_COLUMNS = ("similarity", "score")  # on a terminal, a bar shows how large each score is
BAR_WIDTH = 10  # characters of a full bar (a score of 1)
_EIGHTHS = " ▏▎▍▌▋▊▉"  # partial blocks, in eighths of a character


def score_bar(value: float, width: int = BAR_WIDTH) -> str:
    """A bar of block characters as long as ``value`` of ``width`` (0 for negative scores)."""
    if not isinstance(value, float) or math.isnan(value):
        return ""
    eighths = round(max(0.0, min(1.0, value)) * width * 8)
    return ("█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")).ljust(width)


def score_colour(value: float) -> str:
    """A colour from grey (0 or less) to green (1), for a score's bar or a heatmap's cell."""
    t = max(0.0, min(1.0, value)) if isinstance(value, float) and not math.isnan(value) else 0.0
    low, high = (88, 88, 88), (46, 204, 64)
    r, g, b = (round(a + (z - a) * t) for a, z in zip(low, high))
    return f"#{r:02x}{g:02x}{b:02x}"


def format_value(value: object) -> str:
    """A cell's text: floats to 6 decimals, lists space-separated, None empty; strings as they are."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float or isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6f}"
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(format_value(v) for v in value)
    return str(value)


# TSV cells escape what would break a line or a field, reversibly: a backslash is doubled, tab, line
# feed and carriage return become \t \n \r, other control characters \xNN. Unescaping the output
# gives back the exact input (tests/test_cli.py::test_tsv_escapes_reversibly).
_TSV_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
    | {chr(c): f"\\x{c:02x}" for c in [*range(32), 127] if chr(c) not in "\t\n\r"}
)


def tsv_cell(value: object) -> str:
    """``format_value`` escaped for a TSV field (and for a table's cell)."""
    return format_value(value).translate(_TSV_ESCAPES)


class Renderer:
    """Writes chunks of records in one format; call ``close()`` at the end (even after an error)."""

    def __init__(
        self,
        env: Env,
        fmt: str | None,
        columns: Sequence[str],
        title: str = "",
        model: ModelInfo | None = None,
        header: bool = True,
        labels: Sequence[str] | None = None,
        heatmap: bool = False,
        droppable: Sequence[str] = (),
    ):
        self.env = env
        self.droppable = tuple(droppable)  # columns a narrow terminal may leave out, least needed last
        self.heatmap = heatmap  # a square matrix of scores: cells shaded, the diagonal dimmed
        self.fmt = fmt or env.default_format()
        self.columns = list(columns)
        self.labels = list(labels) if labels is not None else self.columns  # the headers shown
        self.title = title
        self.model = model
        self.header = header
        self._started = False
        self._count = 0
        self._csv = None
        if self.fmt == "csv":
            import csv

            self._csv = csv.writer(env.stdout, lineterminator="\r\n")  # RFC 4180: CRLF, minimal quoting

    def write(self, records: Iterable[dict]) -> None:
        records = list(records)
        out = self.env.stdout
        if self.fmt == "table":
            if records or not self._started:
                self._table(records)
        elif self.fmt == "tsv":
            if not self._started and self.header:
                self._line([tsv_cell(label) for label in self.labels])
            for rec in records:
                self._line([tsv_cell(rec.get(c)) for c in self.columns])
        elif self.fmt == "csv":
            if not self._started:
                self._csv_columns(records[:1])
            for rec in records:
                self._csv.writerow([cell for c in self.columns for cell in self._csv_cells(rec.get(c))])
        else:
            if self.fmt == "json" and not self._started:
                out.write("[")
            for rec in records:
                obj = {c: _jsonable(rec.get(c)) for c in self.columns if c in rec}
                if self.model is not None:
                    obj["model"] = self.model.as_json()
                text = json.dumps(obj, ensure_ascii=False)
                if self.fmt == "json":
                    out.write(("\n" if self._count == 0 else ",\n") + text)
                else:
                    out.write(text + "\n")
                self._count += 1
        self._started = True
        out.flush()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, kind, error, trace) -> None:
        """Close the output (a JSON array's bracket) even when the records stopped with an error."""
        if kind is None:
            self.close()
            return
        with contextlib.suppress(OSError):  # the error in flight (a closed pipe, say) is the one to report
            self.close()

    def close(self) -> None:
        if self.fmt == "json":
            if not self._started:
                self.env.stdout.write("[")
            self.env.stdout.write("\n]\n" if self._count else "]\n")
            self.env.stdout.flush()
        elif not self._started:
            self.write([])

    def _line(self, cells: Sequence[str]) -> None:
        self.env.stdout.write("\t".join(cells) + "\n")

    def _csv_columns(self, first: list[dict]) -> None:
        """The CSV header: a list-valued column (a vector) is one numbered column per element."""
        header = []
        for c, label in zip(self.columns, self.labels):
            value = first[0].get(c) if first else None
            listed = isinstance(value, (list, tuple))
            header += [f"{label}{i}" for i in range(1, len(value) + 1)] if listed else [label]
        if self.header:
            self._csv.writerow(header)

    @staticmethod
    def _csv_cells(value: object) -> list[str]:
        if isinstance(value, (list, tuple)):
            return [format_value(v) for v in value]
        return [format_value(value)]

    def _table(self, records: list[dict]) -> None:
        from rich import box
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        console = Console(
            file=self.env.stdout,
            no_color=not self.env.color,
            force_terminal=self.env.stdout_isatty and self.env.color,
            color_system=colour_system() if self.env.color else None,
            highlight=False,
        )
        title = caption = None
        if not self._started:
            title = self.title or None
            if self.model is not None:
                m = self.model
                caption = f"{m.name}: {m.rows:,} words x {m.dimensions} dims"
        colour = self.env.color
        # What the cells need (their widest, headers included): boxed borders only when that fits.
        widths = [
            max(
                [
                    len(tsv_cell(label)),
                    *(len(tsv_cell(r.get(c))) for r in records[:50] if not isinstance(r.get(c), list)),
                ]
            )
            for c, label in zip(self.columns, self.labels)
        ]
        # A listing too wide for the terminal leaves out its least needed columns, last first (pipes
        # keep them all), and says so.
        columns, labels, left_out = list(self.columns), list(self.labels), []
        for c in reversed(self.droppable):
            if sum(widths) + 3 * len(widths) + 1 <= console.width:
                break
            if c in columns:
                k = columns.index(c)
                del columns[k], labels[k], widths[k]
                left_out.insert(0, c)
        boxed = sum(widths) + 3 * len(widths) + 1 <= console.width
        table = Table(
            title=Text(title) if title else None,
            show_header=self.header,
            header_style="bold",
            **({} if boxed else {"box": box.SIMPLE_HEAD, "show_edge": False, "collapse_padding": True}),
        )
        bars = {
            c for c in columns if c in SCORE_COLUMNS and any(isinstance(r.get(c), float) for r in records[:5])
        }
        # Bars only where the table still fits with them: a narrow terminal gets the numbers alone.
        if self.heatmap or sum(widths) + (BAR_WIDTH + 2) * len(bars) + 3 * len(widths) + 1 > console.width:
            bars = set()
        for col, label in zip(columns, labels):
            numeric = any(isinstance(r.get(col), (int, float)) for r in records[:5])
            shown = Text(tsv_cell(label))
            # A header is never split inside a word; a long word is cut with an ellipsis (pipes and
            # JSON always carry it whole), a vector folds.
            justify = "right" if numeric and col not in bars else "left"
            listed = any(isinstance(r.get(col), (list, tuple)) for r in records[:5])
            overflow = "fold" if listed or col in bars else "ellipsis"
            table.add_column(shown, justify=justify, overflow=overflow, min_width=len(shown))
        for i, rec in enumerate(records):
            table.add_row(*(self._cell(rec.get(c), c, i, c in bars, colour) for c in columns))
        console.print(table)
        if left_out:
            note = f"({', '.join(left_out)} left out to fit the terminal; -f tsv shows every column)"
            console.print(
                Text(note, style="dim" if colour else ""), no_wrap=True, overflow="ellipsis", crop=True
            )
        if caption:  # on its own line, never wrapped: cut with an ellipsis on a narrow terminal
            console.print(
                Text(caption, style="dim" if colour else ""), no_wrap=True, overflow="ellipsis", crop=True
            )

    def _cell(self, value: object, column: str, row: int, bar: bool, colour: bool):
        from rich.text import Text

        text = tsv_cell(value)
        if bar:  # the score, then a bar as long as it (block characters: readable without colour)
            return Text.assemble(f"{text:>9} ", (score_bar(value), score_colour(value) if colour else ""))
        if self.heatmap and isinstance(value, float):
            if column == str(row):  # the diagonal: each word against itself
                return Text(text, style="dim" if colour else "")
            if colour:
                return Text(text, style=f"black on {score_colour(value)}")
            return Text(text + " " + " ░▒▓█"[min(4, max(0, int(value * 5)))])
        return Text(text)


def _jsonable(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple):
        return list(value)
    return value
