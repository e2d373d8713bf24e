"""Worker processes that answer a graph's blocks and a batch's chunks: the tasks a Dask worker runs
(``cluster.py`` submits them) and the local pool of ``vecq graph`` (``LocalWorkers``), each answered
by the same code as one process, so the output is the same bytes wherever it ran.

Invariants (tests/test_cluster.py, tests/test_signals.py):
- a worker answers with the model the client opened: the cache they share when the worker sees the
  client's cache folder, else a cache of its own converted from the same source; either way its
  content (``cache.layout.content_identity``) must equal the client's, or the job stops with one line;
- a task is a pure function of what it is given (a block's rows, a chunk's lines);
- a local worker dies with its client, however the client ends.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..cache import layout
from ..errors import ClusterError, ModelError
from ..opening import ModelOptions, open_with
from . import batch

if TYPE_CHECKING:
    from ..core.model import Model
    from ..core.queries import Query

AHEAD_PER_THREAD = 2  # tasks in flight per worker thread: one running, one waiting


@dataclass(frozen=True)
class ModelJob:
    """What a worker needs to open the client's model: its options, the client's cache folder, and
    the content the worker's cache must have."""

    options: ModelOptions
    cache_root: str
    identity: str  # json of layout.content_identity


def model_job(options: ModelOptions, model: Model) -> ModelJob:
    if model.folder is None:
        raise ClusterError(
            f"{model.info.name} is answered from memory (its cache could not be written), so the "
            "workers cannot open it; free space in the cache folder (VECQ_CACHE_DIR) and run again"
        )
    return ModelJob(options, os.path.dirname(os.path.abspath(model.folder)), layout.content_of(model.folder))


# -- on a worker ------------------------------------------------------------------------------------

_opened: dict[ModelJob, Model] = {}
_opening = threading.Lock()


def worker_model(job: ModelJob) -> Model:
    """The job's model in this worker process: opened once, then kept for the worker's later tasks."""
    with _opening:
        model = _opened.get(job)
        if model is None:
            _reuse_freed_memory()
            model = _opened[job] = _open_on_worker(job)
    return model


MMAP_THRESHOLD = 64 << 20  # bytes: a block's temporaries (up to tens of MB) come from the heap
TRIM_THRESHOLD = 256 << 20  # bytes of freed heap a worker keeps for its next block


def _reuse_freed_memory() -> None:
    """Let glibc hand a freed temporary to the next one instead of mapping fresh pages.

    A block allocates and frees temporaries of a few MB many times. glibc maps each one above its
    mmap threshold afresh (faulted in page by page, zeroed, unmapped) and gives freed heap back
    above its trim threshold; Dask's nanny also sets MALLOC_TRIM_THRESHOLD_, which pins the mmap
    threshold at 128 KiB. Measured: a Dask graph 1.7x slower than one process, and the local
    approximate graph 36 s instead of 30 s, 14 s of it in the kernel (docs/benchmarks-graph.md).
    Elsewhere (not glibc) there is nothing to do.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = libc.mallopt if libc is not None else None
    except (OSError, AttributeError):
        return
    if mallopt is not None:
        mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
        mallopt(-1, TRIM_THRESHOLD)  # M_TRIM_THRESHOLD


def _open_on_worker(job: ModelJob) -> Model:
    """The job's model, opened quietly (the client has said what there is to say): from the client's
    cache folder when this worker sees it, else from its own, which must hold the same vectors."""
    shared = job.cache_root if os.path.isdir(job.cache_root) else None
    model = open_with(job.options, root=shared)
    if model.folder is None or layout.content_of(model.folder) != job.identity:
        raise ModelError(
            f"a Dask worker's {model.info.name} is not the model this machine has (its cache, in "
            f"{model.folder}, holds other vectors); give the workers the same model file, or a cache "
            "folder they share with this machine (VECQ_CACHE_DIR)"
        )
    return model


def graph_block(job: ModelJob, rows, k: int):
    """A worker's task: one block of ``vecq graph`` (``core.graph.neighbours_block``)."""
    from ..core.graph import neighbours_block

    return neighbours_block(worker_model(job), rows, k)


def batch_chunk(job: ModelJob, query: Query, chunk: batch.Chunk) -> tuple[list, list]:
    """A worker's task: one chunk of a batch, parsed and answered (``batch.answer``)."""
    return batch.answer(worker_model(job), query, chunk)


def vecq_version() -> str:
    from ..version import __version__

    return __version__


def _quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with its stderr on /dev/null.

    The tracker is a process of its own that outlives a stopped command for a moment and may print
    a warning about a semaphore of the killed workers' pool ("resource_tracker: '/mp-...': No such
    file or directory") after vecq's last line: it still cleans up, but says nothing to the user.
    """
    from multiprocessing import resource_tracker

    saved, quiet = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(quiet, 2)
        resource_tracker.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(quiet)


class LocalWorkers:
    """Worker processes on this machine, one a core, running a cluster's graph tasks: ``vecq graph``
    without --dask.

    Processes, not threads: the approximate search takes many short numpy steps per probed list,
    and threads wait on each other for the GIL (two threads did 1.2x one thread's work, two
    processes 2x); each process under one BLAS thread also keeps both cores busy in the exact
    search's single-threaded steps. Workers ignore Ctrl-C: the client stops them.
    """

    def __init__(self, job: ModelJob, processes: int | None = None):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.job = job
        self.processes = processes or os.cpu_count() or 1
        _quiet_resource_tracker()
        self.pool = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_local_worker,
            initargs=(os.getpid(),),
        )

    def __enter__(self) -> LocalWorkers:
        return self

    def __exit__(self, kind, *_: object) -> None:
        if kind is not None:  # interrupted or failed: the blocks under way are not waited for
            # The pool's manager thread may report the workers it loses: the command is stopping,
            # and its one line says so; a thread's traceback would be noise after it.
            threading.excepthook = lambda args: None
            for process in list(getattr(self.pool, "_processes", {}).values()):
                with contextlib.suppress(OSError, AttributeError):
                    process.kill()
        self.pool.shutdown(wait=kind is None, cancel_futures=True)

    def blocks(self, rows, starts: Iterable[int], size: int, k: int) -> Iterator[tuple[int, Any]]:
        """``(start, (ids, scores))`` for each graph block, as the processes finish them."""
        from concurrent.futures import FIRST_COMPLETED, wait

        todo = iter(starts)
        running: dict = {}

        def submit_next() -> None:
            start = next(todo, None)
            if start is not None:
                with _worker_died():  # the pool refuses work once a process of it has died
                    running[self.pool.submit(graph_block, self.job, rows[start : start + size], k)] = start

        for _ in range(self.processes * AHEAD_PER_THREAD):
            submit_next()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                with _worker_died():
                    answer = future.result()
                yield running.pop(future), answer
                submit_next()


@contextlib.contextmanager
def _worker_died() -> Iterator[None]:
    """One line when a worker process has died (killed, out of memory), whether a block's answer or
    the next block's submission finds it."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        yield
    except BrokenProcessPool:
        raise ClusterError(
            "a worker process of the graph died (killed, or out of memory?): run the same command "
            "again to go on where it was, or give a smaller --block"
        ) from None


_BLAS_LIMITS: list = []  # a local worker's one-thread BLAS limit, held while the process lives


def _local_worker(client: int) -> None:
    """A local worker process: one BLAS thread (the processes are the parallelism), deaf to Ctrl-C,
    and gone within a second of its client (``client``, its parent's pid), however the client ended:
    a killed client cannot stop its pool, so each worker watches for its parent to change."""
    import signal

    from threadpoolctl import threadpool_limits

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _BLAS_LIMITS.append(threadpool_limits(1, user_api="blas"))  # kept for the process's life

    def watch() -> None:
        import time

        while os.getppid() == client:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="vecq-client-watch", daemon=True).start()
