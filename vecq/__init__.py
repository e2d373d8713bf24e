"""vecq: query pretrained word vectors from the shell, or from Python.

    import vecq
    kv = vecq.load("glove-wiki-gigaword-50")
    kv.neighbors("cat", top=5)
    kv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)   # gensim's API

Attributes are imported on first use, so ``import vecq`` (and the CLI) stays fast.
"""

from __future__ import annotations

from .version import __version__

__all__ = ["KeyedVectors", "Vectors", "__version__", "load", "open"]


def __dir__() -> list[str]:
    return sorted([*globals(), "KeyedVectors", "Vectors", "load", "open"])


def __getattr__(name: str):
    if name in ("load", "open", "Vectors", "KeyedVectors"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'vecq' has no attribute {name!r}")
