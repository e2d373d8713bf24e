"""Writing the cache: a model converted once into files that open memory-mapped in milliseconds.

One folder per model under ``VECQ_CACHE_DIR`` (default ``$XDG_CACHE_HOME/vecq`` or ``~/.cache/vecq``):

- ``vectors.npy``: unit-normalised float32 rows (opened with ``mmap_mode='r'``, never with pickles);
- ``norms.npy``: each row's original length;
- ``residuals.npy`` (int8, one per float), ``far_rows.npy`` and ``far_vectors.npy``: what turns a unit
  row times its norm back into the file's own floats, bit for bit (``core.unit.StoredFloats``);
- ``words.bin``, ``offsets.npy``, ``order.npy``, ``keys.npy``: the vocabulary (see ``vocab.py``);
- ``manifest.json``, written last: format version, source path, size and mtime, shape, file sizes.

A folder is only ever created whole: conversion writes into a temporary folder beside it and renames
it into place under a lock, so a killed conversion leaves nothing that is used, and two processes
converting the same model end with one good cache. ``reader.py`` opens what this writes.
"""

from __future__ import annotations

import array
import contextlib
import json
import mmap
import os
import time
from typing import TYPE_CHECKING

import numpy as np

from ..core.unit import residuals, unholdable_error, unholdable_row, unit_rows
from ..core.vocab import build_arrays
from ..errors import ModelError
from ..progress import NULL_REPORTER, Reporter, Task
from .files import (
    CHECK_BLOCK,
    AlignedWriter,
    CacheWriteError,
    SummedWriter,
    Writable,
    as_path,
    block_sums,
    npy_header,
    rmtree,
    swap_in,
    temporary_beside,
)
from .layout import (
    BLOCK_SUMS,
    FILES,
    FORMAT_VERSION,
    MANIFEST,
    Manifest,
    Origin,
    block_sum_order,
    edge_checksum,
    identity,
)

if TYPE_CHECKING:  # pathlib is imported where caches are written (see layout)
    from pathlib import Path

WRITE_ROWS = 1 << 11
MAX_LISTED_ZERO_ROWS = 10_000


class Conversion:
    """One cache folder being written, in a temporary sibling renamed into place by ``finish``.

    gensim fills its matrix row by row; ``rows_ready`` hands over the rows parsed so far, and a
    thread normalises and writes them while gensim parses the rest, so the 3.6 GB of writes
    overlap the parse instead of following it. ``finish`` writes what is left, the vocabulary and
    the manifest. Call everything with the lock held; ``abort`` on any failure.
    """

    def __init__(self, folder: str | os.PathLike, source: Origin, reporter: Reporter = NULL_REPORTER):
        folder = as_path(folder)
        self.folder, self.source, self.reporter = folder, source, reporter
        # Taken before anything is read, compared when everything is: a file that changes meanwhile
        # (still being written or downloaded) is never cached half-read.
        self.identity = identity(source.path)
        try:
            self.tmp = temporary_beside(folder)
        except OSError as e:
            raise CacheWriteError(f"cannot write the cache in {folder.parent}: {e.strerror or e}") from e
        self._vectors: _VectorFile | None = None

    def rows_ready(self, matrix: np.ndarray, upto: int) -> None:
        """Rows ``[0, upto)`` of ``matrix`` are final (called from the parsing thread)."""
        if self._vectors is None:
            self._vectors = _VectorFile(self.tmp, self.source, matrix)
        self._vectors.submit(upto)

    def finish(
        self, words: list[str], raw: np.ndarray, details: dict | None = None, arrays: dict | None = None
    ) -> None:
        """Write everything not yet written and rename the folder into place."""
        folder, tmp, source = self.folder, self.tmp, self.source
        try:
            rows, dims = _shape(source, words, raw)
            vectors = self._write_rows(words, raw, rows)
            for name, value in (arrays or {}).items():  # a file kept as it is, or the reader's array
                if isinstance(value, bytes):
                    (tmp / name).write_bytes(value)
                else:  # written from the reader's array itself, never a copy
                    np.save(tmp / f"{name}.npy", np.ascontiguousarray(value), allow_pickle=False)
            if identity(source.path) != self.identity:
                raise ModelError(
                    f"{source.path} changed while it was being converted (is it still being written?); "
                    "nothing was cached: run vecq again once the file is complete"
                )
            extra = [name if isinstance(v, bytes) else f"{name}.npy" for name, v in (arrays or {}).items()]
            sizes = {name: (tmp / name).stat().st_size for name in (*FILES, *extra)}
            _write_block_sums(tmp, sizes, {n: w.final_sums() for n, w in vectors.summed.items()})
            sizes[BLOCK_SUMS] = (tmp / BLOCK_SUMS).stat().st_size
            manifest = self._manifest(rows, dims, sizes, details or {})
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))
            swap_in(tmp, folder)
        except OSError as e:
            self.abort()
            raise CacheWriteError(f"cannot write the cache in {folder.parent}: {e.strerror or e}") from e
        except BaseException:
            self.abort()
            raise

    def _write_rows(self, words: list[str], raw: np.ndarray, rows: int) -> _VectorFile:
        """The rows not yet written and the vocabulary (sorted while the disk takes the rows)."""
        if self._vectors is not None and self._vectors.matrix is not raw:  # gensim dropped duplicates
            self._vectors.close(cancel=True)
            self._vectors = None
        if self._vectors is None:
            self._vectors = _VectorFile(self.tmp, self.source, raw)
        vectors = self._vectors
        with self.reporter.task("writing unit vectors", rows) as task:
            vectors.task = task
            vectors.submit(rows)
            try:
                build_arrays(words, save=lambda name, array: _save_vocab(self.tmp, name, array))
            finally:
                try:
                    vectors.close()  # never leave it writing into a folder that is about to be removed
                except _BadRow as e:  # named here, where the rows' words are known
                    raise unholdable_error(self.source.path, words[e.row], e.row, e.problem) from None
        vectors.save_far_rows()
        return vectors

    def _manifest(self, rows: int, dims: int, sizes: dict[str, int], details: dict) -> Manifest:
        """The manifest of the files written: what they hold, where from, their sizes and checksums."""
        source, tmp = self.source, self.tmp
        # All-zero rows are never neighbours; listing them saves every query a pass over norms.
        zero = np.flatnonzero(np.load(tmp / "norms.npy", mmap_mode="r") == 0)
        return {
            "format": FORMAT_VERSION,
            "key": source.key,
            **described(source, details, rows, dims),
            "source_identity": None if source.remote else self.identity,
            "limit": source.limit,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "zero_rows": zero.tolist() if len(zero) <= MAX_LISTED_ZERO_ROWS else None,
            "files": sizes,
            "block_size": CHECK_BLOCK,
            "checksums": {name: edge_checksum(str(tmp / name), size) for name, size in sizes.items()},
        }

    def abort(self) -> None:
        if self._vectors is not None:
            self._vectors.close(cancel=True)
            self._vectors = None
        rmtree(self.tmp, ignore_errors=True)


def described(source: Origin, details: dict, rows: int, dims: int) -> Manifest:
    """What a manifest says of a model and what its reader found (``details``): the part a model
    held in memory is built from too (``sources.loader.in_memory``), so that it answers alike."""
    return Manifest(
        name=source.name,
        # A Hub model is known by its address and commit; the files it was read from are
        # parts fetched for the conversion, not a source to watch.
        source=source.remote or source.path,
        revision=source.revision,
        source_format=source.format,
        table={k: v for k, v in details.items() if k not in ("subwords", "text")} or None,
        subwords=details.get("subwords"),
        text=details.get("text"),
        rows=rows,
        dimensions=dims,
    )


def _write_block_sums(tmp: Path, sizes: dict[str, int], written: dict[str, list[int]]) -> None:
    """``blocks.crc32``: every file's block checksums as read back from the disk, which must equal
    those of the bytes written (the vectors' files); a disk that gives back other bytes is an error."""
    out = []
    for name in block_sum_order(sizes):
        now = block_sums(tmp / name)
        if name in written and written[name] != now:
            raise CacheWriteError(
                f"the cache written in {tmp.parent} reads back other bytes than were written ({name}); "
                "the disk may be failing: nothing was cached"
            )
        out += now
    (tmp / BLOCK_SUMS).write_bytes(array.array("I", out).tobytes())


def _save_vocab(tmp: Path, name: str, array: np.ndarray) -> None:
    if name == "blob":
        array.tofile(tmp / "words.bin")
    else:
        np.save(tmp / f"{name}.npy", array, allow_pickle=False)


def _shape(source: Origin, words: list[str], raw: np.ndarray) -> tuple[int, int]:
    if raw.ndim != 2 or raw.shape[0] != len(words):
        raise ModelError(f"{source.path}: {len(words)} words but a matrix of shape {raw.shape}")
    if raw.shape[0] == 0 or raw.shape[1] == 0:
        raise ModelError(f"{source.path} holds no vectors")
    return int(raw.shape[0]), int(raw.shape[1])


class _BadRow(Exception):
    """A row vecq cannot hold (``row`` counted from 0), raised by the writing thread and named with
    its word by ``Conversion``, which knows the words."""

    def __init__(self, row: int, problem: str):
        super().__init__(row, problem)
        self.row, self.problem = row, problem


class _VectorFile:
    """``vectors.npy`` and ``norms.npy``, written by a thread as rows of ``matrix`` become final.

    Plain writes, not a writable memory map: written pages of a mapping count as the process's
    resident memory, which would double the conversion's peak for a 3.6 GB matrix.
    """

    def __init__(self, tmp: Path, source: Origin, matrix: np.ndarray):
        import queue
        import threading

        self.tmp, self.source, self.matrix = tmp, source, matrix
        self.task: Task | None = None  # a progress task, once the parse is over
        self.error: BaseException | None = None
        self.summed: dict[str, SummedWriter] = {}  # each file's checksums of the bytes written
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def submit(self, upto: int) -> None:
        self._queue.put(upto)

    def close(self, cancel: bool = False) -> None:
        """Wait for the writes (or stop them), and re-raise what the thread met."""
        self._cancelled = self._cancelled or cancel
        self._queue.put(None)
        self._thread.join()
        if cancel:
            for name in ("vectors.npy", "norms.npy", "residuals.npy"):
                with contextlib.suppress(OSError):
                    (self.tmp / name).unlink()
        elif self.error is not None:
            raise self.error

    def _run(self) -> None:
        rows, dims = self.matrix.shape
        buf = np.empty((min(rows, WRITE_ROWS), dims), dtype=np.float32)
        done = 0
        stopped = False  # close()'s None was taken: nothing more will come
        self.far_rows: list[np.ndarray] = []  # rows whose floats are too far from unit * norm
        self.far_vectors: list[np.ndarray] = []
        try:
            # Both files are written as the rows come: holding 3M norms until the end would add
            # 12 MB to the conversion's peak, which comes at the end of gensim's parse.
            with (
                open(self.tmp / "vectors.npy", "wb") as raw,
                AlignedWriter(raw) as aligned,
                open(self.tmp / "norms.npy", "wb") as norms_file,
                open(self.tmp / "residuals.npy", "wb") as residuals_file,
            ):
                f, g, h = (SummedWriter(x) for x in (aligned, norms_file, residuals_file))
                self.summed = {"vectors.npy": f, "norms.npy": g, "residuals.npy": h}
                npy_header(f, (rows, dims))
                npy_header(g, (rows,))
                npy_header(h, (rows, dims), "int8")
                while True:
                    upto = self._queue.get()
                    if upto is None:
                        stopped = True
                        break
                    for start in range(done, min(upto, rows), WRITE_ROWS):
                        if self._cancelled:
                            return
                        stop = min(upto, rows, start + WRITE_ROWS)
                        self._write(f, g, h, buf, start, stop)
                        done = stop
                        if self.task is not None:
                            self.task.update(done)
        except BaseException as e:  # handed to the caller in close()
            self.error = e
            # Wait for close()'s None unless it came already (the last unit's write, after it, failed).
            while not stopped and self._queue.get() is not None:
                pass

    def _write(self, f: Writable, g: Writable, h: Writable, buf: np.ndarray, start: int, stop: int) -> None:
        block = np.asarray(self.matrix[start:stop], dtype=np.float32)
        out, norms = unit_rows(block, out=buf[: len(block)])
        bad = unholdable_row(block, norms)
        if bad is not None:
            raise _BadRow(start + bad[0], bad[1])
        residual, far = residuals(block, out, norms)
        if len(far):
            self.far_rows.append(far + start)
            self.far_vectors.append(block[far])
        f.write(out.data)
        g.write(norms.data)
        h.write(residual.data)
        _release(self.matrix, start, stop)

    def save_far_rows(self) -> None:
        """``far_rows.npy`` and ``far_vectors.npy``: the rows stored whole (usually none)."""
        dims = self.matrix.shape[1]
        far = np.concatenate(self.far_rows) if self.far_rows else np.zeros(0, np.int64)
        whole = np.concatenate(self.far_vectors) if self.far_vectors else np.zeros((0, dims), np.float32)
        np.save(self.tmp / "far_rows.npy", far.astype(np.int64), allow_pickle=False)
        np.save(self.tmp / "far_vectors.npy", whole.astype(np.float32), allow_pickle=False)


def _release(matrix: np.ndarray, start: int, stop: int) -> None:
    """Unmap the rows ``[start, stop)`` of a file-backed matrix once written: the pages stay in the
    page cache, but no longer count as this process's memory, so converting a memory-mapped model
    (gensim's ``.vectors.npy``) never holds the whole matrix in resident memory."""
    mm = getattr(matrix, "_mmap", None)
    if mm is None or not hasattr(mmap, "MADV_DONTNEED") or matrix.ndim != 2 or matrix.strides[0] <= 0:
        return
    at = matrix.ctypes.data - np.frombuffer(mm, dtype=np.uint8).ctypes.data  # row 0 within the mapping
    page, row = mmap.PAGESIZE, matrix.strides[0]
    first = -(-(at + start * row) // page) * page  # whole pages only: neighbours' rows share the ends
    last = (at + stop * row) // page * page
    if last > first:
        with contextlib.suppress(OSError, ValueError):
            mm.madvise(mmap.MADV_DONTNEED, first, last - first)
