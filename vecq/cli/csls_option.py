"""``neighbors --csls``: neighbour lists re-ranked by CSLS (``core/csls.py``), each word's mean
similarity to its neighbours computed once per model (and --restrict) and kept in its cache."""

from __future__ import annotations

import os

import numpy as np

from .session import Session


def mean_similarities(session: Session, model, n: int) -> np.ndarray:
    """r(w) of the first ``n`` words: read from the model's cache folder, else computed (a bar on a
    terminal) and kept there."""
    from ..cache.files import output_file
    from ..core import csls
    from .progress_bars import reporter_for

    path = os.path.join(model.folder, f"csls-r-k{csls.K}-n{n}.npy") if model.folder else None
    if path and os.path.isfile(path):
        r = np.load(path, allow_pickle=False)
        if r.shape == (n,):
            return r
    if n > 50_000:
        session.warn(f"computing each of {n:,} words' {csls.K} nearest once for CSLS (kept in the cache)")
    r = csls.mean_neighbour_similarity(model, n, reporter=reporter_for(session.env))
    if path:
        with output_file(path) as f:
            np.save(f, r, allow_pickle=False)
    return r


def print_csls(session: Session, text: str, top: int, restrict: int | None) -> None:
    """``neighbors TEXT --csls``: the answers by CSLS, their cosine beside."""
    from ..core import csls

    model = session.open()
    terms = session.expression(model, text)
    (direction,) = model.directions([terms])
    n = min(len(model), restrict or len(model))
    r = mean_similarities(session, model, n)
    exclude = [t.match.row for t in terms if t.match.row < n]
    found = csls.neighbors(model, direction, r, top, exclude)
    records = [
        {"query": text, "rank": i, "word": model.vocab.word(row), "similarity": cos, "csls": score}
        for i, (row, score, cos) in enumerate(found, 1)
    ]
    session.print_neighbours(records, f"neighbours of {text} by CSLS", model, extra=("csls",))
