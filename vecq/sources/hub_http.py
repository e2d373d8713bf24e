"""The HTTP client vecq gives huggingface_hub while it fetches a model: deadlines and bounds on
everything a Hub, or something posing as one, sends back.

huggingface_hub's own client waits without a timeout, retries a broken download five times, and
lets the server compress what it likes. Inside ``guarded()`` every request of huggingface_hub's
(listings, downloads) and of vecq's own range requests goes through this client:

- connect within ``CONNECT_SECONDS``; a read that gets nothing for the stall window is a timeout;
- a fetch that makes no progress for the stall window (``VECQ_HUB_STALL_SECONDS``, default 30) is
  stalled, whatever the server trickles: progress is a response finished, or another
  ``PROGRESS_BYTES`` received; a retry after a stall is not started;
- only uncompressed bodies are asked for, and a compressed one is refused (a 1 MB gzip body can
  unpack to gigabytes); a body is never longer than its Content-Length, or ``MAX_UNSIZED`` without one;
- huggingface_hub's log lines and warnings ("Retrying in 1s") stay quiet: vecq says what failed,
  in one line (``hub.hub_error``).

Imported only to fetch from the Hub.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import warnings
from collections.abc import Iterable, Iterator
from typing import cast

import httpx2

CONNECT_SECONDS = 10.0
DEFAULT_STALL_SECONDS = 30.0
PROGRESS_BYTES = 64 << 10
MAX_UNSIZED = 64 << 20  # a body without a Content-Length (a listing, an error page): never larger
STALL_ENV = "VECQ_HUB_STALL_SECONDS"


class HubStalled(Exception):
    """No progress for the stall window (``status``: the last error the server answered meanwhile,
    such as a 429 that huggingface_hub kept retrying)."""

    def __init__(self, seconds: float, status: int | None = None):
        super().__init__(f"no progress for {seconds:g} s")
        self.seconds, self.status = seconds, status


class HubBodyRefused(Exception):
    """A body vecq did not ask for: compressed, or longer than announced."""


def stall_seconds() -> float:
    """The stall window: ``VECQ_HUB_STALL_SECONDS``, read when a fetch starts."""
    raw = os.environ.get(STALL_ENV, "").strip()
    try:
        seconds = float(raw) if raw else DEFAULT_STALL_SECONDS
    except ValueError:
        seconds = DEFAULT_STALL_SECONDS
    return seconds if seconds > 0 else DEFAULT_STALL_SECONDS


class _Progress:
    """When a fetch last made progress; shared by every request of one ``guarded()`` block."""

    def __init__(self, window: float):
        self.window = window
        self.last = time.monotonic()
        self.status: int | None = None  # the last error status answered since the last progress

    def made(self) -> None:
        self.last = time.monotonic()
        self.status = None

    def check(self) -> None:
        if time.monotonic() - self.last > self.window:
            raise HubStalled(self.window, self.status)


class _GuardedStream(httpx2.SyncByteStream):
    def __init__(self, inner: Iterable[bytes], progress: _Progress, limit: int):
        self.inner, self.progress, self.limit = inner, progress, limit

    def __iter__(self) -> Iterator[bytes]:
        received = since_progress = 0
        for chunk in self.inner:
            received += len(chunk)
            since_progress += len(chunk)
            if received > self.limit:
                raise HubBodyRefused(f"a body longer than the {self.limit:,} bytes announced")
            if since_progress >= PROGRESS_BYTES:
                self.progress.made()
                since_progress = 0
            else:
                self.progress.check()
            yield chunk
        self.progress.made()  # a finished response is progress

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


class _GuardedTransport(httpx2.BaseTransport):
    def __init__(self, progress: _Progress):
        self.inner = httpx2.HTTPTransport()
        self.progress = progress

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.progress.check()  # a retry after a stall is not started
        request.headers["Accept-Encoding"] = "identity"
        response = self.inner.handle_request(request)
        if response.status_code >= 400:
            self.progress.status = response.status_code
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            response.close()
            raise HubBodyRefused(f"a {encoding}-compressed body, which vecq did not ask for")
        length = response.headers.get("Content-Length", "")
        limit = int(length) if length.isdigit() else MAX_UNSIZED
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=_GuardedStream(cast(Iterable[bytes], response.stream), self.progress, limit),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self.inner.close()


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """huggingface_hub's requests, for the length of the block, through vecq's guarded client, with
    its logging and warnings quiet; its own client and settings come back after."""
    from huggingface_hub.utils import _http, set_client_factory

    window = stall_seconds()
    progress = _Progress(window)

    def client() -> httpx2.Client:
        return httpx2.Client(
            event_hooks={"request": [_http.hf_request_event_hook]},
            follow_redirects=True,
            timeout=httpx2.Timeout(window, connect=CONNECT_SECONDS),
            transport=_GuardedTransport(progress),
        )

    previous = _http._GLOBAL_CLIENT_FACTORY
    hub_logger = logging.getLogger("huggingface_hub")
    level = hub_logger.level
    set_client_factory(client)
    hub_logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        hub_logger.setLevel(level)
        set_client_factory(previous)
