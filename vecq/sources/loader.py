"""Open a model by name or path: from the cache when it is good, converting it once when not.

This is the one place that decides between the cache (fast path, no gensim) and the readers (gensim,
downloads). It reports what it does through ``warn`` (one line each) and ``reporter`` (progress).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..cache import files, layout
from ..errors import ModelError, VecqError
from ..progress import NULL_REPORTER, Reporter
from . import names
from .catalogue import default_model
from .source import Source

if TYPE_CHECKING:
    import numpy as np

    from ..cache.writer import Conversion
    from ..core.model import Model

# The cache's reader and writer (numpy) are imported where a model is mapped or built: finding a
# ready cache (``ready``) stays free of numpy for the answers that never need it (``cache/pair_reader.py``).


def _ignore(message: str) -> None:
    pass


def mapped(
    folder: str, manifest: layout.Manifest, limit: int | None = None, name: str | None = None
) -> Model:
    """The cache in ``folder``, mapped (``cache.reader.map_folder``), with a token table's tokenizer."""
    from ..cache import reader

    model = reader.map_folder(folder, manifest, limit, name)
    if manifest.get("text") is not None:  # a token table: its tokenizer (imported for it only)
        from . import text

        tokenizer = os.path.join(folder, text.TOKENIZER)
        if os.path.exists(tokenizer):
            _with_text(model, manifest, tokenizer)
    return model


def in_memory(source: Source, words: list[str], raw: np.ndarray, details: dict, arrays: dict) -> Model:
    """The model answered from memory when its cache cannot be written, built from what its reader
    gave as ``mapped`` builds it from the cache (a token table's tokens and tokenizer, a fastText
    model's subwords), so that it answers alike."""
    from ..cache import reader, writer
    from ..core.model import Model
    from . import text

    manifest = writer.described(source, details, len(words), int(raw.shape[1]))
    model = Model.from_arrays(words, raw, source.name, source.path)
    model.info = layout.model_info(manifest)
    reader.apply_manifest(model, manifest, arrays.get("ngrams"), arrays.get(layout.COUNTS))
    tokenizer = arrays.get(text.TOKENIZER)
    if isinstance(tokenizer, bytes):
        _with_text(model, manifest, os.path.join(os.path.dirname(source.path), text.TOKENIZER), tokenizer)
    return model


def _with_text(model: Model, manifest: layout.Manifest, path: str, data: bytes | None = None) -> None:
    """A token table's tokenizer (the file at ``path``, or its bytes ``data``) on ``model``."""
    from . import text

    settings = manifest.get("text")
    if settings is not None:
        model.text = text.Encoder(path, settings, (manifest.get("table") or {}).get("tensor"), data)


class Found(NamedTuple):
    """A ready cache: its folder, its manifest, and the rows to show (``--limit`` on a full cache)."""

    folder: str
    manifest: layout.Manifest
    limit: int | None
    name: str  # as the user named the model this time


def find_ready(
    spec: str | None = None,
    *,
    limit: int | None = None,
    warn: Callable[[str], None] = _ignore,
    damaged: list | None = None,
    root: str | None = None,
) -> Found | None:
    """The ready cache of ``spec``, if there is one: the full model's first, then a ``--limit`` one.

    Never converts, downloads or reads the source; the numpy-free answers and completion call it.
    A cache whose source is gone is used, and ``warn`` says so once. Damaged caches it met are
    appended to ``damaged`` (their Status), so that the caller can rebuild them or name them.
    ``root``: the cache folder to look in (default ``layout.cache_root()``).
    """
    wanted = names.identify(default_model() if spec is None else spec)
    for folder_limit in dict.fromkeys([None, limit]):
        folder = layout.entry_dir(wanted.key, folder_limit, root)
        status = layout.check(folder)
        if status.ok:
            if status.source_gone:
                _note_source_gone(folder, wanted.name, status.usable["source"], warn)
            view = (
                limit
                if folder_limit is None and limit is not None and limit < status.usable["rows"]
                else None
            )
            return Found(folder, status.usable, view, wanted.name)
        if status.damaged and damaged is not None:
            damaged.append((folder, status))
    return None


def _note_source_gone(folder: str, name: str, source: str, warn: Callable[[str], None]) -> None:
    """Say once per cache (a marker file remembers) that its source is gone and the cache answers."""
    marker = os.path.join(folder, layout.SOURCE_GONE)
    if os.path.exists(marker):
        return
    warn(f"{source} is gone; {name} is answered from its cache ('vecq cache clear {name}' removes it)")
    with contextlib.suppress(OSError):
        open(marker, "w").close()


def open_model(
    spec: str | None = None,
    *,
    trust: bool = False,
    limit: int | None = None,
    reporter: Reporter = NULL_REPORTER,
    warn: Callable[[str], None] = _ignore,
    refresh: bool = False,
    root: str | None = None,
) -> Model:
    """The model named by ``spec`` (a path, a gensim-data name, a Hub repo), ready to query.

    A ready cache is mapped; a damaged one is converted again when its source can be read, and
    named with the command that removes it when not; a missing one is converted. ``refresh`` (a
    Hub model) asks the Hub for the revision's commit and converts again when it moved. ``root``: the
    cache folder (default ``layout.cache_root()``).
    """
    from ..cache import reader

    if limit is not None and limit < 1:
        raise ModelError(f"⟨limit=N⟩ must be at least 1 (got {limit})")
    damaged: list = []
    found = None if refresh else find_ready(spec, limit=limit, warn=warn, damaged=damaged, root=root)
    if found is not None:
        try:
            return mapped(*found)
        except reader.DamagedCacheError as e:  # passed the checks, yet its arrays do not open
            reason = str(e.__cause__ or e)
            damaged.append((found.folder, layout.Status(False, reason, found.manifest, True)))
            reader.forget(found.folder, reason)  # never to be opened again: it is converted anew
    try:
        named = default_model() if spec is None else spec
        source = names.source_for(named, trust=trust, limit=limit, reporter=reporter)
    except ModelError:
        if damaged:
            folder, status = damaged[0]
            raise reader.DamagedCacheError(folder, status.manifest, status.reason) from None
        raise
    folder = layout.entry_dir(source.key, limit, root)
    status = layout.check(folder)
    if refresh and status.ok and status.usable.get("revision") == source.revision:
        if source.staging is not None:
            files.rmtree(source.staging, ignore_errors=True)
        return mapped(folder, status.usable)
    try:
        return build(source, folder, status, reporter, warn, force=refresh)
    finally:
        if source.staging is not None:  # parts fetched from the Hub: the cache holds them now
            files.rmtree(source.staging, ignore_errors=True)


def ready(
    spec: str | None = None, *, limit: int | None = None, warn: Callable[[str], None] = _ignore
) -> Found | None:
    """``find_ready`` that never raises: None for anything but a ready cache."""
    try:
        return find_ready(spec, limit=limit, warn=warn)
    except VecqError:
        return None


def open_cached(spec: str | None = None, *, limit: int | None = None) -> Model | None:
    """The model if its cache is ready, else None: never converts, downloads or prints."""
    found = ready(spec, limit=limit)
    if found is None:
        return None

    try:
        return mapped(*found)
    except VecqError:
        return None


def build(
    source: Source,
    folder: str,
    status: layout.Status,
    reporter: Reporter = NULL_REPORTER,
    warn: Callable[[str], None] = _ignore,
    force: bool = False,
) -> Model:
    """Convert ``source`` into the cache (again, with ``force``), or answer from memory if it cannot be."""
    from ..cache import writer
    from . import readers

    if status.damaged:
        warn(f"the cache of {source.name} is damaged ({status.reason}); converting it again")
    elif status.reason and status.reason != "missing":
        warn(f"the cache of {source.name} is out of date ({status.reason}); converting it again")
    try:
        with files.locked(folder, waiting=lambda: warn(_waiting_note(source.name))):
            again = layout.check(folder)  # another vecq may have converted it meanwhile
            if again.ok and not force:
                return mapped(folder, again.usable)
            files.sweep(folder)
            root = os.path.dirname(folder)
            # Said once the reader has taken the file (its first rows, or all of it): a file refused
            # on its first read gets its one error line, not a note that it was being converted.
            announced: list[bool] = []

            def announce() -> None:
                if not announced:
                    announced.append(True)
                    warn(f"converting {source.name} into the cache in {root} (once; later calls are instant)")

            conversion = writer.Conversion(folder, source, reporter)
            words, raw, details, arrays = _read(source, conversion, reporter, announce, warn)
            try:
                conversion.finish(words, raw, details, arrays)
            except files.CacheWriteError as e:
                warn(f"{e.message}; answering from memory this time")
                return in_memory(source, words, raw, details, arrays)
    except files.CacheWriteError as e:
        warn(f"{e.message}; answering from memory this time")
        details, arrays = {}, {}
        words, raw = readers.read(source, reporter, details=details, arrays=arrays)
        _say_notes(details, warn)
        return in_memory(source, words, raw, details, arrays)
    final = layout.check(folder)
    return _with_int8(mapped(folder, final.usable), source.name, reporter, warn)


def _read(
    source: Source,
    conversion: Conversion,
    reporter: Reporter,
    announce: Callable[[], None],
    warn: Callable[[str], None],
) -> tuple[list[str], np.ndarray, dict, dict]:
    """``readers.read`` for a ``writer.Conversion``: (words, rows, details, arrays). Rows are handed
    to the conversion as they become final, the conversion is announced once the reader has taken
    the file, what the reader noticed (``details["notes"]``) is said, and a failed read aborts it."""
    from . import readers

    details: dict = {}
    arrays: dict = {}

    def rows_ready(matrix: np.ndarray, upto: int) -> None:
        announce()
        conversion.rows_ready(matrix, upto)

    try:
        words, raw = readers.read(source, reporter, on_rows=rows_ready, details=details, arrays=arrays)
    except BaseException:
        conversion.abort()
        raise
    announce()
    _say_notes(details, warn)
    return words, raw, details, arrays


def _say_notes(details: dict, warn: Callable[[str], None]) -> None:
    """What the reader noticed (``details["notes"]``): said, never kept in the manifest."""
    for note in details.pop("notes", ()):
        warn(note)


def _with_int8(model: Model, name: str, reporter: Reporter, warn: Callable[[str], None]) -> Model:
    """A model just converted, with the int8 copy a large one gets by default (``cache/int8_copy.py``)."""
    from ..cache import int8_copy

    if int8_copy.build_by_default(model, reporter):
        warn(f"wrote an int8 copy of {name} beside it: exact neighbours from a quarter of the bytes")
    return model


def _waiting_note(name: str) -> str:
    return (
        f"another vecq is converting {name} into the cache; waiting for it to finish (Ctrl-C stops waiting)"
    )
