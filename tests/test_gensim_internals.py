"""The gensim internals vecq relies on, checked so that a gensim release that changes them fails here.

pyproject.toml bounds gensim below the next minor release; raising the bound means running these.
"""

from __future__ import annotations

import inspect

import gensim
import gensim.downloader as downloader
import numpy as np
from gensim.models import KeyedVectors

from vecq.sources import readers


def test_word2vec_parsing_sets_a_count_once_per_word_in_row_order(tmp_path):
    """readers._lean_keyed_vectors streams rows to the cache from set_vecattr(key, 'count', ...)."""
    assert list(inspect.signature(KeyedVectors.set_vecattr).parameters) == ["self", "key", "attr", "val"]
    path = tmp_path / "m.txt"
    path.write_text("3 2\na 1 0\nb 0 1\nc 1 1\n")
    calls = []

    class Spy(KeyedVectors):
        def set_vecattr(self, key, attr, val):
            calls.append((key, attr, self.next_index))
            super().set_vecattr(key, attr, val)

    Spy.load_word2vec_format(str(path), binary=False, datatype=np.float32)
    assert [(k, a) for k, a, _ in calls] == [("a", "count"), ("b", "count"), ("c", "count")]
    assert [n for _, _, n in calls] == [1, 2, 3]  # next_index already counts the word just added


def test_lean_reader_streams_every_row(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("3 2\na 1 0\nb 0 1\nc 1 1\n")
    seen = []
    cls = readers._lean_keyed_vectors(lambda matrix, n: seen.append(n))
    readers.STREAM_ROWS, saved = 1, readers.STREAM_ROWS
    try:
        kv = cls.load_word2vec_format(str(path), binary=False, datatype=np.float32)
    finally:
        readers.STREAM_ROWS = saved
    assert seen == [1, 2, 3] and kv.index_to_key == ["a", "b", "c"]


def test_the_downloader_keeps_its_settings_where_vecq_points_them():
    """sources/download.py points these at a mirror, a data folder and a progress bar for one call."""
    assert tuple(int(x) for x in gensim.__version__.split(".")[:2]) < (4, 5)
    for name in ("BASE_DIR", "DOWNLOAD_BASE_URL", "load", "_progress", "_load_info"):
        assert hasattr(downloader, name), name
    assert list(inspect.signature(downloader._load_info).parameters) == ["url", "encoding"]
    assert len(downloader._load_info.__defaults__) == 2
    assert list(inspect.signature(downloader._progress).parameters)[:3] == [
        "chunks_downloaded",
        "chunk_size",
        "total_size",
    ]
