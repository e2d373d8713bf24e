"""The answers the engine returns (named tuples), and the values records carry (``Bytes``, ``Shape``,
``Vector``).

The API hands out the named tuples; the CLI hands the renderer dicts made from them (``_asdict``),
with a batch line's own fields added. Named tuples rather than dataclasses: a dataclass costs most
of a millisecond to define, and every command defines these at start-up.

Each record carries its input so that piped output joins back to what produced it (``paste``,
``join``, ``jq``). Field order is column order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple


class Bytes(int):
    """A size in bytes: an integer in JSON, "1.7 GB" where a person reads it (tables, TSV, CSV)."""

    def human(self) -> str:
        n = float(self)
        for unit in ("B", "KB", "MB", "GB"):
            if n < 1000 or unit == "GB":
                return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
            n /= 1000
        return f"{n:.1f} GB"


class Shape:
    """An embedding matrix's [rows, dimensions]: a list in JSON, "[50257, 768]" where a person reads
    it (as the lecture writes a token table's shape). Not a tuple: one value, one cell."""

    __slots__ = ("sizes",)

    def __init__(self, *sizes: int):
        self.sizes = tuple(int(n) for n in sizes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Shape) and other.sizes == self.sizes

    def __hash__(self) -> int:
        return hash(self.sizes)

    def __repr__(self) -> str:
        return f"Shape{self.sizes}"

    def as_json(self) -> list[int]:
        return list(self.sizes)

    def human(self) -> str:
        return "[" + ", ".join(str(n) for n in self.sizes) + "]"


class Vector(list):
    """A vector's components as the model holds them (float32 numbers, as Python floats): a list
    of their exact values in JSON; where a person or ``awk`` reads them (tables, TSV, CSV), each
    float32's shortest digits (``core.unit.shortest_digits``)."""

    __slots__ = ()


# A gensim file's vectors stored in another type than float32, as ``ModelInfo.dtype`` names it
# (the API hands such vectors out in that type, as gensim's ``load`` does)
STORED_TYPES = {"float16": "F16", "float64": "F64"}


class ModelInfo(NamedTuple):
    name: str
    source: str
    rows: int
    dimensions: int
    revision: str | None = None  # a Hub model's commit
    tensor: str | None = None  # a token table's name in its checkpoint
    dtype: str | None = None  # as stored (F32, F16, BF16, ...); vecq holds float32
    tokenizer: str | None = None  # the kind of tokenizer naming the rows (sources/tokens.py)
    max_length: int | None = None  # a static model embeds a text's first max_length tokens only
    source_format: str | None = None  # the format the source was read in (sources/formats.py)

    def as_json(self) -> dict:
        return {"name": self.name, "dimensions": self.dimensions, "vocabulary": self.rows}

    @property
    def rows_are(self) -> str:
        """What the rows are, as a caption counts them: a token table's "tokens", else "words"."""
        return "tokens" if self.tokenizer else "words"


class Similarity(NamedTuple):
    word1: str
    word2: str
    similarity: float


class AxisAnswer(NamedTuple):
    word: str
    score: float  # the cosine with the axis: positive towards its first pole
    toward: str  # the first word of the pole the word leans to


class AlignAnswer(NamedTuple):
    rank: int
    word: str
    similarity: float  # the word's cosine across the two models, A's vector mapped onto B
    overlap: float  # Jaccard of its neighbour lists in A and in B


class ClusterAnswer(NamedTuple):
    cluster: int  # 1 the largest cluster
    size: int  # how many words it holds
    rank: int  # 1 the word nearest its centre
    word: str
    similarity: float  # the cosine with the cluster's centre


class Neighbor(NamedTuple):
    query: str
    rank: int
    word: str
    similarity: float


class CslsNeighbor(NamedTuple):
    query: str
    rank: int
    word: str
    similarity: float  # the cosine
    csls: float  # what the list is ranked by: 2 cos - r(query) - r(word)


class FoldedNeighbor(NamedTuple):
    query: str
    rank: int
    word: str
    similarity: float
    folded: str  # the spelling variants folded into this word, separated by spaces


class AnalogyAnswer(NamedTuple):
    a: str
    b: str
    c: str
    rank: int
    answer: str
    score: float


def json_record(record: dict, columns: Sequence[str], info: ModelInfo | None = None) -> dict:
    """A record as JSON carries it (``-f json``, ``-f jsonl`` and the server alike): its columns in
    order, a Shape as a list, a float that is not finite as null, and the model when known."""
    out = {c: _jsonable(record.get(c)) for c in columns if c in record}
    if info is not None:
        out["model"] = info.as_json()
    return out


def _jsonable(value: object) -> object:
    if isinstance(value, Shape):
        return value.as_json()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple):
        return list(value)
    return value
