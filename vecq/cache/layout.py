"""Where a model's cache lives and whether it can be used: paths, the manifest, a few stat calls.

Kept apart from ``store.py`` (which writes and maps the arrays with numpy) because deciding that a
cache is usable is also the first step of the answers that never import numpy (``direct.py``).
Paths here are strings joined with ``os.path``: pathlib's import (it pulls in urllib.parse and
ipaddress) cost 8 ms of every command's start-up.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from typing import TYPE_CHECKING, NamedTuple, Protocol

from ..records import ModelInfo
from .files import size_mismatch

if TYPE_CHECKING:
    pass

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ARRAYS = ("vectors.npy", "norms.npy", "offsets.npy", "order.npy", "keys.npy")
FILES = (*ARRAYS, "words.bin")
INDEX_FOLDER = "ivf"  # the approximate index (ivf.py), inside a model's cache folder


class Origin(Protocol):
    """What the cache knows of a model's source (``sources.names.Source`` is one)."""

    name: str
    path: str
    format: str
    limit: int | None

    def fingerprint(self) -> tuple[int, int]: ...


def index_dir(folder: str | os.PathLike) -> str:
    """Where the approximate index of the cache in ``folder`` lives (present or not)."""
    return os.path.join(folder, INDEX_FOLDER)


def cache_root() -> str:
    env = os.environ.get("VECQ_CACHE_DIR")
    if env:
        return os.path.expanduser(env)
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return os.path.join(os.path.expanduser(base), "vecq")


def entry_dir(source: Origin, root: str | os.PathLike | None = None) -> str:
    """Folder for ``source``: readable name plus a hash of its real path and limit."""
    key = f"{source.path}\0{source.limit}".encode("utf-8", "surrogatepass")
    digest = f"{zlib.crc32(key):08x}"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", os.path.basename(source.name))[:60] or "model"
    return os.path.join(root or cache_root(), f"{slug}-{digest}")


class Status(NamedTuple):
    """Why a cache folder can or cannot be used."""

    ok: bool
    reason: str = ""
    manifest: dict | None = None


def check(folder: str | os.PathLike, source: Origin | None = None) -> Status:
    """Is ``folder`` a complete cache (of ``source``, unchanged since)? Costs a few stat calls."""
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as f:
            manifest = json.loads(f.read())
    except (FileNotFoundError, NotADirectoryError):
        return Status(False, "missing")
    except (OSError, ValueError) as e:
        return Status(False, f"unreadable manifest ({e})")
    if manifest.get("format") != FORMAT_VERSION:
        return Status(False, "made by another version of vecq", manifest)
    wrong = size_mismatch(folder, manifest.get("files", {}))
    if wrong is not None:
        return Status(False, wrong, manifest)
    if source is not None:
        try:
            size, mtime = source.fingerprint()
        except OSError:
            return Status(True, "source no longer readable; using the cache", manifest)
        if (size, mtime) != (manifest.get("source_size"), manifest.get("source_mtime_ns")):
            return Status(False, "the model file changed since it was converted", manifest)
    return Status(True, "", manifest)


def model_info(manifest: dict) -> ModelInfo:
    return ModelInfo(manifest["name"], manifest["source"], manifest["rows"], manifest["dimensions"])
