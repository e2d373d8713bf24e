"""A language model's token-embedding table in a safetensors checkpoint, read as data.

A safetensors file is an 8-byte length, a JSON header naming each tensor's dtype, shape and byte
range, and the raw little-endian tensors. Only the table's bytes are read (memory-mapped), however
large the checkpoint. F32 rows are used as they are; F16 and BF16 are converted exactly to float32.
Every header value is checked against the file before a byte of data is read: offsets inside the
file, ranges that do not overlap, sizes that match their shape and dtype.

The vocabulary is the ``tokenizer.json`` beside the file: row ``i`` is the token whose id is ``i``.
Rows no token names (a table padded past the vocabulary) are named ``<row i>``, so they are never
mistaken for a token; a tokenizer with ids beyond the table is refused.
"""

from __future__ import annotations

import json
import os
import struct
from typing import TYPE_CHECKING

from ..errors import ModelError

if TYPE_CHECKING:
    import numpy as np

MAX_HEADER = 100 << 20
ITEM_SIZES = {"F32": 4, "F16": 2, "BF16": 2}
# Where checkpoints keep their token-embedding table (the name ends so): GPT-2 ``wte.weight``, Llama,
# Mistral, Qwen ``model.embed_tokens.weight``, BERT ``embeddings.word_embeddings.weight``, T5
# ``shared.weight``, GPT-NeoX ``embed_in.weight``, LLaMA (Meta) ``tok_embeddings.weight``.
TABLE_NAMES = (
    "wte.weight",
    "embed_tokens.weight",
    "word_embeddings.weight",
    "shared.weight",
    "embed_in.weight",
    "tok_embeddings.weight",
)


def header(path: str) -> tuple[dict, int]:
    """The tensors a safetensors file declares (name -> entry) and where its data begins, checked."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ModelError(f"{path} is too short to be a safetensors file")
        (length,) = struct.unpack("<Q", head)
        if not 2 <= length <= min(MAX_HEADER, size - 8):
            raise ModelError(f"{path}: a safetensors header of {length:,} bytes cannot be true of this file")
        try:
            declared = json.loads(f.read(length))
        except (UnicodeDecodeError, ValueError) as e:
            raise ModelError(f"{path}: its safetensors header is not JSON ({e})") from e
    if not isinstance(declared, dict):
        raise ModelError(f"{path}: its safetensors header is not a JSON object")
    declared.pop("__metadata__", None)
    data_size = size - 8 - length
    ranges = []
    for name, entry in declared.items():
        try:
            dtype, shape, (start, stop) = entry["dtype"], entry["shape"], entry["data_offsets"]
            count = 1
            for n in shape:
                count *= int(n)
        except (KeyError, TypeError, ValueError) as e:
            raise ModelError(
                f"{path}: the tensor {name!r} is not described as safetensors describes one"
            ) from e
        if not (isinstance(start, int) and isinstance(stop, int) and 0 <= start <= stop <= data_size):
            raise ModelError(
                f"{path}: the tensor {name!r} lies outside the file; the file is truncated or lies"
            )
        if dtype in ITEM_SIZES and stop - start != count * ITEM_SIZES[dtype]:
            raise ModelError(f"{path}: the tensor {name!r} has {stop - start:,} bytes for its shape {shape}")
        ranges.append((start, stop, name))
    ranges.sort()
    for (_, stop, a), (start, _, b) in zip(ranges, ranges[1:]):
        if start < stop:
            raise ModelError(f"{path}: the tensors {a!r} and {b!r} overlap; the file is damaged")
    return declared, 8 + length


def table_name(declared: dict, path: str) -> str:
    """The token-embedding table among the declared tensors, by the names checkpoints give it."""
    for suffix in TABLE_NAMES:
        found = sorted(name for name in declared if name == suffix or name.endswith("." + suffix))
        if found:
            return found[0]
    raise ModelError(
        f"{path} holds no token-embedding table vecq knows by name (looked for names ending in "
        f"{', '.join(TABLE_NAMES)}); it holds: {', '.join(sorted(declared)[:8])}"
    )


def table(path: str) -> tuple[str, np.ndarray]:
    """The table's name and its rows as float32 (mapped for F32, converted exactly otherwise)."""
    import numpy as np

    declared, data_start = header(path)
    name = table_name(declared, path)
    entry = declared[name]
    dtype, shape, (start, _) = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in ITEM_SIZES:
        raise ModelError(f"{path}: the table {name!r} is {dtype}; vecq reads F32, F16 and BF16 tables")
    if len(shape) != 2 or min(shape) < 1:
        raise ModelError(f"{path}: the table {name!r} has shape {shape}; a token table has two dimensions")
    stored = {"F32": "<f4", "F16": "<f2", "BF16": "<u2"}[dtype]
    raw = np.memmap(path, dtype=stored, mode="r", offset=data_start + start, shape=tuple(shape))
    if dtype == "F32":
        return name, raw
    if dtype == "F16":
        return name, np.asarray(raw, dtype=np.float32)
    return name, (np.asarray(raw, dtype=np.uint32) << 16).view(np.float32)  # bfloat16: the high half


def vocabulary(path: str, rows: int) -> list[str]:
    """Row i's token, from the ``tokenizer.json`` beside ``path``; ``<row i>`` for rows no token names."""
    tokenizer = os.path.join(os.path.dirname(path), "tokenizer.json")
    try:
        with open(tokenizer, encoding="utf-8") as f:
            spec = json.load(f)
    except FileNotFoundError as e:
        raise ModelError(f"{path} has no tokenizer.json beside it, which names its rows; put it there") from e
    except (OSError, ValueError) as e:
        raise ModelError(f"{tokenizer} cannot be read as a tokenizer ({e})") from e
    model = spec.get("model") or {}
    vocab = model.get("vocab")
    ids: dict[int, str] = {}
    if isinstance(vocab, dict):  # BPE, WordPiece, WordLevel: token -> id
        ids = {int(i): str(token) for token, i in vocab.items()}
    elif isinstance(vocab, list):  # Unigram: [piece, score] in id order
        ids = {i: str(piece[0]) for i, piece in enumerate(vocab)}
    for added in spec.get("added_tokens") or []:
        ids[int(added["id"])] = str(added["content"])
    if not ids:
        raise ModelError(f"{tokenizer} holds no vocabulary vecq can read")
    beyond = [i for i in ids if not 0 <= i < rows]
    if beyond:
        raise ModelError(
            f"{tokenizer} has {len(beyond):,} token ids beyond the table's {rows:,} rows (up to id "
            f"{max(beyond):,}); it is not this table's tokenizer"
        )
    return [ids.get(i, f"<row {i}>") for i in range(rows)]


def read(path: str, limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """Tokens (row order) and the token-embedding table of a safetensors checkpoint."""
    _, rows = table(path)
    words = vocabulary(path, rows.shape[0])
    if limit is not None:
        words, rows = words[:limit], rows[:limit]
    return words, rows
