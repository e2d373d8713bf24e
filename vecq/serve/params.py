"""What each route takes: names, types, bounds and defaults, read from a query string or a JSON body
alike, and described from the same table in the OpenAPI schema.

A value that is not what a parameter takes is a ``BadRequest`` naming the parameter and what it
takes: never a guess (a number given as text is read as a number, nothing else is converted).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

MAX_BODY = 1_000_000  # bytes of a request body
MAX_WORDS = 1_000  # words (or numbers of a vector) in one request
MAX_TOP = 10_000  # answers to one question
MAX_TEXT = 10_000  # characters of a text or expression


class BadRequest(Exception):
    """A request that cannot be answered as sent: an HTTP status and one line saying what to send."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "str", "int", "float", "bool", "words" (a list of strings), "numbers" (a list of floats)
    help: str
    default: Any = None
    required: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def schema(self) -> dict:
        """This parameter in JSON Schema, for the OpenAPI description."""
        kinds = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
        if self.kind in kinds:
            out: dict[str, Any] = {"type": kinds[self.kind]}
        else:
            item = "string" if self.kind == "words" else "number"
            out = {"type": "array", "items": {"type": item}, "maxItems": MAX_WORDS}
        if self.low is not None:
            out["minimum"] = self.low
        if self.high is not None:
            out["maximum"] = self.high
        if self.choices:
            out["enum"] = list(self.choices)
        if self.default is not None:
            out["default"] = self.default
        if self.kind == "str":
            out["maxLength"] = MAX_TEXT
        return out


@dataclass(frozen=True)
class Route:
    path: str
    summary: str
    params: tuple[Param, ...] = field(default_factory=tuple)


MODEL = Param("model", "str", "A served model's name (default: the first served).")
TOP = Param("top", "int", "How many answers.", 10, low=1, high=MAX_TOP)
RESTRICT = Param("restrict", "int", "Search only the first N words (the most frequent).", low=1)
MIN_RANK = Param("min_rank", "int", "Only words ranked R or rarer (1 the most frequent).", low=1)

ROUTES: dict[str, Route] = {
    "similar": Route(
        "/api/similar",
        "Cosine similarity of two words; of every pair of three or more (vecq similar).",
        (Param("words", "words", "Two or more words.", required=True), MODEL),
    ),
    "analogy": Route(
        "/api/analogy",
        "A - B + C: words=king, man, woman answers queen (vecq analogy).",
        (
            Param("words", "words", "Three words A B C.", required=True),
            Param("top", "int", "How many answers.", 1, low=1, high=MAX_TOP),
            Param("method", "str", "3CosAdd or 3CosMul.", "add", choices=("add", "cosmul")),
            RESTRICT,
            MIN_RANK,
            MODEL,
        ),
    ),
    "neighbors": Route(
        "/api/neighbors",
        "Nearest neighbours of a word, an expression ('king - man + woman') or a vector (vecq neighbors).",
        (
            Param("query", "str", "A word or an expression (or give vector)."),
            Param("vector", "numbers", "A vector of the model's dimensions (instead of query)."),
            TOP,
            RESTRICT,
            MIN_RANK,
            Param("threshold", "float", "Only answers at least this similar.", low=-1, high=1),
            MODEL,
        ),
    ),
    "vector": Route(
        "/api/vector",
        "The vector of each word, as the model stores it (vecq vector).",
        (
            Param("words", "words", "Words (or row numbers, with id).", required=True),
            Param("unit", "bool", "Unit-length vectors instead of the stored ones.", False),
            Param("id", "bool", "The words are row numbers (a token's id).", False),
            MODEL,
        ),
    ),
    "odd": Route(
        "/api/odd",
        "The word that does not belong, first (vecq odd).",
        (Param("words", "words", "Two or more words.", required=True), MODEL),
    ),
    "tokens": Route(
        "/api/tokens",
        "Text -> tokens -> token ids, the rows of the embedding matrix (vecq tokens).",
        (
            Param("text", "str", "Some text.", required=True),
            Param("vectors", "bool", "Also each token's row.", False),
            MODEL,
        ),
    ),
    "info": Route("/api/info", "The model: name, source, vocabulary, dimensions (vecq info).", (MODEL,)),
    "models": Route("/api/models", "The models this server answers from, as vecq info describes each."),
    "plot": Route(
        "/api/plot",
        "Words and their nearest neighbours placed in 2-D as vecq plot places them (the explorer's picture).",
        (
            Param("words", "words", "Two or more words (one, with top).", required=True),
            Param("top", "int", "Also each word's N nearest neighbours.", 0, low=0, high=50),
            Param(
                "projection",
                "str",
                "pca (the words' principal axes, as vecq plot), tsne (scikit-learn's t-SNE) or umap "
                "(umap-learn's UMAP), both seeded.",
                "pca",
                choices=("pca", "tsne", "umap"),
            ),
            MODEL,
        ),
    ),
}


def read_request(query_string: bytes, body: bytes, content_type: str) -> dict[str, list[Any]]:
    """Every value sent, by name: from the query string and, for a JSON body, from its object."""
    try:
        pairs = parse_qsl(query_string.decode("ascii"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as e:
        raise BadRequest(f"the query string is not UTF-8 after %-decoding ({e}); send UTF-8") from None
    sent: dict[str, list[Any]] = {}
    for name, value in pairs:
        sent.setdefault(name, []).append(value)
    if not body:
        return sent
    if not content_type.startswith("application/json"):
        raise BadRequest("a request body is JSON: send Content-Type: application/json", 415)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:
        raise BadRequest(f"the body is not JSON ({e}); send a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequest('the body is JSON but not an object; send {"name": value, ...}')
    for name, value in data.items():
        sent.setdefault(name, []).extend(value if isinstance(value, list) else [value])
    return sent


def parse(route: Route, sent: Mapping[str, list[Any]]) -> dict[str, Any]:
    """The route's parameters from what was sent, checked; an unknown name is refused."""
    known = {p.name for p in route.params}
    unknown = sorted(set(sent) - known - {"token"})
    if unknown:
        takes = ", ".join(sorted(known)) or "no parameters"
        raise BadRequest(f"{route.path} takes {takes}; not {', '.join(unknown)}")
    out = {}
    for p in route.params:
        values = sent.get(p.name)
        if not values:
            if p.required:
                raise BadRequest(f"{route.path} needs {p.name}: {p.help}")
            out[p.name] = p.default
            continue
        out[p.name] = _value(p, values)
    return out


def _value(p: Param, values: list[Any]) -> Any:
    if p.kind in ("words", "numbers"):
        if len(values) > MAX_WORDS:
            raise BadRequest(f"{p.name}: {len(values):,} values; at most {MAX_WORDS:,} in one request", 413)
        return [_one(p, v, "str" if p.kind == "words" else "float") for v in values]
    if len(values) > 1:
        raise BadRequest(f"{p.name} was given {len(values)} times; give it once")
    return _one(p, values[0], p.kind)


def _one(p: Param, value: Any, kind: str) -> Any:
    if kind == "str":
        if not isinstance(value, str):
            raise BadRequest(f"{p.name} is text, not {json.dumps(value)[:40]}")
        if len(value) > MAX_TEXT:
            raise BadRequest(f"{p.name}: {len(value):,} characters; at most {MAX_TEXT:,}", 413)
        if "\x00" in value:
            raise BadRequest(f"{p.name} holds a NUL character; no word or text does")
        if not value.isascii() and _surrogate(value):
            raise BadRequest(
                f"{p.name} holds a lone surrogate ({_surrogate(value)}), which is not text: JSON's "
                "\\uD800-\\uDFFF escapes come in pairs; send the text as UTF-8"
            )
        if p.choices and value not in p.choices:
            raise BadRequest(f"{p.name} is one of {', '.join(p.choices)}, not {value[:40]!r}")
        return value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "1", "yes", "false", "0", "no", ""):
            return value in ("true", "1", "yes", "")  # ?unit alone means true, as a flag
        raise BadRequest(f"{p.name} is true or false, not {str(value)[:40]!r}")
    number = _number(p, value, kind)
    if (p.low is not None and number < p.low) or (p.high is not None and number > p.high):
        bounds = f"from {p.low:g}" + (f" to {p.high:g}" if p.high is not None else " up")
        raise BadRequest(f"{p.name} is a number {bounds}, not {number!r}")
    return number


def _surrogate(value: str) -> str | None:
    """The first lone surrogate of ``value`` as JSON escapes it (``\\ud800``), or None: JSON's
    ``\\uD800`` alone decodes to one (a pair decodes to its character), and no UTF-8 text holds it."""
    found = re.search("[\ud800-\udfff]", value)
    return f"\\u{ord(found.group()):04x}" if found else None


def _number(p: Param, value: Any, kind: str) -> int | float:
    wanted = "a whole number" if kind == "int" else "a number"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BadRequest(f"{p.name} is {wanted}, not {json.dumps(value)[:40]}")
    try:
        number = int(value) if kind == "int" and not isinstance(value, float) else float(value)
    except ValueError:
        raise BadRequest(f"{p.name} is {wanted}, not {str(value)[:40]!r}") from None
    if kind == "int" and isinstance(number, float):
        raise BadRequest(f"{p.name} is {wanted}, not {value}")
    if isinstance(number, float) and not math.isfinite(number):
        raise BadRequest(f"{p.name} is a finite number, not {value}")
    return number


# The header carrying what the CLI says on stderr beside the same records (a respelling, a text cut
# at the model's max_length, why there is no answer): a JSON array of strings, ASCII; absent when
# there is nothing to say.
NOTES_HEADER = "Vecq-Notes"
# At most this many bytes of it, under every common client's limit on a header (Node's 16 KB for
# all of them, Python's http.client 64 KB a line): a note is cut at NOTE_CHARACTERS, and notes past
# the limit are counted in a last one.
NOTES_BYTES = 8_000
NOTE_CHARACTERS = 300


def openapi(version: str) -> dict:
    """The OpenAPI 3.1 description of the JSON routes, from ``ROUTES``."""
    paths = {}
    for name, route in ROUTES.items():
        params = [
            {
                "name": p.name,
                "in": "query",
                "required": p.required,
                "description": p.help,
                "schema": p.schema(),
            }
            for p in route.params
        ]
        body = {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {p.name: p.schema() for p in route.params},
                        "additionalProperties": False,
                    }
                }
            }
        }
        answers = {
            "200": {
                "description": "The records `vecq " + name + " -f json` prints (a JSON array).",
                "headers": {
                    NOTES_HEADER: {
                        "description": "What the CLI says on stderr beside the same records (a word "
                        "read under another spelling, a text cut at the model's max_length, why there "
                        f"is no answer): a JSON array of strings, at most {NOTES_BYTES:,} bytes (notes "
                        "past that are counted in a last one); absent when there is nothing to say.",
                        "schema": {"type": "string"},
                    }
                },
            },
            "400": {"description": 'A bad request: {"error": one line, "status": 400}.'},
            "404": {"description": "A word not in the vocabulary (with suggestions), or a model not served."},
            "503": {"description": "Too many requests waiting: try again after Retry-After seconds."},
        }
        operation = {
            "summary": route.summary,
            "operationId": name,
            "parameters": params,
            "responses": answers,
        }
        paths[route.path] = {
            "get": operation,
            "post": {**operation, "operationId": f"{name}_post", "requestBody": body},
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "vecq serve", "version": version, "description": "vecq's answers over HTTP."},
        "paths": paths,
    }
