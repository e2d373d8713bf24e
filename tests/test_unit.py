"""The one-vector path of ``direction`` against its array path: the same bits for every vector."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vecq.core.unit import UNIT_ALREADY, direction, peak_scaled, unit, unit_rows

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
# components of every magnitude: subnormal, tiny, ordinary, past float32's range
wide = st.builds(
    lambda mantissa, power: mantissa * 2.0**power,
    st.floats(-1, 1, allow_nan=False),
    st.integers(-1074, 1000),
)


def same_bits(one: np.ndarray, rows: np.ndarray) -> None:
    assert one.dtype == rows.dtype == np.float32
    assert one.shape == rows.shape
    assert one.view(np.int32).tolist() == rows.view(np.int32).tolist()


def array_path(vector: np.ndarray) -> np.ndarray:
    return direction(np.asarray(vector, dtype=np.float64)[None])[0]  # a block: the array steps


@settings(max_examples=400, deadline=None)
@given(st.lists(finite | wide | st.just(0.0), min_size=1, max_size=40))
def test_one_vector_gets_the_bits_of_a_row_of_a_block(values):
    vector = np.array(values)
    with np.errstate(all="ignore"):
        same_bits(direction(vector), array_path(vector))


float32s = st.floats(allow_nan=False, allow_infinity=False, width=32)


@settings(max_examples=400, deadline=None)
@given(st.lists(float32s | st.just(0.0), min_size=1, max_size=40), st.integers(0, 600))
def test_float32_numbers_get_the_bits_of_a_row_of_a_block(values, padding):
    # float32 numbers (a mean, a row) take a path of their own: their sum of squares widened by
    # einsum stands for the float64 copy's; long vectors too, past numpy's buffers of a block
    vector = np.array(values + [values[0] / 3] * padding, dtype=np.float32)
    with np.errstate(all="ignore"):
        same_bits(direction(vector), array_path(vector))
        same_bits(direction(vector[::-1]), array_path(vector[::-1]))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-1, 1, allow_nan=False, width=32), min_size=2, max_size=40),
    st.integers(-6, 6),
    st.integers(-60, 60),
)
def test_vectors_of_unit_length_to_float32s_precision_are_taken_as_they_are(values, ulps, power):
    # lengths a few float32 steps either side of 1, and those vectors times powers of two: where
    # the rule's UNIT_ALREADY tolerance decides, a path that told it otherwise would differ
    vector = np.array(values, dtype=np.float64)
    norm = np.linalg.norm(vector)
    if norm == 0:
        return
    vector = vector / norm * (1 + ulps * UNIT_ALREADY / 4)
    for v in (vector, np.ldexp(vector, power), vector.astype(np.float32)):
        same_bits(direction(v), array_path(v))


def test_a_strided_vector_and_a_list_get_the_bits_of_a_copy():
    rng = np.random.default_rng(7)
    block = rng.standard_normal((5, 300)) * 3
    strided = block[:, 2]
    same_bits(direction(strided), array_path(np.ascontiguousarray(strided)))
    same_bits(direction(list(block[1])), array_path(block[1]))
    same_bits(direction(block[2].astype(np.float32)), array_path(block[2].astype(np.float32)))


def reference_peak_scaled(vectors: np.ndarray) -> np.ndarray:
    """``peak_scaled`` as its rule says it, a step at a time: each row times the power of two that
    brings its largest component into [0.5, 1); rows of zeros, NaN or infinities as they are."""
    vectors = np.asarray(vectors)
    if not np.issubdtype(vectors.dtype, np.floating):
        vectors = vectors.astype(np.float64)
    rows = np.atleast_2d(vectors).copy()
    for row in rows:
        peak = float(np.abs(row).max())
        if np.isfinite(peak) and peak > 0:
            with np.errstate(under="ignore"):
                row[:] = np.ldexp(row, -math.frexp(peak)[1])
    return rows.reshape(vectors.shape)


not_finite_or_zero = st.sampled_from([0.0, math.inf, -math.inf, math.nan])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(finite | wide | not_finite_or_zero, min_size=3, max_size=3),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from([np.float64, np.float32, np.int64]),
)
def test_peak_scaling_is_its_rule_row_by_row(rows, dtype):
    with np.errstate(all="ignore"):
        block = np.array(rows).astype(dtype)
    for given_ in (block, block[0]):
        ours, rule = peak_scaled(given_), reference_peak_scaled(given_)
        assert ours.dtype == rule.dtype and ours.shape == rule.shape
        assert np.array_equal(ours, rule, equal_nan=True)
        assert np.array_equal(np.signbit(ours), np.signbit(rule))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(finite | wide | not_finite_or_zero, min_size=1, max_size=40),
    st.sampled_from([np.float32, np.float64]),
)
def test_unit_of_one_vector_is_a_row_of_a_block_made_unit(values, dtype):
    with np.errstate(all="ignore"):
        vector = np.array(values).astype(dtype)
        one, row = unit(vector), unit(vector[None])[0]
    assert one.dtype == row.dtype and one.shape == row.shape
    assert one.tobytes() == row.tobytes()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.floats(-1e3, 1e3, width=32), min_size=4, max_size=4), min_size=1, max_size=12))
def test_a_groups_float32_quotient_is_numpys_mean(rows):
    """``odd_one_out`` divides the float32 sums by the count in float32; numpy's ``mean`` divides in
    float64 and rounds: the same bits (double rounding of a quotient is innocuous)."""
    block = np.array(rows, dtype=np.float32)
    ours = np.add.reduce(block, axis=0) / np.float32(len(block))
    assert ours.dtype == np.float32
    assert ours.tobytes() == block.mean(axis=0).tobytes()


near_powers_of_two = st.builds(
    lambda power, ulps, rest: np.array([*rest, math.sqrt(4.0**power * (1 + ulps * 2.0**-23) - 1)]),
    st.integers(1, 3),
    st.integers(1, 8),
    st.just([1.0, 0.0, 0.0]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-1, 1, allow_nan=False, width=32), min_size=2, max_size=40)
    | near_powers_of_two.map(list),
    st.integers(-100, 100),
)
@example(values=[1.0, 1.3325647746496848e-40], power=1)  # found by CI: a subnormal component
def test_a_rows_own_vector_given_back_is_its_unit_row(values, power):
    """``direction`` of a model's raw row is the row's unit row (``unit_rows``), at any scale: a
    word's vector given back scores as the word does. Rows whose length lies just past a power of
    two (2.0000002 with a largest value of 1.7) were kept halved, a last bit off; a subnormal
    component was rounded anew by the power of two."""
    with np.errstate(all="ignore"):
        raw = np.ldexp(np.array(values, dtype=np.float32), power)
    if not raw.any() or not np.isfinite(raw).all():
        return
    unit_row = unit_rows(raw[None])[0][0]
    if np.linalg.norm(raw.astype(np.float64)) < np.finfo(np.float32).tiny:
        return  # shorter than float32's smallest normal number: unit_rows divides in float64
    same_bits(direction(raw), unit_row)
    same_bits(direction(raw[None])[0], unit_row)
