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


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_a_native_file_of_float64_or_float16_vectors_hands_them_out_in_its_type(tmp_path, monkeypatch, dtype):
    """gensim's ``KeyedVectors(dtype=...)`` saved as a ``.kv``: gensim's ``load`` gives its vectors
    in that type, vecq gave float32. Now in the file's type, float32's values of them (float16's
    exactly; float64's rounded, said by a ``PrecisionWarning`` and by the conversion, and shown by
    ``vecq info`` as the stored dtype)."""
    import warnings

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    theirs = KeyedVectors(3, dtype=dtype)
    theirs.add_vectors(["a", "b"], np.array([[0.1, 0.2, 0.3], [1 / 3, 0.5, 0.7]]))
    path = str(tmp_path / "m.kv")
    theirs.save(path)
    oracle = KeyedVectors.load(path)
    oracle.fill_norms()
    info = invoke(["-m", path, "info", "-f", "json"])
    assert info.exit_code == 0, info.stderr
    stored = {np.float64: "F64", np.float16: "F16"}[dtype]
    assert json.loads(info.stdout)[0]["dtype"] == stored
    assert ("holds float64 vectors" in info.stderr) is (dtype == np.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kv = vecq.KeyedVectors.load(path)
    precision = [w for w in caught if issubclass(w.category, vecq.PrecisionWarning)]
    assert len(precision) == (1 if dtype == np.float64 else 0)
    for ours, gensims in (
        (kv.vectors, oracle.vectors),
        (kv["b"], oracle["b"]),
        (kv.get_vector("b", norm=True), oracle.get_vector("b", norm=True)),
        (kv.get_mean_vector(["a", "b"]), oracle.get_mean_vector(["a", "b"])),
        (kv.get_normed_vectors(), oracle.get_normed_vectors()),
        (kv.norms, oracle.norms),
    ):
        assert ours.dtype == gensims.dtype
        assert np.allclose(ours, gensims, rtol=1e-3)
    for ours, gensims in ((kv.vectors, oracle.vectors), (kv["b"], oracle["b"])):
        assert np.array_equal(ours, gensims.astype(np.float32).astype(dtype))


def test_float64_from_a_text_file_or_a_float64_object_is_said(tmp_path, monkeypatch):
    """``datatype=np.float64`` of a word2vec text file (gensim keeps the text's digits, vecq
    float32's) and a gensim object of float64 vectors: a ``PrecisionWarning`` each; a binary file
    (float32 itself) and float32 asked for: none."""
    from gensim.test.utils import datapath

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    text, binary = datapath("high_precision.kv.txt"), datapath("high_precision.kv.bin")
    with pytest.warns(vecq.PrecisionWarning, match="text file"):
        kv = vecq.KeyedVectors.load_word2vec_format(text, datatype=np.float64)
    assert kv.vectors.dtype == np.float64
    theirs = KeyedVectors(3, dtype=np.float64)
    theirs.add_vectors(["a"], np.array([[1 / 3, 0.5, 0.7]]))
    with pytest.warns(vecq.PrecisionWarning, match="gensim's object"):
        vecq.load(theirs)
    import warnings

    with pytest.warns(vecq.PrecisionWarning, match="float16 rounding tie"):
        vecq.KeyedVectors.load_word2vec_format(text, datatype=np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error", vecq.PrecisionWarning)
        vecq.KeyedVectors.load_word2vec_format(binary, binary=True, datatype=np.float64)
        vecq.KeyedVectors.load_word2vec_format(binary, binary=True, datatype=np.float16)
        vecq.KeyedVectors.load_word2vec_format(text)


def test_float16_from_text_differs_from_gensims_only_on_float32s_rounding_ties(tmp_path, monkeypatch):
    """gensim parses a text file's numbers straight to float16; vecq rounds its float32 values (the
    cache's) to float16. The two differ only where the float32 value is a float16 rounding tie,
    which the text was not (a ``PrecisionWarning`` says so): values a little above and below such
    ties differ from gensim's in about half the cases, each by one float16 step and only there."""
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    low = rng.standard_normal(200).astype(np.float16)
    ties = (low.astype(np.float64) + np.nextafter(low, np.float16(np.inf)).astype(np.float64)) / 2
    values = ties + np.where(np.arange(200) % 2, 1e-12, -1e-12)  # text just off each tie
    path = tmp_path / "ties.txt"
    path.write_text(
        "4 50\n"
        + "".join(
            f"w{i} " + " ".join(repr(float(v)) for v in values[i * 50 : (i + 1) * 50]) + "\n"
            for i in range(4)
        )
    )
    with pytest.warns(vecq.PrecisionWarning):
        ours = vecq.KeyedVectors.load_word2vec_format(str(path), datatype=np.float16)
    theirs = KeyedVectors.load_word2vec_format(str(path), datatype=np.float16)
    differ = ours.vectors != theirs.vectors
    assert 0 < differ.sum() < 200
    steps = np.abs(ours.vectors[differ].astype(np.float64) - theirs.vectors[differ].astype(np.float64))
    assert np.array_equal(
        steps,
        np.spacing(np.minimum(np.abs(ours.vectors[differ]), np.abs(theirs.vectors[differ]))).astype(
            np.float64
        ),
    )
    held = values.astype(np.float32).reshape(4, 50)  # float32's value of each: a float16 tie
    assert np.array_equal(ours.vectors, held.astype(np.float16))
