"""The one-vector path of ``direction`` against its array path: the same bits for every vector."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vecq.core.unit import UNIT_ALREADY, direction

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
