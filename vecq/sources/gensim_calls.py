"""How vecq calls gensim: its logging kept off stderr, its exceptions cut down to one line."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return (text[0] if text else type(e).__name__)[:300]


@contextlib.contextmanager
def quiet_gensim() -> Iterator[None]:
    """gensim logs (and, on a failed download, prints tracebacks through logging); keep them off stderr."""
    import logging

    log = logging.getLogger("gensim")
    saved = log.propagate, log.level
    log.propagate = False
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.propagate, log.level = saved
