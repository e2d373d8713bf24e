"""Opening a converted cache folder memory-mapped, listing and removing cache folders."""

from __future__ import annotations

import contextlib
import mmap
import os
from typing import TYPE_CHECKING

import numpy as np

from ..core.model import Model
from ..core.vocab import Vocab
from ..errors import CacheError
from .files import as_path, rmtree
from .layout import Status, cache_root, check, model_info

if TYPE_CHECKING:
    from pathlib import Path


def map_folder(folder: str, manifest: dict) -> Model:
    """Map a checked cache folder; nothing is read until a query touches it."""

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
        norms = load("norms.npy")
    except (OSError, ValueError, KeyError) as e:
        raise CacheError(f"the cache in {folder} is damaged ({e}); run 'vecq cache clear' and retry") from e
    if vectors.shape != (manifest["rows"], manifest["dimensions"]) or len(vocab) != manifest["rows"]:
        raise CacheError(f"the cache in {folder} does not match its manifest; run 'vecq cache clear'")
    model = Model(vectors, norms, vocab, model_info(manifest))
    model.folder = folder
    if manifest.get("zero_rows") is not None:
        model.zero_rows = np.array(manifest["zero_rows"], dtype=np.int64)
    return model


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
    rmtree(folder, ignore_errors=False)
    with contextlib.suppress(OSError):
        os.unlink(f"{os.fspath(folder)}.lock")
