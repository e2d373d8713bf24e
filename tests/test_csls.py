"""CSLS on real GloVe vectors with a brute-force numpy oracle over gensim's unit vectors: each word's
mean similarity to its 10 nearest, and the lists re-ranked by 2 cos - r."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import M, invoke, tsv, write_text_model
from vecq.core.csls import hubness

N = 5000


@pytest.fixture(scope="module")
def oracle(kv):
    unit = kv.get_normed_vectors()[:N].astype(np.float64)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    r = np.sort(sims, axis=1)[:, -10:].mean(axis=1)
    return unit, r


@pytest.mark.parametrize("word", ["cat", "city", "president"])
def test_csls_lists_are_the_brute_force_ranking(glove, kv, oracle, word):
    unit, r = oracle
    result = invoke([*M, "neighbors", word, "--csls", "--restrict", str(N), "-n", "10", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    i = kv.key_to_index[word]  # cat is row 5450: its neighbours are among the first N all the same
    cos = unit @ kv.get_vector(word, norm=True).astype(np.float64)
    others = np.delete(cos, i) if i < N else cos
    r_q = np.sort(others)[-10:].mean()
    csls = 2 * cos - r - r_q
    if i < N:
        csls[i] = -np.inf
    expected = np.argsort(-csls, kind="stable")[:10]
    assert [x["word"] for x in rows] == [kv.index_to_key[j] for j in expected]
    for x, j in zip(rows, expected):
        assert abs(x["csls"] - csls[j]) < 1e-5 and abs(x["similarity"] - cos[j]) < 1e-6


def test_the_mean_similarities_are_kept_in_the_cache(glove, oracle):
    from pathlib import Path

    _, r = oracle
    invoke([*M, "neighbors", "cat", "--csls", "--restrict", str(N)])
    (kept,) = Path(glove.folder).glob(f"csls-exact-r-k10-n{N}.npy")
    assert np.allclose(np.load(kept), r, atol=1e-6)
    before = kept.stat().st_mtime_ns
    again = invoke([*M, "neighbors", "dog", "--csls", "--restrict", str(N)])
    assert again.exit_code == 0 and kept.stat().st_mtime_ns == before  # read, not computed again


def test_hubness_counts_the_lists_the_hubs_enter():
    lists = [[1, 2], [1, 3], [1, 4], [2, 5]]
    assert hubness(lists, hubs=1) == (3, 3)
    assert hubness(lists, hubs=2) == (5, 3)


def test_csls_takes_one_question(glove):
    result = invoke([*M, "neighbors", "-", "--csls"], input="cat\n")
    assert result.exit_code == 2 and "--csls takes one word" in result.stderr


def test_the_api_ranks_by_csls_and_folds_variants_as_the_cli(glove):
    import json

    import vecq

    model = vecq.load("glove-wiki-gigaword-50")
    cli = plain(
        json.loads(
            invoke([*M, "neighbors", "cat", "-n", "5", "--restrict", "20000", "--csls", "-f", "json"]).stdout
        )
    )
    assert [r._asdict() for r in model.neighbors("cat", top=5, restrict=20000, csls=True)] == cli
    folded = plain(json.loads(invoke([*M, "neighbors", "cat", "-n", "8", "--distinct", "-f", "json"]).stdout))
    assert [r._asdict() for r in model.neighbors("cat", top=8, distinct=True)] == folded
    batch = model.neighbors(["cat", "qqzzyyx"], top=8, distinct=True)
    assert [r._asdict() for r in batch[0]] == folded and isinstance(batch[1], KeyError)
    with pytest.raises(ValueError, match="csls takes one word"):
        model.neighbors(["cat", "dog"], csls=True)


def plain(records: list[dict]) -> list[dict]:
    """JSON records without the model each names (the API's records are the query's alone)."""
    return [{k: v for k, v in r.items() if k != "model"} for r in records]


def test_a_word_with_an_all_zero_vector_is_never_a_csls_answer(kv, tmp_path):
    """An all-zero row has no direction: cosine leaves it out, and so must CSLS (its 2 cos - r is
    0 - 0, above every answer with 2 cos < r: it came second of eight on a small model)."""
    from vecq.core.model import Model

    words = kv.index_to_key[:300] + ["nothing"]
    vectors = np.vstack([kv.vectors[:300], np.zeros((1, kv.vector_size), dtype=np.float32)])
    path = write_text_model(tmp_path / "with-zero.txt", words, vectors)
    query = words[200]
    result = invoke(["-m", str(path), "neighbors", query, "--csls", "-n", "400", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert "nothing" not in [x["word"] for x in rows]
    assert len(rows) == 299  # every other word but the query's own
    # the oracle: brute force over the unit rows, the zero row left out
    model = Model.from_arrays(words, vectors)
    unit = np.asarray(model.vectors, dtype=np.float64)
    sims = unit[:300] @ unit[:300].T
    np.fill_diagonal(sims, -np.inf)
    r = np.sort(sims, axis=1)[:, -10:].mean(axis=1)
    i = words.index(query)
    csls = 2 * sims[i] - r
    csls[i] = -np.inf
    assert [x["word"] for x in rows] == [words[j] for j in np.argsort(-csls, kind="stable")[:299]]


@pytest.mark.parametrize("args", [["--csls"], ["--away", "he", "she"]])
def test_a_restriction_that_leaves_only_the_query_answers_nothing_and_says_why(glove, args):
    """``neighbors the --csls --restrict 1``: the only word searched is the query's own. It was "a
    defect of vecq's" (no candidate to rank); it is no answer, said as plain ``neighbors`` says it."""
    result = invoke([*M, "neighbors", "the", *args, "--restrict", "1"])
    assert result.exit_code == 0, result.stderr
    assert tsv(result.stdout) == []
    assert result.stderr.strip() == "vecq: no answer: no word among the first --restrict 1 is an answer"
    plain = invoke([*M, "neighbors", "the", "--restrict", "1"])
    assert plain.stderr == result.stderr


def test_near_duplicates_are_ranked_exactly_by_csls():
    """1,500 rows a few float32 steps apart: more of them near the k-th CSLS than the rescoring
    margin holds, and float32's rounding chose which were candidates (10 models in 10 ranked
    otherwise than the exact scores). Near the k-th, every row is scored exactly."""
    from vecq.core import csls
    from vecq.core.expression import Term
    from vecq.core.model import Model
    from vecq.core.ranking import exact_dots
    from vecq.core.words import Match

    rng = np.random.default_rng(5)
    base = rng.normal(size=50).astype(np.float32)
    near = base + (rng.normal(0, 3e-7, (1500, 50)) * np.abs(base)).astype(np.float32)
    raw = np.vstack([near, rng.normal(size=(50, 50))]).astype(np.float32)
    model = Model.from_arrays([f"w{i}" for i in range(len(raw))], raw)
    r = csls.mean_neighbour_similarity(model, len(raw))
    every = np.arange(len(raw))
    for q in rng.choice(len(raw), 5, replace=False).tolist():
        (d,) = model.directions([[Term(1.0, Match("x", "x", q))]])
        got = csls.neighbors(model, d, r, 10, [q])
        cosines = exact_dots(np.repeat(d[None], len(raw), axis=0), model.vectors, every)
        (nearest,) = model.neighbors_of_directions(d[None], 10, len(raw), [[q]])
        r_q = float(np.mean([score for _, score in nearest], dtype=np.float64))
        expected = 2.0 * cosines.astype(np.float64) - r.astype(np.float64) - r_q
        expected[q] = -np.inf
        assert [row for row, _, _ in got] == sorted(every.tolist(), key=lambda i: (-expected[i], i))[:10]


def test_csls_with_the_approximate_index_is_exact_and_keeps_exact_r(tmp_path, monkeypatch):
    """``--csls --approx`` says it is answered exactly, and is: r, kept in the cache for every later
    question, is found by exact searches (the index's approximate neighbours made it, and a later
    exact ``--csls`` then answered with their r)."""
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(20_000)]
    model = write_text_model(tmp_path / "m.txt", words, rng.standard_normal((20_000, 16)).astype(np.float32))
    built = invoke(["-m", str(model), "index", "build"])
    assert built.exit_code == 0, built.stderr
    asked = ["-m", str(model), "neighbors", "w1", "--csls", "-n", "8", "-f", "json"]
    approx = invoke([*asked, "--approx"])
    assert approx.exit_code == 0 and "answered exactly" in approx.stderr
    (kept,) = (tmp_path / "cache").glob("*/csls-exact-r-*.npy")
    kept_r = np.load(kept)
    kept.unlink()
    exact = invoke(asked)
    assert json.loads(approx.stdout) == json.loads(exact.stdout)
    assert np.array_equal(kept_r, np.load(kept))  # computed again, exactly: the same bits
