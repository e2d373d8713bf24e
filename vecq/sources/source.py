"""A model ready to read: what to read, how, under which name and cache key (``names.source_for``
makes one; the readers, the format checks and the cache's writer take it)."""

from __future__ import annotations

from typing import NamedTuple


class Source(NamedTuple):
    """A model ready to read: what to read, how, under which name and cache key."""

    key: str
    name: str
    path: str
    format: str  # word2vec-bin | word2vec-text | glove-text | fasttext-bin | gensim-kv | gensim-native | kumo
    # | safetensors (a token table: a checkpoint, a sharded one's index, a static model)
    # | npy (a matrix with its words beside it: ``word_list.py``)
    limit: int | None = None
    tensor: str | None = None  # --tensor: the table's name in a checkpoint
    remote: str | None = None  # a Hub model's address at its commit (hf:OWNER/NAME@COMMIT/PATH)
    revision: str | None = None  # a Hub model's commit
    staging: str | None = None  # a folder of fetched parts, removed once converted
    unicode_errors: str = "strict"  # gensim's unicode_errors for words that are not valid UTF-8
