"""The deadlines uvicorn does not keep: a request must arrive whole, and a client must take what
is sent to it, each within ``request_seconds()``.

uvicorn closes an idle keep-alive connection (``timeout_keep_alive``) but times nothing else: a
client that connects and sends nothing, half a request head, or a body a byte at a time, and one
that asks and then reads nothing, hold their connection (a file descriptor; the request's task and
its unsent answer) for ever; even the keep-alive close waits for ever to send the unread bytes.
``DeadlineH11`` aborts such a connection once its request has not arrived whole within the deadline
after the connection opened or its previous answer went out, or once it has read nothing for the
deadline while an answer waits to be sent. A request that has arrived is never cut for taking long
to answer.
"""

from __future__ import annotations

import asyncio
import os

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_REQUEST_SECONDS = 30.0
REQUEST_ENV = "VECQ_SERVE_REQUEST_SECONDS"


def request_seconds() -> float:
    """The deadline: ``VECQ_SERVE_REQUEST_SECONDS`` (a positive number), else 30 seconds."""
    try:
        seconds = float(os.environ.get(REQUEST_ENV) or DEFAULT_REQUEST_SECONDS)
    except ValueError:
        return DEFAULT_REQUEST_SECONDS
    return seconds if 0 < seconds < float("inf") else DEFAULT_REQUEST_SECONDS


# The client's states in which its request has not yet arrived whole.
ARRIVING = (h11.IDLE, h11.SEND_BODY)


class DeadlineH11(H11Protocol):
    """uvicorn's h11 protocol with the two deadlines (the module's note)."""

    _arriving: asyncio.TimerHandle | None = None  # for the request to arrive whole
    _reading: asyncio.TimerHandle | None = None  # for the client to take what waits to be sent

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arriving = self._timer(self._arriving)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state not in ARRIVING:
            self._arriving = self._cancel(self._arriving)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state in ARRIVING:
            self._arriving = self._timer(self._arriving)

    def pause_writing(self) -> None:
        super().pause_writing()
        self._reading = self._timer(self._reading)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._reading = self._cancel(self._reading)

    def connection_lost(self, exc: Exception | None) -> None:
        self._arriving = self._cancel(self._arriving)
        self._reading = self._cancel(self._reading)
        super().connection_lost(exc)

    def _timer(self, old: asyncio.TimerHandle | None) -> asyncio.TimerHandle:
        self._cancel(old)
        return self.loop.call_later(request_seconds(), self._expired)

    @staticmethod
    def _cancel(timer: asyncio.TimerHandle | None) -> None:
        if timer is not None:
            timer.cancel()

    def _expired(self) -> None:
        """Abort, not close: a close waits to send the unsent bytes first, for ever if unread."""
        arriving = self._arriving is not None and self._arriving.when() <= self.loop.time()
        reading = self._reading is not None and self._reading.when() <= self.loop.time()
        if (arriving and self.conn.their_state in ARRIVING) or reading or self.transport.is_closing():
            self.transport.abort()
