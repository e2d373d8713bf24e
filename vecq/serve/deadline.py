"""The deadline uvicorn does not keep: a request must arrive whole within ``request_seconds()``.

uvicorn closes an idle keep-alive connection (``timeout_keep_alive``) but times nothing while a
request is being sent: a client that connects and sends nothing, half a request head, or a body a
byte at a time holds its connection (a file descriptor; for a body, the request's task too) for
ever. ``DeadlineH11`` closes such a connection once its request has not arrived whole within the
deadline after the connection opened or its previous answer went out. A request that has arrived
is never cut, however long its answer takes.
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
    """uvicorn's h11 protocol with the request deadline (the module's note)."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state not in ARRIVING:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state in ARRIVING:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(request_seconds(), self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.conn.their_state in ARRIVING and not self.transport.is_closing():
            self.transport.close()
