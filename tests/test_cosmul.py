"""3CosMul's bound from above (``cosmul_upper``): no exact score within the slack is above it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vecq.core.cosmul import UNIT_LENGTH, cosmul, cosmul_upper

# a unit row's exact cosine with a unit term lies within UNIT_LENGTH squared of 0
REACH = UNIT_LENGTH**2
_EDGE = float(np.float32(1 + 2.0**-20))  # a float32 within REACH
near_minus_one = st.floats(-_EDGE, float(np.float32(-1 + 1e-5)), width=32)
cosine = st.floats(-_EDGE, _EDGE, width=32) | near_minus_one | st.sampled_from([-1.0, 0.0, 1.0])


def _exact_within(search: np.ndarray, slack: np.ndarray, shifts: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Cosines within ``slack`` of the search's (``shifts`` in [-1, 1] place them, the ends
    included), as float32 (never rounded past the slack), inside the range the terms allow."""
    wide = search.astype(np.float64)
    exact = np.clip(wide + shifts * slack[:, None, None], -limit[:, None, None], limit[:, None, None])
    held = exact.astype(np.float32)
    beyond = np.abs(held - wide) > slack[:, None, None]  # rounded past the slack: a step back
    held[beyond] = np.nextafter(held[beyond], search[beyond])
    return held


@st.composite
def questions(draw, unit: bool):
    p, q, n = draw(st.integers(1, 3)), draw(st.integers(0 if not unit else 1, 3)), draw(st.integers(1, 12))
    lengths = (
        np.ones(p + q) if unit else np.array(draw(st.lists(st.floats(0, 50), min_size=p + q, max_size=p + q)))
    )
    values = draw(st.lists(cosine, min_size=(p + q) * n, max_size=(p + q) * n))
    search = np.array(values, dtype=np.float32).reshape(p + q, 1, n) * lengths[:, None, None].astype(
        np.float32
    )
    slack = np.array(draw(st.lists(st.floats(0, 1e-4), min_size=p + q, max_size=p + q))) * np.maximum(
        lengths, 1e-30
    )
    ends = st.sampled_from([-1.0, 1.0]) | st.floats(-1, 1)
    shifts = np.array(draw(st.lists(ends, min_size=(p + q) * n, max_size=(p + q) * n))).reshape(p + q, 1, n)
    limit = lengths * REACH
    return p, search, slack, _exact_within(search, slack, shifts, limit)


def _no_score_above(p: int, search: np.ndarray, slack: np.ndarray, exact: np.ndarray, unit: bool) -> None:
    bound = cosmul_upper(search[:p], search[p:], slack[:p], slack[p:], unit_terms=unit)
    with np.errstate(all="ignore"):
        scores = cosmul(exact[:p], exact[p:])
    assert bound.dtype == np.float32
    finite = ~np.isnan(scores)
    assert (scores[finite] <= bound[finite]).all(), (scores, bound)


@settings(max_examples=600, deadline=None)
@given(questions(unit=True))
def test_no_exact_score_of_unit_terms_is_above_the_bound(question):
    _no_score_above(*question, unit=True)


@settings(max_examples=400, deadline=None)
@given(questions(unit=False))
def test_no_exact_score_of_terms_of_any_length_is_above_the_bound(question):
    _no_score_above(*question, unit=False)


def test_the_bound_is_near_the_score_where_the_shifted_cosines_are_not_small():
    """A bound far above every score would send every row to exact scoring: within a few slacks."""
    rng = np.random.default_rng(0)
    search = rng.uniform(-0.5, 0.9, (3, 1, 1000)).astype(np.float32)
    slack = np.full(3, 1e-5)
    bound = cosmul_upper(search[:2], search[2:], slack[:2], slack[2:])
    scores = cosmul(search[:2], search[2:])
    assert (bound >= scores).all()
    assert ((bound - scores) / scores).max() < 20 * 1e-5


def test_most_similar_cosmul_with_vectors_of_any_length_is_the_exact_ranking():
    """A user's vectors (length 5 and 0.2, gensim takes them as given) go through the interval
    bound: the answers are every row's exact 3CosMul ranking (``topn=None``'s scores), ties by row.
    A long negative vector makes some shifted cosines 0 or below: those rows' bounds are inf (they
    bound nothing) and are scored exactly, not left out (an empty answer before)."""
    from vecq.api import KeyedVectors

    rng = np.random.default_rng(5)
    kv = KeyedVectors(20)
    kv.add_vectors([f"w{i}" for i in range(3000)], rng.normal(size=(3000, 20)).astype(np.float32))
    long_vector, short_vector = (rng.normal(size=20) for _ in range(2))
    long_vector *= 5 / np.linalg.norm(long_vector)
    short_vector *= 0.2 / np.linalg.norm(short_vector)
    questions = (
        ([long_vector, "w1"], ["w2"]),
        (["w3"], [short_vector, "w4"]),
        (["w5"], [long_vector]),
        ([short_vector], [long_vector, "w6"]),
    )
    for positive, negative in questions:
        every = kv.most_similar_cosmul(positive=positive, negative=negative, topn=None)
        given = {w for w in positive + negative if isinstance(w, str)}
        order = [r for r in np.lexsort((np.arange(3000), -every)).tolist() if f"w{r}" not in given]
        found = kv.most_similar_cosmul(positive=positive, negative=negative, topn=10)
        assert len(found) == 10
        assert found == [(f"w{r}", float(every[r])) for r in order[:10]]
