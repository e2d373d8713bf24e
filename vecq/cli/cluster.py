"""Jobs on a Dask cluster (``--dask ADDRESS``): the blocks of ``vecq graph`` and the chunks of a batch
run on ``dask.distributed`` workers, each answered by the same code as in one process, so the output
is the same bytes whatever the worker count.

Invariants (tests/test_cluster.py):
- a worker answers with the model the client opened: the cache they share when the worker sees the
  client's cache folder, else a cache of its own converted from the same source; either way its
  content (``cache.layout.content_identity``) must equal the client's, or the job stops with one line;
- a task is a pure function of what it is given (a block's rows, a chunk's lines): the scheduler runs
  a lost worker's tasks again elsewhere and the client takes one result for each, so nothing is lost
  and nothing is written twice;
- at most ``AHEAD_PER_THREAD`` tasks per worker thread are in flight: memory stays bounded for inputs
  of millions of lines, and batch records go out in input order.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import jsondata
from ..cache import layout
from ..errors import CacheError, ClusterError, ModelError, UsageError, VecqError
from ..opening import ModelOptions, open_with
from . import batch

if TYPE_CHECKING:
    from ..core.model import Model
    from ..core.queries import Query

AHEAD_PER_THREAD = 2  # tasks in flight per worker thread: one running, one waiting
BATCH_CHUNK = 2048  # lines a task: a task costs the scheduler about a millisecond
CONNECT_SECONDS = 10  # to reach the scheduler, and for a first worker to join


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
    return ModelJob(options, os.path.dirname(os.path.abspath(model.folder)), _identity(model.folder))


def _identity(folder: str) -> str:
    manifest = jsondata.load(os.path.join(folder, layout.MANIFEST), "manifest", error=CacheError)
    return json.dumps(layout.content_identity(manifest), sort_keys=True)


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
    if model.folder is None or _identity(model.folder) != job.identity:
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


# -- on the client ----------------------------------------------------------------------------------


class Cluster:
    """A connection to a Dask scheduler whose workers run vecq, for the length of one job."""

    def __init__(self, address: str, job: ModelJob):
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--dask needs Dask's distributed package: pip install 'vecq[dask]'") from None
        self.address, self.job = address, job
        try:
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, ValueError) as e:  # refused, timed out, or not an address
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address} ({_reason(e)}); check the address "
                "given to --dask (or DASK_SCHEDULER_ADDRESS)"
            ) from None
        try:
            self._check_workers()
        except BaseException:
            self.client.close()
            raise

    def _check_workers(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError):
            raise ClusterError(
                f"the Dask cluster at {self.address} has no workers (none joined in {CONNECT_SECONDS} s); "
                "start some with 'dask worker ADDRESS'"
            ) from None
        here = vecq_version()
        try:
            versions = self.client.run(vecq_version)
        except Exception as e:  # a worker without vecq cannot unpickle the function
            raise ClusterError(
                f"the Dask workers at {self.address} cannot run vecq ({_reason(e)}); install vecq "
                f"{here} on every worker"
            ) from None
        other = {worker: v for worker, v in versions.items() if v != here}
        if other:
            worker, version = next(iter(other.items()))
            raise ClusterError(
                f"the Dask worker {worker} runs vecq {version}, this machine {here}; install the "
                "same version on every worker"
            )

    def threads(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def answered(self, query: Query, lines: Iterable[batch.Chunk]) -> Iterator[batch.Answered]:
        """A batch's chunks answered by the workers, in input order (``batch.answered_here``'s twin)."""
        for chunk, (parsed, outcomes) in self._in_order(batch_chunk, query, lines):
            yield chunk, parsed, outcomes

    def blocks(self, rows, starts: Iterable[int], size: int, k: int) -> Iterator[tuple[int, Any]]:
        """``(start, (ids, scores))`` for each graph block, as the workers finish them."""
        from distributed import as_completed

        todo = iter(starts)
        start_of: dict = {}
        with self._failures():
            running = as_completed(loop=self.client.loop)

            def submit_next() -> None:
                start = next(todo, None)
                if start is not None:
                    future = self._submit(graph_block, rows[start : start + size], k)
                    start_of[future.key] = start
                    running.add(future)

            for _ in range(self.threads() * AHEAD_PER_THREAD):
                submit_next()
            for future in running:
                yield start_of.pop(future.key), future.result()
                submit_next()

    def _submit(self, task: Callable, *args):
        return self.client.submit(task, self.job, *args, pure=False)

    def _in_order(self, task: Callable, first, items: Iterable) -> Iterator[tuple[Any, Any]]:
        pending: deque = deque()
        ahead = self.threads() * AHEAD_PER_THREAD
        with self._failures():
            for item in items:
                pending.append((item, self._submit(task, first, item)))
                if len(pending) >= ahead:
                    item, future = pending.popleft()
                    yield item, future.result()
            while pending:
                item, future = pending.popleft()
                yield item, future.result()

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """The cluster's own failures (a task that killed its workers too often, a lost scheduler) as
        one line; vecq's errors raised on a worker come back as themselves."""
        try:
            yield
        except VecqError:
            raise
        except Exception as e:  # distributed's failures have no common base class
            raise ClusterError(
                f"the Dask cluster at {self.address} failed the job ({_reason(e)}); run the same "
                "command again to go on (a graph keeps its finished blocks)"
            ) from None


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


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
                running[self.pool.submit(graph_block, self.job, rows[start : start + size], k)] = start

        for _ in range(self.processes * AHEAD_PER_THREAD):
            submit_next()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                yield running.pop(future), future.result()
                submit_next()


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


def connect(address: str, options: ModelOptions, model: Model) -> Cluster:
    """The cluster at ``address``, its workers ready to answer with ``model`` (opened with ``options``)."""
    return Cluster(address, model_job(options, model))
