"""Vectors built during a run: fastText words from their n-grams, expressions, a language model's
pooled tokens. Each gets a row past the vocabulary's, so every question works on it unchanged.

Invariants (tests/test_subwords.py):
- a row number names one vector for the model's whole life, and is never given to another: rows
  count up from the vocabulary's size;
- at most ``LIMIT`` are kept, the least recently used dropped first, so a server asked about
  millions of distinct words keeps a bounded memory, and reading a few rows costs the same however
  many were built;
- a dropped row asked for is an error saying so (``QueryError``), never another word's vector.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from ..errors import QueryError

LIMIT = 1 << 16  # built vectors kept: 157 MB of unit and raw rows at 300 dimensions

Entry = tuple[str, np.ndarray, float, np.ndarray]  # text, unit row, norm, raw row


class BuiltRows:
    """Built vectors by their offset past the vocabulary (row - len(model)), and by their text."""

    def __init__(self, limit: int = LIMIT):
        self.limit = limit
        self._next = 0
        self._rows: OrderedDict[int, Entry] = OrderedDict()  # by offset, least recently used first
        self._by_text: dict[str, int] = {}
        self._lock = threading.Lock()  # the server asks from several threads

    def __len__(self) -> int:
        return len(self._rows)

    def offset_of(self, text: str) -> int | None:
        """The offset of ``text`` built before (now the most recently used), or None."""
        with self._lock:
            offset = self._by_text.get(text)
            if offset is not None:
                self._rows.move_to_end(offset)
            return offset

    def add(self, text: str, unit: np.ndarray, norm: float, raw: np.ndarray) -> int:
        """The offset of ``text``'s vector: a new one, or the one it has (two threads building the
        same text get one row)."""
        with self._lock:
            offset = self._by_text.get(text)
            if offset is None:
                offset, self._next = self._next, self._next + 1
                self._rows[offset] = (text, unit, norm, raw)
                self._by_text[text] = offset
                while len(self._rows) > self.limit:
                    _, (dropped, *_) = self._rows.popitem(last=False)
                    del self._by_text[dropped]
            else:
                self._rows.move_to_end(offset)
            return offset

    def _entries(
        self, offsets: Sequence[int] | np.ndarray
    ) -> list[tuple[str, np.ndarray, float, np.ndarray]]:
        with self._lock:
            try:
                return [self._rows[int(o)] for o in offsets]
            except KeyError:
                raise QueryError(
                    f"more than {self.limit:,} words were built at once (from n-grams, expressions or "
                    "tokens), and some were dropped to keep memory bounded; ask about fewer at a time"
                ) from None

    def units(self, offsets: Sequence[int] | np.ndarray) -> np.ndarray:
        return np.stack([entry[1] for entry in self._entries(offsets)])

    def norms(self, offsets: Sequence[int] | np.ndarray) -> np.ndarray:
        return np.array([entry[2] for entry in self._entries(offsets)], dtype=np.float32)

    def raws(self, offsets: Sequence[int] | np.ndarray) -> np.ndarray:
        return np.stack([entry[3] for entry in self._entries(offsets)])

    def texts(self, offsets: Sequence[int] | np.ndarray) -> list[str]:
        return [entry[0] for entry in self._entries(offsets)]
