"""How a model is opened: the options that say which model and how to answer with it, as one frozen
value, and the one function that opens a model with them. The CLI (``Session.open``), the workers of
a graph or a Dask cluster, and the Python API (``vecq.load``) all call it, so the same options open
the same model the same way wherever they are given.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .progress import NULL_REPORTER, Reporter

if TYPE_CHECKING:
    from .core.model import Model, SearchIndex


@dataclass(frozen=True)
class ModelOptions:
    """Which model, and how it answers: everything a process needs to open the model another opened."""

    spec: str | None = None  # a path, a gensim-data name or a Hub name (None: VECQ_MODEL or the default)
    trust: bool = False  # gensim's pickles may be unpickled (they can run code)
    limit: int | None = None  # only the first N words
    subwords: bool = True  # fastText: build vectors for words outside the vocabulary
    pool: str | None = None  # "mean": a language model's word of several tokens is their mean
    approx: bool = False  # answer neighbour questions from the approximate index
    nprobe: int | None = None  # with approx: lists probed per query (None: the index's own)


def _ignore(message: str) -> None:
    pass


def open_with(
    options: ModelOptions,
    *,
    reporter: Reporter = NULL_REPORTER,
    warn: Callable[[str], None] = _ignore,
    root: str | None = None,
) -> Model:
    """The model ``options`` name, ready to answer as they say (``root``: the cache folder, default
    VECQ_CACHE_DIR's). With ``approx`` and no usable index, ``warn`` says so and answers are exact."""
    from .sources.loader import open_model

    model = open_model(
        options.spec, trust=options.trust, limit=options.limit, reporter=reporter, warn=warn, root=root
    )
    model.use_subwords = options.subwords
    model.pool = options.pool
    if options.approx:
        model.index = _index(model, options.nprobe, warn)
    return model


def _index(model: Model, nprobe: int | None, warn: Callable[[str], None]) -> SearchIndex | None:
    """The model's approximate index (probing ``nprobe`` lists), or None, said by ``warn``."""
    from .ann import index as ann_index
    from .cache.layout import index_dir

    index = ann_index.load(model.folder) if model.folder is not None else None
    if index is not None and nprobe is not None:
        index = index._replace(meta={**index.meta, "nprobe": nprobe})
    if index is None:
        unusable = model.folder is not None and os.path.isdir(index_dir(model.folder))
        what = (
            "an approximate index made by another version of vecq, or damaged"
            if unusable
            else "no approximate index"
        )
        warn(f"{model.info.name} has {what} (build one with 'vecq index build'); answering exactly")
    return index


def opened_content(model: Model) -> str | None:
    """What the opened model's cache holds (``cache.layout.content_of``), None for a model held in
    memory: a process that opens the model again (an unpickled object, a server's worker) checks
    that it holds the same, so that it never answers with other vectors than the first."""
    if model.folder is None:
        return None
    from .cache.layout import content_of

    return content_of(model.folder)
