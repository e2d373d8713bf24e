"""Which requests the server answers at all, checked before any route sees them.

- Host: only the names the server was started on (``127.0.0.1``, ``localhost``, ``[::1]``, or the
  ``--host`` given). A web page elsewhere that points a name of its own at 127.0.0.1 (DNS rebinding)
  sends its own name as Host and is refused, so it cannot read a local server.
- Origin: a browser request from another origin is refused unless ``--cors`` named that origin;
  those named get CORS headers (and their preflight requests an answer).
- Token: with ``--token``, every request but the explorer page's files carries it, as
  ``Authorization: Bearer TOKEN`` or ``?token=TOKEN`` (the page passes on the one it was opened with).
- Size: a body is read up to ``params.MAX_BODY`` bytes, then refused with 413 (never buffered whole).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .params import MAX_BODY, NOTES_HEADER

LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
OPEN_PATHS = ("/", "/explorer.js", "/explorer.css", "/favicon.ico")  # the page itself: no token needed


def host_names(host: str) -> set[str] | None:
    """The Host names a server bound to ``host`` answers to; None (any) for every address (0.0.0.0,
    ::), where only the token, which a page elsewhere cannot know, keeps others out."""
    if host in ("0.0.0.0", "::"):
        return None
    named = host if ":" not in host else f"[{host}]"
    return {"127.0.0.1", "localhost", "[::1]", named}


async def refuse(send: Send, status: int, message: str, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"error": message, "status": status}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Guard:
    def __init__(
        self, app: ASGIApp, port: int, hosts: set[str] | None, token: str | None, cors: Iterable[str]
    ):
        self.app = app
        self.port = port
        self.hosts = hosts
        self.token = token
        self.cors = {o.rstrip("/") for o in cors}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if self.hosts is not None and name not in self.hosts:
            names = ", ".join(sorted(self.hosts))
            await refuse(send, 421, f"this server answers requests for {names} only, not {host[:60]!r}")
            return
        origin = headers.get("origin")
        allowed = {f"http://{h}:{self.port}" for h in (self.hosts or {name})}
        extra: list[tuple[bytes, bytes]] = []
        if origin is not None and origin not in allowed:
            if origin.rstrip("/") not in self.cors:
                await refuse(
                    send,
                    403,
                    f"requests from {origin[:60]} are not answered; allow them with --cors {origin[:60]}",
                )
                return
            extra = [
                (b"access-control-allow-origin", origin.encode()),
                (b"access-control-expose-headers", NOTES_HEADER.encode()),  # else the page cannot read it
                (b"vary", b"Origin"),
            ]
            if scope["method"] == "OPTIONS":
                await self._preflight(send, extra)
                return
        if self.token is not None and scope["path"] not in OPEN_PATHS and not self._has_token(scope, headers):
            await refuse(
                send, 401, "this server needs its token: Authorization: Bearer TOKEN, or ?token=TOKEN"
            )
            return
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            await refuse(send, 413, f"a request body is at most {MAX_BODY:,} bytes")
            return
        await self.app(scope, _bounded(receive), _with_headers(send, extra))

    def _has_token(self, scope: Scope, headers: dict[str, str]) -> bool:
        assert self.token is not None
        given = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not given:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            given = query.get("token", "")
        return hmac.compare_digest(given.encode(), self.token.encode())

    async def _preflight(self, send: Send, extra: list[tuple[bytes, bytes]]) -> None:
        headers = [
            *extra,
            (b"access-control-allow-methods", b"GET, POST"),
            (b"access-control-allow-headers", b"Content-Type, Authorization"),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


class BodyTooLarge(Exception):
    pass


def _bounded(receive: Receive) -> Receive:
    """``receive``, refusing a body (sent in chunks, without a length) past MAX_BODY bytes."""
    seen = 0

    async def bounded() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise BodyTooLarge
        return message

    return bounded


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    if not extra:
        return send

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending
