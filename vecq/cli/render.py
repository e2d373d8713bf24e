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
from .env import Env

FORMATS = ("table", "tsv", "csv", "json", "jsonl")


def format_value(value: object) -> str:
    """A cell for TSV, CSV and tables: floats to 6 decimals, lists space-free, None empty."""
    kind = type(value)
    if kind is float:
        return f"{value:.6f}" if value == value else "nan"
    if kind is str and "\t" not in value and "\n" not in value:
        return value
    if value is None:
        return ""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6f}"
    if isinstance(value, (list, tuple)):
        return " ".join(format_value(v) for v in value)
    text = str(value)
    return text.replace("\t", "\\t").replace("\n", "\\n") if ("\t" in text or "\n" in text) else text


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
    ):
        self.env = env
        self.fmt = fmt or env.default_format()
        self.columns = list(columns)
        self.title = title
        self.model = model
        self.header = header
        self._started = False
        self._count = 0
        self._csv = None
        if self.fmt == "csv":
            import csv

            self._csv = csv.writer(env.stdout, lineterminator="\n")

    def write(self, records: Iterable[dict]) -> None:
        records = list(records)
        out = self.env.stdout
        if self.fmt == "table":
            if records or not self._started:
                self._table(records)
        elif self.fmt in ("tsv", "csv"):
            if not self._started and self.header:
                self._line(self.columns)
            for rec in records:
                self._line([format_value(rec.get(c)) for c in self.columns])
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
        if self._csv is not None:
            self._csv.writerow(cells)
        else:
            self.env.stdout.write("\t".join(cells) + "\n")

    def _table(self, records: list[dict]) -> None:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        console = Console(
            file=self.env.stdout,
            no_color=not self.env.color,
            force_terminal=self.env.stdout_isatty and self.env.color,
            highlight=False,
        )
        title = caption = None
        if not self._started:
            title = self.title or None
            if self.model is not None:
                m = self.model
                caption = f"{m.name}: {m.rows:,} words x {m.dimensions} dims"
        table = Table(
            title=Text(title) if title else None,
            caption=Text(caption) if caption else None,
            show_header=self.header,
            header_style="bold",
        )
        for col in self.columns:
            numeric = any(isinstance(r.get(col), (int, float)) for r in records[:5])
            table.add_column(col, justify="right" if numeric else "left", overflow="fold")
        for rec in records:
            table.add_row(*(Text(format_value(rec.get(c))) for c in self.columns))
        console.print(table)


def _jsonable(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple):
        return list(value)
    return value
