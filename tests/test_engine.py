"""The engine against gensim on real GloVe vectors: same words, same order, scores within 1e-5."""

from __future__ import annotations

import os
import random
import threading

import numpy as np
import pytest
from gensim.test.utils import datapath

from vecq.core.expression import Term, parse_expression
from vecq.core.model import Model
from vecq.core.queries import AnalogyQuery, NeighborsQuery, SimilarQuery
from vecq.errors import QueryError, UnknownWordError

TOL = 1e-5


def same_ranking(ours: list[tuple[str, float]], theirs: list[tuple[str, float]]) -> None:
    """Equal lists, except that words whose scores tie within TOL may swap places."""
    assert len(ours) == len(theirs)
    for (w1, s1), (w2, s2) in zip(ours, theirs):
        assert abs(s1 - s2) < TOL, (w1, s1, w2, s2)
        if w1 != w2:
            near = {w for w, s in theirs if abs(s - s1) < TOL}
            assert w1 in near, (w1, w2, s1, s2)


def sample_words(kv, n: int, seed: int, top: int = 30000) -> list[str]:
    rng = random.Random(seed)
    return [kv.index_to_key[i] for i in rng.sample(range(top), n)]


def questions(kv, n: int, seed: int) -> list[tuple[str, str, str]]:
    """Analogy questions from gensim's copy of the Google set, lower-cased for GloVe."""
    out = []
    with open(datapath("questions-words.txt")) as f:
        for line in f:
            if line.startswith(":"):
                continue
            words = line.lower().split()
            if all(w in kv.key_to_index for w in words):
                out.append(tuple(words[:3]))
    return random.Random(seed).sample(out, n)


def terms(model: Model, *words: str, signs=None) -> list[Term]:
    signs = signs or [1.0] * len(words)
    return [Term(s, model.lookup(w)) for s, w in zip(signs, words)]


@pytest.mark.slow
def test_neighbours_equal_gensim(glove, kv):
    for word in sample_words(kv, 150, seed=1):
        ours = [(n.word, n.similarity) for n in glove.neighbors(terms(glove, word), top=10)]
        same_ranking(ours, kv.most_similar(word, topn=10))


def test_neighbours_with_restrict_equal_gensim(glove, kv):
    for word in sample_words(kv, 30, seed=2, top=5000):
        ours = [(n.word, n.similarity) for n in glove.neighbors(terms(glove, word), top=7, restrict=10000)]
        same_ranking(ours, kv.most_similar(word, topn=7, restrict_vocab=10000))


@pytest.mark.slow
def test_analogies_equal_gensim_3cosadd(glove, kv):
    for a, b, c in questions(kv, 150, seed=3):
        ours = glove.analogy(glove.lookup(a), glove.lookup(b), glove.lookup(c), top=5)
        theirs = kv.most_similar(positive=[a, c], negative=[b], topn=5)
        same_ranking([(x.answer, x.score) for x in ours], theirs)


@pytest.mark.slow
def test_analogies_equal_gensim_3cosmul(glove, kv):
    for a, b, c in questions(kv, 60, seed=4):
        ours = glove.analogy(glove.lookup(a), glove.lookup(b), glove.lookup(c), top=5, method="cosmul")
        theirs = kv.most_similar_cosmul(positive=[a, c], negative=[b], topn=5)
        same_ranking([(x.answer, x.score) for x in ours], theirs)


def test_similarity_equals_gensim(glove, kv):
    words = sample_words(kv, 400, seed=5, top=100000)
    for a, b in zip(words[::2], words[1::2]):
        assert abs(glove.similarity(glove.lookup(a), glove.lookup(b)).similarity - kv.similarity(a, b)) < TOL


def test_expression_equals_gensim_most_similar(glove, kv):
    expr = parse_expression("paris - france + germany")
    ours = glove.neighbors([Term(w, glove.lookup(t)) for w, t in expr], top=10)
    theirs = kv.most_similar(positive=["paris", "germany"], negative=["france"], topn=10)
    same_ranking([(n.word, n.similarity) for n in ours], theirs)
    assert ours[0].query == "paris - france + germany"


def test_king_man_woman_is_queen(glove):
    (answer,) = glove.analogy(glove.lookup("king"), glove.lookup("man"), glove.lookup("woman"))
    assert answer.answer == "queen"


def test_batch_answers_equal_single_answers(glove, kv):
    words = sample_words(kv, 40, seed=6)
    batch = NeighborsQuery(top=5).answer_chunk(glove, [[w] for w in words])
    for word, outcome in zip(words, batch):
        single = glove.neighbors(terms(glove, word), top=5)
        # BLAS may sum in another order for a matrix than for a vector: equal to float32 rounding.
        assert [r["word"] for r in outcome.records] == [n.word for n in single]
        assert [r["similarity"] for r in outcome.records] == pytest.approx(
            [n.similarity for n in single], abs=1e-6
        )
    qs = questions(kv, 30, seed=7)
    batch = AnalogyQuery(top=3).answer_chunk(glove, [list(q) for q in qs])
    for (a, b, c), outcome in zip(qs, batch):
        single = glove.analogy(glove.lookup(a), glove.lookup(b), glove.lookup(c), top=3)
        assert [r["answer"] for r in outcome.records] == [x.answer for x in single]


def test_batch_similarity_marks_unknown_words_and_goes_on(glove):
    out = SimilarQuery().answer_chunk(glove, [["cat", "kitten"], ["cat", "qzxqzxq"], ["dog", "puppy"]])
    assert out[0].error is None and out[2].error is None
    assert isinstance(out[1].error, UnknownWordError)
    assert out[0].records[0]["similarity"] == pytest.approx(
        glove.similarity(glove.lookup("cat"), glove.lookup("kitten")).similarity
    )


def test_zero_vectors_score_zero_and_are_never_neighbours():
    raw = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 0, 0], [0, 1, 0]], dtype=np.float32)
    model = Model.from_arrays(["a", "b", "zero", "c"], raw)
    assert model.similarity(model.lookup("a"), model.lookup("zero")).similarity == 0.0
    words = [n.word for n in model.neighbors(terms(model, "a"), top=10)]
    assert words == ["b", "c"]


def test_top_larger_than_vocabulary_returns_everything_else():
    raw = np.eye(4, dtype=np.float32) + 0.1
    model = Model.from_arrays(["a", "b", "c", "d"], raw)
    assert len(model.neighbors(terms(model, "a"), top=100)) == 3


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("cat", [(1.0, "cat")]),
        ("king - man + woman", [(1.0, "king"), (-1.0, "man"), (1.0, "woman")]),
        ("new york - usa + france", [(1.0, "new york"), (-1.0, "usa"), (1.0, "france")]),
        ("e-mail", [(1.0, "e-mail")]),
        ("- king", [(-1.0, "king")]),
    ],
)
def test_parse_expression(text, parsed):
    assert parse_expression(text) == parsed


@pytest.mark.parametrize("text", ["", "   ", "king -", "king - - man", "+"])
def test_parse_expression_refuses_malformed(text):
    with pytest.raises(QueryError):
        parse_expression(text)


def _tied_scores(seed: int) -> tuple[np.ndarray, np.ndarray, list[list[int]], np.ndarray]:
    """300 rows and 40 queries of small integers (exact scores, many ties), each query's excluded
    rows, and two all-zero rows (5 and 17)."""
    rng = np.random.default_rng(seed)
    matrix = rng.integers(-3, 4, size=(300, 4)).astype(np.float32)
    q = rng.integers(-3, 4, size=(40, 4)).astype(np.float32)
    exclude = [rng.choice(300, size=rng.integers(0, 4), replace=False).tolist() for _ in range(40)]
    return matrix, q, exclude, np.array([5, 17])


@pytest.mark.parametrize("rows_first", [False, True])
@pytest.mark.parametrize("block", [1, 3, 7, 50, 280])
def test_blocked_top_k_equals_a_full_sort_with_ties(monkeypatch, block, rows_first):
    """Small blocks exercise every path: the first partition, the "few rows above the k-th best"
    shortcut and the partition fallback; small integers make exact scores with many ties, which
    keep the lower row first. Scores come queries first (``q @ b.T``) or as the transposed view of
    ``b @ q.T`` (rows first in memory, as few queries are scored)."""
    from vecq.core import topk as engine

    matrix, q, exclude, zero_rows = _tied_scores(block)
    monkeypatch.setattr(engine, "block_rows", lambda m: block)

    def score_block(b: np.ndarray) -> np.ndarray:
        s = (b @ q.T).T if rows_first else q @ b.T
        assert s.flags.c_contiguous == (not rows_first or len(b) == 1)
        return s

    for k in (1, 5, 12):
        got = engine.top_k(score_block, matrix, 280, 40, exclude, k=k, zero_rows=zero_rows)
        for j in range(40):
            scores = (q[j] @ matrix[:280].T).astype(np.float32)
            allowed = [r for r in range(280) if r not in exclude[j] and r not in (5, 17)]
            want = sorted(allowed, key=lambda r: (-scores[r], r))[:k]
            assert [r for r, _ in got[j]] == want
            assert np.allclose([s for _, s in got[j]], scores[want])


@pytest.mark.parametrize("block", [1, 7, 50])
def test_top_k_spread_over_the_cores_equals_a_full_sort_with_ties(monkeypatch, block):
    """A batch's rows shared among threads (one contiguous part a core), each part's lists merged:
    the same rows and order as one scan, ties keeping the lower row first across the parts."""
    from vecq.core import topk as engine

    matrix, q, exclude, zero_rows = _tied_scores(block)
    monkeypatch.setattr(engine, "block_rows", lambda m: block)
    parts: list[tuple[int, int]] = []
    scan = engine.top_k

    def recorded(*args, **kwargs):
        parts.append((kwargs["first"], args[2]))
        return scan(*args, **kwargs)

    monkeypatch.setattr(engine, "top_k", recorded)
    for k in (1, 5, 12):
        parts.clear()
        got = engine.spread_top_k(
            lambda b: q @ b.T, matrix, 280, 40, exclude, k=k, zero_rows=zero_rows, first=3
        )
        assert len(parts) == min(2, os.cpu_count() or 1) and parts[0][0] == 3 and parts[-1][1] == 280
        assert all(a[1] == b[0] and (a[1] - 3) % block == 0 for a, b in zip(parts, parts[1:]))
        assert got == scan(lambda b: q @ b.T, matrix, 280, 40, exclude, k=k, zero_rows=zero_rows, first=3)
        for j in range(40):
            scores = (q[j] @ matrix[:280].T).astype(np.float32)
            allowed = [r for r in range(3, 280) if r not in exclude[j] and r not in (5, 17)]
            assert [r for r, _ in got[j]] == sorted(allowed, key=lambda r: (-scores[r], r))[:k]


def test_spread_work_never_nests_nor_runs_where_blas_is_held_to_one_thread():
    """Inside ``threads.pool`` (the analogy sets' workers) or under one BLAS thread (a graph's worker
    process), work is not spread again: one part, in the calling thread."""
    from threadpoolctl import threadpool_limits

    from vecq.core import threads

    def where(lo: int, hi: int) -> tuple[int, int, str]:
        return lo, hi, threading.current_thread().name

    main = threading.current_thread().name
    if (os.cpu_count() or 1) > 1:
        assert len(threads.spread(where, 0, 100, 10)) > 1
    with threads.pool() as executor:
        assert executor.submit(threads.spread, where, 0, 100, 10).result()[0][:2] == (0, 100)
    with threadpool_limits(1, user_api="blas"):
        assert threads.spread(where, 0, 100, 10) == [(0, 100, main)]


@pytest.mark.slow
def test_analogies_sharing_their_parts_equal_one_product_per_question(glove, kv):
    """The Google set's shape (every pair of a section with every other): answered by parts and
    pruned by bounds, the answers equal the plain 3CosAdd search, top 5 with scores."""
    from vecq.core.model import _few_shared_parts

    triples = []
    with open(datapath("questions-words.txt")) as f:
        for line in f:
            words = line.lower().split()
            if not line.startswith(":") and all(w in kv.key_to_index for w in words):
                triples.append(tuple(glove.lookup(w) for w in (words[1], words[0], words[2])))
    triples = triples[:1500]
    assert _few_shared_parts(triples)
    ours = glove.analogies(triples, top=5, restrict=100_000)
    plain = glove.neighbors_many(
        [[Term(1.0, a), Term(-1.0, b), Term(1.0, c)] for a, b, c in triples], top=5, restrict=100_000
    )
    for got, want in zip(ours, plain):
        same_ranking([(glove.vocab.word(r), s) for r, s in got], [(glove.vocab.word(r), s) for r, s in want])


def test_in_memory_and_cached_models_give_the_same_bits(glove, glove_raw):
    """One rule makes unit rows (core/unit.py): a model answered from memory, when its cache cannot be
    written, holds the very bits of the cached one."""
    words, vectors = glove_raw
    memory = Model.from_arrays(words[:20000], vectors[:20000])
    assert np.array_equal(memory.vectors, np.asarray(glove.vectors[:20000]))
    assert np.array_equal(memory.norms, np.asarray(glove.norms[:20000]))


def test_more_ties_than_the_margin_are_broken_by_row_alone_and_in_a_batch():
    """30 identical rows tie exactly at the k-th place: the answer is the same alone and in any batch,
    the lowest rows among the tied."""
    from vecq.core.expression import Term
    from vecq.core.model import Model
    from vecq.core.queries import NeighborsQuery
    from vecq.core.ranking import RESCORE_MARGIN

    rng = np.random.default_rng(7)
    raw = rng.standard_normal((300, 16)).astype(np.float32)
    raw[100:130] = raw[99]  # rows 99 to 129 are one vector
    raw[5] = raw[99] + 0.01 * rng.standard_normal(16).astype(np.float32)
    words = [f"w{i}" for i in range(300)]
    model = Model.from_arrays(words, raw)
    assert RESCORE_MARGIN < 30
    single = [n.word for n in model.neighbors([Term(1.0, model.lookup("w5"))], top=5)]
    assert single == ["w99", "w100", "w101", "w102", "w103"]
    for others in (["w1"], [f"w{i}" for i in range(0, 300, 7)]):
        batch = NeighborsQuery(top=5).answer_chunk(model, [[w] for w in [*others, "w5"]])
        assert [r["word"] for r in batch[-1].records] == single


def test_a_direction_is_the_same_bits_however_far_its_vector_is_scaled():
    """A vector of 1e38 in every component had an infinite float32 length, and an all-subnormal one
    a length of 0: both became the zero direction, and every word answered with a score of 0."""
    from vecq.core.unit import unit

    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((20, 50)).astype(np.float32)
    want = unit(vectors)
    for power in (-100, -90, 60, 100, 120):  # the scaled floats stay normal: no bit of them is lost
        scaled = np.ldexp(vectors, power).astype(np.float32)
        assert np.isfinite(scaled).all() and scaled.any(axis=1).all()
        assert np.array_equal(unit(scaled), want), power
    for each in (1e38, 1e-45):  # every component the same: the direction of all ones
        assert np.allclose(unit(np.full(50, each, np.float32)), unit(np.ones(50, np.float32)), rtol=1e-6)
    assert not unit(np.zeros((2, 5), np.float32)).any()


def test_rows_shorter_than_float32s_smallest_normal_number_are_unit_rows_too(tmp_path):
    """A row of subnormal floats (norm 1.8e-41) got an infinite float32 reciprocal: its unit row was
    inf, its scores NaN ("damaged vectors"), `neighbors` of a normal word answered nothing and
    `vector --unit` printed inf. The cosines are numpy's in float64, rounded; cached and in
    memory alike."""
    import json

    from conftest import invoke

    rng = np.random.default_rng(7)
    raw = rng.standard_normal((6, 4)).astype(np.float32)
    raw[1] *= np.float32(1e-41)  # subnormal floats
    raw[2] *= np.float32(1e-39)  # a norm just under float32's smallest normal number
    raw[3, 1:] = 0
    raw[3, 0] = np.float32(1e-45)  # the smallest float32 there is
    words = [f"w{i}" for i in range(len(raw))]
    exact = raw.astype(np.float64) / np.linalg.norm(raw.astype(np.float64), axis=1)[:, None]
    cosines = (exact @ exact.T).astype(np.float32)
    np.save(tmp_path / "tiny.npy", raw)
    (tmp_path / "tiny.words.txt").write_text("".join(w + "\n" for w in words), encoding="utf-8")
    model = Model.from_arrays(words, raw)
    for i in (1, 2, 3):
        found = model.neighbors(terms(model, words[i]), top=5)
        assert [n.word for n in found] == [words[j] for j in np.argsort(-cosines[i], kind="stable") if j != i]
        assert np.allclose([n.similarity for n in found], np.sort(cosines[i])[::-1][1:], atol=1e-6)
        piped = invoke(["-m", str(tmp_path / "tiny.npy"), "neighbors", words[0], "-f", "json"])
        assert piped.exit_code == 0, piped.stderr
        answers = {r["word"]: r["similarity"] for r in json.loads(piped.stdout)}
        assert answers[words[i]] == pytest.approx(float(cosines[0, i]), abs=1e-6)
    unit = invoke(["-m", str(tmp_path / "tiny.npy"), "vector", "w1", "w3", "--unit", "-f", "json"])
    assert unit.exit_code == 0, unit.stderr
    for record, i in zip(json.loads(unit.stdout), (1, 3)):
        assert np.allclose(record["vector"], exact[i], atol=1e-7)
