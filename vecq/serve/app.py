"""The server: the routes on Starlette, behind the guard, run by uvicorn.

Starlette and uvicorn are the ``vecq[serve]`` extra: an ASGI toolkit and server that are small,
typed and maintained (FastAPI is built on the same two), with graceful shutdown on SIGTERM (the
requests in flight finish) built in.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ..api import KeyedVectors
from ..core.model import Model
from ..errors import one_line
from ..version import __version__
from .guard import Guard, host_names
from .params import ROUTES, openapi
from .routes import Answer, Served, endpoint, error_response
from .word2vec_api import Word2VecApi

PAGE = Path(__file__).parent / "page"
PAGE_FILES = {"/": "index.html", "/explorer.js": "explorer.js", "/explorer.css": "explorer.css"}
GRACE_SECONDS = 10  # SIGTERM: the requests in flight get this long to finish


def make_app(
    models: dict[str, Model],
    *,
    port: int,
    host: str = "127.0.0.1",
    token: str | None = None,
    cors: tuple[str, ...] = (),
) -> Guard:
    """The whole server as an ASGI app: ``models`` answered by name (the first by default)."""
    served = Served(models)
    schema = openapi(__version__)
    routes = [Route(r.path, endpoint(served, name), methods=["GET", "POST"]) for name, r in ROUTES.items()]
    for path, handle in Word2VecApi(KeyedVectors._of(served.models[served.default], None)).routes().items():
        routes.append(Route(path, handle, methods=["GET"]))

    async def schema_route(request: Request) -> Response:
        return Answer(schema)

    routes.append(Route("/openapi.json", schema_route, methods=["GET"]))
    for path, name in PAGE_FILES.items():
        routes.append(Route(path, _page_file(PAGE / name), methods=["GET"]))

    @asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        await served.batcher.close()

    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(
            404, f"no route {request.url.path[:80]!r}; the routes are listed at /openapi.json"
        )

    async def not_allowed(request: Request, exc: Exception) -> Response:
        allow = (getattr(exc, "headers", None) or {}).get("Allow", "GET")
        how = "GET, or POST with a JSON body" if "POST" in allow else "GET with query parameters"
        response = error_response(
            405, f"{request.method} is not answered at {request.url.path[:80]}; it takes {how}"
        )
        response.headers["Allow"] = allow
        return response

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 405: not_allowed})
    app.state.served = served
    return Guard(app, port, host_names(host), token, cors)


WORKER_SETTINGS = "VECQ_SERVE_WORKER"  # what `vecq serve --workers N` hands its workers


def from_environment() -> Guard:
    """A worker's app (``vecq serve --workers N``): the models and settings its parent put in the
    environment, each opened from the cache the parent filled (memory-mapped: every worker reads
    the same pages of the page cache, one copy in memory)."""
    from ..api import load, opened_content

    settings = json.loads(os.environ[WORKER_SETTINGS])
    models = {name: load(**options, progress=False).model for name, options in settings["models"].items()}
    guarded = {"port": settings["port"], "hosts": host_names(settings["host"]), "token": settings["token"]}
    served = settings.get("contents", {})
    changed = [
        name for name, model in models.items() if served.get(name) not in (None, opened_content(model))
    ]
    if changed:  # a worker started (or replaced) since: the others answer from what the parent served
        message = (
            f"{changed[0]} has changed since this server started (its file was replaced or retrained), "
            "so this worker would answer with other vectors than the others; restart vecq serve"
        )
        sys.stderr.write(f"vecq: {one_line(message)}\n")
        return Guard(_refusing(message), cors=tuple(settings["cors"]), **guarded)
    return make_app(
        models,
        port=settings["port"],
        host=settings["host"],
        token=settings["token"],
        cors=tuple(settings["cors"]),
    )


def _refusing(message: str) -> Starlette:
    """An app that answers every request with 503 and ``message``."""

    async def refuse(request: Request) -> Response:
        return error_response(503, message)

    return Starlette(routes=[Route("/{path:path}", refuse, methods=["GET", "POST", "HEAD"])])


def run_workers(settings: dict, sock: socket.socket, workers: int) -> None:
    """Serve from ``workers`` processes on one listening socket (the kernel hands each connection to
    one of them), under uvicorn's supervisor: a worker that dies or hangs is replaced; SIGINT or
    SIGTERM stops them all after their requests in flight."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from .deadline import DeadlineH11

    os.environ[WORKER_SETTINGS] = json.dumps(settings)
    config = uvicorn.Config(
        "vecq.serve.app:from_environment",
        factory=True,
        http=DeadlineH11,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=GRACE_SECONDS,
        timeout_keep_alive=5,
        lifespan="on",
        access_log=False,
    )
    Multiprocess(config, sockets=[sock]).run()
    sys.stderr.flush()


def _page_file(path: Path):
    media = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}[path.suffix]

    async def send(request: Request) -> Response:
        return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})

    return send


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before the server starts (port 0: any free port, then known)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: an answer's headers and body go out at once, not the body
    # 40 ms later, when the client's delayed acknowledgement meets Nagle's algorithm.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


def run(app: Guard, sock: socket.socket) -> None:
    """Serve until SIGINT or SIGTERM; the requests in flight finish (within GRACE_SECONDS)."""
    import uvicorn

    from .deadline import DeadlineH11

    config = uvicorn.Config(
        app,
        http=DeadlineH11,
        log_level="warning",
        timeout_graceful_shutdown=GRACE_SECONDS,
        timeout_keep_alive=5,
        lifespan="on",
        access_log=False,
    )

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: object) -> None:
            """SIGINT or SIGTERM stops the server after the requests in flight, and vecq leaves with
            0: uvicorn would raise the signal again once stopped, which vecq's handlers turn into 130."""
            super().handle_exit(sig, frame)  # type: ignore[arg-type]
            self._captured_signals.clear()

    Server(config).run(sockets=[sock])
    sys.stderr.flush()
