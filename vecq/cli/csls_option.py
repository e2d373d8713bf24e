"""``neighbors --csls``: neighbour lists re-ranked by CSLS (``core/csls.py``), each word's mean
similarity to its neighbours computed once per model (and --restrict) and kept in its cache."""

from __future__ import annotations

import os

import numpy as np

from .session import Session


def mean_similarities(session: Session, model, n: int) -> np.ndarray:
    """r(w) of the first ``n`` words, kept in the model's cache (a bar on a terminal when computed)."""
    from ..cache import derived
    from ..core import csls
    from .progress_bars import reporter_for

    if n > 50_000 and not (model.folder and os.path.isfile(derived.csls_path(model, n))):
        session.warn(f"computing each of {n:,} words' {csls.K} nearest once for CSLS (kept in the cache)")
    return derived.csls_means(model, n, reporter=reporter_for(session.env))


def print_csls(session: Session, text: str, top: int, restrict: int | None) -> None:
    """``neighbors TEXT --csls``: the answers by CSLS, their cosine beside."""
    from ..core import csls

    model = session.open()
    terms = session.expression(model, text)
    r = mean_similarities(session, model, min(len(model), restrict or len(model)))
    records = [n._asdict() for n in csls.answers(model, text, terms, r, top)]
    session.print_neighbours(records, f"neighbours of {text} by CSLS", model, ("csls",), restrict)
