"""The answers the engine returns, the only thing the renderer is handed.

Named tuples rather than dataclasses: a dataclass costs most of a millisecond to define, and every
command defines these at start-up.

Each record carries its input so that piped output joins back to what produced it (``paste``,
``join``, ``jq``). Field order is column order.
"""

from __future__ import annotations

from typing import NamedTuple


class ModelInfo(NamedTuple):
    name: str
    source: str
    rows: int
    dimensions: int
    revision: str | None = None  # a Hub model's commit
    tensor: str | None = None  # a token table's name in its checkpoint
    dtype: str | None = None  # as stored (F32, F16, BF16, ...); vecq holds float32
    tokenizer: str | None = None  # the kind of tokenizer naming the rows (sources/tokens.py)

    def as_json(self) -> dict:
        return {"name": self.name, "dimensions": self.dimensions, "vocabulary": self.rows}


class Similarity(NamedTuple):
    word1: str
    word2: str
    similarity: float


class Neighbor(NamedTuple):
    query: str
    rank: int
    word: str
    similarity: float


class AnalogyAnswer(NamedTuple):
    a: str
    b: str
    c: str
    rank: int
    answer: str
    score: float
