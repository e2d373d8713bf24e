"""``vecq.KeyedVectors``: gensim's entry points and argument meanings, with gensim itself as the oracle
(the cases of gensim's own ``test_keyedvectors.py`` that read files, with vecq's class in its place)."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKeyedVectors
from gensim.test.utils import datapath

from vecq import KeyedVectors

MODEL = "w2v_keyedvectors_load_test.modeldata"
VOCAB = "w2v_keyedvectors_load_test.vocab"


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))


def test_strict_decoding_fails_as_gensim_does():
    from vecq.errors import ModelError

    with pytest.raises(UnicodeDecodeError):
        GensimKeyedVectors.load_word2vec_format(
            datapath(MODEL), fvocab=datapath(VOCAB), unicode_errors="strict"
        )
    with pytest.raises(ModelError, match="line 2"):  # vecq's one line instead of a decoding error
        KeyedVectors.load_word2vec_format(datapath(MODEL), fvocab=datapath(VOCAB), unicode_errors="strict")


@pytest.mark.parametrize("errors", ["replace", "ignore"])
def test_model_and_vocab_files_with_decoding_errors_as_gensim(errors):
    """gensim's test_load_model_and_vocab_file_replace and _ignore, with vecq's class."""
    args = (datapath(MODEL),)
    kwargs = {"fvocab": datapath(VOCAB), "binary": False, "unicode_errors": errors}
    ours, theirs = (
        KeyedVectors.load_word2vec_format(*args, **kwargs),
        GensimKeyedVectors.load_word2vec_format(*args, **kwargs),
    )
    assert list(ours.index_to_key) == theirs.index_to_key
    for word in theirs.index_to_key:
        assert ours.get_vecattr(word, "count") == theirs.get_vecattr(word, "count")
        assert ours.key_to_index[word] == theirs.key_to_index[word]
        assert np.array_equal(ours.get_vector(word), theirs.get_vector(word))


@pytest.mark.parametrize("binary", [True, False])
def test_counts_without_a_vocab_file_and_vectors_as_gensim(binary, tmp_path):
    theirs = GensimKeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    path = tmp_path / ("m.bin" if binary else "m.txt")
    theirs.save_word2vec_format(str(path), binary=binary)
    oracle = GensimKeyedVectors.load_word2vec_format(str(path), binary=binary)
    ours = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert list(ours.index_to_key) == oracle.index_to_key
    assert np.array_equal(np.asarray(ours.vectors), oracle.vectors)
    assert [ours.get_vecattr(w, "count") for w in oracle.index_to_key[:50]] == [
        oracle.get_vecattr(w, "count") for w in oracle.index_to_key[:50]
    ]
    mine, gensims = ours.most_similar("war", topn=5), oracle.most_similar("war", topn=5)
    assert [w for w, _ in mine] == [w for w, _ in gensims]
    assert [s for _, s in mine] == pytest.approx([s for _, s in gensims], abs=1e-6)


@pytest.mark.parametrize("binary", [True, False])
def test_save_word2vec_format_reloads_as_the_same_model(binary, tmp_path):
    """gensim's save/reload: the file vecq writes is the model, float for float, counts included."""
    ours = KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    path, vocab = tmp_path / "saved", tmp_path / "saved.vocab"
    ours.save_word2vec_format(str(path), fvocab=str(vocab), binary=binary)
    back = GensimKeyedVectors.load_word2vec_format(str(path), fvocab=str(vocab), binary=binary)
    assert back.index_to_key == list(ours.index_to_key)
    assert np.array_equal(back.vectors, np.asarray(ours.vectors))
    assert back.get_vecattr("war", "count") == ours.get_vecattr("war", "count")


def test_save_word2vec_format_writes_through_links_for_both_files(tmp_path):
    """The vectors' file and fvocab follow the one rule for a file a user names: a link is written
    through (it stays a link, its target gets the content), never replaced by a file."""
    ours = KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    targets = {name: tmp_path / f"{name}.target" for name in ("saved", "vocab")}
    links = {name: tmp_path / name for name in targets}
    for name, link in links.items():
        targets[name].write_text("old\n")
        link.symlink_to(targets[name])
    ours.save_word2vec_format(str(links["saved"]), fvocab=str(links["vocab"]))
    assert all(link.is_symlink() for link in links.values())
    back = GensimKeyedVectors.load_word2vec_format(str(targets["saved"]), fvocab=str(targets["vocab"]))
    assert back.index_to_key == list(ours.index_to_key)
    assert back.get_vecattr("war", "count") == ours.get_vecattr("war", "count")


def test_glove_without_a_header_and_a_limit():
    theirs = GensimKeyedVectors.load_word2vec_format(datapath("test_glove.txt"), no_header=True, limit=3)
    ours = KeyedVectors.load_word2vec_format(datapath("test_glove.txt"), no_header=True, limit=3)
    assert list(ours.index_to_key) == theirs.index_to_key
    assert np.array_equal(np.asarray(ours.vectors), theirs.vectors)


def test_another_datatype_or_encoding_is_refused_never_converted_silently():
    with pytest.raises(ValueError, match="float32"):
        KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True, datatype=np.float64)
    with pytest.raises(ValueError, match="UTF-8"):
        KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True, encoding="latin1")


def test_set_vecattr_words_closer_than_and_fill_norms():
    ours = KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    theirs = GensimKeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    ours.set_vecattr("war", "count", 7)
    assert ours.get_vecattr("war", "count") == 7
    ours.fill_norms()
    assert ours.words_closer_than("war", "peace") == theirs.closer_than("war", "peace")
