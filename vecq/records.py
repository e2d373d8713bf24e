"""The answers the engine returns: small dataclasses, the only thing the renderer is handed.

Each record carries its input so that piped output joins back to what produced it (``paste``,
``join``, ``jq``). Field order is column order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelInfo:
    name: str
    source: str
    rows: int
    dimensions: int

    def as_json(self) -> dict:
        return {"name": self.name, "dimensions": self.dimensions, "vocabulary": self.rows}


@dataclass(frozen=True)
class Similarity:
    word1: str
    word2: str
    similarity: float


@dataclass(frozen=True)
class Neighbor:
    query: str
    rank: int
    word: str
    similarity: float


@dataclass(frozen=True)
class AnalogyAnswer:
    a: str
    b: str
    c: str
    rank: int
    answer: str
    score: float
