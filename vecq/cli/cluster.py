"""Jobs on a Dask cluster (``--dask ADDRESS``): the client side. The blocks of ``vecq graph`` and
the chunks of a batch are submitted as the tasks of ``workers.py``, which run on ``dask.distributed``
workers.

Invariants (tests/test_cluster.py):
- the scheduler runs a lost worker's tasks again elsewhere and the client takes one result for each,
  so nothing is lost and nothing is written twice;
- at most ``AHEAD_PER_THREAD`` tasks per worker thread are in flight: memory stays bounded for inputs
  of millions of lines, and batch records go out in input order;
- every failure of the cluster is one line (``ClusterError``); vecq's own errors raised on a worker
  come back as themselves.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import ClusterError, UsageError, VecqError
from ..opening import ModelOptions
from . import batch
from .workers import AHEAD_PER_THREAD, ModelJob, batch_chunk, graph_block, model_job, vecq_version

if TYPE_CHECKING:
    from ..core.model import Model
    from ..core.queries import Query

BATCH_CHUNK = 2048  # lines a task: a task costs the scheduler about a millisecond
CONNECT_SECONDS = 10  # to reach the scheduler, and for a first worker to join


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


def connect(address: str, options: ModelOptions, model: Model) -> Cluster:
    """The cluster at ``address``, its workers ready to answer with ``model`` (opened with ``options``)."""
    return Cluster(address, model_job(options, model))


def answered_lines(
    stack: contextlib.ExitStack,
    address: str | None,
    options: ModelOptions,
    model: Model,
    query: Query,
    stream: Iterable[bytes],
    chunk: int,
) -> Iterable[batch.Answered]:
    """A batch's lines answered in order: on the Dask cluster at ``address`` (connected before any
    output, so an unreachable cluster prints nothing), or here when there is none."""
    if not address:
        return batch.answered_here(model, query, batch.chunks(stream, chunk))
    cluster = stack.enter_context(connect(address, options, model))
    return cluster.answered(query, batch.chunks(stream, max(chunk, BATCH_CHUNK)))
