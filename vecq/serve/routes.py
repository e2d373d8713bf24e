"""The JSON routes: each answers with the records ``vecq COMMAND -f json`` prints for the same
question, built by the same code (``core/queries.py``, ``core/answers.py``, ``records.json_record``),
and each error is the CLI's one line with an HTTP status.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive

from ..core import answers
from ..core.model import Model
from ..core.projection import PLACED_COLUMNS, placed_records, points
from ..core.queries import (
    AnalogyQuery,
    NeighborsQuery,
    Outcome,
    Query,
    SimilarQuery,
    VectorNeighborsQuery,
    VectorQuery,
    columns_for,
    find_words,
    first_error,
    mark_built,
    skipped_rows,
)
from ..core.words import Match, respellings
from ..errors import ExitCode, UnknownWordError, VecqError, counted, defect, in_arguments
from ..records import ModelInfo, json_record
from .batcher import Batcher, Busy
from .guard import BodyTooLarge
from .params import (
    MAX_BODY,
    NOTE_CHARACTERS,
    NOTES_BYTES,
    NOTES_HEADER,
    ROUTES,
    BadRequest,
    parse,
    read_request,
)

logger = logging.getLogger("vecq.serve")

# The HTTP status of each of the CLI's exit codes (an unknown word, exit code 3, is a 404 of its own;
# the other errors of that code are questions that cannot be answered as written)
STATUS = {
    ExitCode.USAGE: 400,
    ExitCode.UNKNOWN_WORD: 400,
    ExitCode.MODEL: 500,
    ExitCode.UNAVAILABLE: 503,
    ExitCode.FAILURE: 500,
}


class Records(NamedTuple):
    columns: Sequence[str]
    records: list[dict]
    info: ModelInfo | None  # the model each record names; None: the records name their own
    notes: Sequence[str] = ()


class ClientGone(Exception):
    """The client went away before its answer: nothing is sent."""


async def _disconnected(receive: Receive | None) -> None:
    """Returns when the client has gone (``http.disconnect``); never, without a receive channel."""
    if receive is None:
        await asyncio.Event().wait()
        return
    while (await receive())["type"] != "http.disconnect":
        pass


class Served:
    """The models a server answers from, opened once, by the names requests give."""

    def __init__(self, models: dict[str, Model]):
        if not models:
            raise ValueError("a server answers from at least one model")
        self.models = models
        self.default = next(iter(models))
        self.batcher = Batcher()
        # The request being answered's receive channel, for noticing that its client went away.
        self.receive: contextvars.ContextVar[Receive | None] = contextvars.ContextVar("receive", default=None)

    def model(self, name: str | None) -> Model:
        if name is None:
            return self.models[self.default]
        found = self.models.get(name) or next((m for m in self.models.values() if m.info.name == name), None)
        if found is None:
            raise BadRequest(f"{name[:60]!r} is not served here; served: {', '.join(self.models)}", 404)
        return found


class Answer(JSONResponse):
    """A JSON answer ending with a newline, as the CLI's does (so ``curl`` leaves the prompt alone)."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content) + b"\n"
        except UnicodeEncodeError:  # a lone surrogate the request sent, echoed: JSON escapes it
            return json.dumps(content, allow_nan=False, separators=(",", ":")).encode() + b"\n"


def error_response(status: int, message: str, **extra: Any) -> JSONResponse:
    headers = {"Retry-After": "1"} if status == 503 else None
    return Answer({"error": message, "status": status, **extra}, status_code=status, headers=headers)


def endpoint(served: Served, name: str) -> Callable[[Request], Awaitable[Response]]:
    """The handler of route ``name``: read and check the request, answer, or say what was wrong."""
    route = ROUTES[name]
    answer = ANSWERS[name]

    async def handle(request: Request) -> Response:
        try:
            body = await request.body()
            served.receive.set(request.receive)
            sent = read_request(
                request.scope.get("query_string", b""), body, request.headers.get("content-type", "")
            )
            params = parse(route, sent)
            answered = await answer(served, served.model(params.get("model")), params)
        except BadRequest as e:
            return error_response(e.status, e.message)
        except ClientGone:
            return Response(status_code=499)  # nginx's "client closed request": no one reads it
        except BodyTooLarge:
            return error_response(413, f"a request body is at most {MAX_BODY:,} bytes")
        except Busy:
            return error_response(503, "too many questions are waiting; try again in a second")
        except UnknownWordError as e:
            unknown = [{"word": w, "suggestions": s} for w, s in e.unknown]
            return error_response(404, e.message, unknown=unknown)
        except VecqError as e:
            # the library's words (min_rank=5, not --min-rank 5): a request's parameters are its arguments
            return error_response(STATUS.get(e.exit_code, 500), str(e))
        except Exception as e:  # a defect of vecq's: one line here and in the server's log, no traceback
            logger.error("vecq serve: %s %s failed: %s", request.method, request.url.path, defect(e))
            return error_response(500, f"vecq failed on this request ({defect(e)}); please report it")
        notes = {NOTES_HEADER: notes_header(answered.notes)} if answered.notes else None
        return Answer(
            [json_record(r, answered.columns, answered.info) for r in answered.records], headers=notes
        )

    return handle


def notes_header(notes: Sequence[str]) -> str:
    """``notes`` as the header's JSON (ASCII), each cut at NOTE_CHARACTERS, within NOTES_BYTES."""
    kept: list[str] = []
    size = 2  # []
    for i, note in enumerate(notes):
        if len(note) > NOTE_CHARACTERS:
            note = f"{note[:NOTE_CHARACTERS]}... ({len(note):,} characters)"
        size += len(json.dumps(note)) + 2
        if size > NOTES_BYTES - 60:  # room for the count
            kept.append(f"{counted(len(notes) - i, 'more note')} not shown")
            break
        kept.append(note)
    return json.dumps(kept)  # ensure_ascii: visible ASCII only (DEL and controls escaped), as a header takes


async def _batched(served: Served, query: Query, model: Model, item: list[str], key: tuple) -> Outcome:
    """One question answered with the others waiting for the same kind, model and options; dropped
    (never computed) when its client goes away while it waits."""
    answer = asyncio.ensure_future(served.batcher.answer((id(model), *key), query, model, item))
    gone = asyncio.ensure_future(_disconnected(served.receive.get()))
    try:
        await asyncio.wait({answer, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if not answer.done():
        answer.cancel()
        raise ClientGone
    outcome = answer.result()
    mark_built(model, [outcome])
    if outcome.error is not None:
        raise outcome.error
    return outcome


async def _all(model: Model, query: Query, items: list[list[str]]) -> list[Outcome]:
    """Several questions of one request in one chunk; the first error stops them, as the CLI's."""
    outcomes = await anyio.to_thread.run_sync(query.answer_chunk, model, items)
    mark_built(model, outcomes)
    for outcome in outcomes:
        if outcome.error is not None:
            raise outcome.error
    return outcomes


def _matches(model: Model, words: Sequence[str]) -> list[Match]:
    found = find_words(model, list(words))
    error = first_error(found)
    if error is not None:
        raise error
    return [m for m in found if isinstance(m, Match)]


def _said(query: Query, outcome: Outcome) -> list[str]:
    return outcome.said(query, in_arguments)


async def similar(served: Served, model: Model, p: dict) -> Records:
    words = p["words"]
    if len(words) < 2:
        raise BadRequest("give two words (words=cat&words=kitten), or more for every pair")
    if len(words) == 2:
        query = SimilarQuery()
        outcome = await _batched(served, query, model, words, ("similar",))
        return Records(columns_for(query, model), outcome.records, model.info, _said(query, outcome))

    def pairs() -> Records:
        matches = _matches(model, words)
        columns, records = answers.pair_records(model, words, matches)
        return Records(columns, records, model.info, respellings(matches))

    return await anyio.to_thread.run_sync(pairs)


async def analogy(served: Served, model: Model, p: dict) -> Records:
    if len(p["words"]) != 3:
        raise BadRequest("give three words A B C for A - B + C (words=king&words=man&words=woman)")
    skip = skipped_rows(p["min_rank"], p["restrict"])
    query = AnalogyQuery(p["top"], p["method"], p["restrict"], skip)
    key = ("analogy", p["top"], p["method"], p["restrict"], skip)
    outcome = await _batched(served, query, model, p["words"], key)
    return Records(columns_for(query, model), outcome.records, model.info, _said(query, outcome))


async def neighbors(served: Served, model: Model, p: dict) -> Records:
    if (p["query"] is None) == (p["vector"] is None):
        raise BadRequest("give query (a word or an expression) or vector (numbers), one of the two")
    skip = skipped_rows(p["min_rank"], p["restrict"])
    if p["vector"] is not None:
        query: NeighborsQuery = VectorNeighborsQuery(p["top"], p["restrict"], p["threshold"], skip=skip)
        item = query.parse(json.dumps(p["vector"]), model)
    else:
        if not p["query"].strip():
            raise BadRequest("give a word or an expression, e.g. query=cat")
        query = NeighborsQuery(p["top"], p["restrict"], p["threshold"], skip=skip)
        item = query.parse(p["query"], model)
    key = (type(query).__name__, p["top"], p["restrict"], p["threshold"], skip)
    outcome = await _batched(served, query, model, item, key)
    return Records(columns_for(query, model), outcome.records, model.info, _said(query, outcome))


async def vector(served: Served, model: Model, p: dict) -> Records:
    words = p["words"]
    if p["id"]:
        bad = [w for w in words if not w.isdigit()]
        if bad:
            raise BadRequest(f"with id, words are row numbers (0, 1, ...), not {bad[0][:40]!r}")
        words = [f"id:{w}" for w in words]
    query = VectorQuery("unit" if p["unit"] else "raw")
    outcomes = await _all(model, query, [[w] for w in words])
    records = [r for o in outcomes for r in o.records]
    return Records(
        columns_for(query, model), records, model.info, [n for o in outcomes for n in _said(query, o)]
    )


async def odd(served: Served, model: Model, p: dict) -> Records:
    if len(p["words"]) < 2:
        raise BadRequest("give two or more words; the answer is the one that does not belong")

    def ranked() -> Records:
        matches = _matches(model, p["words"])
        records, notes = answers.odd_records(model, matches)
        return Records(answers.ODD_COLUMNS, records, model.info, respellings(matches) + notes)

    return await anyio.to_thread.run_sync(ranked)


async def tokens(served: Served, model: Model, p: dict) -> Records:
    if not p["text"].strip():
        raise BadRequest("give some text, e.g. text=The cat sat")
    columns, records = await anyio.to_thread.run_sync(answers.token_records, model, p["text"], p["vectors"])
    note = answers.spaces_note(model, records)
    return Records(columns, records, model.info, [note] if note else [])


async def info(served: Served, model: Model, p: dict) -> Records:
    record = answers.info_record(model.info)
    return Records(tuple(record), [record], model.info)


async def models(served: Served, model: Model, p: dict) -> Records:
    """Each served model's info; each record names its own model (so no single ``model`` field)."""
    records = [{"served_as": name, **answers.info_record(m.info)} for name, m in served.models.items()]
    columns = list(dict.fromkeys(c for r in records for c in r))  # a token table's records have more
    return Records(columns, records, None)


async def plot(served: Served, model: Model, p: dict) -> Records:
    def placed() -> Records:
        matches = _matches(model, p["words"])
        found = points(model, matches, p["top"], p["projection"])
        return Records(PLACED_COLUMNS, placed_records(found), model.info, respellings(matches))

    return await anyio.to_thread.run_sync(placed)


ANSWERS: dict[str, Callable[[Served, Any, dict], Awaitable[Records]]] = {
    "similar": similar,
    "analogy": analogy,
    "neighbors": neighbors,
    "vector": vector,
    "odd": odd,
    "tokens": tokens,
    "info": info,
    "models": models,
    "plot": plot,
}
