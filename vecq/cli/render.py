"""The renderer every command that prints records uses: a rich table for people, TSV/CSV/JSON/JSONL
for pipelines (``graph`` and ``export`` write files of their own formats instead).

Records arrive as dicts in chunks and leave as soon as they arrive (flushed), so a batch streams; a
JSON array is written element by element. Only the table format imports rich.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal, Protocol

from ..records import Bytes, ModelInfo, Shape, Vector, json_record
from .env import Env, colour_system, for_a_person

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
    """A cell's text: floats (scores) to 6 decimals, a vector's components in their shortest
    digits, lists space-separated, None empty; strings as they are."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6f}"
    if value is None:
        return ""
    if isinstance(value, bool):  # JSON carries true and false; a person reads yes and no
        return "yes" if value else "no"
    if isinstance(value, Vector):
        return " ".join(_digits(value))
    if isinstance(value, (Bytes, Shape)):  # JSON carries the numbers; a person reads 1.7 GB, [3, 50]
        return value.human()
    if isinstance(value, (list, tuple)):
        return " ".join(format_value(v) for v in value)
    return str(value)


def _digits(vector: Vector) -> list[str]:
    from ..core.unit import shortest_digits  # numpy: loaded already by the command that made a vector

    return shortest_digits(vector)


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


NARROWEST_WORD = 8  # a word column cut narrower than this no longer names its words


class Output(Protocol):
    """Where records go: a ``Renderer``, or one model's share of an output several models write."""

    def write(self, records: Iterable[dict]) -> None: ...


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
        self._csv: Any = None  # a csv.writer, for -f csv
        if self.fmt == "csv":
            import csv

            self._csv = csv.writer(env.stdout, lineterminator="\r\n")  # RFC 4180: CRLF, minimal quoting

    def write(self, records: Iterable[dict]) -> None:
        records = list(records)
        out = self.env.stdout
        if self.fmt == "table" and not self._started and self._too_narrow(records):
            self._say_too_narrow()
        if self.fmt == "table":
            if records or not self._started:
                self._table(records)
        else:
            if not self._started:  # the header (or the array's bracket) once, even if a record fails
                self._open(records[:1])
                self._started = True
            for rec in records:
                self._record(rec)
        self._started = True
        out.flush()

    def _open(self, first: list[dict]) -> None:
        if self.fmt == "tsv" and self.header:
            self._line([tsv_cell(label) for label in self.labels])
        elif self.fmt == "csv":
            self._csv_columns(first)
        elif self.fmt == "json":
            self.env.stdout.write("[")

    def _record(self, rec: dict) -> None:
        if self.fmt == "tsv":
            self._line([tsv_cell(rec.get(c)) for c in self.columns])
        elif self.fmt == "csv":
            self._csv.writerow([cell for c in self.columns for cell in self._csv_cells(rec.get(c))])
        else:
            record = json_record(rec, self.columns, self.model)
            text = json.dumps(record, ensure_ascii=not self.env.unicode)  # \u escapes lose nothing
            if self.fmt == "json":
                self.env.stdout.write(("\n" if self._count == 0 else ",\n") + text)
            else:
                self.env.stdout.write(text + "\n")
            self._count += 1

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
            header += [f"{label}{i}" for i in range(1, len(value) + 1)] if listed else [label]  # type: ignore[arg-type]
        if self.header:
            self._csv.writerow(header)

    @staticmethod
    def _csv_cells(value: object) -> list[str]:
        if isinstance(value, Vector):
            return _digits(value)
        if isinstance(value, (list, tuple)):
            return [format_value(v) for v in value]
        return [format_value(value)]

    def _table(self, records: list[dict]) -> None:
        """Records as a rich table that fits the terminal. A number is never cut: a listing too wide
        leaves out its least needed columns, a matrix too wide is printed in blocks of columns, and
        either says so; only long words are cut (with an ellipsis; pipes and JSON carry them whole)."""
        from rich.text import Text

        console = self._console()
        colour = self.env.color
        widths = self._natural_widths(records)
        columns, labels = list(self.columns), list(self.labels)
        left_out: list[str] = []
        for c in reversed(self.droppable):  # the least needed columns, last first
            if _table_width(widths) <= console.width:
                break
            if c in columns:
                k = columns.index(c)
                del columns[k], labels[k], widths[k]
                left_out.insert(0, c)
        blocks = _column_blocks(widths, console.width) if self.heatmap else [list(range(len(columns)))]
        for n, block in enumerate(blocks):
            first = not self._started and n == 0
            picked = [columns[k] for k in block]
            shown = [labels[k] for k in block]
            self._print_table(console, records, picked, shown, [widths[k] for k in block], first)
            if len(blocks) > 1:
                words = len(columns) - 1
                note = f"(columns {block[1]} to {block[-1]} of {words}; -f tsv shows them in one table)"
                console.print(Text(note, style="dim" if colour else ""), no_wrap=True, crop=True)
        if self.heatmap and not self._started:
            console.print(heatmap_legend(colour, self.env.unicode), no_wrap=True, crop=True)
        if left_out:
            note = f"({', '.join(left_out)} left out to fit the terminal; -f tsv shows every column)"
            console.print(
                Text(note, style="dim" if colour else ""), no_wrap=True, overflow="ellipsis", crop=True
            )
        if not self._started and self.model is not None:  # never wrapped: cut with an ellipsis
            m = self.model
            caption = f"{m.name}: {m.rows:,} {m.rows_are} x {m.dimensions} dims"
            console.print(
                Text(caption, style="dim" if colour else ""), no_wrap=True, overflow="ellipsis", crop=True
            )

    def _too_narrow(self, records: list[dict]) -> bool:
        """Would even a borderless table, its optional columns left out, cut a number or squeeze a
        word below ``NARROWEST_WORD`` characters? Then no table is drawn. A heatmap, which comes in
        blocks of columns, needs its words' column and one column of scores."""
        if not records:
            return False
        widths = self._natural_widths(records)
        needs = [
            width
            if all(isinstance(r.get(c), (int, float)) for r in records[:50])
            else min(width, NARROWEST_WORD)
            for c, width in zip(self.columns, widths)
            if c not in self.droppable
        ]
        if self.heatmap:
            needs = [needs[0], max(needs[1:], default=0)]
        return sum(needs) + 2 * len(needs) > self._console().width

    def _say_too_narrow(self) -> None:
        """From here on, the records as a pipe gets them (TSV, the title first): nothing cut."""
        if self.title:
            self.env.stdout.write(self.title + "\n")
        self.fmt = "tsv"
        self.env.stdout.write("(the terminal is too narrow for a table: the records as TSV)\n")

    def _console(self):
        from rich.console import Console

        return Console(
            file=for_a_person(self.env),
            no_color=not self.env.color,
            force_terminal=self.env.stdout_isatty and self.env.color,
            color_system=colour_system() if self.env.color else None,
            highlight=False,
        )

    def _natural_widths(self, records: list[dict]) -> list[int]:
        """What each column needs to show its header and its cells whole (a heatmap's shade too)."""
        shade = 2 if self.heatmap and not self.env.color else 0
        return [
            max(
                [
                    len(tsv_cell(label)),
                    *(
                        len(tsv_cell(r.get(c))) + (shade if isinstance(r.get(c), float) else 0)
                        for r in records[:50]
                        if not isinstance(r.get(c), list)
                    ),
                ]
            )
            for c, label in zip(self.columns, self.labels)
        ]

    def _print_table(self, console, records, columns, labels, widths, first: bool) -> None:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        title = self.title if first else None
        boxed = _table_width(widths) <= console.width
        unboxed: dict[str, Any] = {"box": box.SIMPLE_HEAD, "show_edge": False, "collapse_padding": True}
        table = Table(
            title=Text(title) if title else None,
            show_header=self.header,
            header_style="bold",
            **({} if boxed else unboxed),
        )
        bars = {
            c for c in columns if c in SCORE_COLUMNS and any(isinstance(r.get(c), float) for r in records[:5])
        }
        # Bars only where the table still fits with them and the terminal can draw them: else the numbers.
        if (
            self.heatmap
            or not self.env.unicode
            or _table_width(widths) + (BAR_WIDTH + 2) * len(bars) > console.width
        ):
            bars = set()
        for col, label, width in zip(columns, labels, widths):
            values = [r.get(col) for r in records[:50] if r.get(col) is not None]
            numeric = bool(values) and all(isinstance(v, (int, float)) for v in values)
            listed = any(isinstance(r.get(col), (list, tuple)) for r in records[:5])
            # A number keeps its width (never cut); a long word is cut with an ellipsis; a vector folds.
            overflow: Literal["fold", "ellipsis"] = "fold" if listed or col in bars else "ellipsis"
            table.add_column(
                Text(tsv_cell(label)),
                justify="right" if numeric and col not in bars else "left",
                overflow=overflow,
                min_width=width if numeric and not listed else len(tsv_cell(label)),
                no_wrap=numeric and not listed,
            )
        for i, rec in enumerate(records):
            table.add_row(*(self._cell(rec.get(c), c, i, c in bars, colour=self.env.color) for c in columns))
        console.print(table)

    def _cell(self, value: object, column: str, row: int, bar: bool, colour: bool):
        from rich.text import Text

        text = tsv_cell(value)
        if bar and isinstance(value, float):  # the score, then a bar as long as it (readable without colour)
            return Text.assemble(f"{text:>9} ", (score_bar(value), score_colour(value) if colour else ""))
        if self.heatmap and isinstance(value, float):
            if column == str(row):  # the diagonal: each word against itself
                return Text(text, style="dim" if colour else "")
            if colour:
                return Text(text, style=f"black on {score_colour(value)}")
            return Text(text + " " + shade(value, self.env.unicode))
        return Text(text)


# A heatmap's cell without colour: one step a fifth of the way from 0 to 1 (ASCII where the
# terminal's encoding has no blocks).
SHADES = " ░▒▓█"
ASCII_SHADES = " .:=#"


def shade(value: float, unicode: bool) -> str:
    return (SHADES if unicode else ASCII_SHADES)[min(4, max(0, int(value * 5)))]


def heatmap_legend(colour: bool, unicode: bool):
    """What a heatmap's shades mean, in the shades themselves."""
    from rich.text import Text

    legend = Text()
    legend.append("shades: ", style="dim" if colour else "")
    for value in (0.0, 0.25, 0.5, 0.75, 1.0) if colour else (0.2, 0.4, 0.6, 0.8):
        if colour:
            legend.append(f" {value:.2f} ", style=f"black on {score_colour(value)}")
        else:
            legend.append(f"{shade(value, unicode)} {value:.1f}+  ")
    legend.append(
        "  (dim: a word with itself)" if colour else "(blank: below 0.2)",
        style="dim" if colour else "",
    )
    return legend


def _table_width(widths: Sequence[int]) -> int:
    """A boxed table's width: its columns, a space either side of each, and the borders."""
    return sum(widths) + 3 * len(widths) + 1


def _column_blocks(widths: Sequence[int], available: int) -> list[list[int]]:
    """A matrix's columns (0: the row labels, repeated in every block) in blocks that fit
    ``available``; one block when all fit."""
    blocks, current = [], [0]
    for k in range(1, len(widths)):
        if len(current) > 1 and _table_width([widths[j] for j in (*current, k)]) > available:
            blocks.append(current)
            current = [0]
        current.append(k)
    return [*blocks, current]
