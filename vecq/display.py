"""How the Python API's answers show in a notebook, and become DataFrames.

``Answers`` is a list (of ``Neighbor`` or ``AnalogyAnswer`` named tuples): everything a list does,
``pd.DataFrame(answers)`` included, still works; a notebook draws it as a table (``_repr_html_``),
and ``to_pandas()`` is the DataFrame in one call; ``Batch``, a batch's answers, is one table of
them. ``Matrix`` is a square array of similarities with its words, drawn as a shaded table (its
first ``MAX_COLUMNS`` columns and ``MAX_ROWS`` rows, as pandas draws a large DataFrame: a
notebook's page and file stay small). pandas stays optional: imported only by ``to_pandas``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

MAX_ROWS = 200  # a notebook's table shows this many rows, then says how many more there are
MAX_COLUMNS = 20  # a matrix shows this many columns (pandas' default), then says how many more


class Answers(list):
    """A list of answers (named tuples) that a notebook shows as a table."""

    def to_pandas(self) -> Any:
        """The answers as a pandas DataFrame, one row each, the fields as columns."""
        pd = _pandas()
        columns = list(self[0]._fields) if self else []
        return pd.DataFrame([tuple(a) for a in self], columns=columns)

    def _repr_html_(self) -> str:
        if not self:
            return "<p><em>no answers</em></p>"
        return html_table(list(self[0]._fields), [tuple(a) for a in self])


class Batch(list):
    """A batch's answers, one item a question, in order: its ``Answers``, or its error (an
    exception) in its place. A notebook draws one table of every answer, an error a row of its own
    (as the CLI's batch records one a line); ``to_pandas()`` is that table as a DataFrame, its
    ``error`` column empty for answers. ``asked``: each question as the records name it."""

    def __init__(self, items: Iterable[Any], asked: Sequence[str]):
        super().__init__(items)
        self.asked = list(asked)

    def _first(self) -> tuple | None:
        """The first answer of any question (its fields are the table's), or None."""
        return next((a[0] for a in self if not isinstance(a, Exception) and a), None)

    def _table(self) -> tuple[list[str], list[tuple]]:
        """The columns (an answer's fields, its first the question, and ``error``) and the rows."""
        first = self._first()
        fields = list(first._fields) if first is not None else ["query"]  # type: ignore[attr-defined]
        rows: list[tuple] = []
        for asked, item in zip(self.asked, self):
            if isinstance(item, Exception):
                rows.append((asked, *[None] * (len(fields) - 1), str(item)))
            else:
                rows.extend((*answer, None) for answer in item)
        return [*fields, "error"], rows

    def to_pandas(self) -> Any:
        """Every answer a row, the fields as columns, and an error a row of its own (``error``)."""
        columns, rows = self._table()
        frame = _pandas().DataFrame(rows, columns=columns)
        for name, value in zip(columns, self._first() or ()):
            if type(value) is int:  # a rank stays a whole number beside an error row's empty cell
                frame[name] = frame[name].astype("Int64")
        return frame

    def _repr_html_(self) -> str:
        columns, rows = self._table()
        return html_table(columns, rows) if rows else "<p><em>no answers</em></p>"


class Matrix:
    """Pairwise similarities of some words: ``values[i, j]`` is words[i] with words[j]."""

    def __init__(self, words: Sequence[str], values: np.ndarray):
        self.words = list(words)
        self.values = values

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.values if dtype is None else self.values.astype(dtype)

    def __getitem__(self, key: Any) -> Any:
        return self.values[key]

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        shown, more = self.words[:MAX_COLUMNS], len(self.words) - MAX_COLUMNS
        width = max((len(w) for w in self.words[:MAX_ROWS]), default=0)
        after, cut = (f"  ... {more:,} more", "  ...") if more > 0 else ("", "")
        lines = [" " * width + "".join(f" {w[:9]:>9}" for w in shown) + after]
        for word, row in zip(self.words[:MAX_ROWS], self.values):
            lines.append(f"{word:<{width}}" + "".join(f" {v:9.6f}" for v in row[:MAX_COLUMNS]) + cut)
        if len(self.words) > MAX_ROWS:
            lines.append(
                f"... {len(self.words) - MAX_ROWS:,} more rows ({len(self):,} x {len(self):,} in all)"
            )
        return "\n".join(lines)

    def to_pandas(self) -> Any:
        """The matrix as a DataFrame with the words as its index and its columns."""
        return _pandas().DataFrame(self.values, index=self.words, columns=self.words)

    def _repr_html_(self) -> str:
        more = len(self.words) - MAX_COLUMNS
        after = ["..."] if more > 0 else []
        rows = [(w, *row[:MAX_COLUMNS].tolist(), *after) for w, row in zip(self.words, self.values)]
        head = ["", *self.words[:MAX_COLUMNS], *([f"... {more:,} more"] if more > 0 else [])]
        return html_table(head, rows, shade=True)


def html_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], shade: bool = False) -> str:
    """A plain HTML table (every value escaped; ``shade``: numbers on a grey-to-green background)."""
    rows = list(rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = []
    for row in rows[:MAX_ROWS]:
        cells = "".join(_cell(v, shade) for v in row)
        body.append(f"<tr>{cells}</tr>")
    more = len(rows) - MAX_ROWS
    if more > 0:
        body.append(f'<tr><td colspan="{len(columns)}"><em>... {more:,} more</em></td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _cell(value: Any, shade: bool) -> str:
    if value is None:  # a field an error row has not
        return "<td></td>"
    if isinstance(value, (float, np.floating)):
        text = f"{float(value):.6f}"
        if shade:
            t = min(1.0, max(0.0, float(value)))
            colour = f"rgba(46, 204, 64, {0.15 + 0.6 * t:.2f})"
            return f'<td style="text-align:right; background:{colour}">{text}</td>'
        return f'<td style="text-align:right">{text}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError as e:
        raise ImportError("to_pandas needs pandas: pip install pandas") from e
    return pd
