"""``vecq serve``: the models over HTTP and the explorer in a browser (``vecq/serve/``)."""

from __future__ import annotations

import click

from ..errors import UsageError
from .options import session_options
from .session import Session


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0: any free port."
)
@click.option(
    "--token",
    envvar="VECQ_SERVE_TOKEN",
    default=None,
    help="Every request must carry it (Authorization: Bearer TOKEN, or ?token=); needed off 127.0.0.1.",
)
@click.option(
    "--no-token", is_flag=True, help="Listen off 127.0.0.1 without a token (anyone who reaches it may ask)."
)
@click.option(
    "--cors", multiple=True, metavar="ORIGIN", help="Let pages from ORIGIN call the server (repeatable)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes answering on the one port; the models' pages are shared, not copied.",
)
@session_options
def serve(
    session: Session,
    host: str,
    port: int,
    token: str | None,
    no_token: bool,
    cors: tuple[str, ...],
    workers: int,
) -> None:
    """The models (each -m) over HTTP: JSON routes answering as the CLI's -f json, word2vec-api's
    routes, and the explorer page at / (the words in 2-D with their neighbours, an analogy, the
    similarity matrix, text through the tokenizer). Ctrl-C or SIGTERM stops it after the requests
    in flight. Needs the serve extra: pip install 'vecq[serve]'.
    """
    from importlib.util import find_spec

    if find_spec("starlette") is None or find_spec("uvicorn") is None:
        raise UsageError("vecq serve needs its extra: pip install 'vecq[serve]'")
    loopback = host in ("127.0.0.1", "localhost", "::1")
    if not loopback and token is None and not no_token:
        raise click.UsageError(
            f"--host {host} lets other machines ask: give --token SECRET (or --no-token to allow anyone)"
        )
    from ..opening import opened_content
    from ..serve.app import bind, make_app, run, run_workers

    specs = session.models or (session.model_spec,)
    models = {}
    options = {}
    for spec in specs:
        model = session.open(spec)  # converted here, once: the workers open the cache
        models[spec or model.info.name] = model
        options[spec or model.info.name] = worker_options(session)
    try:
        sock = bind(host, port)
    except OSError as e:
        raise UsageError(
            f"cannot listen on {host}:{port}: {e.strerror or e}; choose another --port"
        ) from None
    address = sock.getsockname()
    shown = f"[{address[0]}]" if ":" in address[0] else address[0]
    url = f"http://{shown}:{address[1]}/" + (f"?token={token}" if token else "")
    if not loopback and no_token:
        session.warn(f"warning: anyone who can reach {host}:{address[1]} may ask this server (--no-token)")
    several = f" from {workers} processes" if workers > 1 else ""
    session.warn(f"serving {', '.join(models)} at {url}{several} (Ctrl-C stops)")
    if workers > 1:
        settings = {"models": options, "port": address[1], "host": host, "token": token, "cors": list(cors)}
        # each worker checks that it opens what this process serves
        settings["contents"] = {name: opened_content(model) for name, model in models.items()}
        run_workers(settings, sock, workers)
        return
    run(make_app(models, port=address[1], host=host, token=token, cors=cors), sock)


def worker_options(session: Session) -> dict:
    """The model the session just opened, as ``vecq.load``'s arguments (a worker opens it so)."""
    o = session.options()
    return {
        "spec": o.spec,
        "trust": o.trust,
        "limit": o.limit,
        "subwords": o.subwords,
        "pool": o.pool,
        "approx": o.approx,
        "nprobe": o.nprobe,
    }
