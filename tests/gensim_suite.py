"""gensim's own test files, run with ``vecq.KeyedVectors`` in place of gensim's class.

Each file is read from the installed gensim and compiled as a module after a fixed list of
substitutions: every line where a test names ``KeyedVectors`` to open or build one names vecq's class
instead; every other line is gensim's, unchanged. Each substitution must match (``expected`` times),
so a gensim release that changes its tests fails here loudly instead of testing less.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import gensim.test

SITE = Path(gensim.test.__file__).parents[2]  # gensim/test/NAME.py is found under it

# gensim's private loader called with ``cls=KeyedVectors`` opens a file: the public entry point with
# the same arguments is vecq's (``binary_chunk_size`` is how gensim reads, not what it reads).
_PRIVATE_LOADER = """
def _vecq_load_word2vec_format(cls, fname, binary=False, limit=None, binary_chunk_size=None, **kwargs):
    return cls.load_word2vec_format(fname, binary=binary, limit=limit, **kwargs)
"""

# (file, old, new, expected count)
SUBSTITUTIONS: list[tuple[str, str, str, int]] = [
    (
        "gensim/test/test_keyedvectors.py",
        "from gensim.models.keyedvectors import KeyedVectors, REAL, pseudorandom_weak_vector",
        "from gensim.models.keyedvectors import REAL, pseudorandom_weak_vector\n"
        "from vecq import KeyedVectors" + _PRIVATE_LOADER,
        1,
    ),
    (
        "gensim/test/test_keyedvectors.py",
        "gensim.models.KeyedVectors.load_word2vec_format(",
        "KeyedVectors.load_word2vec_format(",
        3,
    ),
    (
        "gensim/test/test_keyedvectors.py",
        "gensim.models.keyedvectors.KeyedVectors.load(",
        "KeyedVectors.load(",
        1,
    ),
    (
        "gensim/test/test_keyedvectors.py",
        "gensim.models.keyedvectors._load_word2vec_format(",
        "_vecq_load_word2vec_format(",
        1,
    ),
    ("gensim/test/test_keyedvectors.py", "cls=gensim.models.KeyedVectors,", "cls=KeyedVectors,", 1),
    (
        "gensim/test/test_datatype.py",
        "from gensim.models.keyedvectors import KeyedVectors",
        "from vecq import KeyedVectors",
        1,
    ),
    (
        "gensim/test/test_translation_matrix.py",
        "from gensim.models import KeyedVectors",
        "from vecq import KeyedVectors",
        1,
    ),
    (
        "gensim/test/test_similarities.py",
        "from gensim.models import KeyedVectors",
        "from vecq import KeyedVectors",
        1,
    ),
]


def load(filename: str) -> types.ModuleType:
    """gensim's ``filename`` (``gensim/test/NAME.py``) with vecq's class substituted, as a module."""
    source = (SITE / filename).read_text(encoding="utf-8")
    for name, old, new, expected in SUBSTITUTIONS:
        if name != filename:
            continue
        found = source.count(old)
        if found != expected:
            raise AssertionError(
                f"gensim's {filename} has {found} of {old!r}, not {expected}: gensim changed"
            )
        source = source.replace(old, new)
    module = types.ModuleType(f"gensim_suite_{Path(filename).stem}")
    module.__file__ = str(SITE / filename)
    sys.modules[module.__name__] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module
