"""Semantic axes on real GloVe vectors, numpy (on gensim's unit vectors) as the oracle: the
direction, words placed along it, the vocabulary's two ends, and neighbours and similarities with
the axis taken out."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import M, invoke, tsv, write_text_model

MALE, FEMALE = "man he him", "woman she her"


@pytest.fixture(scope="module")
def unit(kv):
    return kv.get_normed_vectors().astype(np.float64)


def direction(kv, a: str, b: str) -> np.ndarray:
    mean = lambda pole: np.mean([kv.get_vector(w, norm=True) for w in pole.split()], axis=0)  # noqa: E731
    d = (mean(a) - mean(b)).astype(np.float64)
    return d / np.linalg.norm(d)


def test_words_are_placed_by_their_cosine_with_the_axis(glove, kv):
    words = ["nurse", "doctor", "engineer", "teacher", "king", "queen"]
    rows = tsv(invoke([*M, "axis", MALE, FEMALE, *words]).stdout)
    d = direction(kv, MALE, FEMALE)
    expected = {w: float(kv.get_vector(w, norm=True).astype(np.float64) @ d) for w in words}
    assert [r["word"] for r in rows] == sorted(words, key=lambda w: -expected[w])
    for r in rows:
        assert abs(float(r["score"]) - expected[r["word"]]) < 1e-6
        assert r["toward"] == ("man" if float(r["score"]) >= 0 else "woman")


@pytest.mark.parametrize("restrict", [None, 50000])
def test_the_ends_of_the_vocabulary_are_the_brute_force_ends(glove, kv, unit, restrict):
    args = [*M, "axis", "good great", "bad awful", "-n", "5"] + (
        ["--restrict", str(restrict)] if restrict else []
    )
    rows = tsv(invoke(args).stdout)
    d = direction(kv, "good great", "bad awful")
    scores = unit[: restrict or len(unit)] @ d
    for w in ("good", "great", "bad", "awful"):
        scores[kv.key_to_index[w]] = np.nan
    order = np.argsort(-np.nan_to_num(scores, nan=-9))
    top = [kv.index_to_key[i] for i in order[:5]]
    bottom = [kv.index_to_key[i] for i in np.argsort(np.nan_to_num(scores, nan=9))[:5]]
    assert [r["word"] for r in rows] == top + bottom
    assert [r["toward"] for r in rows] == ["good"] * 5 + ["bad"] * 5
    for r in rows:
        assert abs(float(r["score"]) - scores[kv.key_to_index[r["word"]]]) < 1e-6
    # a word's score is the same bits asked alone and found at an end
    alone = tsv(invoke([*M, "axis", "good great", "bad awful", rows[0]["word"]]).stdout)
    assert alone[0]["score"] == rows[0]["score"]


def taken_out(unit: np.ndarray, d: np.ndarray) -> np.ndarray:
    away = unit - np.outer(unit @ d, d)
    return away / np.linalg.norm(away, axis=1, keepdims=True)


def test_neighbours_with_the_axis_taken_out(glove, kv, unit):
    d = direction(kv, MALE, FEMALE)
    away = taken_out(unit, d)
    q = away[kv.key_to_index["nurse"]]
    scores = away @ q
    scores[kv.key_to_index["nurse"]] = -9
    expected = [kv.index_to_key[i] for i in np.argsort(-scores)[:10]]
    rows = tsv(invoke([*M, "neighbors", "nurse", "--away", MALE, FEMALE]).stdout)
    assert [r["word"] for r in rows] == expected
    assert all(abs(float(r["similarity"]) - scores[kv.key_to_index[r["word"]]]) < 1e-6 for r in rows)
    plain = tsv(invoke([*M, "neighbors", "nurse"]).stdout)
    assert [r["word"] for r in plain] != expected  # the axis mattered: the check above can fail


def test_similarity_with_the_axis_taken_out(glove, kv, unit):
    d = direction(kv, MALE, FEMALE)
    away = taken_out(unit, d)
    rows = tsv(invoke([*M, "similar", "nurse", "man", "woman", "--away", MALE, FEMALE]).stdout)
    for r in rows:
        a, b = (away[kv.key_to_index[r[k]]] for k in ("word1", "word2"))
        assert abs(float(r["similarity"]) - float(a @ b)) < 1e-6
    by_pair = {(r["word1"], r["word2"]): float(r["similarity"]) for r in rows}
    assert abs(by_pair[("nurse", "man")] - by_pair[("nurse", "woman")]) < 0.05  # neutralised


@pytest.mark.parametrize(
    "args, code, says",
    [
        (["axis", "man", "man"], 3, "same mean"),
        (["axis", "man kitteh", "woman"], 3, "did you mean"),
        (["axis", " , ", "woman"], 2, "a pole is one or more words"),
        (["neighbors", "-", "--away", "man", "woman"], 2, "--away takes one word"),
        (["neighbors", "man", "--away", "man", "woman"], 0, ""),
    ],
)
def test_bad_axes_are_one_line(glove, args, code, says):
    result = invoke([*M, *args])
    assert result.exit_code == code, result.stderr
    if code:
        assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_word_whose_vector_is_all_zeros_is_refused_as_a_pole_a_weat_word_odd_or_plotted(kv, tmp_path):
    """An all-zero vector has no direction: in a pole it would shrink the pole's mean (and so turn
    the axis), in a WEAT set it adds cosines of 0. Refused in one line, naming the word; the ends
    of an axis never list it."""
    import vecq

    words = kv.index_to_key[:300] + ["nothing"]
    vectors = np.vstack([kv.vectors[:300], np.zeros((1, kv.vector_size), dtype=np.float32)])
    model = ["-m", str(write_text_model(tmp_path / "with-zero.txt", words, vectors))]
    assert invoke([*model, "cache", "build"]).exit_code == 0  # converted first: one line each below
    for args in (
        ["axis", "he nothing", "she"],
        ["neighbors", "man", "--away", "he", "she nothing"],
        ["weat", "--x", "he him", "--y", "she nothing", "--a", "good", "--b", "no"],
    ):
        result = invoke([*model, *args])
        assert result.exit_code == 3, (args, result.stderr)
        assert "'nothing': a vector of all zeros has no direction" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    ends = invoke([*model, "axis", "he", "she", "-n", "300", "-f", "json"])
    assert ends.exit_code == 0, ends.stderr
    assert "nothing" not in {r["word"] for r in json.loads(ends.stdout)}
    with pytest.raises(ValueError, match="no direction"):
        vecq.load(model[1]).weat(["he", "him"], ["she", "nothing"], ["good"], ["no"])
    # the lecture's picture: a point with no direction would sit where the projection puts zero
    plot = invoke([*model, "plot", "he", "she", "nothing", "-o", str(tmp_path / "p.png")])
    assert plot.exit_code == 3 and "'nothing': a vector of all zeros has no direction" in plot.stderr
    assert not (tmp_path / "p.png").exists()
    # the odd one out: gensim scores every word NaN with it, so its pick is arbitrary
    odd = invoke([*model, "odd", "he", "she", "nothing", "him"])
    assert odd.exit_code == 3 and "'nothing': a vector of all zeros has no direction" in odd.stderr
    with pytest.raises(ValueError, match="no direction"):
        vecq.load(model[1]).doesnt_match(["he", "she", "nothing", "him"])


def test_a_word_is_at_one_end_of_the_axis_only(glove_raw, tmp_path):
    """With fewer words than the two ends ask for, pole b's end is what pole a's leaves, lowest
    first: no word twice, none lost, and a score of 0 is never printed as -0."""
    words, vectors = glove_raw
    model = write_text_model(tmp_path / "m.txt", words[:12], vectors[:12])
    result = invoke(["-m", str(model), "axis", "the", "of", "-n", "8"])
    rows = tsv(result.stdout)
    listed = [r["word"] for r in rows]
    assert sorted(listed) == sorted(set(words[:12]) - {"the", "of"}), result.stderr  # each once
    assert [r["toward"] for r in rows] == ["the"] * 8 + ["of"] * 2
    scores = [float(r["score"]) for r in rows]
    assert scores[:8] == sorted(scores[:8], reverse=True) and scores[8:] == sorted(scores[8:])
    assert min(scores[:8]) >= max(scores[8:])
    assert not any(r["score"].startswith("-0.000000") for r in rows)


def test_a_word_along_the_axis_is_no_neighbour_once_it_is_taken_out(kv, tmp_path):
    """A pole of one word against a pole whose mean is zero (two opposite vectors): the axis is
    that word's own direction, and with the axis taken out nothing is left of the word but
    rounding. It was ranked by the cosine of that noise (0.64 on a small model); it is no
    neighbour, and the other words keep numpy's scores."""
    n = 1000
    words = [*kv.index_to_key[:n], "plus", "minus"]
    vectors = np.vstack([kv.vectors[:n], kv.vectors[5], -kv.vectors[5]])
    model = write_text_model(tmp_path / "opposites.txt", words, vectors)
    result = invoke(["-m", str(model), "neighbors", "man", "--away", "king", "plus minus", "-n", "1002"])
    rows = tsv(result.stdout)
    assert result.exit_code == 0, result.stderr
    unit = vectors.astype(np.float64) / np.linalg.norm(vectors, axis=1, keepdims=True)
    row = {w: i for i, w in enumerate(words)}
    d = unit[row["king"]]
    away = unit - np.outer(unit @ d, d)
    norms = np.linalg.norm(away, axis=1)
    assert norms[row["king"]] < 1e-6  # the word lies along its own axis
    scores = (away @ away[row["man"]]) / np.maximum(norms, 1e-300) / norms[row["man"]]
    expected = sorted((w for w in words if w not in ("man", "king")), key=lambda w: -scores[row[w]])
    assert [r["word"] for r in rows] == expected  # every word but these two: none lost, none added
    assert all(abs(float(r["similarity"]) - scores[row[r["word"]]]) < 1e-5 for r in rows)


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dims=st.sampled_from([3, 50, 300]),
    lean=st.floats(0, 1),
    shifts=st.tuples(st.floats(-1, 1), st.floats(-1, 1))
    | st.sampled_from([(-1.0, 1.0), (-1.0, -1.0), (1.0, 1.0)]),
)
def test_the_away_bound_is_above_every_exact_score_within_the_slack(seed, dims, lean, shifts):
    """``--away``'s search ranks rows by ``_AwayBound``: no row's exact score (``neighbors_away``'s
    float64 steps) is above its bound from the search's products moved anywhere within their slack,
    rows leaning along the axis (``lean``: to nothing left) and away from the query included."""
    from vecq.core.axes import NO_DIRECTION, NOTHING_LEFT, _AwayBound
    from vecq.core.ranking import cosine_slack
    from vecq.core.unit import unit_rows

    rng = np.random.default_rng(seed)
    d = unit_rows(rng.normal(size=(1, dims)).astype(np.float32))[0][0].astype(np.float64)
    q = rng.normal(size=dims)
    q_away = q - (q @ d) * d
    q_away /= np.linalg.norm(q_away)
    raw = rng.normal(size=(64, dims)) * (1 - lean) + np.outer(rng.choice([-1, 1], 64), d) * lean
    rows = unit_rows(raw.astype(np.float32))[0]
    wide = rows.astype(np.float64)
    away = wide - np.outer(wide @ d, d)
    norms = np.linalg.norm(away, axis=1)
    cosines = (away @ q_away) / np.where(norms >= NO_DIRECTION, norms, 1.0)
    exact = np.where(norms >= NO_DIRECTION, cosines, NOTHING_LEFT).astype(np.float32)
    slack = cosine_slack(dims)
    toward, along = (_within(wide @ v, shift * slack, slack) for v, shift in zip((q_away, d), shifts))
    bound = _AwayBound(dims, float(d @ q_away), float(d @ d)).above(toward, along)
    above = exact > bound
    assert not above.any(), (exact[above], bound[above])


def _within(products: np.ndarray, shift: float, slack: float) -> np.ndarray:
    """float32 search products: the exact ones moved by ``shift``, never rounded past ``slack``."""
    held = (products + shift).astype(np.float32)
    beyond = np.abs(held - products) > slack
    held[beyond] = np.nextafter(held[beyond], products[beyond].astype(np.float32))
    return held
