"""Work spread over the machine's cores: one thread a core, each running single-threaded BLAS.

numpy releases the GIL inside its products and conversions, so threads run them side by side.
Left to itself OpenBLAS threads each product, and between products (numpy's single-threaded
maxima, partitions, int8 conversions) its threads spin on the other cores; a share of the work
per core, with OpenBLAS held to one thread, keeps every core on useful work.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # imported when used: a single query never loads it (tests/test_architecture.py)
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import ThreadpoolController

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 8


@contextlib.contextmanager
def pool() -> Iterator[ThreadPoolExecutor]:
    """A thread a core under single-threaded BLAS; one thread without a BLAS threadpoolctl can hold."""
    from concurrent.futures import ThreadPoolExecutor

    with _held() as workers, ThreadPoolExecutor(max_workers=workers) as executor:
        yield executor


def shares(work: Callable[[Sequence[T]], R], items: Sequence[T]) -> list[R]:
    """``work`` on interleaved shares of ``items``, one share a core; the results in share order.

    Interleaved, so that each share gets a like mix of the items (lists of like sizes when
    ``items`` are ordered by anything that goes with their cost).
    """
    from concurrent.futures import ThreadPoolExecutor

    with _held() as workers, ThreadPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(work, [items[i::workers] for i in range(workers)]))


def spread(work: Callable[[int, int], R], lo: int, hi: int, grain: int) -> list[R]:
    """``work(a, b)`` on one contiguous part of ``[lo, hi)`` a core, side by side; the results in
    order. The parts end on multiples of ``grain`` past ``lo`` (a part is whole blocks), and there
    are no more parts than ``grain``-sized pieces."""
    from concurrent.futures import ThreadPoolExecutor

    pieces = -(-(hi - lo) // grain)
    if pieces <= 1:  # one part: BLAS keeps its threads
        return [work(lo, hi)]
    with _held() as workers:
        parts = min(workers, pieces)
        ends = [lo + (pieces * i // parts) * grain for i in range(parts)] + [hi]
        if parts == 1:  # workers == 1: BLAS was not held
            return [work(lo, hi)]
        with ThreadPoolExecutor(max_workers=parts) as executor:
            return list(executor.map(work, ends[:-1], ends[1:]))


@contextlib.contextmanager
def _held() -> Iterator[int]:
    """The number of worker threads, with OpenBLAS held to one thread while there are several.

    As many as BLAS may use now: one where it is held to one thread already (a graph's worker
    process, or work inside ``pool``/``shares``/``spread``), so spread work never nests."""
    blas = _blas()
    allowed = min((int(i.get("num_threads") or 1) for i in blas.info()), default=1)
    workers = max(1, min(MAX_WORKERS, os.cpu_count() or 1, allowed))
    with blas.limit(limits=1) if workers > 1 else contextlib.nullcontext():
        yield workers


@functools.cache
def _blas() -> ThreadpoolController:
    """The BLAS libraries loaded when first asked (numpy's, which every product here runs on),
    found once: looking them up again costs half a millisecond a call, a tenth of a whole
    vocabulary's scores."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")
