"""The records of the questions that are not a batch query (``core/queries.py``): the pairwise
similarities of several words, the odd one out, a model's description, text through a tokenizer.

The CLI renders them and the server sends them, so a record is built in one place for both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import NotAWordError, QueryError, UnknownWordError
from ..records import ModelInfo, Shape, Vector
from .model import Model
from .queries import SUBWORDS_COLUMN, SimilarQuery, columns_for
from .words import Match, past_limit, variants

INFO_COLUMNS = ("name", "source", "vocabulary", "dimensions", "shape")
ODD_COLUMNS = ("rank", "word", "similarity", "distance")
TOKEN_COLUMNS = ("position", "text", "token", "id", "status")


def one_hot_matrix(matches: Sequence[Match]) -> np.ndarray:
    """The cosine similarities of the words' one-hot vectors: 1 for the same row, 0 for any other
    two (each has a 1 where the other has a 0); a word built from subwords has none."""
    built = [m.typed for m in matches if m.built]
    if built:
        raise QueryError(
            f"{built[0]} has no row of its own (its vector is built from subwords), so no one-hot vector"
        )
    rows = np.array([m.row for m in matches], dtype=np.int64)
    return (rows[:, None] == rows[None, :]).astype(np.float64)


def pair_records(
    model: Model, words: Sequence[str], matches: Sequence[Match], matrix: np.ndarray | None = None
) -> tuple[tuple[str, ...], list[dict]]:
    """(columns, records) of every pair of several words, each pair once, in the order typed
    (``matrix``: their similarities, if not the model's cosines)."""
    matrix = (model.similarity_matrix(matches) if matrix is None else matrix).tolist()
    pairs = [(i, j) for i in range(len(words)) for j in range(i + 1, len(words))]
    records = [{"word1": words[i], "word2": words[j], "similarity": matrix[i][j]} for i, j in pairs]
    columns = columns_for(SimilarQuery(), model)
    if SUBWORDS_COLUMN in columns:
        for record, (i, j) in zip(records, pairs):
            record[SUBWORDS_COLUMN] = " ".join(w for k in (i, j) for w in matches[k].subwords)
    return columns, records


def odd_records(model: Model, matches: Sequence[Match]) -> tuple[list[dict], list[str]]:
    """The words from the one that belongs least (gensim's doesnt_match) on, with their cosine to
    the group's mean; and what is said beside them: the words tied for first place, if several."""
    ranked = model.odd_one_out(matches)
    # Tied: equal at the six decimals shown (float32 rounding parts two words that are equally far)
    tied = [m.typed for m, s in ranked if abs(s - ranked[0][1]) < 5e-7]
    records = [
        {"rank": i, "word": m.typed, "similarity": s, "distance": 1.0 - s}
        for i, (m, s) in enumerate(ranked, 1)
    ]
    if len(tied) < 2:
        return records, []
    return records, [
        f"a tie: {', '.join(tied)} are equally far from the others (listed by spelling, as gensim picks)"
    ]


def info_record(info: ModelInfo) -> dict:
    """The model as the lecture draws it: its name and source, and the [rows, dimensions] shape;
    for a token table, the tensor, its dtype, the tokenizer and the revision."""
    record: dict = {
        "name": info.name,
        "source": info.source,
        "vocabulary": info.rows,
        "dimensions": info.dimensions,
        "shape": Shape(info.rows, info.dimensions),
    }
    extra = {
        "tensor": info.tensor,
        "dtype": info.dtype,
        "tokenizer": info.tokenizer,
        "max_length": info.max_length,
        "revision": info.revision,
    }
    record.update((k, v) for k, v in extra.items() if v is not None)
    return record


def token_records(model: Model, text: str, with_vectors: bool = False) -> tuple[tuple[str, ...], list[dict]]:
    """(columns, records) of ``text`` -> tokens -> token ids: a model's tokenizer splits it as the
    model was trained; a word model splits at spaces and says how each word was found."""
    records: list[dict] = []
    if model.text is not None:
        pieces, cut = model.text.pieces(text)
        for position, (row, start, end) in enumerate(pieces, 1):
            inside = row < len(model)  # a row past --limit: the tokenizer knows the whole table
            records.append(
                {
                    "position": position,
                    "text": text[start:end],
                    "token": model.vocab.word(row) if inside else "",
                    "id": row,
                    "status": "token" if inside else "beyond-limit",
                }
            )
        if cut:  # the model reads no further (max_length): the rest is one record, so none is lost
            rest = text[pieces[-1][2] if pieces else 0 :].strip()
            records.append({"position": None, "text": rest, "token": "", "id": None, "status": "cut"})
    else:
        for position, word in enumerate(text.split(), 1):
            try:
                m = model.lookup(word, suggest=False)
            except (UnknownWordError, QueryError) as e:  # control characters: never a word
                if isinstance(e, NotAWordError):
                    status = "not-a-word"
                elif past_limit(model.vocab, variants(word)) is not None:
                    status = "beyond-limit"  # a word of the model past --limit, as a token's
                else:
                    status = "unknown"  # or an id past the rows (id:N)
                records.append(
                    {"position": position, "text": word, "token": "", "id": None, "status": status}
                )
                continue
            status = "subwords" if m.built else ("respelled" if m.changed else "found")
            records.append(
                {
                    "position": position,
                    "text": word,
                    "token": m.word,
                    "id": None if m.built else m.row,
                    "status": status,
                }
            )
    if not with_vectors:
        return TOKEN_COLUMNS, records
    for record in records:
        if record["status"] in ("token", "found", "respelled"):
            record["vector"] = Vector(model.raw_vector(int(record["id"])).astype(float).tolist())
        elif record["status"] == "subwords":
            record["vector"] = Vector(
                model.raw_vector(model.lookup(str(record["text"])).row).astype(float).tolist()
            )
    return (*TOKEN_COLUMNS, "vector"), records


def _parts(word: str) -> list[str]:
    """``word`` with the punctuation at its ends split off, one mark a part ("sat," -> "sat", ",")."""
    import unicodedata

    def mark(c: str) -> bool:
        return unicodedata.category(c)[0] in "PS"

    start, end = 0, len(word)
    while start < end and mark(word[start]):
        start += 1
    while end > start and mark(word[end - 1]):
        end -= 1
    return [*word[:start], *([word[start:end]] if start < end else []), *word[end:]]


def spaces_note(model: Model, records: Sequence[dict]) -> str | None:
    """What to say when a word model's unknown words are known words with punctuation attached
    ("sat," of "The cat sat, purring"): a word model splits text at spaces only. None otherwise."""
    if model.text is not None:
        return None

    def known(part: str) -> bool:  # as the word itself is looked up (respelled: "New-York")
        try:
            return not model.lookup(part, suggest=False).built
        except (UnknownWordError, QueryError):
            return False

    attached: list[str] = []
    for record in records:
        parts = _parts(str(record["text"])) if record["status"] == "unknown" else []
        if len(parts) > 1 and all(known(p) for p in parts):
            attached.append(f"{record['text']!r} ({' '.join(repr(p) for p in parts)})")
    if not attached:
        return None
    return (
        f"{', '.join(attached[:3])}{', ...' if len(attached) > 3 else ''}: "
        f"{'not a word' if len(attached) == 1 else 'not words'} of {model.info.name}, but "
        f"{'its parts are' if len(attached) == 1 else 'their parts are'}; a word model splits text "
        "at spaces only: put spaces around punctuation"
    )
