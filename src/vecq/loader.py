"""Open a model by name or path: from the cache when it is good, converting it once when not.

This is the one place that decides between the store (fast path, no gensim) and the sources (gensim,
downloads). It reports what it does through ``warn`` (one line each) and ``reporter`` (progress).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from . import sources, store
from .catalogue import DEFAULT_MODEL
from .engine import Model
from .errors import VecqError
from .progress import NULL_REPORTER, Reporter


def _ignore(message: str) -> None:
    pass


def default_model() -> str:
    return os.environ.get("VECQ_MODEL") or DEFAULT_MODEL


def open_model(
    spec: str | None = None,
    *,
    trust: bool = False,
    limit: int | None = None,
    reporter: Reporter = NULL_REPORTER,
    warn: Callable[[str], None] = _ignore,
) -> Model:
    """The model named by ``spec`` (a path or a gensim-data name), ready to query."""
    source = sources.resolve(spec or default_model(), trust=trust, limit=limit, reporter=reporter)
    folder = store.entry_dir(source)
    status = store.check(folder, source)
    if status.ok:
        return store.open_model(folder, status.manifest)
    return build(source, folder, status, reporter, warn)


def open_cached(spec: str | None = None, *, trust: bool = False, limit: int | None = None) -> Model | None:
    """The model if its cache is ready, else None: never converts, downloads or prints."""
    try:
        source = sources.resolve(spec or default_model(), trust=trust, limit=limit, fetch=False)
    except VecqError:
        return None
    folder = store.entry_dir(source)
    status = store.check(folder, source)
    if not status.ok:
        return None
    try:
        return store.open_model(folder, status.manifest)
    except VecqError:
        return None


def build(
    source: sources.Source,
    folder,
    status: store.Status,
    reporter: Reporter = NULL_REPORTER,
    warn: Callable[[str], None] = _ignore,
) -> Model:
    """Convert ``source`` into the cache, or answer from memory when the cache cannot be written."""
    if status.reason and status.reason != "missing":
        warn(f"the cache of {source.name} is out of date ({status.reason}); converting it again")
    try:
        with store.locked(folder):
            again = store.check(folder, source)  # another vecq may have converted it meanwhile
            if again.ok:
                return store.open_model(folder, again.manifest)
            store.sweep(folder)
            warn(
                f"converting {source.name} into the cache in {folder.parent} (once; later calls are instant)"
            )
            conversion = store.Conversion(folder, source, reporter)
            try:
                words, raw = sources.read(source, reporter, on_rows=conversion.rows_ready)
            except BaseException:
                conversion.abort()
                raise
            try:
                conversion.finish(words, raw)
            except store.CacheWriteError as e:
                warn(f"{e.message}; answering from memory this time")
                return Model.from_arrays(words, raw, source.name, source.path)
    except store.CacheWriteError as e:
        warn(f"{e.message}; answering from memory this time")
        words, raw = sources.read(source, reporter)
        return Model.from_arrays(words, raw, source.name, source.path)
    final = store.check(folder, source)
    return store.open_model(folder, final.manifest)
