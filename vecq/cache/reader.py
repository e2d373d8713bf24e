"""Opening a converted cache folder memory-mapped, listing and removing cache folders."""

from __future__ import annotations

import contextlib
import mmap
import os
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from ..core.model import Model
from ..core.unit import StoredFloats
from ..core.vocab import Vocab
from ..errors import CacheError
from . import int8_copy
from .files import as_path, claimed, large_folios, rmtree, sweep
from .layout import (
    BLOCK_SUMS,
    COUNTS,
    DAMAGED,
    Manifest,
    Status,
    block_as_written,
    cache_root,
    check,
    is_entry,
    is_entry_lock,
    model_info,
    open_regular,
)

if TYPE_CHECKING:
    from pathlib import Path


def apply_manifest(
    model: Model, manifest: Manifest, ngrams: np.ndarray | None, counts: np.ndarray | None = None
) -> None:
    """What the manifest says beyond the rows, on ``model``: a token table's vocabulary (its
    words are tokens), a fastText model's subwords (``ngrams``, their rows) and its words' counts
    (the first ``len(model)``). The same for a model held in memory (``sources.loader.in_memory``)."""
    model.vocab.tokens = bool((manifest.get("table") or {}).get("tokenizer"))
    if counts is not None and len(counts) >= len(model):
        model.counts = counts[: len(model)]
    s = manifest.get("subwords")
    if s and ngrams is not None:
        from ..core.subwords import Subwords

        model.subwords = Subwords(ngrams, s["minn"], s["maxn"], s["bucket"])


def map_folder(folder: str, manifest: Manifest, limit: int | None = None, name: str | None = None) -> Model:
    """Map a checked cache folder; nothing is read until a query touches it.

    With ``limit``, the model is the first ``limit`` rows of the cache (``--limit`` served from a
    full cache): the other words are neither found nor answered, and are reported as beyond it.
    """

    def load(name: str) -> np.ndarray:
        return _mapped(os.path.join(folder, name))

    try:
        vectors = load("vectors.npy")
        large_folios(vectors.base)
        blob: bytes | mmap.mmap = b""
        if manifest["files"]["words.bin"]:
            with open(os.path.join(folder, "words.bin"), "rb") as f:
                blob = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        vocab = Vocab(blob, load("offsets.npy"), load("order.npy"), load("keys.npy"))
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
    checker = _checker(folder, manifest)
    ngrams = counts = None
    try:
        if manifest.get("subwords"):
            ngrams = load("ngrams.npy")
        if f"{COUNTS}.npy" in manifest["files"]:  # a cache written before vecq 0.3 has none
            counts = load(f"{COUNTS}.npy")
    except (OSError, ValueError) as e:
        raise DamagedCacheError(folder, manifest, str(e)) from e
    model = Model(vectors, norms, vocab, model_info(manifest, limit, name), stored, checker, folder=folder)
    apply_manifest(model, manifest, ngrams, counts)
    model.limited = len(vocab) < manifest["rows"]
    copy = int8_copy.load(folder, manifest["rows"], manifest["dimensions"])
    if copy is not None:
        model.int8 = copy.first(len(vocab)) if model.limited else copy
    if manifest.get("zero_rows") is not None:
        zero = np.array(manifest["zero_rows"], dtype=np.int64)
        model.zero_rows = zero[zero < len(vocab)]
    return model


def _checker(folder: str, manifest: Manifest) -> BlockChecker | None:
    """The integrity checks of a cache with block checksums (None: an older cache, without)."""
    try:
        return BlockChecker(folder, manifest) if manifest["files"].get(BLOCK_SUMS) else None
    except OSError as e:
        raise DamagedCacheError(folder, manifest, str(e)) from e


class BlockChecker:
    """Checks the blocks of the cache's row files that hold the rows a query reads, each block once
    a process, against the checksums taken when they were written (``layout.BLOCK_SUMS``): a byte
    changed inside a row that is asked about or answered is never used. A whole scan reads every
    block without this check (its cost is in docs/benchmarks.md); ``vecq cache verify`` reads all.
    """

    def __init__(self, folder: str, manifest: Manifest):
        self.folder, self.manifest = folder, manifest
        sizes, dims, rows = manifest["files"], manifest["dimensions"], manifest["rows"]
        self.block = manifest["block_size"]
        self.row_bytes = {"vectors.npy": 4 * dims, "norms.npy": 4, "residuals.npy": dims, "offsets.npy": 8}
        counts = {"offsets.npy": rows + 1}
        self.data_at = {n: sizes[n] - counts.get(n, rows) * size for n, size in self.row_bytes.items()}
        self.checked: set[tuple[str, int]] = set()
        # Open now, as the arrays are mapped now: a cache removed while this process answers from it
        # (`vecq cache clear` beside a running `vecq serve`) is read on, never half gone.
        self.opened = {
            n: open_regular(os.path.join(folder, n)) for n in (BLOCK_SUMS, *self.row_bytes, "words.bin")
        }
        # closed with the checker, or as the interpreter exits: never left to the garbage collector
        # (a ResourceWarning for each under python -X dev)
        weakref.finalize(self, _close, tuple(self.opened.values()))

    def __call__(self, name: str, rows: np.ndarray | Sequence[int]) -> None:
        """Raise DamagedCacheError if a block of ``name`` holding one of ``rows`` is not as written."""
        if type(rows) is tuple and len(rows) <= 32 and self._checked_before(name, rows):
            return  # a few rows (a notebook's loop), in Python: numpy's per-call cost is most of it
        rows = np.asarray(rows, dtype=np.int64).ravel()
        if rows.size == 0:
            return
        for b in sorted(b for b in self._blocks(name, rows) if (name, b) not in self.checked):
            if not block_as_written(self.folder, self.manifest, name, b, self.opened):
                reason = f"block {b} of {name} changed after it was written"
                forget(self.folder, reason)
                raise DamagedCacheError(self.folder, self.manifest, reason, rebuild=True)
            self.checked.add((name, b))

    def _checked_before(self, name: str, rows: tuple) -> bool:
        """Every block of ``name`` holding one of ``rows`` (a few) checked already."""
        if name == "words.bin":  # their offsets' blocks, then their bytes' (as ``_blocks``)
            after = tuple(int(r) + 1 for r in rows)
            if not (self._checked_before("offsets.npy", rows) and self._checked_before("offsets.npy", after)):
                return False
            bounds, block, checked = self._offsets()[[*rows, *after]].tolist(), self.block, self.checked
            for start, end in zip(bounds[: len(rows)], bounds[len(rows) :]):
                if ("words.bin", start // block) not in checked:
                    return False
                if ("words.bin", max(end - 1, start) // block) not in checked:
                    return False
            return True
        size = self.row_bytes.get(name)
        if size is None:
            return False
        at, block, checked = self.data_at[name], self.block, self.checked
        for row in rows:
            start = at + int(row) * size
            if (name, start // block) not in checked or (name, (start + size - 1) // block) not in checked:
                return False
        return True

    def _offsets(self) -> np.ndarray:
        """``offsets.npy``'s numbers, mapped once from the file opened with the others."""
        if not hasattr(self, "offsets"):
            raw = mmap.mmap(self.opened["offsets.npy"].fileno(), 0, access=mmap.ACCESS_READ)
            self.offsets = np.frombuffer(raw, dtype="<i8", offset=self.data_at["offsets.npy"])
        return self.offsets

    def _blocks(self, name: str, rows: np.ndarray) -> set[int]:
        """The blocks of ``name`` that hold ``rows`` (for ``words.bin``, their words' bytes)."""
        if name == "words.bin":  # the words of ``rows``: their offsets first, then their bytes
            self("offsets.npy", np.concatenate([rows, rows + 1]))
            offsets = self._offsets()
            start, last = offsets[rows], np.maximum(offsets[rows + 1] - 1, offsets[rows])
            return set(np.concatenate([start // self.block, last // self.block]).tolist())
        size, at = self.row_bytes[name], self.data_at[name]
        if rows.size <= 8:  # a word's row or a pair's: in Python, where numpy's per-call cost is most of it
            return {
                b
                for r in rows.tolist()
                for b in ((at + r * size) // self.block, (at + r * size + size - 1) // self.block)
            }
        start = at + rows * size
        return set(np.concatenate([start // self.block, (start + size - 1) // self.block]).tolist())


def _close(files: Sequence[BinaryIO]) -> None:
    for f in files:
        f.close()


def forget(folder: str | os.PathLike, reason: str) -> None:
    """Never map ``folder`` again: ``layout.check`` finds it damaged (for ``reason``), so it is
    converted anew on its next use, or named with the command that removes it."""
    with contextlib.suppress(OSError), open(os.path.join(folder, DAMAGED), "w", encoding="utf-8") as f:
        f.write(reason)


class DamagedCacheError(CacheError):
    """A cache folder whose files are not what its manifest says; never mapped."""

    def __init__(self, folder: str, manifest: Manifest | None, reason: str, rebuild: bool = False):
        self.folder = folder
        name = (manifest or {}).get("name") or os.path.basename(folder)
        if rebuild:  # found while answering: marked, and converted again on the next use
            super().__init__(
                f"the cache of {name} in {folder} is damaged ({reason}); nothing was answered from it: "
                "run the command again to convert the model anew"
            )
            return
        super().__init__(
            f"the cache of {name} in {folder} is damaged ({reason}) and its source cannot be read to "
            f"rebuild it; remove it with: vecq cache clear {_quoted(name)}"
        )


def _quoted(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _mapped(path: str) -> np.ndarray:
    """A cache array, mapped read-only, as a plain ndarray over the mapping (the np.memmap lives on
    as its base): indexing a np.memmap costs microseconds more a call, which thousands of small
    questions from a notebook feel."""
    return np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)


def entries(root: str | os.PathLike | None = None) -> list[tuple[Path, Status]]:
    """Every cache folder with its status (temporary and trash folders are not entries)."""
    root = as_path(root or cache_root())
    if not root.is_dir():
        return []
    return [(p, check(p)) for p in sorted(root.iterdir()) if p.is_dir() and is_entry(p)]


class Busy(CacheError):
    """Another vecq is writing the cache folder (a conversion, an index, its int8 copy)."""


def remove(folder: str | os.PathLike) -> None:
    """Remove a cache folder, its lock file and what killed writers of it left beside it.

    Raises:
        Busy: another vecq holds the folder's lock or its int8 copy's (a conversion, an index or
            the copy under way): never waited for, and nothing is removed.
    """
    folder = os.fspath(folder)
    with claimed(f"{folder}.lock") as mine, claimed(f"{int8_copy.folder_of(folder)}.lock") as copy_mine:
        if not (mine and copy_mine):
            raise Busy(
                f"another vecq is writing {folder} (converting the model, or building its index or "
                "int8 copy); nothing was removed: try again when it ends"
            )
        rmtree(folder, ignore_errors=False)
        sweep(folder)
    with contextlib.suppress(OSError):
        os.unlink(f"{folder}.lock")


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
        if not is_entry_lock(p):  # a yarn.lock of the user's, in a cache root they share
            continue
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
