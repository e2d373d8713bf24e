"""word2vec-api's routes (github.com/3Top/word2vec-api), answered as that server answers them, so its
clients work unchanged against ``vecq serve``: the same paths and parameters, the same JSON values
(a number, a list of ``[word, score]`` pairs, base64 text). Its answers come from gensim's methods,
here vecq's ``KeyedVectors`` over the served model. Unlike that server, an unknown word is a 404
with one line rather than a 500, and a missing parameter is flask-restful's ``{"message": {name: help}}``.
"""

from __future__ import annotations

import base64
import pickle
from collections.abc import Awaitable, Callable

import anyio.to_thread
import numpy as np
from starlette.requests import Request
from starlette.responses import Response

from ..api import KeyedVectors
from ..core.words import find_word, suggestions
from ..errors import UnknownWordError, VecqError
from .params import MAX_WORDS, BadRequest
from .routes import Answer  # JSON and a newline, as the JSON routes (and Flask's jsonify) end

PATH = "/word2vec"


class Word2VecApi:
    """word2vec-api's five routes over one model (the server's first)."""

    def __init__(self, kv: KeyedVectors):
        self.kv = kv
        self._word_set: str | None = None

    def routes(self) -> dict[str, Callable[[Request], Awaitable[Response]]]:
        return {
            f"{PATH}/similarity": self._answering(self.similarity),
            f"{PATH}/n_similarity": self._answering(self.n_similarity),
            f"{PATH}/most_similar": self._answering(self.most_similar),
            f"{PATH}/model": self._answering(self.vector),
            f"{PATH}/model_word_set": self._answering(self.model_word_set),
        }

    def _answering(
        self, answer: Callable[[dict[str, list[str]]], object]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            args: dict[str, list[str]] = {}
            for name, value in request.query_params.multi_items():
                args.setdefault(name, []).append(value)
            if sum(len(v) for v in args.values()) > MAX_WORDS:
                return Answer({"message": f"at most {MAX_WORDS:,} values in one request"}, status_code=413)
            try:
                return Answer(await anyio.to_thread.run_sync(answer, args))
            except BadRequest as e:
                return Answer({"message": e.message}, status_code=e.status)
            except KeyError as e:  # gensim's error for an unknown word: vecq's is one line
                return Answer({"message": e.message if isinstance(e, VecqError) else str(e)}, status_code=404)
            except (VecqError, ZeroDivisionError, ValueError) as e:
                return Answer({"message": getattr(e, "message", str(e))}, status_code=400)

        return handle

    def _known(self, words: list[str]) -> list[str]:
        return [w for w in words if w in self.kv]  # word2vec-api's filter_words

    def _key(self, word: str) -> str:
        """``word`` if it is a key, as that server's gensim finds it (``Cat`` is not ``cat``, as its
        other routes' filter says too); else a 404 naming close spellings (that server: a 500)."""
        if word not in self.kv:
            model = self.kv.model
            find_word(model.vocab, word, model.info.name, respell=False)  # raises: an empty word, or unknown
            raise UnknownWordError(
                word, suggestions(model.vocab, word), model.info.name
            )  # found otherwise (id:N)
        return word

    def similarity(self, args: dict[str, list[str]]) -> float:
        w1, w2 = _one(args, "w1", "Word 1 cannot be blank!"), _one(args, "w2", "Word 2 cannot be blank!")
        return float(self.kv.similarity(self._key(w1), self._key(w2)))

    def n_similarity(self, args: dict[str, list[str]]) -> float:
        ws1, ws2 = (
            _many(args, "ws1", "Word set 1 cannot be blank!"),
            _many(args, "ws2", "Word set 2 cannot be blank!"),
        )
        known1, known2 = self._known(ws1), self._known(ws2)
        if not known1 or not known2:
            raise BadRequest("no word of ws1 or of ws2 is in the vocabulary", 404)
        return float(self.kv.n_similarity(known1, known2))

    def most_similar(self, args: dict[str, list[str]]) -> list:
        positive, negative = self._known(args.get("positive", [])), self._known(args.get("negative", []))
        topn = args.get("topn", ["10"])[-1]
        if not topn.isdigit() or not 0 < int(topn) <= 10_000:
            raise BadRequest(f"topn is a whole number from 1 to 10000, not {topn[:20]!r}")
        if not positive:
            raise BadRequest("give positive words in the vocabulary", 404)
        return [
            [w, s]
            for w, s in self.kv.most_similar_cosmul(positive=positive, negative=negative, topn=int(topn))
        ]

    def vector(self, args: dict[str, list[str]]) -> str:
        """The raw float32 bytes of the word's vector, base64 (word2vec-api's ``/model``)."""
        word = self._key(_one(args, "word", "word to query."))
        return base64.b64encode(np.ascontiguousarray(self.kv[word], dtype=np.float32).tobytes()).decode()

    def model_word_set(self, args: dict[str, list[str]]) -> str:
        """The vocabulary as word2vec-api sends it: a pickled Python set, base64 (a client unpickles
        it; vecq only writes it, and builds it once)."""
        if self._word_set is None:
            self._word_set = base64.b64encode(pickle.dumps(set(self.kv.index_to_key))).decode()
        return self._word_set


def _one(args: dict[str, list[str]], name: str, help: str) -> str:
    if not args.get(name):
        raise BadRequest({name: help})  # type: ignore[arg-type]  # flask-restful's message shape
    return args[name][-1]


def _many(args: dict[str, list[str]], name: str, help: str) -> list[str]:
    if not args.get(name):
        raise BadRequest({name: help})  # type: ignore[arg-type]
    return args[name]
