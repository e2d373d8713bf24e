"""vecq serve: the CLI's records over HTTP (the CLI's -f json as the oracle), word2vec-api's routes
(gensim as the oracle), bad requests, the guard, batching, and the server as a process."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import GLOVE
from conftest import glove_invoke as invoke
from starlette.testclient import TestClient

from vecq.serve.app import make_app
from vecq.serve.batcher import Batcher
from vecq.serve.params import MAX_BODY, MAX_WORDS, NOTE_CHARACTERS, NOTES_BYTES, ROUTES
from vecq.serve.routes import notes_header

BASE = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def app(glove):
    return make_app({GLOVE: glove}, port=8765)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, base_url=BASE) as c:
        yield c


def cli_json(args: list[str]) -> list[dict]:
    result = invoke([*args, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# (route, parameters, the same question at the shell)
SAME_AS_THE_CLI = [
    ("similar", {"words": ["cat", "kitten"]}, ["similar", "cat", "kitten"]),
    ("similar", {"words": ["cat", "kitten", "dog", "car"]}, ["similar", "cat", "kitten", "dog", "car"]),
    (
        "analogy",
        {"words": ["king", "man", "woman"], "top": 3},
        ["analogy", "king", "man", "woman", "-n", "3"],
    ),
    (
        "analogy",
        {"words": ["paris", "france", "italy"], "method": "cosmul"},
        ["analogy", "paris", "france", "italy", "--method", "cosmul"],
    ),
    ("neighbors", {"query": "cat", "top": 5}, ["neighbors", "cat", "-n", "5"]),
    ("neighbors", {"query": "king - man + woman"}, ["neighbors", "king - man + woman"]),
    (
        "neighbors",
        {"query": "cat", "restrict": 1000, "threshold": 0.7},
        ["neighbors", "cat", "--restrict", "1000", "--threshold", "0.7"],
    ),
    (
        "neighbors",
        {"query": "cat", "min_rank": 3000, "restrict": 90000},
        ["neighbors", "cat", "--min-rank", "3000", "--max-rank", "90000"],
    ),
    (
        "analogy",
        {"words": ["king", "man", "woman"], "top": 3, "min_rank": 5000},
        ["analogy", "king", "man", "woman", "-n", "3", "--min-rank", "5000"],
    ),
    ("vector", {"words": ["cat", "dog"]}, ["vector", "cat", "dog"]),
    ("vector", {"words": ["cat"], "unit": True}, ["vector", "cat", "--unit"]),
    ("vector", {"words": ["5450"], "id": True}, ["vector", "--id", "5450"]),
    (
        "odd",
        {"words": ["breakfast", "lunch", "dinner", "car"]},
        ["odd", "breakfast", "lunch", "dinner", "car"],
    ),
    ("tokens", {"text": "The cat sat qqzzyx"}, ["tokens", "The", "cat", "sat", "qqzzyx"]),
    ("tokens", {"text": "The cat", "vectors": True}, ["tokens", "The", "cat", "--vectors"]),
    ("info", {}, ["info"]),
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("route", "params", "args"), SAME_AS_THE_CLI, ids=[" ".join(c[2]) for c in SAME_AS_THE_CLI]
)
def test_a_route_answers_the_records_the_cli_prints(client, route, params, args, method):
    """The same fields in the same order, the same numbers to the bit (the JSON text of each float)."""
    if method == "GET":
        response = client.get(f"/api/{route}", params={k: _text(v) for k, v in params.items()})
    else:
        response = client.post(f"/api/{route}", json=params)
    assert response.status_code == 200, response.text
    expected = cli_json(args)
    assert response.json() == expected
    assert [list(r) for r in response.json()] == [list(r) for r in expected]  # field order


# (route, parameters, the same question at the shell): each says something on the CLI's stderr
SAID_BESIDE_THE_RECORDS = [
    ("similar", {"words": ["Cat", "kitten"]}, ["similar", "Cat", "kitten"]),
    ("similar", {"words": ["Cat", "Kitten", "dog"]}, ["similar", "Cat", "Kitten", "dog"]),
    ("analogy", {"words": ["King", "man", "Woman"]}, ["analogy", "King", "man", "Woman"]),
    ("neighbors", {"query": "Cat", "top": 3}, ["neighbors", "Cat", "-n", "3"]),
    ("neighbors", {"query": "Paris - France + Italy"}, ["neighbors", "Paris - France + Italy"]),
    ("vector", {"words": ["Cat", "DOG"]}, ["vector", "Cat", "DOG"]),
    (
        "odd",
        {"words": ["Breakfast", "lunch", "dinner", "car"]},
        ["odd", "Breakfast", "lunch", "dinner", "car"],
    ),
    ("plot", {"words": ["Cat", "dog"]}, ["plot", "Cat", "dog", "-o", "-"]),
    ("odd", {"words": ["Cat", "dog"]}, ["odd", "Cat", "dog"]),  # two words: a tie, said after the respelling
    ("tokens", {"text": "the cat sat, purring."}, ["tokens", "the cat sat, purring."]),
]


@pytest.mark.parametrize(
    ("route", "params", "args"),
    SAID_BESIDE_THE_RECORDS,
    ids=[" ".join(c[2]) for c in SAID_BESIDE_THE_RECORDS],
)
def test_what_the_cli_says_on_stderr_a_route_says_in_its_notes_header(client, route, params, args):
    """A program over HTTP learns that 'Cat' was read as 'cat', as a person at the shell does."""
    response = client.post(f"/api/{route}", json=params)
    assert response.status_code == 200, response.text
    result = invoke(args)
    assert result.exit_code == 0, result.stderr
    said = [line.removeprefix("vecq: ") for line in result.stderr.splitlines()]
    said = [line for line in said if line != "wrote the picture to standard output"]  # plot's file
    assert said, args  # each case says something
    assert json.loads(response.headers["Vecq-Notes"]) == said
    assert response.headers["Vecq-Notes"].isascii()


def test_a_question_without_answer_says_why_in_the_librarys_words(client):
    response = client.get("/api/neighbors", params={"query": "cat", "threshold": "0.99"})
    assert response.status_code == 200 and response.json() == []
    result = invoke(["neighbors", "cat", "--threshold", "0.99"])
    assert result.stderr == "vecq: no answer: no neighbour scores at least --threshold 0.99\n"
    assert json.loads(response.headers["Vecq-Notes"]) == [
        "no answer: no neighbour scores at least threshold=0.99"
    ]


def test_a_route_has_a_notes_header_when_the_cli_says_something_only(client):
    for route, params, args in SAME_AS_THE_CLI:
        response = client.post(f"/api/{route}", json=params)
        said = invoke(args).stderr
        assert response.status_code == 200 and ("Vecq-Notes" in response.headers) == bool(said), args
        assert len(json.loads(response.headers.get("Vecq-Notes", "[]"))) == len(said.splitlines())


def test_a_note_about_a_word_outside_ascii_reaches_the_client_whole(client):
    response = client.get("/api/neighbors", params={"query": "Café", "top": 1})
    assert response.status_code == 200, response.text
    assert json.loads(response.headers["Vecq-Notes"]) == ["using 'café' for 'Café'"]


def test_many_notes_stay_within_the_headers_bound_and_the_rest_are_counted(client, glove):
    """1,000 respelled words: the header stays under what clients take (Node: 16 KB for all), its
    notes are the CLI's first ones, and the last note counts the rest."""
    asked = []
    for row in range(5000):
        word = glove.vocab.word(row)
        if word.isalpha() and word.islower() and glove.vocab.index(word.capitalize()) is None:
            asked.append(word.capitalize())
    asked = asked[:MAX_WORDS]
    response = client.post("/api/vector", json={"words": asked})
    assert response.status_code == 200 and len(response.json()) == len(asked)
    header = response.headers["Vecq-Notes"]
    assert len(header.encode()) <= NOTES_BYTES
    *notes, rest = json.loads(header)
    assert notes == [f"using {w.lower()!r} for {w!r}" for w in asked[: len(notes)]]
    assert rest == f"{len(asked) - len(notes):,} more notes not shown"


def test_a_note_holding_del_or_any_character_is_a_header_any_client_takes():
    header = notes_header(["a\x7fb", "\x00\n\r\t\u2028é😀"])
    assert all(0x20 <= ord(c) < 0x7F for c in header)  # visible ASCII: RFC 9110's field-vchar
    assert json.loads(header) == ["a\x7fb", "\x00\n\r\t\u2028é😀"]


def test_a_long_note_is_cut_and_says_its_length():
    (note,) = json.loads(notes_header(["é" * 5000]))
    assert note == "é" * NOTE_CHARACTERS + "... (5,000 characters)"
    assert len(notes_header(["é" * 5000])) < NOTES_BYTES
    many = json.loads(notes_header(["x" * 290] * 30))
    assert many[-1] == f"{31 - len(many)} more notes not shown" and len(json.dumps(many)) <= NOTES_BYTES
    last = json.loads(notes_header(["x" * 290] * (len(many) - 1 + 1)))
    assert last[-1] == "1 more note not shown"


def _text(value):
    if isinstance(value, list):
        return value
    return str(value).lower() if isinstance(value, bool) else str(value)


def test_neighbours_of_a_vector_as_the_cli(client, glove):
    vector = [float(v) for v in glove.raw_vector(glove.vocab.index("cat"))]
    response = client.post("/api/neighbors", json={"vector": vector, "top": 4})
    assert response.status_code == 200, response.text
    assert response.json() == cli_json(["neighbors", "--vector", json.dumps(vector), "-n", "4"])
    assert response.json()[0]["word"] == "cat"


def test_an_unknown_word_is_the_clis_line_with_its_suggestions(client):
    response = client.get("/api/similar", params={"words": ["cat", "kiten"]})
    assert response.status_code == 404
    body = response.json()
    result = invoke(["similar", "cat", "kiten"])
    assert result.exit_code == 3
    assert result.stderr.strip() == f"vecq: error: {body['error']}"
    assert body["unknown"] == [{"word": "kiten", "suggestions": body["unknown"][0]["suggestions"]}]
    assert "kitten" in body["unknown"][0]["suggestions"]


def test_models_lists_the_served_models_and_a_model_not_served_is_refused(client):
    (served,) = client.get("/api/models").json()
    assert served["served_as"] == GLOVE and served["shape"] == [400_000, 50]
    response = client.get("/api/info", params={"model": "/etc/passwd"})
    assert response.status_code == 404 and "not served here" in response.json()["error"]


BAD_REQUESTS = [
    (
        "malformed JSON",
        "post",
        "/api/neighbors",
        {"content": b'{"query": ', "headers": {"content-type": "application/json"}},
        400,
    ),
    ("a JSON list", "post", "/api/neighbors", {"json": ["cat"]}, 400),
    (
        "a body that is not JSON",
        "post",
        "/api/neighbors",
        {"content": b"query=cat", "headers": {"content-type": "text/plain"}},
        415,
    ),
    ("a number for a word", "post", "/api/similar", {"json": {"words": ["cat", 5]}}, 400),
    ("a word for a number", "get", "/api/neighbors", {"params": {"query": "cat", "top": "ten"}}, 400),
    ("a fraction for a count", "get", "/api/neighbors", {"params": {"query": "cat", "top": "2.5"}}, 400),
    ("top of 10^12", "get", "/api/neighbors", {"params": {"query": "cat", "top": str(10**12)}}, 400),
    ("a threshold of NaN", "get", "/api/neighbors", {"params": {"query": "cat", "threshold": "nan"}}, 400),
    (
        "a 10 MB body",
        "post",
        "/api/similar",
        {
            "content": b'{"words": ["' + b"a" * 10_000_000 + b'"]}',
            "headers": {"content-type": "application/json"},
        },
        413,
    ),
    ("100,000 words", "post", "/api/similar", {"json": {"words": ["cat"] * 100_000}}, 413),
    ("a NUL byte", "get", "/api/neighbors", {"params": {"query": "c\x00t"}}, 400),
    ("invalid UTF-8", "get", "/api/neighbors?query=%ff%fe", {}, 400),
    (
        "a lone surrogate in a word (JSON's escape)",
        "post",
        "/api/neighbors",
        {"content": b'{"query": "cat\\ud800"}', "headers": {"content-type": "application/json"}},
        400,
    ),
    (
        "a lone surrogate among words",
        "post",
        "/api/similar",
        {"content": b'{"words": ["cat", "\\udcff"]}', "headers": {"content-type": "application/json"}},
        400,
    ),
    (
        "a lone surrogate in a parameter's name",
        "post",
        "/api/similar",
        {"content": b'{"w\\udcffords": ["cat"]}', "headers": {"content-type": "application/json"}},
        400,
    ),
    (
        "an unknown parameter",
        "get",
        "/api/neighbors",
        {"params": {"query": "cat", "file": "/etc/passwd"}},
        400,
    ),
    ("both query and vector", "post", "/api/neighbors", {"json": {"query": "cat", "vector": [0.1]}}, 400),
    ("a vector of the wrong size", "post", "/api/neighbors", {"json": {"vector": [0.1, 0.2]}}, 400),
    ("one word to compare", "get", "/api/similar", {"params": {"words": "cat"}}, 400),
    ("a missing parameter", "get", "/api/odd", {}, 400),
    (
        "a method that is not one",
        "get",
        "/api/analogy",
        {"params": {"words": ["a", "b", "c"], "method": "rm -rf"}},
        400,
    ),
    ("an expression that cancels out", "get", "/api/neighbors", {"params": {"query": "cat - cat"}}, 400),
    (
        "an empty band",
        "get",
        "/api/neighbors",
        {"params": {"query": "cat", "min_rank": 5, "restrict": 2}},
        400,
    ),
    ("one word to plot", "get", "/api/plot", {"params": {"words": "cat"}}, 400),
    ("a route that does not exist", "get", "/api/../../etc/passwd", {}, 404),
    ("a method not answered", "delete", "/api/info", {}, 405),
]


def test_an_error_names_the_requests_parameters_as_sent(client):
    """The engine's one message, in the library's words: ``top=K``, ``min_rank=5``, not ``-n K``."""
    plot = client.get("/api/plot", params={"words": "cat"}).json()["error"]
    band = client.get("/api/neighbors", params={"query": "cat", "min_rank": 5, "restrict": 3}).json()["error"]
    assert "(or top=K, their neighbours)" in plot and band.startswith("min_rank=5 is past restrict=3")


@pytest.mark.parametrize(
    ("what", "method", "path", "kwargs", "status"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS]
)
def test_a_bad_request_is_a_4xx_with_one_line_and_the_server_answers_on(
    client, what, method, path, kwargs, status
):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert message and "\n" not in message and "Traceback" not in message
    # a request's parameters are named as it sends them (min_rank=5), never as the CLI's flags
    assert not re.search(r"(?<![\w-])--[a-z]", message), message
    assert client.get("/api/similar", params={"words": ["cat", "dog"]}).status_code == 200


@pytest.mark.parametrize(
    ("path", "takes"),
    [
        ("/api/neighbors", "GET, or POST with a JSON body"),
        ("/word2vec/similarity", "GET with query parameters"),
    ],
)
def test_a_method_not_answered_names_what_the_path_takes(client, path, takes):
    """word2vec-api's routes take GET only, as that server's do; vecq's own take POST too."""
    response = client.request("PUT" if "api" in path else "POST", path)
    assert response.status_code == 405
    assert response.json()["error"].endswith(f"; it takes {takes}")
    assert ("POST" in response.headers["allow"]) == ("POST" in takes)


def test_the_openapi_description_lists_every_route_and_parameter(client):
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for route in ROUTES.values():
        operation = schema["paths"][route.path]["get"]
        assert [p["name"] for p in operation["parameters"]] == [p.name for p in route.params]
        assert "requestBody" in schema["paths"][route.path]["post"]


# -- the guard --------------------------------------------------------------------------------------


def test_a_request_for_another_host_name_is_refused(client):
    """DNS rebinding: a page elsewhere whose name points at 127.0.0.1 sends its own name as Host."""
    response = client.get("/api/info", headers={"host": "attacker.example:8765"})
    assert response.status_code == 421
    assert client.get("/api/info", headers={"host": "localhost:8765"}).status_code == 200


def test_a_request_from_another_origin_is_refused_unless_allowed(glove):
    with TestClient(
        make_app({GLOVE: glove}, port=8765, cors=("https://notebook.example",)), base_url=BASE
    ) as c:
        refused = c.get("/api/info", headers={"origin": "https://attacker.example"})
        assert refused.status_code == 403 and "--cors" in refused.json()["error"]
        allowed = c.get("/api/info", headers={"origin": "https://notebook.example"})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://notebook.example"
        noted = c.get(
            "/api/neighbors", params={"query": "Cat"}, headers={"origin": "https://notebook.example"}
        )
        assert (
            noted.headers["access-control-expose-headers"] == "Vecq-Notes" and "Vecq-Notes" in noted.headers
        )
        preflight = c.options("/api/info", headers={"origin": "https://notebook.example"})
        assert preflight.status_code == 204 and "GET" in preflight.headers["access-control-allow-methods"]
        assert c.get("/api/info", headers={"origin": BASE}).status_code == 200  # the page's own


def test_a_token_is_needed_for_every_answer_but_the_page_itself(glove):
    with TestClient(make_app({GLOVE: glove}, port=8765, token="s3cret"), base_url=BASE) as c:
        assert c.get("/api/info").status_code == 401
        assert c.get("/api/info", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/info", headers={"authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/api/info", params={"token": "s3cret"}).status_code == 200
        assert c.get("/").status_code == 200 and c.get("/explorer.js").status_code == 200


# -- word2vec-api -----------------------------------------------------------------------------------


def test_word2vec_api_routes_answer_as_that_server_with_gensim(client, kv):
    """Each route computes what word2vec-api's does with gensim's KeyedVectors (the oracle)."""
    similarity = client.get("/word2vec/similarity", params={"w1": "cat", "w2": "dog"}).json()
    assert similarity == pytest.approx(kv.similarity("cat", "dog").item(), abs=1e-6)
    n = client.get(
        "/word2vec/n_similarity",
        params={"ws1": ["sushi", "shop", "qqzzyx"], "ws2": ["japanese", "restaurant"]},
    ).json()
    assert n == pytest.approx(kv.n_similarity(["sushi", "shop"], ["japanese", "restaurant"]).item(), abs=1e-6)
    query = {"positive": ["king", "woman"], "negative": ["man"], "topn": "3"}
    ours = client.get("/word2vec/most_similar", params=query).json()
    theirs = kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=3)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], abs=1e-6)
    raw = base64.b64decode(client.get("/word2vec/model", params={"word": "cat"}).json())
    assert raw == kv["cat"].astype(np.float32).tobytes()  # the file's floats, bit for bit
    words = pickle.loads(base64.b64decode(client.get("/word2vec/model_word_set").json()))
    assert words == set(kv.index_to_key)


def test_word2vec_api_errors(client):
    missing = client.get("/word2vec/similarity", params={"w1": "cat"})
    assert missing.status_code == 400 and missing.json() == {"message": {"w2": "Word 2 cannot be blank!"}}
    unknown = client.get("/word2vec/similarity", params={"w1": "cat", "w2": "kiten"})
    assert unknown.status_code == 404 and "kitten" in unknown.json()["message"]


def test_word2vec_api_routes_find_keys_as_that_servers_gensim_does(client, kv, recwarn):
    """A word gensim does not hold as written (it holds 'cat', not 'Cat') is unknown on every one of
    these routes, as that server's filter and its gensim treat it: never answered for 'cat'."""
    with pytest.raises(KeyError):
        kv["Cat"]
    for route, params in [("similarity", {"w1": "Cat", "w2": "dog"}), ("model", {"word": "Cat"})]:
        response = client.get(f"/word2vec/{route}", params=params)
        assert response.status_code == 404 and "did you mean: cat" in response.json()["message"], route
    filtered = client.get("/word2vec/n_similarity", params={"ws1": ["Cat", "dog"], "ws2": ["puppy"]})
    assert filtered.json() == pytest.approx(kv.n_similarity(["dog"], ["puppy"]).item(), abs=1e-6)
    assert not [w for w in recwarn if "for 'Cat'" in str(w.message)]  # nothing respelled, even aside


# -- batching ---------------------------------------------------------------------------------------


def test_requests_that_arrive_together_are_answered_together_with_the_same_answers(app, client):
    import httpx

    words = ["cat", "dog", "king", "queen", "car", "river", "music", "paris"] * 8
    singles = {w: client.get("/api/neighbors", params={"query": w, "top": 5}).json() for w in set(words)}
    served = app.app.state.served
    before = served.batcher.batches

    async def together() -> list:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
            return await asyncio.gather(
                *(c.get("/api/neighbors", params={"query": w, "top": 5}) for w in words)
            )

    responses = asyncio.run(together())
    assert all(r.status_code == 200 for r in responses)
    assert [r.json() for r in responses] == [singles[w] for w in words]
    assert served.batcher.batches - before < len(words) / 4  # gathered into a few products


def test_two_groups_of_clients_merge_into_one_batch():
    # 10 clients, then 6 more arriving while the first 10's batch runs: each client asks again as
    # soon as it is answered. Were the waiting 6 answered at once after the 10, the two groups
    # would alternate for ever, two products a round; gathered before each batch, they merge.
    sizes: list[int] = []

    class SlowQuery:
        def answer_chunk(self, model, items):
            sizes.append(len(items))
            time.sleep(0.05)
            return list(items)

    async def run() -> None:
        batcher = Batcher()

        async def client(delay: float) -> None:
            await asyncio.sleep(delay)
            for round_ in range(8):
                assert await batcher.answer("k", SlowQuery(), None, [str(round_)]) == [str(round_)]
                await asyncio.sleep(0.001)  # the answer's trip back, and the next question's

        await asyncio.wait_for(
            asyncio.gather(*(client(0.0) for _ in range(10)), *(client(0.02) for _ in range(6))), 30
        )
        await batcher.close()

    asyncio.run(run())
    assert sum(sizes) == 16 * 8
    # merged: [10, 16 x 7, 6] (the late 6 finish a batch later); alternating would be 16 batches
    assert len(sizes) <= 10 and sizes.count(16) >= 5, sizes


def test_a_full_queue_answers_503_with_retry_after(app):
    import httpx

    served = app.app.state.served
    kept = served.batcher
    served.batcher = Batcher(window=0.2, max_waiting=3)

    async def many() -> list:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
            return await asyncio.gather(*(c.get("/api/neighbors", params={"query": "cat"}) for _ in range(8)))

    try:
        statuses = [r.status_code for r in asyncio.run(many())]
    finally:
        served.batcher = kept
    assert statuses.count(200) == 3 and statuses.count(503) == 5


# -- the process ------------------------------------------------------------------------------------


def start_server(
    *args: str, env: dict | None = None, models: tuple[str, ...] = (GLOVE,)
) -> tuple[subprocess.Popen, str]:
    """``vecq serve`` of ``models`` on a free port; its process and the address it printed."""
    chosen = [a for m in models for a in ("-m", m)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "vecq", *chosen, "serve", "--port", "0", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if " at http://" in line:
            return proc, line.split(" at ", 1)[1].split(" ")[0]
        if not line and proc.poll() is not None:
            raise AssertionError(f"vecq serve stopped: {proc.returncode}")
    proc.kill()
    raise AssertionError("vecq serve did not say where it listens within 60 s")


def test_the_server_answers_over_tcp_and_stops_on_sigterm_after_the_requests_in_flight(glove):
    proc, url = start_server()
    try:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "api/analogy?words=king&words=man&words=woman", timeout=30) as r:
            assert json.load(r)[0]["answer"] == "queen"
        with urllib.request.urlopen(url, timeout=30) as r:
            assert b"vecq explorer" in r.read()
        # a request in flight when SIGTERM comes is answered, then the server leaves with 0
        request = urllib.request.Request(url + "api/neighbors?query=cat&top=10000")
        with urllib.request.urlopen(request, timeout=30) as r:
            proc.send_signal(signal.SIGTERM)
            assert len(json.load(r)) == 10000
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def closed_within(sock, seconds: float) -> bool:
    """Does the server close ``sock`` within ``seconds`` (whatever it sent before)?"""
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]])
def test_a_request_that_does_not_arrive_within_the_deadline_is_closed(glove, workers):
    """uvicorn timed nothing while a request was being sent: a connection that sent nothing, half
    a request head or half a body was held for ever (a descriptor each, and a task for a body).
    Each is closed at the deadline; a request that arrived is answered however long it takes."""
    import socket

    proc, url = start_server(*workers, env={"VECQ_SERVE_REQUEST_SECONDS": "1"})
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    head = f"Host: {host}:{port}\r\n"
    try:
        sending = {
            "nothing": b"",
            "half a head": f"GET /api/info HTTP/1.1\r\n{head}".encode(),
            "half a body": (
                f"POST /api/neighbors HTTP/1.1\r\n{head}Content-Type: application/json\r\n"
                'Content-Length: 40\r\n\r\n{"query": '
            ).encode(),
        }
        held = {}
        for what, data in sending.items():
            held[what] = socket.create_connection((host, int(port)), timeout=5)
            held[what].sendall(data)
        for what, sock in held.items():
            assert closed_within(sock, 10), what
            sock.close()
        # a request whose answer takes longer than the deadline is answered whole
        asked = ["cat", "dog", "car", "king", "paris", "red", "run", "tree"]
        words = "&".join(f"words={w}" for w in asked)
        start = time.monotonic()
        with urllib.request.urlopen(url + f"api/plot?{words}&top=50&projection=tsne", timeout=120) as r:
            assert {p["word"] for p in json.load(r) if p["asked"]} == set(asked)
        assert time.monotonic() - start > 1
        # a client that asks for a long answer and reads nothing: its connection is cut at the
        # deadline (it held the answer and its task for ever), so reading later finds it short
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect((host, int(port)))
            with urllib.request.urlopen(url + "api/neighbors?query=the&top=400", timeout=30) as r:
                asked = urllib.parse.urlencode([("words", n["word"]) for n in json.load(r)])
            sock.sendall(f"GET /api/similar?{asked} HTTP/1.1\r\n{head}\r\n".encode())
            time.sleep(4)
            got = b""
            sock.settimeout(10)
            try:
                while chunk := sock.recv(65536):
                    got += chunk
            except (ConnectionResetError, TimeoutError):
                pass
            head_part, _, body = got.partition(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head_part, re.IGNORECASE).group(1))
            assert b"200 OK" in head_part and len(body) < length
        # after an answer on a kept-alive connection, half of the next request is closed too
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(f"GET /api/info HTTP/1.1\r\n{head}\r\n".encode())
            assert b"200 OK" in sock.recv(65536)
            sock.sendall(f"GET /api/info HTTP/1.1\r\n{head}".encode())
            assert closed_within(sock, 10)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def worker_pids(parent: int) -> list[int]:
    """The uvicorn workers among a process's children (multiprocessing's spawned processes, not
    its resource tracker)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    found = []
    for c in children:
        try:
            if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes():
                found.append(int(c))
        except OSError:  # gone since the listing
            pass
    return found


def wait_for(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_workers_share_the_port_answer_alike_are_replaced_and_stop_together(glove):
    from concurrent.futures import ThreadPoolExecutor

    proc, url = start_server("--workers", "2")
    try:
        assert wait_for(lambda: len(worker_pids(proc.pid)) == 2, 30)
        expected = cli_json(["neighbors", "cat", "-n", "5"])

        def ask(_: int) -> list:
            with urllib.request.urlopen(url + "api/neighbors?query=cat&top=5", timeout=30) as r:
                return json.load(r)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, range(40)))
        assert all(a == expected for a in answers)
        first = worker_pids(proc.pid)
        os.kill(first[0], signal.SIGKILL)  # a worker dies: the supervisor starts another
        assert wait_for(lambda: len(worker_pids(proc.pid)) == 2 and first[0] not in worker_pids(proc.pid), 30)
        assert ask(0) == expected
        workers = worker_pids(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert not any(Path(f"/proc/{w}").exists() for w in workers)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_off_loopback_a_token_is_needed_or_refused_explicitly(glove):
    result = invoke(["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2 and "--token" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_body_sent_in_chunks_past_the_limit_is_refused(client):
    def chunks():
        for _ in range(MAX_BODY // 65536 + 2):
            yield b" " * 65536

    response = client.post("/api/info", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_client_gone_before_its_answer_costs_no_product(app):
    """A question whose client disconnects while it waits is dropped before its batch is computed."""
    served = app.app.state.served
    before = served.batcher.batches
    sent: list[dict] = []

    async def gone_at_once() -> None:
        messages = iter([{"type": "http.request", "body": b"", "more_body": False}])

        async def receive() -> dict:
            return next(messages, {"type": "http.disconnect"})

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/api/neighbors",
            "raw_path": b"/api/neighbors",
            "query_string": b"query=cat",
            "headers": [(b"host", b"127.0.0.1:8765")],
            "scheme": "http",
            "server": ("127.0.0.1", 8765),
            "client": ("127.0.0.1", 50000),
            "root_path": "",
            "http_version": "1.1",
        }
        await asyncio.wait_for(app(scope, receive, send), timeout=30)
        await asyncio.sleep(0.1)  # the batcher's window passes: nothing is left to compute

    asyncio.run(gone_at_once())
    assert served.batcher.batches == before
    assert sent[0]["status"] == 499


def _json_values():
    from hypothesis import strategies as st

    # Characters of every category, and lone surrogates often (JSON's "\\ud800" alone decodes to one)
    text = st.text(st.characters(exclude_categories=()) | st.sampled_from("\ud800\udcff"), max_size=30)
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | text
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(text, inner, max_size=4),
        max_leaves=12,
    )


def test_any_json_sent_to_any_route_is_an_answer_or_a_4xx_line(client):
    """Generated bodies for every route and parameter (hypothesis): never a 500, never a traceback."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    names = sorted({p.name for r in ROUTES.values() for p in r.params} | {"junk"})

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        route=st.sampled_from(sorted(ROUTES)),
        body=st.dictionaries(st.sampled_from(names), _json_values(), max_size=4),
    )
    def check(route, body):
        if route == "neighbors" and isinstance(body.get("top"), int) and body.get("top", 0) > 100:
            body["top"] = 100  # a legal but slow question is not what this looks for
        sent = json.dumps(body).encode()  # NaN and Infinity too, as Python's json writes them
        response = client.post(ROUTES[route].path, content=sent, headers={"content-type": "application/json"})
        assert response.status_code in (200, 400, 404, 413), (route, body, response.text)
        if response.status_code != 200:
            message = response.json()["error"]
            assert message and "\n" not in message and "Traceback" not in message

    check()


def test_a_defect_is_one_line_and_a_500_never_a_traceback(app, client, monkeypatch, capsys):
    """Should vecq itself fail on a request, the answer is a 500 with one line, and the server goes on."""

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a defect")

    monkeypatch.setattr("vecq.core.answers.info_record", broken)
    response = client.get("/api/info")
    assert response.status_code == 500
    assert "ZeroDivisionError" in response.json()["error"] and "\n" not in response.json()["error"]
    assert "Traceback" not in capsys.readouterr().err
    assert client.get("/api/similar", params={"words": ["cat", "dog"]}).status_code == 200


def test_a_word_blank_to_python_that_the_model_holds_is_found_on_every_route(tmp_path, monkeypatch):
    """fastText and word2vec split text at ASCII whitespace only, so a vocabulary may hold U+3000 or
    U+00A0 as a word: the routes find it as typed, as gensim does (word2vec-api's route said
    "an empty word was given"), and text blank to Python that the model lacks stays refused."""
    from gensim.models import KeyedVectors

    import vecq

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    words, rng = ["cat", "\u3000", "\xa0", "dog"], np.random.default_rng(1)
    path = tmp_path / "blank.txt"
    path.write_text(
        "4 3\n" + "".join(w + " " + " ".join(map(str, rng.standard_normal(3))) + "\n" for w in words)
    )
    oracle = KeyedVectors.load_word2vec_format(str(path))
    with TestClient(make_app({"blank": vecq.load(str(path)).model}, port=8765), base_url=BASE) as c:
        for word in ["\u3000", "\xa0"]:
            w2v = c.get("/word2vec/similarity", params={"w1": word, "w2": "cat"})
            assert w2v.status_code == 200 and w2v.json() == pytest.approx(
                float(oracle.similarity(word, "cat"))
            )
            ours = c.post("/api/similar", json={"words": [word, "cat"]})
            assert ours.status_code == 200 and ours.json()[0]["similarity"] == pytest.approx(w2v.json())
        refused = c.get("/word2vec/similarity", params={"w1": "\u2028", "w2": "cat"})
        assert refused.status_code == 404 and "empty word" in refused.json()["message"]  # no such key


def test_a_cache_cleared_under_a_running_server_is_answered_from_on(tmp_path, monkeypatch, small_model):
    """`vecq cache clear --all` beside a running server: every question but a word's similarity
    failed with "vecq failed ... FileNotFoundError: blocks.crc32" (files opened by name at each
    check). The server reads on from what it opened, with the same answers, until it restarts."""
    import vecq

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    model = vecq.load(str(small_model)).model
    asked = [
        ("neighbors", {"query": "king - man + woman", "top": 3}),
        ("analogy", {"words": ["paris", "france", "italy"]}),
        ("vector", {"words": ["river"], "unit": True}),
        ("odd", {"words": ["man", "woman", "girl", "car"]}),
    ]
    with TestClient(make_app({"m": model}, port=8765), base_url=BASE) as c:
        cleared = invoke(["cache", "clear", "--all"])  # before the first question: nothing read yet
        assert cleared.exit_code == 0 and not list((tmp_path / "cache").glob("*-*"))
        after = [c.post(f"/api/{route}", json=p) for route, p in asked]
    assert [r.status_code for r in after] == [200] * len(asked), [r.text[:200] for r in after]
    fresh = vecq.load(str(small_model)).model  # converted again
    with TestClient(make_app({"m": fresh}, port=8765), base_url=BASE) as c:
        assert [r.json() for r in after] == [c.post(f"/api/{route}", json=p).json() for route, p in asked]


def test_a_worker_that_finds_the_model_changed_answers_503_saying_so(tmp_path, monkeypatch, capsys):
    """``--workers N``: a worker started after the model file changed (one that replaces a dead
    worker) would answer with other vectors than the others; it answers every request with a 503
    saying to restart, and serves what its parent served when nothing changed."""
    from conftest import write_text_model

    from vecq.serve.app import WORKER_SETTINGS, from_environment

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    path, words = tmp_path / "m.txt", [f"w{i}" for i in range(30)]
    write_text_model(path, words, rng.standard_normal((30, 4)).astype(np.float32))
    from vecq.api import load
    from vecq.cache.layout import content_of

    options = {"spec": str(path), "trust": False, "limit": None, "subwords": True, "pool": None}
    settings = {"models": {"m": {**options, "approx": False, "nprobe": None}}, "port": 8765}
    settings.update(
        host="127.0.0.1", token=None, cors=[], contents={"m": content_of(load(str(path)).model.folder)}
    )
    monkeypatch.setenv(WORKER_SETTINGS, json.dumps(settings))
    with TestClient(from_environment(), base_url=BASE) as c:
        assert c.get("/api/similar", params={"words": ["w1", "w2"]}).status_code == 200
    write_text_model(path, words, rng.standard_normal((30, 4)).astype(np.float32))  # retrained
    with TestClient(from_environment(), base_url=BASE) as c:
        answer = c.get("/api/similar", params={"words": ["w1", "w2"]})
    assert answer.status_code == 503 and "restart vecq serve" in answer.json()["error"]
    assert "has changed since this server started" in capsys.readouterr().err
