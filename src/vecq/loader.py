"""Open a model by name or path: from the cache when it is good, converting it once when not.

This is the one place that decides between the store (fast path, no gensim) and the sources (gensim,
downloads). It reports what it does through ``warn`` (one line each) and ``reporter`` (progress).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import layout, sources
from .catalogue import DEFAULT_MODEL
from .errors import VecqError
from .progress import NULL_REPORTER, Reporter

if TYPE_CHECKING:
    from .engine import Model

# ``store`` and ``engine`` (numpy) are imported where a model is mapped or built: finding a ready
# cache (``ready``) stays free of numpy for the answers that never need it (``direct.py``).


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
    folder = layout.entry_dir(source)
    status = layout.check(folder, source)
    if status.ok:
        from . import store

        return store.open_model(folder, status.manifest)
    return build(source, folder, status, reporter, warn)


def ready(
    spec: str | None = None, *, trust: bool = False, limit: int | None = None
) -> tuple[str, dict] | None:
    """The cache folder and manifest of a model whose cache is ready, else None.

    Never converts, downloads or prints: completion and the numpy-free answers call it.
    """
    try:
        source = sources.resolve(spec or default_model(), trust=trust, limit=limit, fetch=False)
    except VecqError:
        return None
    folder = layout.entry_dir(source)
    status = layout.check(folder, source)
    return (folder, status.manifest) if status.ok else None


def open_cached(spec: str | None = None, *, trust: bool = False, limit: int | None = None) -> Model | None:
    """The model if its cache is ready, else None: never converts, downloads or prints."""
    found = ready(spec, trust=trust, limit=limit)
    if found is None:
        return None
    from . import store

    try:
        return store.open_model(*found)
    except VecqError:
        return None


def build(
    source: sources.Source,
    folder,
    status: layout.Status,
    reporter: Reporter = NULL_REPORTER,
    warn: Callable[[str], None] = _ignore,
) -> Model:
    """Convert ``source`` into the cache, or answer from memory when the cache cannot be written."""
    from . import store
    from .engine import Model

    if status.reason and status.reason != "missing":
        warn(f"the cache of {source.name} is out of date ({status.reason}); converting it again")
    try:
        with store.locked(folder):
            again = layout.check(folder, source)  # another vecq may have converted it meanwhile
            if again.ok:
                return store.open_model(folder, again.manifest)
            store.sweep(folder)
            root = os.path.dirname(folder)
            warn(f"converting {source.name} into the cache in {root} (once; later calls are instant)")
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
    final = layout.check(folder, source)
    return store.open_model(folder, final.manifest)
