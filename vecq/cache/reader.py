"""Opening a converted cache folder memory-mapped, listing and removing cache folders."""

from __future__ import annotations

import contextlib
import mmap
import os
from typing import TYPE_CHECKING

import numpy as np

from ..core.model import Model
from ..core.unit import StoredFloats
from ..core.vocab import Vocab
from ..errors import CacheError
from .files import as_path, rmtree, sweep
from .layout import Status, cache_root, check, model_info

if TYPE_CHECKING:
    from pathlib import Path


def map_folder(folder: str, manifest: dict, limit: int | None = None, name: str | None = None) -> Model:
    """Map a checked cache folder; nothing is read until a query touches it.

    With ``limit``, the model is the first ``limit`` rows of the cache (``--limit`` served from a
    full cache): the other words are neither found nor answered, and are reported as beyond it.
    """

    def load(name: str) -> np.ndarray:
        return np.load(os.path.join(folder, name), mmap_mode="r", allow_pickle=False)

    try:
        vectors = load("vectors.npy")
        _large_folios(vectors)
        blob: bytes | mmap.mmap = b""
        if manifest["files"]["words.bin"]:
            with open(os.path.join(folder, "words.bin"), "rb") as f:
                blob = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        vocab = Vocab(blob, load("offsets.npy"), load("order.npy"), load("keys.npy"))
        vocab.tokens = bool((manifest.get("table") or {}).get("tokenizer"))
        norms = load("norms.npy")
        stored = StoredFloats(
            load("residuals.npy"), np.load(os.path.join(folder, "far_rows.npy")), load("far_vectors.npy")
        )
    except (OSError, ValueError, KeyError) as e:
        raise DamagedCacheError(folder, manifest, str(e)) from e
    if vectors.shape != (manifest["rows"], manifest["dimensions"]) or len(vocab) != manifest["rows"]:
        raise DamagedCacheError(folder, manifest, "its arrays do not match its manifest")
    if stored.residual.shape != vectors.shape or stored.far_vectors.shape != (
        len(stored.far_rows),
        vectors.shape[1],
    ):
        raise DamagedCacheError(folder, manifest, "its arrays do not match its manifest")
    if limit is not None and limit < len(vocab):
        vectors, norms, vocab, stored = (
            vectors[:limit],
            norms[:limit],
            vocab.first(limit),
            stored.first(limit),
        )
    model = Model(vectors, norms, vocab, model_info(manifest, limit, name), stored)
    model.folder = folder
    subwords = manifest.get("subwords")
    if subwords:
        from ..core.subwords import Subwords

        try:
            ngrams = load("ngrams.npy")
        except (OSError, ValueError) as e:
            raise DamagedCacheError(folder, manifest, str(e)) from e
        model.subwords = Subwords(ngrams, subwords["minn"], subwords["maxn"], subwords["bucket"])
    model.limited = len(vocab) < manifest["rows"]
    if manifest.get("zero_rows") is not None:
        zero = np.array(manifest["zero_rows"], dtype=np.int64)
        model.zero_rows = zero[zero < len(vocab)]
    return model


class DamagedCacheError(CacheError):
    """A cache folder whose files are not what its manifest says; never mapped."""

    def __init__(self, folder: str, manifest: dict | None, reason: str):
        self.folder = folder
        name = (manifest or {}).get("name") or os.path.basename(folder)
        super().__init__(
            f"the cache of {name} in {folder} is damaged ({reason}) and its source cannot be read to "
            f"rebuild it; remove it with: vecq cache clear {_quoted(name)}"
        )


def _quoted(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _large_folios(array: np.ndarray) -> None:
    """Have the kernel read this mapping's file into 2 MiB folios when the page cache lacks it.

    The conversion leaves the matrix cached that way (``AlignedWriter``); this keeps it so after
    the cache was evicted (a reboot), when the first exact scan reads the file again.
    """
    mm, advice = getattr(array, "_mmap", None), getattr(mmap, "MADV_HUGEPAGE", None)
    if mm is not None and advice is not None:
        with contextlib.suppress(OSError, ValueError):
            mm.madvise(advice)


def entries(root: str | os.PathLike | None = None) -> list[tuple[Path, Status]]:
    """Every cache folder with its status (temporary and trash folders are not entries)."""
    root = as_path(root or cache_root())
    if not root.is_dir():
        return []
    return [(p, check(p)) for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]


def remove(folder: str | os.PathLike) -> None:
    """Remove a cache folder, its lock file and what killed writers of it left beside it."""
    rmtree(folder, ignore_errors=False)
    sweep(folder)
    with contextlib.suppress(OSError):
        os.unlink(f"{os.fspath(folder)}.lock")


def remove_orphans(root: str | os.PathLike | None = None) -> int:
    """Remove the lock files that failed conversions left, with their leftovers; how many.

    A lock some process holds (a conversion under way) is left alone, and so is what it writes.
    """
    from filelock import FileLock, Timeout

    root = as_path(root or cache_root())
    if not root.is_dir():
        return 0
    count = 0
    for p in sorted(root.glob("*.lock")):
        folder = root / p.name[: -len(".lock")]
        if folder.exists():
            continue
        try:
            with FileLock(str(p), timeout=0):
                sweep(folder)
                p.unlink()
            count += 1
        except (Timeout, OSError):
            continue
    return count
