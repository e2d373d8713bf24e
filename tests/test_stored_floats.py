"""The floats a model file holds come back bit for bit: ``kv.vectors``, ``get_vector``, ``vecq
vector`` and ``vecq export`` (read again by vecq and by gensim), and no array handed out can be
changed in place without effect."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import glove_invoke, invoke
from gensim.models import KeyedVectors

import vecq


def bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32).view(np.int32)


def test_every_float_of_glove_comes_back_bit_for_bit(glove, glove_raw):
    words, raw = glove_raw
    kv = vecq.load("glove-wiki-gigaword-50")
    assert np.array_equal(bits(kv.vectors), bits(raw))
    rows = np.random.default_rng(0).integers(0, len(words), 500)
    assert all(np.array_equal(bits(kv[words[r]]), bits(raw[r])) for r in rows)


def test_a_stored_row_is_what_the_file_says(tmp_path, monkeypatch):
    """[4, 5, 6] came back as [4, 5, 6.0000005] when rows were rebuilt as unit row times norm."""
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "m.txt"
    path.write_text("3 3\nfour 4 5 6\ntiny 1e-38 1000 3\nzero 0 -0 0\n")
    result = invoke(["-m", str(path), "vector", "-f", "json", "four", "tiny", "zero"])
    assert result.exit_code == 0, result.stderr
    vectors = [np.array(r["vector"], dtype=np.float32) for r in json.loads(result.stdout)]
    oracle = KeyedVectors.load_word2vec_format(str(path))
    for word, vector in zip(["four", "tiny", "zero"], vectors):
        assert np.array_equal(bits(vector), bits(oracle[word])), word
    kv = vecq.load(str(path))
    assert len(kv.model.stored.far_rows) == 1  # tiny: its 1e-38 is denormal as a unit row: kept whole
    assert np.array_equal(bits(kv.vectors), bits(oracle.vectors))


@pytest.mark.parametrize("suffix", [".bin", ".txt", ".npy", ".safetensors"])
def test_an_export_read_again_is_the_model_that_was_exported(tmp_path, glove, glove_raw, suffix):
    words, raw = glove_raw
    out = tmp_path / f"first{suffix}"
    result = glove_invoke(["export", "--first", "2000", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    if suffix == ".npy":
        back = np.load(out)
    elif suffix == ".safetensors":
        from safetensors.numpy import load_file

        back = load_file(out)["vectors"]
    else:
        oracle = KeyedVectors.load_word2vec_format(str(out), binary=suffix == ".bin")
        assert oracle.index_to_key == words[:2000]
        back = oracle.vectors
    assert np.array_equal(bits(back), bits(raw[:2000]))
    if suffix in (".bin", ".txt"):
        again = vecq.load(str(out))
        assert np.array_equal(bits(again.vectors), bits(raw[:2000]))


def test_no_array_handed_out_can_be_changed_without_effect(glove, glove_raw):
    words, raw = glove_raw
    kv = vecq.load("glove-wiki-gigaword-50")
    for array in (kv.vectors, kv["cat"], kv[["cat", "dog"]], kv.get_normed_vectors(), kv.norms):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0
    assert np.array_equal(bits(kv["cat"]), bits(raw[words.index("cat")]))
