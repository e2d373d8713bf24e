"""Properties of the engine on random vectors (hypothesis), with brute force and gensim as oracles."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.models import KeyedVectors
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vecq.core.expression import Term
from vecq.core.model import Model
from vecq.core.queries import NeighborsQuery
from vecq.errors import QueryError

# Oracle comparisons over many generated models: run by CI, left out of `pytest -m "not slow"`.
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def searched(monkeypatch):
    """The blocked search and its proofs, not the one-product path for few rows
    (``EVERY_ROW_NUMBERS``), answer these small models' single queries;
    test_every_row_ranking_is_the_searchs holds the two alike."""
    from vecq.core import model as model_module

    monkeypatch.setattr(model_module, "EVERY_ROW_NUMBERS", 0)


# Zero, or magnitudes a trained model has: float32 subnormals (1e-29) would make gensim's own norms
# underflow to 0 and its scores infinite, which says nothing about either implementation.
finite = st.one_of(
    st.just(0.0), st.floats(0.0009765625, 10, width=32), st.floats(-10, -0.0009765625, width=32)
)


@st.composite
def models(draw, min_rows=4, max_rows=60):
    rows = draw(st.integers(min_rows, max_rows))
    dims = draw(st.integers(2, 12))
    raw = draw(arrays(np.float32, (rows, dims), elements=finite))
    words = [f"w{i}" for i in range(rows)]
    return Model.from_arrays(words, raw), words, raw


@settings(max_examples=60, deadline=None)
@given(models(), st.data())
def test_similarity_is_symmetric_and_bounded(m, data):
    model, words, _ = m
    a = model.lookup(data.draw(st.sampled_from(words)))
    b = model.lookup(data.draw(st.sampled_from(words)))
    ab = model.similarity(a, b).similarity
    assert ab == model.similarity(b, a).similarity
    assert -1.0001 <= ab <= 1.0001 and not np.isnan(ab)


@settings(max_examples=60, deadline=None)
@given(models(), st.data(), st.integers(1, 80))
def test_neighbours_are_sorted_exclude_the_word_and_equal_brute_force(m, data, top):
    model, words, raw = m
    word = data.draw(st.sampled_from(words))
    row = words.index(word)
    assume(np.linalg.norm(raw[row]) > 0)  # an all-zero word has no neighbours: test_cli covers it
    result = model.neighbors([Term(1.0, model.lookup(word))], top=top)
    scores = [n.similarity for n in result]
    assert scores == sorted(scores, reverse=True)
    assert word not in [n.word for n in result]
    norms = np.linalg.norm(raw, axis=1)
    assume(norms[row] > 0)
    unit = np.where(norms[:, None] > 0, raw / np.where(norms > 0, norms, 1)[:, None], 0)
    brute = unit @ unit[row]
    candidates = [i for i in range(len(words)) if i != row and norms[i] > 0]
    expected = sorted(candidates, key=lambda i: -brute[i])[:top]
    assert len(result) == len(expected)
    np.testing.assert_allclose(scores, brute[expected], atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(models(min_rows=6), st.data())
def test_analogies_equal_gensim(m, data):
    model, words, raw = m
    norms = np.linalg.norm(raw, axis=1)
    usable = [w for w, n in zip(words, norms) if n > 1e-3]
    assume(len(usable) >= 5)
    a, b, c = data.draw(st.lists(st.sampled_from(usable), min_size=3, max_size=3, unique=True))
    assume(
        np.linalg.norm(
            raw[words.index(a)] / norms[words.index(a)]
            - raw[words.index(b)] / norms[words.index(b)]
            + raw[words.index(c)] / norms[words.index(c)]
        )
        >= 1e-3
    )
    kv = KeyedVectors(raw.shape[1], dtype=np.float32)
    kv.add_vectors(words, raw)
    theirs = [(w, s) for w, s in kv.most_similar(positive=[a, c], negative=[b], topn=3) if not np.isnan(s)]
    ours = model.analogy(model.lookup(a), model.lookup(b), model.lookup(c), top=3)
    theirs = theirs[: len(ours)]
    assert len(ours) == len(theirs)
    for x, (w, s) in zip(ours, theirs):
        assert abs(x.score - s) < 1e-4
        if x.answer != w:  # a tie within float rounding may order differently
            assert abs(x.score - s) < 1e-5


@settings(max_examples=30, deadline=None)
@given(models(min_rows=5), st.data())
def test_batch_answers_equal_single_answers(m, data):
    model, words, _ = m
    queries = data.draw(st.lists(st.sampled_from(words), min_size=1, max_size=10))
    batch = NeighborsQuery(top=3).answer_chunk(model, [[q] for q in queries])
    for q, outcome in zip(queries, batch):
        try:
            single = model.neighbors([Term(1.0, model.lookup(q))], top=3)
        except QueryError as e:  # an all-zero word: the same error, alone and in the batch
            assert (
                outcome.error is not None
                and "zero vector" in e.message
                and "zero vector" in outcome.error.message
            )
            continue
        # the same words in the same order with the same scores, to the bit
        assert [(r["word"], r["similarity"]) for r in outcome.records] == [
            (n.word, n.similarity) for n in single
        ]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), top=st.integers(1, 15), spread=st.sampled_from([1e-7, 3e-7, 1e-6]))
def test_near_duplicates_answer_alone_in_a_batch_and_exactly_alike(seed, top, spread):
    """Thousands of rows a few float32 steps apart, more of them near the k-th score than the
    rescoring margin holds: BLAS's rounding (which depends on the batch) chose which of them were
    candidates, so a query answered other rows alone and in a batch, neither the exact ranking
    (30 models in 30). Near the k-th, every row is scored exactly."""
    from vecq.core.expression import Term
    from vecq.core.ranking import exact_dots
    from vecq.core.words import Match

    rng = np.random.default_rng(seed)
    base = rng.normal(size=50).astype(np.float32)
    near = base + (rng.normal(0, spread, (2000, 50)) * np.abs(base)).astype(np.float32)
    raw = np.vstack([near, rng.normal(size=(50, 50))]).astype(np.float32)
    model = Model.from_arrays([f"w{i}" for i in range(len(raw))], raw)
    asked = rng.choice(len(raw), 24, replace=False).tolist()
    terms = [[Term(1.0, Match(f"w{q}", f"w{q}", q))] for q in asked]
    batch = model.neighbors_many(terms, top=top)
    directions = model.directions(terms)
    every = np.arange(len(raw))
    for j, q in enumerate(asked):
        (alone,) = model.neighbors_many([terms[j]], top=top)
        assert alone == batch[j]
        exact = exact_dots(np.repeat(directions[j][None], len(raw), axis=0), model.vectors, every)
        exact[q] = -np.inf
        assert [row for row, _ in alone] == sorted(every.tolist(), key=lambda i: (-exact[i], i))[:top]


def _basis_rows_and_a_dense_row_just_above(dims: int):
    """A model whose exact best row, for the query ``unit``, is a dense row scoring 1e-6 above nine
    basis rows (their products round exactly: no drift to measure) that lie within 0.4e-6 of each
    other; every other row scores 0 or less. The query is row 3010 (a unit row), and row 3011 a
    row of no importance. Returns (model, unit, the dense row)."""
    rng = np.random.default_rng(dims)
    q = np.zeros(dims)
    q[:9] = 0.3 - np.arange(9) * 5e-8
    q[9:] = rng.normal(size=dims - 9)
    q[9:] *= np.sqrt(1 - q[:9] @ q[:9]) / np.linalg.norm(q[9:])
    other = rng.normal(size=dims)
    other -= (other @ q) * q
    other /= np.linalg.norm(other)
    cosine = float(np.float32(q[0])) + 1e-6
    dense = cosine * q + np.sqrt(1 - cosine**2) * other
    filler = rng.normal(size=(3002, dims))
    filler *= -np.sign(filler @ q)[:, None]
    filler[3000] = q  # the query, as a row
    raw = np.vstack([filler[:1500], np.eye(9, dims), dense[None], filler[1500:]]).astype(np.float32)
    model = Model.from_arrays([f"w{i}" for i in range(len(raw))], raw)
    unit = np.asarray(model.vectors[3010])
    from vecq.core.ranking import exact_dots

    every = np.arange(len(raw))
    exact = exact_dots(np.repeat(unit[None], len(raw), axis=0), model.vectors, every)
    exact[[3010, 3011]] = -np.inf
    assert sorted(every.tolist(), key=lambda i: (-exact[i], i))[:2] == [1509, 1500]  # dense, then e_0
    return model, unit, 1509, float(exact[1509])


def _search_rounding_low(monkeypatch, model: Model, row: int, by: float) -> None:
    """The float32 search's score of ``row`` lowered by ``by``, as BLAS's rounding may."""
    from vecq.core import model as model_module

    lowered = np.array(model.vectors[row])
    search = model_module.spread_top_k

    def rounded_low(score_block, *args, **kwargs):
        def scores(block, *which):
            out = np.array(score_block(block, *which))
            out[:, (np.asarray(block) == lowered).all(axis=1)] -= by
            return out

        return search(scores, *args, **kwargs)

    monkeypatch.setattr(model_module, "spread_top_k", rounded_low)


@pytest.mark.parametrize("dims", [50, 300])
def test_a_row_left_out_within_blass_rounding_is_still_found(monkeypatch, dims):
    """The rescoring's proof: a search score is off its exact score by at most ``dot_rounding``,
    whatever BLAS's order of sums. Candidates whose products round exactly (basis rows: drift 0)
    measured no rounding, so a margin measured on them missed a dense row whose own product BLAS
    had rounded 4 float32 steps low (found by a search over 700 such models, about 1 in 60, at
    cosines near 0.06). Here the search's score of the dense row is lowered by half the bound, and
    the answer is still the exact ranking (float64 sums of the unit rows, ties by row): for a
    query, and for a batch of analogies summed by parts (A - B + B, whose direction is A's)."""
    from vecq.core.ranking import dot_rounding
    from vecq.core.words import Match

    model, unit, dense, score = _basis_rows_and_a_dense_row_just_above(dims)
    _search_rounding_low(monkeypatch, model, dense, 0.5 * dot_rounding(dims))
    assert model.neighbors_of_directions(unit[None], top=1, exclude=[[3010, 3011]]) == [[(dense, score)]]
    a, b = (Match(f"w{r}", f"w{r}", r) for r in (3010, 3011))
    answers = model.analogies([(a, b, b)] * 64, top=1)  # 64 questions of one pair: summed by parts
    assert answers == [[(dense, score)]] * 64


@pytest.mark.parametrize("dims", [50, 300])
def test_a_row_below_the_kth_within_blass_rounding_is_found_scoring_every_row(monkeypatch, dims):
    """``_every_row_ranked``'s proof, as the search's above: one query over few rows is one float32
    product and the rows within twice its rounding of the k-th are scored exactly. The product's
    score of the dense row (exactly best, 1e-6 above basis rows whose products round exactly) is
    lowered by half the bound, below the k-th's, and the answer is still the exact ranking."""
    from vecq.core import model as model_module
    from vecq.core.ranking import dot_rounding

    model, unit, dense, score = _basis_rows_and_a_dense_row_just_above(dims)
    monkeypatch.setattr(model_module, "EVERY_ROW_NUMBERS", 1 << 22)
    lowered, product = np.array(model.vectors[dense]), model_module.float32_scores

    def rounded_low(rows, direction):
        out = product(rows, direction)
        out[(np.asarray(rows) == lowered).all(axis=1)] -= 0.5 * dot_rounding(dims)
        return out

    monkeypatch.setattr(model_module, "float32_scores", rounded_low)
    for top in (1, 2, 5):
        (answer,) = model.neighbors_of_directions(unit[None], top=top, exclude=[[3010, 3011]])
        assert answer[0] == (dense, score)


def _cosmul_model(dims: int):
    """A model whose exact best 3CosMul answer to (q, z, q) (q - z + q, 3CosMul: cos(x, q)
    squared, shifted, over cos(x, z)) is a dense row whose cosine with q is 0.05 of a product's
    bound (``dot_rounding``, g) above nine basis rows' (0.145 g apart: their products round exactly,
    no drift to measure); z is orthogonal to all ten and to q, every other row scores lower.
    Returns (model, q's row, z's row, the dense row)."""
    from vecq.core.ranking import dot_rounding

    g = dot_rounding(dims)
    rng = np.random.default_rng(dims + 1)
    q = np.zeros(dims)
    q[:9] = 0.3 - np.arange(9) * 0.145 * g
    q[9:] = rng.normal(size=dims - 9)
    q[9:] *= np.sqrt(1 - q[:9] @ q[:9]) / np.linalg.norm(q[9:])
    other = rng.normal(size=dims)
    other[:9] = 0
    other -= (other @ q) * q
    other /= np.linalg.norm(other)
    cosine = float(np.float32(q[0])) + 0.05 * g
    dense = cosine * q + np.sqrt(1 - cosine**2) * other
    z = np.zeros(dims)  # 0 on the basis rows, orthogonal to q and to the dense row
    span = np.linalg.qr(np.stack([q[9:], other[9:]], axis=1))[0]
    z[9:] = rng.normal(size=dims - 9)
    z[9:] -= span @ (span.T @ z[9:])
    filler = rng.normal(size=(3000, dims))
    filler *= -np.sign(filler @ q)[:, None]
    raw = np.vstack([filler[:1500], np.eye(9, dims), dense[None], filler[1500:], q[None], z[None]])
    return Model.from_arrays([f"w{i}" for i in range(len(raw))], raw.astype(np.float32)), 3010, 3011, 1509


def _exact_cosmul_ranking(model: Model, a: int, b: int, c: int) -> list[tuple[int, float]]:
    from vecq.core.cosmul import cosmul
    from vecq.core.ranking import exact_dots

    every = np.arange(len(model))
    cos = [
        exact_dots(np.repeat(np.asarray(model.vectors[r])[None], len(every), 0), model.vectors, every)
        for r in (a, c, b)
    ]
    scores = cosmul(np.stack(cos[:2]), np.stack(cos[2:]))
    scores[[a, b, c]] = -np.inf
    return [(r, float(scores[r])) for r in sorted(every.tolist(), key=lambda r: (-scores[r], r))]


def _search_sees_row_moved(monkeypatch, model: Model, row: int, by: np.ndarray) -> None:
    """The search's products of ``row`` made as if the row were ``row + by``: each cosine with a
    unit vector off by at most ``|by|``, as BLAS's rounding may leave it (``cosine_slack``)."""
    from vecq.core import model as model_module

    original = np.array(model.vectors[row])
    moved = (original + by).astype(np.float32)
    search = model_module.spread_top_k

    def moved_row(score_block, *args, **kwargs):
        def scores(block, *which):
            block = np.array(block)
            block[(block == original).all(axis=1)] = moved
            return score_block(block, *which)

        return search(scores, *args, **kwargs)

    monkeypatch.setattr(model_module, "spread_top_k", moved_row)


@pytest.mark.parametrize("dims", [50, 300])
def test_a_cosmul_row_left_out_within_blass_rounding_is_still_found(monkeypatch, dims):
    """3CosMul's search ranks rows by a bound from above on their exact scores
    (``cosmul_upper``), so a row it leaves out is proven unable to reach the k-th. Its margin was
    measured on the candidates (their drift), and candidates whose products round exactly measure
    none: here the dense row's products with q are lowered, and with z raised, by 0.9 of BLAS's
    bound (``dot_rounding``), which sinks it below nine basis rows, and the answer was a basis row. It is
    the exact best, for the engine's analogies and for the API's ``most_similar_cosmul``; with
    half the slack (``cosine_slack``) the basis rows' bounds fall short of the best one's score and
    a basis row answers again."""
    from vecq.api import KeyedVectors
    from vecq.core.ranking import dot_rounding
    from vecq.core.words import Match

    model, a, b, dense = _cosmul_model(dims)
    exact = _exact_cosmul_ranking(model, a, b, a)
    assert exact[0][0] == dense and [r for r, _ in exact[1:10]] == list(range(1500, 1509))
    rows = np.asarray(model.vectors)
    _search_sees_row_moved(monkeypatch, model, dense, 0.9 * dot_rounding(dims) * (rows[b] - rows[a]))
    qa, qb = (Match(f"w{r}", f"w{r}", r) for r in (a, b))
    for top in (1, 3):
        assert model.analogies([(qa, qb, qa)], top=top, method="cosmul") == [exact[:top]]
        assert model.analogies([(qa, qb, qa)] * 5, top=top, method="cosmul") == [exact[:top]] * 5
    kv = KeyedVectors(dims)
    kv.add_vectors([f"w{r}" for r in range(len(model))], np.asarray(model.vectors))
    assert np.array_equal(kv.get_vector(f"w{dense}", norm=True), model.vectors[dense])
    found = kv.most_similar_cosmul(positive=[f"w{a}", f"w{a}"], negative=[f"w{b}"], topn=3)
    assert found == [(f"w{r}", score) for r, score in exact[:3]]


@pytest.mark.parametrize("dims", [50, 300])
def test_an_away_row_left_out_within_blass_rounding_is_still_found(monkeypatch, dims):
    """``neighbors --away``: the search ranks rows by a bound from above on their exact scores once
    the axis is taken out, so the dense row, whose product with the query is lowered by 0.9 of
    BLAS's bound and which sank below nine basis rows (drift 0 on them), is still the answer; with
    half the slack in the bound a basis row answers."""
    from vecq.core.axes import Axis, neighbors_away
    from vecq.core.ranking import dot_rounding

    g = dot_rounding(dims)
    rng = np.random.default_rng(dims + 2)
    axis, q, other = np.zeros(dims), np.zeros(dims), np.zeros(dims)
    axis[9:], other[9:] = rng.normal(size=(2, dims - 9))
    axis /= np.linalg.norm(axis)
    q[:9] = 0.3 - np.arange(9) * 0.09 * g  # the basis rows' cosines, 0.09 g apart
    rest = rng.normal(size=dims)
    rest[:9] = 0
    rest -= (rest @ axis) * axis
    q += rest * np.sqrt(1 - q @ q) / np.linalg.norm(rest)
    span = np.linalg.qr(np.stack([axis, q], axis=1))[0]
    other -= span @ (span.T @ other)
    other /= np.linalg.norm(other)
    cosine = float(np.float32(q[0])) + 0.05 * g
    dense = cosine * q + np.sqrt(1 - cosine**2) * other  # orthogonal to the axis: nothing taken
    filler = rng.normal(size=(3000, dims))
    filler *= -np.sign(filler @ q)[:, None]
    raw = np.vstack([filler[:1500], np.eye(9, dims), dense[None], filler[1500:], q[None]])
    model = Model.from_arrays([f"w{i}" for i in range(len(raw))], raw.astype(np.float32))
    unit_axis = Axis([], [], axis.astype(np.float32))
    query = np.asarray(model.vectors[3010])
    assert [r for r, _ in neighbors_away(model, unit_axis, query, [3010], 10)] == [1509, *range(1500, 1509)]
    _search_sees_row_moved(monkeypatch, model, 1509, -0.9 * g * query)
    exact = neighbors_away(model, unit_axis, query, [3010], 1)  # nine candidates: the basis rows
    assert [r for r, _ in exact] == [1509]


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), top=st.integers(1, 12), spread=st.sampled_from([1e-7, 1e-6, 1e-5]))
def test_near_duplicates_answer_3cosmul_and_away_exactly(seed, top, spread):
    """Thousands of rows a few float32 steps apart, for 3CosMul (alone and in a batch) and for
    ``--away``: every answer is the exact ranking of every row (ties by row)."""
    from vecq.core.axes import Axis, neighbors_away
    from vecq.core.words import Match

    rng = np.random.default_rng(seed)
    base = rng.normal(size=50).astype(np.float32)
    near = base + (rng.normal(0, spread, (2000, 50)) * np.abs(base)).astype(np.float32)
    raw = np.vstack([near, rng.normal(size=(50, 50))]).astype(np.float32)
    model = Model.from_arrays([f"w{i}" for i in range(len(raw))], raw)
    asked = rng.choice(len(raw), (6, 3), replace=False).tolist()
    triples = [tuple(Match(f"w{r}", f"w{r}", r) for r in three) for three in asked]
    batch = model.analogies(triples, top=top, method="cosmul")
    for j, (a, b, c) in enumerate(asked):
        exact = _exact_cosmul_ranking(model, a, b, c)[:top]
        assert model.analogies([triples[j]], top=top, method="cosmul") == [exact] == [batch[j]]
    axis = np.asarray(model.vectors[2010]) - np.asarray(model.vectors[2011])
    unit_axis = Axis([], [], (axis / np.linalg.norm(axis)).astype(np.float32))
    for q in asked[0]:
        query = np.asarray(model.vectors[q])
        answer = neighbors_away(model, unit_axis, query, [q], top)
        every = neighbors_away(model, unit_axis, query, [q], len(model))  # every row, exactly ranked
        assert answer == every[:top]


def _midpoint_rows(rng: np.random.Generator, count: int, dims: int = 50):
    """Rows of length about 0.5 (within ``exact_scores``' unit bound) whose products with ``q``
    (every entry 2**-3) sum to a float32 midpoint (a float32 number and half its step) plus a few
    float64 steps' worth of tiny products, each a third of a float64 step or so: a sum that adds
    them to the big product one at a time loses them (and rounds the tie to even), one that adds
    them first does not. Each row's terms sit at random places. Returns (rows, q)."""
    rows = np.zeros((count, dims), np.float32)
    for row in rows:
        places = rng.permutation(dims)
        big = np.float32(0.5) + np.float32(2.0**-24) * rng.integers(0, 64)  # products 2**-4 and up
        row[places[0]] = big
        row[places[1]] = 2.0**-25  # half the float32 step of the big product, once multiplied
        tiny = rng.integers(1, 20)
        row[places[2 : 2 + tiny]] = rng.choice([-3.0, 3.0]) * 2.0**-56  # 3/8 of a float64 step
    return rows, np.full(dims, 2.0**-3, np.float32)


def test_every_score_of_a_row_is_its_fixed_order_sum_where_orders_round_apart():
    """``exact_scores`` (gensim's ``topn=None``, ``distances``) sums in BLAS's order and proves the
    float32 rounding that order gives is the fixed order's (``exact_dots``'); rows whose sums
    round differently in two orders are summed again in the fixed one, so the array equals the
    listed scores to the bit."""
    from vecq.core.ranking import exact_dots, exact_scores

    rng = np.random.default_rng(7)
    rows, q = _midpoint_rows(rng, 3000)

    def ordered(products, reverse):  # float64 sums one product at a time, by size
        total = 0.0
        for p in sorted(products.tolist(), key=abs, reverse=reverse):
            total += p
        return np.float32(total)

    products = rows.astype(np.float64) * q.astype(np.float64)
    apart = sum(ordered(p, True) != ordered(p, False) for p in products)
    assert apart > 500, "the rows are built so that the order of their sums decides the rounding"
    every = np.arange(len(rows))
    fixed = exact_dots(np.repeat(q[None], len(rows), axis=0), rows, every)
    assert exact_scores(rows, q).view(np.int32).tolist() == fixed.view(np.int32).tolist()


def test_every_pair_of_a_matrix_is_its_fixed_order_sum_where_orders_round_apart():
    """``exact_matrix`` (a similarity matrix) sums a block of pairs in BLAS's order and proves each
    rounding is the fixed order's; pairs whose sums round differently in two orders are summed
    again, so every entry equals ``exact_dots``' score of that pair to the bit."""
    from vecq.core.ranking import exact_dots, exact_matrix

    rng = np.random.default_rng(11)
    rows, q = _midpoint_rows(rng, 2000)
    right = np.stack([q, q * np.float32(0.5), rng.standard_normal(len(q)).astype(np.float32) / 8])
    matrix = exact_matrix(rows, right)
    every = np.arange(len(rows))
    for j, column in enumerate(right):
        fixed = exact_dots(np.repeat(column[None], len(rows), axis=0), rows, every)
        assert matrix[:, j].view(np.int32).tolist() == fixed.view(np.int32).tolist()
    transposed = exact_matrix(right, rows)  # the other way round: the same numbers
    assert transposed.view(np.int32).tolist() == matrix.T.view(np.int32).tolist()


@settings(max_examples=60, deadline=None)
@given(models(min_rows=1), st.data())
def test_a_similarity_matrix_is_every_pairs_similarity(m, data):
    """Every entry, each word against itself and words asked twice included, is the number
    ``similarity`` gives that pair (rows of any length, zero rows, ties)."""
    model, words, _ = m
    asked = data.draw(st.lists(st.sampled_from(words), max_size=12))
    matches = [model.lookup(w) for w in asked]
    matrix = model.similarity_matrix(matches)
    assert matrix.shape == (len(asked), len(asked))
    for i, a in enumerate(matches):
        for j, b in enumerate(matches):
            assert matrix[i, j] == np.float32(model.similarity(a, b).similarity), (i, j)


def test_every_score_of_a_glove_word_is_its_listed_score(glove):
    """Every row's score for 12 random GloVe words, to the bit, as ``exact_dots`` lists them."""
    from vecq.core.ranking import exact_dots, exact_scores

    rng = np.random.default_rng(3)
    every = np.arange(len(glove.vectors))
    for row in rng.choice(len(every), 12, replace=False):
        unit = np.asarray(glove.vectors[row])
        fixed = exact_dots(np.broadcast_to(unit, (len(every), len(unit))), glove.vectors, every)
        assert exact_scores(glove.vectors, unit).view(np.int32).tolist() == fixed.view(np.int32).tolist()


@settings(max_examples=60, deadline=None)
@given(models(min_rows=2, max_rows=200), st.data(), st.integers(1, 40))
def test_every_row_ranking_is_the_searchs(m, data, top):
    """A single query over few numbers is answered from one float32 product of every row and the
    near-best rows scored exactly (``Model._every_row_ranked``): the blocked search's rows, order
    and bits, with rows repeated (ties, ranked by row), zero rows, excluded rows and any window."""
    from vecq.core import model as model_module

    model, words, raw = m
    repeated = data.draw(st.lists(st.integers(0, len(words) - 1), max_size=len(words)))
    raw = raw.copy()
    raw[repeated] = raw[0]  # exact ties
    model = Model.from_arrays(words, raw)
    direction = model.vectors[data.draw(st.integers(0, len(words) - 1))][None]
    exclude = [data.draw(st.lists(st.integers(0, len(words) - 1), max_size=5))]
    skip = data.draw(st.integers(0, len(words) - 1))
    restrict = data.draw(st.one_of(st.none(), st.integers(skip, len(words))))
    asked = dict(top=top, restrict=restrict, exclude=exclude, skip=skip)
    model_module.EVERY_ROW_NUMBERS = 0  # each example sets both; the fixture's monkeypatch undoes it
    searched = model.neighbors_of_directions(np.asarray(direction), **asked)
    model_module.EVERY_ROW_NUMBERS = 1 << 19
    assert model.neighbors_of_directions(np.asarray(direction), **asked) == searched
