"""vecq: query pretrained word vectors from the shell, or from Python.

    import vecq
    kv = vecq.load("glove-wiki-gigaword-50")
    kv.neighbors("cat", top=5)
    kv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)   # gensim's API

Attributes are imported on first use, so ``import vecq`` (and the CLI) stays fast.
"""

from __future__ import annotations

from .version import __version__

_API = ("load", "open", "Vectors", "KeyedVectors", "RespelledWarning", "TextCutWarning", "PrecisionWarning")
# The exceptions a caller catches: VecqError for all; UnknownWordError is a KeyError, QueryError
# a ValueError and NotAWordError (text that cannot be a word) both, as Python and gensim callers
# expect; NoMemoryError (an answer the free memory cannot hold) a ValueError and a MemoryError.
_ERRORS = ("VecqError", "UnknownWordError", "QueryError", "NotAWordError", "NoMemoryError", "ModelError")
__all__ = ["__version__", *_API, *_ERRORS]


def __dir__() -> list[str]:
    # what ``vecq.<TAB>`` offers: the public names, not the modules loaded so far or ``annotations``
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    if name in _ERRORS:
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'vecq' has no attribute {name!r}")
