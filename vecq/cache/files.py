"""Files, folders and locks for the cache and the index: the leaf both write through.

Folders are only ever created whole: written into a temporary sibling, then renamed into place
(``swap_in``) under a lock (``locked``); leftovers of killed writers are swept by the next writer.
Large arrays are written as ``.npy`` headers followed by plain writes in 2 MiB units
(``AlignedWriter``). Imports nothing of vecq's but the errors.
"""

from __future__ import annotations

import contextlib
import contextvars
import mmap
import os
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from ..errors import CacheError, OutputError

Buffer = Any  # bytes, a memoryview or an array: anything with the buffer protocol


class Writable(Protocol):
    def write(self, data: Any, /) -> Any: ...


if TYPE_CHECKING:
    from pathlib import Path


def as_path(path: str | os.PathLike) -> Path:
    """A pathlib path, for the code that writes caches and lists them (imported when it runs)."""
    from pathlib import Path

    return Path(path)


def rmtree(path: str | os.PathLike, ignore_errors: bool = False) -> None:
    """``shutil.rmtree``, imported when it runs: shutil (with bz2, lzma) stays out of a query's start-up."""
    import shutil

    shutil.rmtree(path, ignore_errors=ignore_errors)


class CacheWriteError(CacheError):
    """The cache folder cannot be written (read-only, full disk); the model can still be answered."""


@contextlib.contextmanager
def locked(
    folder: str | os.PathLike,
    timeout: float = 3600,
    waiting: Callable[[], None] | None = None,
    doing: str = "converting into",
    writing: str = "the cache",
) -> Iterator[None]:
    """Hold the lock for writing ``folder`` (a sibling ``.lock`` file), waiting ``timeout`` seconds
    at most for another process to let it go (``doing``: what that process is doing, ``writing``
    what is written, for the errors).

    When another process holds it, ``waiting()`` is called once before this one waits.
    """
    from filelock import FileLock, Timeout

    folder = as_path(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(folder) + ".lock", timeout=timeout)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if waiting is not None:
                waiting()
            lock.acquire()
    except Timeout as e:
        raise CacheError(f"another vecq has been {doing} {folder} for too long") from e
    except OSError as e:
        raise CacheWriteError(f"cannot write {writing} in {folder.parent}: {e.strerror or e}") from e
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def claimed(lock_path: str | os.PathLike) -> Iterator[bool]:
    """Hold the lock file ``lock_path`` (creating it) if no other process holds it, never waiting:
    True while held; False, holding nothing, when another process does."""
    from filelock import FileLock, Timeout

    lock = FileLock(os.fspath(lock_path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def large_folios(array: object) -> None:
    """Have the kernel read this mapping's file into 2 MiB folios when the page cache lacks it.

    The conversion leaves the matrix and the int8 codes cached that way (``AlignedWriter``); this
    keeps them so after they were evicted (a reboot, memory pressure), when the first scan reads
    the file again: a 2 MiB folio is mapped by one page-table entry, not 512.
    """
    mm, advice = getattr(array, "_mmap", None), getattr(mmap, "MADV_HUGEPAGE", None)
    if mm is not None and advice is not None:
        with contextlib.suppress(OSError, ValueError):
            mm.madvise(advice)


class AlignedWriter:
    """Writes a file in whole 2 MiB units at 2 MiB offsets (all but the last).

    Linux (6.x, with ext4 here) keeps what such writes leave in its page cache as 2 MiB folios,
    and a later mapping of the file maps each with one page-table entry: an exact scan of the 3.6
    GB matrix then faults ~1,800 times instead of ~55,000 and exits without tearing down a
    million entries, about 0.1 s of every exact query (measured; docs/design.md). Writes that
    straddle those offsets leave small folios, so everything goes through one 2 MiB buffer; leaving
    the ``with`` block writes the last, partial unit.
    """

    UNIT = 1 << 21

    def __init__(self, f: Writable):
        self.f = f
        self._buf = bytearray(self.UNIT)
        self._fill = 0

    def write(self, data: Buffer) -> None:
        view = memoryview(data).cast("B")
        while view:
            n = min(len(view), self.UNIT - self._fill)
            self._buf[self._fill : self._fill + n] = view[:n]
            self._fill += n
            view = view[n:]
            if self._fill == self.UNIT:
                self.f.write(self._buf)
                self._fill = 0

    def __enter__(self) -> AlignedWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:  # the last, partial unit; after a failure the file is discarded anyway
            self.flush()

    def flush(self) -> None:
        if self._fill:
            self.f.write(memoryview(self._buf)[: self._fill])
            self._fill = 0


CHECK_BLOCK = 1 << 20  # the bytes each checksum of a cache file covers


class SummedWriter:
    """Passes writes on to ``f`` and takes the crc32 of every ``CHECK_BLOCK`` bytes as they pass:
    the checksums of what was meant to be written, to compare with what the disk gives back."""

    def __init__(self, f: Writable):
        self.f = f
        self.sums: list[int] = []
        self._crc = 0
        self._filled = 0

    def write(self, data: Buffer) -> None:
        view = memoryview(data).cast("B")
        self.f.write(view)
        while view:
            take = min(len(view), CHECK_BLOCK - self._filled)
            self._crc = zlib.crc32(view[:take], self._crc)
            self._filled += take
            view = view[take:]
            if self._filled == CHECK_BLOCK:
                self.sums.append(self._crc)
                self._crc = self._filled = 0

    def final_sums(self) -> list[int]:
        """Every block's checksum, the last partial one included."""
        return [*self.sums, self._crc] if self._filled else list(self.sums)


def block_sums(path: str | os.PathLike, start: int = 0, stop: int | None = None) -> list[int]:
    """The crc32 of each ``CHECK_BLOCK`` of a file (of blocks ``start`` to ``stop``), as read now."""
    sums = []
    with open(path, "rb", buffering=0) as f:
        f.seek(start * CHECK_BLOCK)
        for _ in range(start, stop) if stop is not None else iter(int, 1):
            block = f.read(CHECK_BLOCK)
            if not block:
                break
            sums.append(zlib.crc32(block))
    return sums


def npy_header(f: Writable, shape: tuple[int, ...], dtype: str | type = "float32") -> None:
    """The header of a .npy file whose rows are then appended with plain writes."""
    import numpy as np  # the writers have it already; readers of this module need not pay for it

    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False}
    np.lib.format.write_array_header_1_0(f, {**header, "shape": shape})


def temporary_beside(target: str | os.PathLike) -> Path:
    """A new empty folder beside ``target`` to write it in; ``swap_in`` renames it into place.

    Its name (``.tmp-NAME-PID@HOST-RANDOM``) is what ``sweep`` recognises after a killed writer,
    and ``sweep_dead`` once its process is gone.
    """
    target = as_path(target)
    tmp = target.parent / f".tmp-{target.name}-{process_mark()}-{os.urandom(4).hex()}"
    tmp.mkdir(parents=True)
    return tmp


def process_mark() -> str:
    """This process, as the names of its temporary files and folders carry it: ``PID@HOST``."""
    import socket

    return f"{os.getpid()}@{socket.gethostname()}"


def process_gone(mark: str) -> bool:
    """Has the process a ``PID@HOST`` mark names ended? False when it runs, when it is another
    machine's (which cannot be told from here), and for what is no mark."""
    pid, _, host = mark.partition("@")
    if not pid.isdigit() or host != process_mark().partition("@")[2]:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process: it runs
        return False
    return False


def sweep_dead(folder: str | os.PathLike, prefix: str) -> int:
    """Remove what killed processes (SIGKILL, the OOM killer) left in ``folder`` under names
    ``PREFIX PID@HOST-...``: files and folders of this machine's processes that have ended; how
    many. A running process's, and another machine's, are left alone."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if name.startswith(prefix) and process_gone(name[len(prefix) :].rsplit("-", 1)[0]):
            path = os.path.join(folder, name)
            if os.path.isdir(path) and not os.path.islink(path):
                rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            removed += 1
    return removed


def swap_in(tmp: Path, target: Path) -> None:
    """Rename the finished folder ``tmp`` to ``target``, moving an older one aside first.

    Renames are atomic: a reader sees the old folder or the new one, and a kill between the two
    renames leaves ``tmp`` and the ``.trash-NAME-RANDOM`` folder for the next writer's sweep, never
    half a folder.
    """
    if target.exists():
        trash = target.parent / f".trash-{target.name}-{os.urandom(4).hex()}"
        target.rename(trash)
        rmtree(trash, ignore_errors=True)
    tmp.rename(target)


def sweep(target: str | os.PathLike) -> int:
    """Delete what killed writers of ``target`` left beside it; how many. Call with its lock held."""
    target = as_path(target)
    leftovers = [
        p for p in target.parent.glob(f".*-{target.name}-*") if p.name.startswith((".tmp-", ".trash-"))
    ]
    for p in leftovers:
        rmtree(p, ignore_errors=True)
    return len(leftovers)


def size_mismatch(folder: str | os.PathLike, sizes: dict[str, int]) -> str | None:
    """Why the files of ``folder`` do not have the sizes a manifest lists, or None when they do."""
    for name, size in sizes.items():
        try:
            actual = os.stat(os.path.join(folder, name)).st_size
        except OSError:
            return f"{name} is missing"
        if actual != size:
            return f"{name} is {actual} bytes, expected {size}"
    return None


STDOUT = "-"  # as a file a user names for output (-o): standard output

# The files a CLI command reads (its model, corpus, word lists: ``reading``), so that
# ``output_file`` never writes over one (``-m vectors.npy vector - -o vectors.npy``). Only inside
# ``guarding_inputs`` (a CLI command): a Python program may save a model over its own file. Paths
# are noted as given and compared (device and inode) only when an output file is opened.
_Beside = Callable[[str], list[str]]
_INPUTS: contextvars.ContextVar[list[tuple[str, str, _Beside | None]] | None] = contextvars.ContextVar(
    "vecq_inputs", default=None
)


@contextlib.contextmanager
def guarding_inputs() -> Iterator[None]:
    """While it lasts, the files named by ``reading`` are never written by ``output_file``."""
    token = _INPUTS.set([])
    try:
        yield
    finally:
        _INPUTS.reset(token)


def reading(path: str | os.PathLike, what: str, beside: _Beside | None = None) -> None:
    """``path`` is an input of this command (a file, or a folder: its files), and so are the files
    ``beside(path)`` names (a model's: ``layout.companions``), found only when an output is opened;
    ``what`` names it in the error of an ``-o`` that would write over it ("the model")."""
    inputs = _INPUTS.get()
    if inputs is not None:
        inputs.append((os.fspath(path), what, beside))


def reading_standard_input() -> None:
    """Standard input is an input of this command: the file it reads, if it is one (``< FILE``)."""
    reading("/dev/stdin", "standard input")


def refuse_an_input(path: str | os.PathLike) -> None:
    """An OutputError when ``path`` is a file this command reads (``reading``): ``output_file``
    asks, and a long job asks before it starts."""
    path = os.fspath(path)
    inputs = _INPUTS.get()
    if not inputs:
        return
    try:
        st = os.stat(path)  # through a link: what it names
    except OSError:
        return
    for given, what, beside in inputs:
        if (st.st_dev, st.st_ino) in _identities(given, beside):
            raise OutputError(
                f"{path} is {what} this command reads, and writing it would destroy it; choose another -o"
            )


def _identities(given: str, beside: _Beside | None) -> set[tuple[int, int]]:
    """(device, inode) of the files ``reading`` named by ``given``."""
    import stat

    if os.path.isdir(given):
        try:
            paths = [os.path.join(given, f) for f in os.listdir(given)]
        except OSError:
            paths = []
    else:
        paths = [given, *(beside(given) if beside is not None else [])]
    found = set()
    for p in paths:
        with contextlib.suppress(OSError):
            st = os.stat(p)
            if stat.S_ISREG(st.st_mode):  # a terminal or /dev/null read and written is no loss
                found.add((st.st_dev, st.st_ino))
    return found


@contextlib.contextmanager
def output_file(path: str | os.PathLike, text: bool = False, append: bool = False) -> Iterator:
    """The file a user named for output (``-o``), open for writing, by one rule for every command:

    - ``-`` is standard output (flushed, never closed);
    - a regular file, or a name not taken yet, is written to a temporary sibling renamed over it only
      once written whole: an error or a kill leaves the old file as it was; an existing file's
      permission bits are kept;
    - anything else a name can be (a symbolic link, a device, a FIFO) is opened and written through,
      never unlinked or renamed over: ``-o /dev/stdout`` or a link to a file writes what it points at.

    ``text``: a UTF-8 text stream with ``\\n`` line ends instead of bytes. ``append``: written at
    the end of what the file holds (gensim's ``append=True``; an error leaves what was written so
    far). An OSError is an ``OutputError`` naming the file.
    """
    import stat
    import sys

    path = os.fspath(path)
    if path != STDOUT:
        refuse_an_input(path)
    if path == STDOUT:
        f = _stream(sys.stdout.buffer, text)
        try:
            yield f
            f.flush()
        finally:
            if text:  # never let the wrapper close standard output, even when the reader went away
                with contextlib.suppress(OSError, ValueError):
                    f.detach()
        return
    st = _output_stat(path)
    if append or (st is not None and not stat.S_ISREG(st.st_mode)):
        try:
            raw = open(path, "ab" if append else "wb")  # noqa: SIM115 (closed below)
        except OSError as e:
            raise _output_error(path, e) from e
        with raw, _stream(raw, text) as f:
            yield f
        return
    with _replacing(path, st, text) as f:
        yield f


def _stream(raw: BinaryIO, text: bool) -> Any:
    """``raw``, or a UTF-8 text stream with ``\\n`` line ends over it."""
    import io

    return io.TextIOWrapper(raw, encoding="utf-8", newline="\n", write_through=False) if text else raw


@contextlib.contextmanager
def _replacing(path: str, st: os.stat_result | None, text: bool) -> Iterator:
    """A temporary sibling of ``path``, renamed over it (keeping ``st``'s permission bits) once
    written whole and on the disk; removed after an error."""
    import stat

    folder, name = os.path.split(path)
    sweep_dead(folder or ".", f".{name}.part-")  # what a killed writer of it left (GBs, hidden)
    tmp = os.path.join(folder, f".{name}.part-{process_mark()}-{os.urandom(4).hex()}")
    try:
        raw = open(tmp, "xb")  # noqa: SIM115 (closed below)
    except OSError as e:
        raise _output_error(path, e) from e
    try:
        with raw, _stream(raw, text) as f:
            yield f
            f.flush()
            os.fsync(raw.fileno())  # whole on the disk before it takes the name
        try:
            if st is not None:
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
            os.replace(tmp, path)
        except OSError as e:
            raise _output_error(path, e) from e
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def output_files(path: str | os.PathLike) -> Iterator[str | BinaryIO]:
    """A name to write ``path`` and its companions under (``NAME`` and ``NAME.SUFFIX``, as gensim's
    ``save`` writes its arrays beside its pickle), in a hidden folder beside it; once written, each
    is renamed into place, ``NAME`` last, so the file that names the others is replaced only when
    they are there, each keeping an existing file's permission bits. An error or a kill before
    leaves the old files (a killed writer's folder is swept by the next). A name that is not a
    regular file (a link, a device) is written through, as ``output_file`` writes it: a stream is
    yielded instead, to write everything into."""
    import stat

    path = os.fspath(path)
    folder, name = os.path.split(path)
    st = _output_stat(path)
    if st is not None and not stat.S_ISREG(st.st_mode):
        with output_file(path) as f:
            yield f
        return
    sweep_dead(folder or ".", f".{name}.part-")
    stage = os.path.join(folder, f".{name}.part-{process_mark()}-{os.urandom(4).hex()}")
    try:
        os.mkdir(stage)
    except OSError as e:
        raise _output_error(path, e) from e
    try:
        yield os.path.join(stage, name)
        try:
            staged = sorted(os.listdir(stage), key=lambda staged_name: staged_name == name)
            for staged_name in staged:
                with open(os.path.join(stage, staged_name), "rb") as f:
                    os.fsync(f.fileno())  # whole on the disk before it takes the name
            for staged_name in staged:
                target = os.path.join(folder, staged_name)
                with contextlib.suppress(FileNotFoundError):  # an existing file's permission bits are kept
                    os.chmod(os.path.join(stage, staged_name), stat.S_IMODE(os.stat(target).st_mode))
                os.replace(os.path.join(stage, staged_name), target)
        except OSError as e:
            raise _output_error(path, e) from e
    finally:
        rmtree(stage, ignore_errors=True)


def _output_stat(path: str) -> os.stat_result | None:
    """What the output's name is now (not following a link), None when it is not taken."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise _output_error(path, e) from e


def _output_error(path: str, e: OSError) -> OutputError:
    return OutputError(f"cannot write {path}: {e.strerror or e}; choose another -o")
