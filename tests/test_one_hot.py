"""The lecture's one-hot view and the lookup as a product, with gensim's matrix as the oracle."""

from __future__ import annotations

import json

import numpy as np
import pytest
from gensim.test.utils import datapath

from tests.conftest import M, invoke, tsv


@pytest.mark.parametrize("row", [0, 1, 5450, 65535, 65536, 399_999])
def test_the_product_is_the_row_bit_for_bit(glove, kv, row):
    """x @ E over the whole matrix (blocks of 65,536 rows: 65,535 and 65,536 sit on each side of
    the first seam) equals the lookup, and gensim's row."""
    product = invoke([*M, "vector", "--id", str(row), "--as-product", "-f", "json"])
    lookup = invoke([*M, "vector", "--id", str(row), "-f", "json"])
    assert product.exit_code == 0, product.stderr
    assert product.stdout == lookup.stdout
    values = np.array(json.loads(product.stdout)[0]["vector"], dtype=np.float32)
    x = np.zeros(len(kv), dtype=np.float32)
    x[row] = 1.0
    assert np.array_equal(values, x @ kv.vectors) and np.array_equal(values, kv.vectors[row])


def test_the_one_hot_vector_is_the_id(glove, kv):
    rows = tsv(invoke([*M, "vector", "cat", "Kitten", "--one-hot"]).stdout)
    assert [r["word"] for r in rows] == ["cat", "Kitten"]
    for r, word in zip(rows, ["cat", "kitten"]):
        assert int(r["id"]) == kv.key_to_index[word] and int(r["dimensions"]) == len(kv)
        assert r["one_hot"] == f"{kv.key_to_index[word]}:1"


def test_one_hot_similarity_is_the_identity(glove):
    pairs = tsv(invoke([*M, "similar", "cat", "kitten", "dog", "cat", "--one-hot"]).stdout)
    assert len(pairs) == 6
    for p in pairs:
        assert float(p["similarity"]) == (1.0 if p["word1"] == p["word2"] else 0.0)
    two = tsv(invoke([*M, "similar", "cat", "dog", "--one-hot"]).stdout)
    assert [float(p["similarity"]) for p in two] == [0.0]


def test_a_word_built_from_subwords_has_no_one_hot_vector():
    model = ["-m", datapath("lee_fasttext.bin")]
    for args in (["vector", "nightxx", "--one-hot"], ["vector", "nightxx", "--as-product"]):
        result = invoke([*model, *args])
        assert result.exit_code == 3 and "no row of its own" in result.stderr, result.stderr
    result = invoke([*model, "similar", "night", "nightxx", "--one-hot"])
    assert result.exit_code == 3 and "no row of its own" in result.stderr
    lines = result.stderr.strip().splitlines()  # the note on the word, then the one error, last
    assert [i for i, line in enumerate(lines) if "error:" in line] == [len(lines) - 1]
