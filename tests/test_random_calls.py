"""Random calls of gensim's query methods, on vecq's ``KeyedVectors`` and gensim's over the same
first 20,000 GloVe words, answer alike: the same words in the same order (two swapped only where
their scores tie within float32's last bits), scores within float32's rounding, and an exception
of gensim's class (or a subclass) where gensim raises one. Words, (word, weight) pairs, row numbers,
numpy strings and vectors of any length mixed as gensim takes them; documented differences (a
respelling, an unknown word in ``n_similarity``, ties of two words) are not asked. Such a run found
``most_similar_cosmul`` answering ``[]`` for a long negative vector (tests/test_cosmul.py)."""

from __future__ import annotations

import math
import random
import warnings

import numpy as np
import pytest
from gensim.models import KeyedVectors

import vecq

ROWS = 20_000
TIE = 2e-6  # scores this close are a tie that float32's last bits may order either way


@pytest.fixture(scope="module")
def both(glove_raw):
    words, vectors = glove_raw
    theirs = KeyedVectors(vectors.shape[1], dtype=np.float32)
    theirs.add_vectors(words[:ROWS], vectors[:ROWS])
    return vecq.load("glove-wiki-gigaword-50", limit=ROWS), theirs


class Questions:
    """Random questions of gensim's query methods, each (method, args, kwargs). ``unseen``: words a
    fastText model builds from their n-grams (then a row number is not asked: gensim's
    ``FastTextKeyedVectors`` builds its digits, docs/from-gensim.md)."""

    def __init__(self, seed: int, words: list[str], vectors: np.ndarray, unseen: tuple[str, ...] = ()):
        self.rnd, self.words, self.vectors, self.unseen = random.Random(seed), words, vectors, unseen

    def word(self) -> str:
        r = self.rnd.random()
        if r < 0.03:
            return "qqzzxy"  # no such word (a fastText model builds it)
        if r < 0.15 and self.unseen:
            return self.rnd.choice(self.unseen)
        return self.words[self.rnd.randrange(min(2000, len(self.words)) if r < 0.7 else len(self.words))]

    def vector(self) -> np.ndarray:
        dtype = self.rnd.choice([np.float32, np.float64])
        row = self.vectors[self.rnd.randrange(len(self.words))]
        return np.asarray(row, dtype=dtype) * self.rnd.choice([1, 0.5, 3])

    def unit(self) -> np.ndarray:
        vector = self.vector()
        return vector / np.linalg.norm(vector)

    def term(self) -> object:
        r = self.rnd.random()
        if r < 0.1 and not self.unseen:
            return self.rnd.randrange(len(self.words))
        if r < 0.15:
            return np.str_(self.word())
        if r < 0.35:
            return (self.word(), self.rnd.choice([1.0, -1.0, 0.5, 2.0]))
        if r < 0.45:
            return self.vector()
        return self.word()

    def words_of(self, *sizes: int, known: bool = False) -> list[str]:
        words = [self.word() for _ in range(self.rnd.choice(sizes))]
        while known and "qqzzxy" in words:  # a list of two once gensim leaves it out: a tie
            words = [self.word() for _ in words]
        return words

    def question(self) -> tuple[str, tuple, dict]:
        topn, restrict = self.rnd.choice([1, 3, 10, None]), self.rnd.choice([None, None, 100, 5000])
        method = self.rnd.choice(
            ["most_similar", "most_similar_cosmul", "similar_by_word", "similar_by_vector", "distance",
             "similarity", "relative_cosine_similarity", "doesnt_match", "rank_by_centrality",
             "get_mean_vector", "most_similar_to_given", "n_similarity", "distances"]
        )  # fmt: skip
        if method == "most_similar":
            positive = self.rnd.choice([self.word(), [self.term() for _ in range(self.rnd.randint(1, 3))]])
            negative = self.rnd.choice([None, [self.term()], self.word()])
            clip = self.rnd.choice([{}, {"clip_start": 10, "clip_end": 3000}])
            return (
                method,
                (),
                {
                    "positive": positive,
                    "negative": negative,
                    "topn": topn,
                    "restrict_vocab": restrict,
                    **clip,
                },
            )
        if method == "most_similar_cosmul":
            # words and unit vectors, no weights (restrict_vocab: gensim ignores it). A long negative
            # vector makes shifted cosines near 0 whose quotients float32's and float64's roundings
            # put far apart (docs/from-gensim.md); tests/test_cosmul.py asks those of the exact scores
            terms = [self.rnd.choice([self.word(), self.unit()]) for _ in range(self.rnd.randint(1, 3))]
            negative = self.rnd.choice([[], [self.rnd.choice([self.word(), self.unit()])]])
            return method, (), {"positive": terms, "negative": negative, "topn": topn}
        if method == "similar_by_word":
            return method, (self.word(),), {"topn": topn, "restrict_vocab": restrict}
        if method == "similar_by_vector":
            return method, (self.vector(),), {"topn": topn, "restrict_vocab": restrict}
        if method in ("distance", "similarity"):
            return method, (self.word(), self.word()), {}
        if method == "relative_cosine_similarity":
            return method, (self.word(), self.word()), {"topn": self.rnd.choice([1, 10])}
        if method == "doesnt_match":  # two words are a tie (docs/from-gensim.md)
            return method, (self.words_of(1, 3, 4, 5, known=True),), {}
        if method == "rank_by_centrality":
            return (
                method,
                (self.words_of(1, 3, 4, 5, known=True),),
                {"use_norm": self.rnd.choice([True, False])},
            )
        if method == "get_mean_vector":
            keys = [self.rnd.choice([self.word(), self.vector()]) for _ in range(self.rnd.randint(1, 4))]
            weights = self.rnd.choice([None, [self.rnd.choice([1.0, 2.0, -1.0]) for _ in keys]])
            flags = {
                k: self.rnd.choice([True, False])
                for k in ("pre_normalize", "post_normalize", "ignore_missing")
            }
            return method, (keys,), {"weights": weights, **flags}
        if method == "most_similar_to_given":
            return method, (self.word(), self.words_of(1, 2, 3, 4)), {}
        if method == "n_similarity":  # vecq refuses a list of no known word (gensim: 0.0)
            known = [w for w in self.words_of(1, 2, 3) if w != "qqzzxy"] or [self.words[0]]
            return method, (known, [w for w in self.words_of(1, 2) if w != "qqzzxy"] or [self.words[1]]), {}
        return method, (self.rnd.choice([self.word(), self.vector()]), self.words_of(0, 1, 3)), {}


def alike(ours: object, theirs: object) -> str | None:
    """Why two answers differ (None when they agree, as the module's docstring says)."""
    if isinstance(ours, np.ndarray) or isinstance(theirs, np.ndarray):
        ours, theirs = np.asarray(ours), np.asarray(theirs)
        if ours.shape != theirs.shape:
            return f"shapes {ours.shape} and {theirs.shape}"
        close = np.isclose(ours, theirs, rtol=1e-5, atol=TIE, equal_nan=True)
        return None if close.all() else f"arrays differ by {np.nanmax(np.abs(ours - theirs))}"
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return f"{len(ours)} answers, gensim {len(theirs)}"
        pairs = [(a[::-1], b[::-1]) if isinstance(a[1], str) else (a, b) for a, b in zip(ours, theirs)]
        for (word, score), (their_word, their_score) in pairs:  # rank_by_centrality's are (score, word)
            if word != their_word and abs(score - their_score) >= TIE:
                return f"{word} ({score}) where gensim has {their_word} ({their_score})"
            if not math.isclose(score, their_score, rel_tol=1e-5, abs_tol=TIE):
                return f"{word}: {score}, gensim {their_score}"
        return None
    if isinstance(ours, (float, np.floating)) and isinstance(theirs, (float, np.floating)):
        close = math.isclose(ours, theirs, rel_tol=1e-5, abs_tol=TIE)
        return None if close else f"{ours} and {theirs}"
    return None if ours == theirs else f"{ours!r} and {theirs!r}"


def answer(kv: object, method: str, args: tuple, kwargs: dict) -> tuple[str, object]:
    try:
        return "answer", getattr(kv, method)(*args, **kwargs)
    except Exception as e:  # either side's refusal is compared below
        return "error", e


@pytest.mark.parametrize("seed", range(4))
def test_random_calls_answer_as_gensims(both, glove_raw, seed):
    ours, theirs = both
    assert asked_alike(ours, theirs, Questions(seed, list(theirs.index_to_key), glove_raw[1])) == []


@pytest.mark.parametrize("seed", range(2))
def test_random_calls_on_a_fasttext_model_answer_as_gensims(seed):
    """The same on gensim's fastText test model, words it has not seen built from their n-grams."""
    from gensim.models.fasttext import load_facebook_vectors
    from gensim.test.utils import datapath

    path = datapath("lee_fasttext.bin")
    ours, theirs = vecq.load(path), load_facebook_vectors(path)
    unseen = ("nightxx", "governments'", "überraschung", "catz")
    questions = Questions(seed, list(theirs.index_to_key), theirs.vectors, unseen)
    assert asked_alike(ours, theirs, questions) == []


def asked_alike(ours: object, theirs: object, questions: Questions) -> list[str]:
    """250 of ``questions`` asked of both objects: how each answer that differs differs."""
    differ = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(250):
            method, args, kwargs = questions.question()
            (kind, mine), (their_kind, gensims) = (answer(kv, method, args, kwargs) for kv in (ours, theirs))
            if kind == their_kind == "error":
                why = (
                    None
                    if isinstance(mine, type(gensims))
                    or isinstance(gensims, KeyError)
                    and isinstance(mine, KeyError)
                    else f"{type(mine).__name__}: {mine}, gensim {type(gensims).__name__}"
                )
            elif kind != their_kind:
                why = f"vecq's {kind} {mine!r:.100}, gensim's {their_kind} {gensims!r:.100}"
            else:
                why = alike(mine, gensims)
            if why:
                differ.append(f"{method}{args!r:.80} {kwargs!r:.120}: {why}")
    return differ
