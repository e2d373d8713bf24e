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
        _probe(address, CONNECT_SECONDS)
        try:
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except Exception as e:  # refused, timed out, not an address, or not distributed's protocol
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


NOT_A_SCHEDULER = (
    "check the address given to --dask (or DASK_SCHEDULER_ADDRESS): a scheduler listens on port "
    "8786 unless told otherwise, its dashboard (a web page) on 8787"
)


def _probe(address: str, seconds: float) -> None:
    """A ClusterError, within ``seconds``, when the TCP server at ``address`` is not a Dask
    scheduler. distributed's client waits for the scheduler's first message with no deadline (a
    server that says nothing first, as a web server, hangs it for ever) and reads another server's
    first bytes as that message's length (a web server's "HTTP/1.1" is 3.5e18 bytes: MemoryError).
    A scheduler writes its handshake as soon as it accepts: 8 bytes of length, then a small message.
    Addresses that are not TCP, and servers that cannot be reached, are left to distributed."""
    import socket
    import struct

    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location, 8786)
    except (ValueError, TypeError):
        return  # not an address: distributed says so
    if scheme != "tcp":
        return
    try:
        server = socket.create_connection((host, port), timeout=seconds)
    except OSError:
        return  # refused, no route, no answer: distributed tries again until its deadline, and says so
    head = b""
    with server, contextlib.suppress(OSError):  # a reset or a silence: what was read says enough
        server.settimeout(seconds)
        while len(head) < 8 and (more := server.recv(8 - len(head))):
            head += more
    (length,) = struct.unpack("<Q", head.ljust(8, b"\0"))
    if len(head) == 8 and 0 < length < 1 << 24:
        return
    if not head:
        raise ClusterError(
            f"the server at {address} sent nothing in {seconds:g} s (a Dask scheduler greets at once): "
            f"it is not a Dask scheduler; {NOT_A_SCHEDULER}"
        )
    what = "a web server" if head.startswith(b"HTTP") else "a server that does not speak Dask's protocol"
    raise ClusterError(f"{address} is {what}, not a Dask scheduler; {NOT_A_SCHEDULER}")


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
    lines: Iterable[list[tuple[int, str]]],
) -> Iterable[batch.Answered]:
    """A batch's lines (``batch.chunks``) answered in order: on the Dask cluster at ``address``
    (connected before any output, so an unreachable cluster prints nothing), or here when there
    is none."""
    if not address:
        return batch.answered_here(model, query, lines)
    cluster = stack.enter_context(connect(address, options, model))
    return cluster.answered(query, lines)
