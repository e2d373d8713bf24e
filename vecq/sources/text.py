"""Text through a model's own tokenizer: the token ids a phrase or a sentence becomes.

A token table's cache keeps the model's ``tokenizer.json``; this runs it with Hugging Face's
``tokenizers`` (the library the models were made with), imported on first use. For a static model
(model2vec, sentence-transformers' static embeddings) the settings are the model's own, read from
its config when it was converted: no special tokens, model2vec's truncation (``max_length``) and
its dropping of the unknown token, so the ids are those ``StaticModel.tokenize`` gives; the engine
pools and normalises them as ``StaticModel.encode`` does (``core/model.py``, ``Model.encode``).
sentence-transformers' ``StaticEmbedding`` keeps every token and the tokenizer's own truncation.
"""

from __future__ import annotations

import os
from typing import Any

from .. import jsondata
from ..core.model import Tokenized
from ..errors import ModelError

TOKENIZER = "tokenizer.json"  # the copy kept in a token table's cache folder


class Encoder:
    """Text -> token ids with the tokenizer in ``path``; ``settings`` from the manifest's ``text``."""

    def __init__(self, path: str, settings: dict, tensor: str | None = None, data: bytes | None = None):
        self.path = path
        self._data = data  # the file's bytes, for a model held in memory (its cache unwritable)
        self.static = bool(settings.get("static"))  # the model embeds text (model2vec, static ST)
        self.normalize = bool(settings.get("normalize"))
        self.max_length = settings.get("max_length")
        self._median = settings.get("median_token_length")  # kept at conversion (older caches: None)
        # sentence-transformers' StaticEmbedding (its table ``embedding.weight``) reads text with the
        # tokenizer as saved (its own truncation, if any) and averages every token, the unknown one
        # too; model2vec drops the unknown token and truncates as its config says.
        self.as_saved = self.static and tensor == "embedding.weight"
        self.unk_id = None if self.as_saved else settings.get("unk_id")
        self._tokenizer: Any = None  # a tokenizers.Tokenizer, loaded on first use
        self._max_chars: int | None = None  # model2vec's cut before tokenising (``_load``)

    def _load(self) -> Any:
        if self._tokenizer is None:
            try:
                from tokenizers import Tokenizer
            except ImportError as e:  # a dependency: only a broken install lacks it
                raise ModelError(
                    "reading text through the model's tokenizer needs: pip install tokenizers"
                ) from e
            try:
                if self._data is not None:
                    tokenizer = Tokenizer.from_str(self._data.decode("utf-8"))
                else:
                    tokenizer = Tokenizer.from_file(self.path)
            except Exception as e:  # the library raises its own exception type for a bad file
                raise ModelError(f"{self.path} cannot be read as a tokenizer ({e})") from e
            if tokenizer.padding is not None:  # as model2vec: never pad
                tokenizer.no_padding()
            if self.max_length:
                tokenizer.enable_truncation(int(self.max_length))
                median = self._median or median_token_length(tokenizer)
                self._max_chars = int(self.max_length) * median
            elif not self.as_saved:
                tokenizer.no_truncation()
            self._tokenizer = tokenizer
        return self._tokenizer

    def _encoding(self, text: str) -> tuple[Any, bool]:
        """The tokenizer's encoding of ``text`` as the model's library reads it, and whether text
        was left out: model2vec first keeps max_length x (the median token length) characters, then
        max_length tokens; sentence-transformers, what the tokenizer's own truncation keeps."""
        tokenizer = self._load()
        kept = text if self._max_chars is None else text[: self._max_chars]
        encoding = tokenizer.encode(kept, add_special_tokens=False)
        return encoding, len(kept) < len(text) or bool(encoding.overflowing)

    def pieces(self, text: str) -> Tokenized:
        """Each token of ``text`` the model reads (no special tokens): its id, and where the part of
        ``text`` it covers starts and ends."""
        encoding, cut = self._encoding(text)
        return Tokenized([(i, a, b) for i, (a, b) in zip(encoding.ids, encoding.offsets)], cut)

    def ids(self, text: str) -> Tokenized:
        """The token ids of ``text`` the model reads, without special tokens (and without the
        unknown token, as model2vec drops it; sentence-transformers keeps it)."""
        encoding, cut = self._encoding(text)
        ids = encoding.ids
        return Tokenized([i for i in ids if i != self.unk_id] if self.unk_id is not None else list(ids), cut)


def median_token_length(tokenizer: Any) -> int:
    """model2vec's ``StaticModel.median_token_length``: the median length of the vocabulary's
    tokens (as the tokenizer writes them, added tokens included), rounded down."""
    import numpy as np

    vocab = tokenizer.get_vocab()
    return int(np.median(np.fromiter(map(len, vocab), dtype=np.int64, count=len(vocab))))


def settings(folder: str, table_name: str, spec: dict, tokenizer: str) -> dict:
    """What the manifest keeps of how the model reads text: static or not, normalisation, truncation,
    the unknown token; from the model's ``config.json`` (model2vec) or ``modules.json`` (ST), and for
    model2vec's cut the median token length of the tokenizer in the file ``tokenizer`` (measured
    once here: 0.5 s for a 500,000-token vocabulary)."""
    static = table_name in ("embeddings", "embedding.weight")
    out: dict = {"static": static, "normalize": False, "max_length": None, "unk_id": _unk_id(spec)}
    if not static:
        return out
    if table_name == "embeddings":  # model2vec: its config says (StaticModel's default length 512)
        path = os.path.join(folder, "config.json")
        config = _json(path, {})
        f = jsondata.Fields(path)
        f.object(config, "the config")
        out["normalize"] = f.optional(config, "normalize", f.boolean, "") or False
        length = config.get("max_length", 512)
        out["max_length"] = None if length is None else f.integer(length, "max_length", 1, MAX_LENGTH)
        if out["max_length"] is not None:
            out["median_token_length"] = median_token_length(Encoder(tokenizer, {})._load())
    else:  # sentence-transformers: a Normalize module after the embedding
        root = os.path.dirname(folder) if os.path.basename(folder) == "0_StaticEmbedding" else folder
        path = os.path.join(root, "modules.json")
        f = jsondata.Fields(path)
        modules = f.array(_json(path, []), "the modules")
        types = [
            f.optional(f.object(m, f"modules[{i}]"), "type", f.string, "") for i, m in enumerate(modules)
        ]
        out["normalize"] = any((t or "").endswith("Normalize") for t in types)
    return out


MAX_LENGTH = 1 << 24  # tokens a text may be truncated to: more than any model takes


def _unk_id(spec: dict) -> int | None:
    model = spec.get("model") or {}
    token = model.get("unk_token")
    if token is not None:
        vocab = model.get("vocab")
        if isinstance(vocab, dict):
            return vocab.get(token)
        return None
    return model.get("unk_id")


def _json(path: str, default: Any) -> Any:
    """A model's settings file parsed (``jsondata``'s rules), or ``default`` when there is none."""
    return jsondata.load(path, "settings") if os.path.exists(path) else default
