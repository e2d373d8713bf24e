"""Open a model by name or path: from the cache when it is good, converting it once when not.

This is the one place that decides between the cache (fast path, no gensim) and the readers (gensim,
downloads). It reports what it does through ``warn`` (one line each) and ``reporter`` (progress).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..cache import files, layout
from ..errors import VecqError
from ..progress import NULL_REPORTER, Reporter
from . import names, readers
from .catalogue import DEFAULT_MODEL

if TYPE_CHECKING:
    from ..core.model import Model

# The cache's reader and writer (numpy) are imported where a model is mapped or built: finding a
# ready cache (``ready``) stays free of numpy for the answers that never need it (``cache/rows.py``).


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
    source = names.source_for(spec or default_model(), trust=trust, limit=limit, reporter=reporter)
    folder = layout.entry_dir(source)
    status = layout.check(folder, source)
    if status.ok:
        from ..cache import reader

        return reader.map_folder(folder, status.manifest)
    return build(source, folder, status, reporter, warn)


def ready(
    spec: str | None = None, *, trust: bool = False, limit: int | None = None
) -> tuple[str, dict] | None:
    """The cache folder and manifest of a model whose cache is ready, else None.

    Never converts, downloads or prints: completion and the numpy-free answers call it.
    """
    try:
        source = names.source_for(spec or default_model(), trust=trust, limit=limit, fetch=False)
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
    from ..cache import reader

    try:
        return reader.map_folder(*found)
    except VecqError:
        return None


def build(
    source: names.Source,
    folder,
    status: layout.Status,
    reporter: Reporter = NULL_REPORTER,
    warn: Callable[[str], None] = _ignore,
) -> Model:
    """Convert ``source`` into the cache, or answer from memory when the cache cannot be written."""
    from ..cache import reader, writer
    from ..core.model import Model

    if status.reason and status.reason != "missing":
        warn(f"the cache of {source.name} is out of date ({status.reason}); converting it again")
    try:
        with files.locked(folder):
            again = layout.check(folder, source)  # another vecq may have converted it meanwhile
            if again.ok:
                return reader.map_folder(folder, again.manifest)
            files.sweep(folder)
            root = os.path.dirname(folder)
            warn(f"converting {source.name} into the cache in {root} (once; later calls are instant)")
            conversion = writer.Conversion(folder, source, reporter)
            try:
                words, raw = readers.read(source, reporter, on_rows=conversion.rows_ready)
            except BaseException:
                conversion.abort()
                raise
            try:
                conversion.finish(words, raw)
            except files.CacheWriteError as e:
                warn(f"{e.message}; answering from memory this time")
                return Model.from_arrays(words, raw, source.name, source.path)
    except files.CacheWriteError as e:
        warn(f"{e.message}; answering from memory this time")
        words, raw = readers.read(source, reporter)
        return Model.from_arrays(words, raw, source.name, source.path)
    final = layout.check(folder, source)
    return reader.map_folder(folder, final.manifest)
