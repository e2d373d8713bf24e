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

import os
import struct
from typing import TYPE_CHECKING

from .. import jsondata
from ..cache.layout import words_path
from ..core.unit import float32_rows
from ..errors import ModelError, shorten
from . import layouts, text, tokens, word_list

if TYPE_CHECKING:
    import numpy as np

MAX_HEADER = 100 << 20
ITEM_SIZES = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I8": 1}
# Where checkpoints keep their token-embedding table (the name ends so): GPT-2 ``wte.weight``, Llama,
# Mistral, Qwen ``model.embed_tokens.weight``, BERT ``embeddings.word_embeddings.weight``, T5
# ``shared.weight``, GPT-NeoX ``embed_in.weight``, LLaMA (Meta) ``tok_embeddings.weight``; model2vec
# ``embeddings`` and sentence-transformers' static ``embedding.weight`` (matched whole); last, the
# ``vectors`` of ``vecq export`` (its words in NAME.words.txt beside it: ``word_list.py``).
TABLE_NAMES = (
    "wte.weight",
    "embed_tokens.weight",
    "word_embeddings.weight",
    "shared.weight",
    "embed_in.weight",
    "tok_embeddings.weight",
)
STATIC_NAMES = ("embeddings", "embedding.weight")
EXPORTED = "vectors"
# model2vec's optional companions of its table, applied as model2vec applies them (``StaticModel``):
# token i's row is ``embeddings[mapping[i]] * weights[i]``.
WEIGHTS, MAPPING = "weights", "mapping"


def header(path: str) -> tuple[dict, int]:
    """The tensors a safetensors file declares (name -> entry) and where its data begins, checked."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        length = header_length(head, size, path)
        declared = parse_header(f.read(length), size - 8 - length, path)
    return declared, 8 + length


def header_length(head: bytes, size: int, where: str) -> int:
    """The JSON header's length from a file's first 8 bytes, checked against the file's ``size``."""
    if len(head) < 8:
        raise ModelError(f"{where} is too short to be a safetensors file")
    (length,) = struct.unpack("<Q", head)
    if not 2 <= length <= min(MAX_HEADER, size - 8):
        raise ModelError(f"{where}: a safetensors header of {length:,} bytes cannot be true of this file")
    return length


def parse_header(raw: bytes, data_size: int, where: str) -> dict:
    """The tensors a safetensors header declares, each checked against ``data_size`` bytes of data:
    every field by its type (``jsondata``), every range inside the data, none overlapping."""
    declared = jsondata.parse(raw, where, MAX_HEADER, what="safetensors header")
    fields = jsondata.Fields(where)
    fields.object(declared, "the safetensors header")
    declared.pop("__metadata__", None)
    ranges = []
    for name, entry in declared.items():
        fields.object(entry, f"the tensor {name!r}")
        dtype = fields.string(entry.get("dtype"), f"the dtype of {name!r}")
        shape = fields.integers(entry.get("shape"), f"the shape of {name!r}")
        start, stop = fields.integers(entry.get("data_offsets"), f"the data_offsets of {name!r}", 2)
        count = 1
        for n in shape:
            count *= n
        if not start <= stop <= data_size:
            raise ModelError(
                f"{where}: the tensor {name!r} lies outside the file; the file is truncated or lies"
            )
        if dtype in ITEM_SIZES and stop - start != count * ITEM_SIZES[dtype]:
            raise ModelError(f"{where}: the tensor {name!r} has {stop - start:,} bytes for its shape {shape}")
        ranges.append((start, stop, name))
    ranges.sort()
    for (_, stop, a), (start, _, b) in zip(ranges, ranges[1:]):
        if start < stop:
            raise ModelError(f"{where}: the tensors {a!r} and {b!r} overlap; the file is damaged")
    return declared


def table_name(declared: dict, path: str, wanted: str | None = None) -> str:
    """The token-embedding table among the declared tensors: ``wanted``, or by the names checkpoints
    and static models give it."""
    if wanted is not None:
        if wanted not in declared:
            raise ModelError(f"{path} has no tensor {wanted!r}; it holds: {_names(declared)}")
        return wanted
    for suffix in STATIC_NAMES:
        if suffix in declared:
            return suffix
    for suffix in TABLE_NAMES:
        found = sorted(name for name in declared if name == suffix or name.endswith("." + suffix))
        if found:
            return found[0]
    if EXPORTED in declared:
        return EXPORTED
    raise ModelError(
        f"{path} holds no token-embedding table vecq knows by name (looked for names ending in "
        f"{', '.join(TABLE_NAMES)}); name it with ⟨tensor=NAME⟩; it holds: {_names(declared)}"
    )


def _names(declared: dict) -> str:
    names = sorted(declared)
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def tensors_to_read(declared: dict, path: str, wanted: str | None = None) -> list[str]:
    """The table's name, then model2vec's ``weights`` and ``mapping`` when the table is a static one."""
    name = table_name(declared, path, wanted)
    extra = [t for t in (WEIGHTS, MAPPING) if name in STATIC_NAMES and t in declared]
    return [name, *extra]


def _array(path: str, declared: dict, data_start: int, name: str, rank: int) -> np.ndarray:
    """A declared tensor as float32 (or int64 for ``mapping``): F32 mapped, others converted."""
    import numpy as np

    entry = declared[name]
    dtype, shape, (start, _) = entry["dtype"], entry["shape"], entry["data_offsets"]
    if name == MAPPING:
        if dtype not in ("I64", "I32") or len(shape) != 1:
            raise ModelError(
                f"{path}: the tensor {name!r} is {shorten(dtype)} {shape}; a mapping is a list of integers"
            )
        stored = {"I64": "<i8", "I32": "<i4"}[dtype]
        return np.asarray(
            np.memmap(path, dtype=stored, mode="r", offset=data_start + start, shape=tuple(shape))
        )
    if dtype not in ITEM_SIZES:
        raise ModelError(
            f"{path}: the table {name!r} is {shorten(dtype)}; vecq reads F32, F16, BF16, F64 and I8 tables"
        )
    if len(shape) != rank or min(shape, default=1) < 1:
        what = "a token table has two dimensions" if rank == 2 else "weights are one per token"
        raise ModelError(f"{path}: the tensor {name!r} has shape {shape}; {what}")
    stored = {"F32": "<f4", "F16": "<f2", "BF16": "<u2", "F64": "<f8", "I8": "i1"}[dtype]
    raw = np.memmap(path, dtype=stored, mode="r", offset=data_start + start, shape=tuple(shape))
    if dtype == "F32":
        return raw
    if dtype == "BF16":  # bfloat16 is the high half of a float32: widened in place, one copy
        wide = np.asarray(raw, dtype=np.uint32)
        wide <<= 16
        return wide.view(np.float32)
    if dtype != "F64":
        return np.asarray(raw, dtype=np.float32)  # F16 and I8 exactly
    return float32_rows(raw, f"{path}: the F64 table {name!r}")


def table(path: str, wanted: str | None = None) -> tuple[str, np.ndarray, dict]:
    """The table's name, its rows as float32 (one per token id), and what ``info`` shows of it.

    A model2vec table with ``mapping`` and ``weights`` is expanded as model2vec does, so row i is
    token i's vector whatever the file's layout.
    """
    import numpy as np

    declared, data_start = header(path)
    names = tensors_to_read(declared, path, wanted)
    rows = _array(path, declared, data_start, names[0], 2)
    entry = declared[names[0]]
    details = {"tensor": names[0], "dtype": entry["dtype"], "shape": list(entry["shape"])}
    if MAPPING in names:
        mapping = _array(path, declared, data_start, MAPPING, 1)
        if len(mapping) and not (mapping.min() >= 0 and mapping.max() < len(rows)):
            raise ModelError(f"{path}: its mapping names rows beyond its {len(rows):,}-row table")
        rows = rows[mapping]
    if WEIGHTS in names:
        weights = _array(path, declared, data_start, WEIGHTS, 1)
        if len(weights) != len(rows):
            raise ModelError(f"{path}: {len(weights):,} weights for {len(rows):,} tokens")
        rows = (rows * weights[:, None]).astype(np.float32, copy=False)
    return names[0], rows, details


def shard_of_table(index_path: str, wanted: str | None = None) -> tuple[str, str]:
    """The shard holding the table of a sharded checkpoint (from its index), and the table's name."""
    index = jsondata.load(index_path, "safetensors index")
    fields = jsondata.Fields(index_path)
    weight_map = fields.object(fields.object(index, "the index").get("weight_map"), "weight_map")
    names = {k: fields.string(v, f"weight_map[{k!r}]") for k, v in weight_map.items()}
    name = table_name(dict.fromkeys(names), index_path, wanted)
    shard = names[name]
    if "/" in shard or shard.startswith("."):
        raise ModelError(f"{index_path} places {name!r} outside its folder ({shard!r})")
    return os.path.join(os.path.dirname(index_path), shard), name


def tokenizer_spec(path: str) -> dict:
    """The ``tokenizer.json`` beside ``path``, parsed, with every field vecq uses checked for its
    type: ``model`` (``type``, ``vocab``, ``unk_token``, ``unk_id``, ``continuing_subword_prefix``),
    ``pre_tokenizer`` and ``decoder`` (with their lists), ``added_tokens``."""
    tokenizer = os.path.join(os.path.dirname(path), "tokenizer.json")
    missing = f"{path} has no tokenizer.json beside it, which names its rows; put it there"
    spec = jsondata.load(tokenizer, "tokenizer", missing)
    f = jsondata.Fields(tokenizer)
    f.object(spec, "the tokenizer")
    model = f.object(spec.get("model") or {}, "model")
    for key in ("type", "unk_token", "continuing_subword_prefix"):
        f.optional(model, key, f.string, "model.")
    f.optional(model, "unk_id", f.integer, "model.")
    vocab = model.get("vocab")
    if isinstance(vocab, dict):  # BPE, WordPiece, WordLevel: token -> id
        for token, i in vocab.items():
            f.integer(i, f"model.vocab[{token!r}]")
    elif isinstance(vocab, list):  # Unigram: [piece, score] in id order
        for i, piece in enumerate(vocab):
            f.string(f.array(piece, f"model.vocab[{i}]", 2)[0], f"model.vocab[{i}][0]")
    elif vocab is not None:
        raise f.fail("model.vocab", "a JSON object or a list", vocab)
    for part, inner in (("pre_tokenizer", "pretokenizers"), ("decoder", "decoders")):
        node = f.object(spec.get(part) or {}, part)
        f.optional(node, "type", f.string, f"{part}.")
        for i, item in enumerate(f.optional(node, inner, f.array, f"{part}.") or []):
            f.optional(f.object(item, f"{part}.{inner}[{i}]"), "type", f.string, f"{part}.{inner}[{i}].")
    for i, added in enumerate(f.optional(spec, "added_tokens", f.array, "") or []):
        f.object(added, f"added_tokens[{i}]")
        f.integer(added.get("id"), f"added_tokens[{i}].id")
        f.string(added.get("content"), f"added_tokens[{i}].content")
    return spec


def vocabulary(path: str, rows: int) -> tuple[list[str], str]:
    """Row i's token as vecq shows it (``tokens.py``), from the ``tokenizer.json`` beside ``path``;
    ``<row i>`` for rows no token names. Also the tokenizer's kind."""
    spec = tokenizer_spec(path)
    tokenizer = os.path.join(os.path.dirname(path), "tokenizer.json")
    vocab = (spec.get("model") or {}).get("vocab")  # its types checked by tokenizer_spec
    ids: dict[int, str] = {}
    if isinstance(vocab, dict):  # BPE, WordPiece, WordLevel: token -> id
        ids = {i: token for token, i in vocab.items()}
    elif isinstance(vocab, list):  # Unigram: [piece, score] in id order
        ids = {i: piece[0] for i, piece in enumerate(vocab)}
    added = {a["id"]: a["content"] for a in spec.get("added_tokens") or []}
    ids.update(added)
    if not ids:
        raise ModelError(f"{tokenizer} holds no vocabulary vecq can read")
    beyond = [i for i in ids if not 0 <= i < rows]
    if beyond:
        raise ModelError(
            f"{tokenizer} has {len(beyond):,} token ids beyond the table's {rows:,} rows (up to id "
            f"{max(beyond):,}); it is not this table's tokenizer"
        )
    named = sorted(ids)
    shown = dict(zip(named, tokens.shown_forms([ids[i] for i in named], spec, set(added.values()))))
    return [shown.get(i, f"<row {i}>") for i in range(rows)], tokens.kind(spec)


def read(
    path: str,
    limit: int | None = None,
    wanted: str | None = None,
    details: dict | None = None,
    arrays: dict | None = None,
) -> tuple[list[str], np.ndarray]:
    """Tokens (row order) and the token-embedding table of a safetensors checkpoint or static model
    (``path``: the file, or a sharded checkpoint's ``model.safetensors.index.json``).

    ``details``, if given, receives what ``info`` shows (tensor, dtype, shape, tokenizer kind) and how
    the model reads text (``text``: ``sources/text.py``); ``arrays`` the ``tokenizer.json`` to keep.
    """
    if path.endswith(layouts.INDEX):
        shard, wanted = shard_of_table(path, wanted)
        name, rows, found = table(shard, wanted)
    else:
        name, rows, found = table(path, wanted)
    listed = words_path(path)
    tokenizer = os.path.join(os.path.dirname(path), "tokenizer.json")
    if not os.path.exists(tokenizer) and os.path.exists(listed):  # vecq export's words, one a line
        words = word_list.read_words(listed, rows.shape[0], os.path.basename(path))
        word_list.check_finite(rows, words, path)
        if details is not None:
            details.update(found)
    else:
        words, kind = vocabulary(path, rows.shape[0])
        if details is not None:
            details.update(found, tokenizer=kind)
            with open(tokenizer, "rb") as f:
                raw = f.read()
            details["text"] = text.settings(os.path.dirname(path), name, tokenizer_spec(path), tokenizer)
            if arrays is not None:
                arrays[text.TOKENIZER] = raw
    if limit is not None:
        words, rows = words[:limit], rows[:limit]
    return words, rows
