"""How vecq calls gensim: its logging kept off stderr, its exceptions cut down to one line."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return (text[0] if text else type(e).__name__)[:300]


@contextlib.contextmanager
def quiet_gensim() -> Iterator[None]:
    """gensim logs (and, on a failed download, prints tracebacks through logging), and numpy warns
    from inside gensim's arithmetic on a damaged file ("overflow encountered in add", with the
    source line): keep them off stderr. What the damage did is vecq's to say (a row holding NaN or
    an infinity is refused by name when the rows are made unit)."""
    import logging
    import warnings

    log = logging.getLogger("gensim")
    saved = log.propagate, log.level
    log.propagate = False
    log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=RuntimeWarning, module="gensim")
            yield
    finally:
        log.propagate, log.level = saved
