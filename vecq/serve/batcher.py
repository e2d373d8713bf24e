"""Requests that arrive together are answered together: one ``answer_chunk`` (one matrix product)
for every waiting question of the same kind, model and options.

One worker answers in turn, so while a batch is being answered the next requests gather; before each
batch it waits for company, ``window`` seconds at a time while more arrive (clients answered together
ask again together: gathering them all makes one product, not two). The engine
answers a query with the same rows, order and bits alone and in a batch of any size
(``core/model.py``, ``best_rows``), so gathering never changes an answer. At most ``max_waiting``
questions wait; beyond that a request is refused at once (``Busy``: the server answers 503 with
Retry-After) rather than queued without bound. A client that goes away has its question dropped,
never answered into nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Hashable
from dataclasses import dataclass, field

import anyio.to_thread

from ..core.model import Model
from ..core.queries import Outcome, Query

WINDOW = 0.002  # seconds an idle worker waits for more questions before answering
MAX_GATHER = 0.025  # seconds it goes on waiting while more keep arriving
MAX_BATCH = 256  # questions in one answer_chunk
MAX_WAITING = 2048  # questions waiting before new ones are refused


class Busy(Exception):
    """Too many questions are waiting."""


@dataclass
class _Waiting:
    query: Query
    model: Model
    items: list[list[str]] = field(default_factory=list)
    answers: list[asyncio.Future] = field(default_factory=list)


class Batcher:
    def __init__(
        self,
        window: float = WINDOW,
        max_batch: int = MAX_BATCH,
        max_waiting: int = MAX_WAITING,
        max_gather: float = MAX_GATHER,
    ):
        self.window = window
        self.max_gather = max_gather
        self.max_batch = max_batch
        self.max_waiting = max_waiting
        self.waiting = 0
        self.batches = 0  # answer_chunk calls made (for the tests and the load benchmark)
        self._queues: dict[Hashable, _Waiting] = {}
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task | None = None

    async def answer(self, key: Hashable, query: Query, model: Model, item: list[str]) -> Outcome:
        """The outcome of ``item`` for ``query`` on ``model``, answered with the others of ``key``."""
        if self.waiting >= self.max_waiting:
            raise Busy
        loop = asyncio.get_running_loop()
        if self._worker is None or self._worker.done() or self._worker.get_loop() is not loop:
            # the first question, or the first on another event loop (a test's): a worker of its own
            self._queues.clear()
            self.waiting = 0
            self._wake = asyncio.Event()
            self._worker = loop.create_task(self._run())
        future: asyncio.Future = loop.create_future()
        waiting = self._queues.setdefault(key, _Waiting(query, model))
        waiting.items.append(item)
        waiting.answers.append(future)
        self.waiting += 1
        assert self._wake is not None
        self._wake.set()
        return await future

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def _run(self) -> None:
        wake = self._wake
        assert wake is not None
        while True:
            await wake.wait()
            wake.clear()
            while self._queues:
                # Before every batch, not only after idling: the clients just answered ask again at
                # once, and joining those who waited makes one product. Otherwise two groups of
                # clients, each arriving while the other's batch runs, alternate for ever.
                await self._gather()
                key = next(iter(self._queues))
                waiting = self._queues[key]
                items, answers = waiting.items[: self.max_batch], waiting.answers[: self.max_batch]
                del waiting.items[: self.max_batch], waiting.answers[: self.max_batch]
                if not waiting.items:
                    del self._queues[key]
                self.waiting -= len(items)
                await self._answer(waiting, items, answers)

    async def _gather(self) -> None:
        """Wait while questions keep arriving (``window`` at a time, ``max_gather`` at most): clients
        answered together ask again together, and two half batches would cost almost two whole ones."""
        waited = 0.0
        while True:
            before = self.waiting
            await asyncio.sleep(self.window)
            waited += self.window
            if self.waiting == before or waited >= self.max_gather:
                return

    async def _answer(self, waiting: _Waiting, items: list[list[str]], answers: list[asyncio.Future]) -> None:
        live = [i for i, a in enumerate(answers) if not a.done()]  # a client gone: its future cancelled
        if not live:
            return
        self.batches += 1
        try:
            outcomes = await anyio.to_thread.run_sync(
                waiting.query.answer_chunk, waiting.model, [items[i] for i in live]
            )
        except Exception as e:  # an engine failure (a damaged cache): every question of the batch gets it
            for i in live:
                if not answers[i].done():
                    answers[i].set_exception(e)
            return
        for i, outcome in zip(live, outcomes):
            if not answers[i].done():
                answers[i].set_result(outcome)
