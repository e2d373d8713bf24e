"""``vecq.KeyedVectors``: gensim's entry points and argument meanings, with gensim itself as the oracle
(the cases of gensim's own ``test_keyedvectors.py`` that read files, with vecq's class in its place)."""

from __future__ import annotations

import copy
import os
import pickle
import warnings

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKeyedVectors
from gensim.test.utils import datapath

from vecq import KeyedVectors, UnknownWordError

MODEL = "w2v_keyedvectors_load_test.modeldata"
VOCAB = "w2v_keyedvectors_load_test.vocab"


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))


def test_strict_decoding_fails_as_gensim_does():
    with pytest.raises(UnicodeDecodeError):
        GensimKeyedVectors.load_word2vec_format(
            datapath(MODEL), fvocab=datapath(VOCAB), unicode_errors="strict"
        )
    # gensim's error type, with vecq's one line: which line, and what to do
    with pytest.raises(UnicodeDecodeError, match="line 2.*unicode_errors='replace'"):
        KeyedVectors.load_word2vec_format(datapath(MODEL), fvocab=datapath(VOCAB), unicode_errors="strict")


def test_expandos_are_gensims_and_read_only():
    """gensim code reads ``kv.expandos["count"]`` (frequency filters, gensim's own word2vec test):
    an AttributeError before; each attribute's values a row, equal to gensim's, read-only."""
    ours = KeyedVectors.load_word2vec_format(datapath("word2vec_pre_kv_c"))
    theirs = GensimKeyedVectors.load_word2vec_format(datapath("word2vec_pre_kv_c"))
    for kv in (ours, theirs):
        kv.set_vecattr("the", "flag", 3)
    assert ours.expandos.keys() == theirs.expandos.keys() == {"count", "flag"}
    for attr in ("count", "flag"):
        assert ours.expandos[attr].dtype == theirs.expandos[attr].dtype
        assert ours.expandos[attr].tolist() == theirs.expandos[attr].tolist()
    with pytest.raises(ValueError, match="read-only"):
        ours.expandos["count"][0] = 7


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


@pytest.mark.parametrize("datatype", [np.float16, np.float32, np.float64])
def test_datatype_as_gensim_for_a_binary_file(datatype):
    """A binary file holds float32: gensim widens or narrows it to ``datatype``, and so does vecq."""
    args, kwargs = (datapath("euclidean_vectors.bin"),), {"binary": True, "datatype": datatype}
    ours = KeyedVectors.load_word2vec_format(*args, **kwargs)
    theirs = GensimKeyedVectors.load_word2vec_format(*args, **kwargs)
    assert ours.vectors.dtype == theirs.vectors.dtype == ours["war"].dtype == ours[["war", "peace"]].dtype
    assert np.array_equal(ours.vectors, theirs.vectors)
    assert np.array_equal(ours["war"], theirs["war"])


def test_another_datatype_or_encoding_is_refused_never_converted_silently():
    with pytest.raises(ValueError, match="float16, float32 or float64"):
        KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True, datatype=np.int32)
    with pytest.raises(ValueError, match="UTF-8"):
        KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True, encoding="latin1")


def test_set_vecattr_words_closer_than_and_fill_norms():
    ours = KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    theirs = GensimKeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    ours.set_vecattr("war", "count", 7)
    assert ours.get_vecattr("war", "count") == 7
    ours.fill_norms()
    assert ours.words_closer_than("war", "peace") == theirs.closer_than("war", "peace")


def _both():
    path = datapath("euclidean_vectors.bin")
    return KeyedVectors.load_word2vec_format(path, binary=True), GensimKeyedVectors.load_word2vec_format(
        path, binary=True
    )


def _count(kv, word: str) -> int | None:
    try:
        return kv.get_vecattr(word, "count")
    except KeyError:  # gensim's answer when no word has a count
        return None


def _same(ours, theirs, probe: str = "war") -> None:
    """The same keys in the same order, the same floats and counts, and the same neighbours."""
    assert ours.index_to_key == theirs.index_to_key
    assert ours.vectors.dtype == theirs.vectors.dtype
    assert np.array_equal(ours.vectors, theirs.vectors)
    assert [_count(ours, w) for w in theirs.index_to_key] == [_count(theirs, w) for w in theirs.index_to_key]
    mine, gensims = ours.most_similar(probe, topn=8), theirs.most_similar(probe, topn=8)
    assert [w for w, _ in mine] == [w for w, _ in gensims]
    assert [s for _, s in mine] == pytest.approx([s for _, s in gensims], abs=1e-6)


def test_add_vectors_set_item_and_add_vector_as_gensim():
    ours, theirs = _both()
    rng = np.random.default_rng(5)
    new = [f"new{i}" for i in range(4)]
    weights = rng.standard_normal((4, ours.vector_size))  # float64, stored as float32 as gensim does
    ours.add_vectors(new, weights, extras={"count": np.arange(4) + 100})
    theirs.add_vectors(new, weights)  # gensim's extras= is broken (it iterates the dict's keys)
    for i, word in enumerate(new):
        theirs.set_vecattr(word, "count", 100 + i)
    for kv in (ours, theirs):
        kv.add_vectors(["war", "new9"], weights[:2], replace=False)  # war kept, new9 added
        kv["peace"] = weights[2]  # replaced
        kv[["new0", "other"]] = weights[[3, 1]] * [[1], [-1]]
        assert kv.add_vector("a_single_new_key", weights[0] * 2) == len(kv) - 1
    _same(ours, theirs, probe="new1")
    _same(ours, theirs, probe="war")
    assert ours.get_vecattr("new2", "count") == 102 and ours.get_vecattr("new9", "count") == 0


def _every_way_in(vector: np.ndarray, beside: np.ndarray) -> tuple:
    """The three ways a vector is added: add_vectors (beside a fine one), add_vector, kv[word] = ..."""
    return (
        lambda kv: kv.add_vectors(["new_fine_zz", "new_bad_zz"], np.stack([beside, vector])),
        lambda kv: kv.add_vector("new_bad_zz", vector),
        lambda kv: kv.__setitem__("war", vector),
    )


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_vector_that_is_not_finite_is_refused_when_added_not_reported_later_as_damage(value):
    """gensim adds it and answers NaN scores; vecq added it and then blamed its cache for the NaN
    ("run 'vecq cache verify'") at the next question, while the cache was whole."""
    ours, theirs = _both()
    bad = np.full(ours.vector_size, value, dtype=np.float32)
    for change in _every_way_in(bad, beside=theirs["war"]):
        with pytest.raises(ValueError, match="holds NaN or an infinity"):
            change(ours)
    assert "new_bad_zz" not in ours and "new_fine_zz" not in ours
    mine, gensims = ours.most_similar("war", topn=3), theirs.most_similar("war", topn=3)
    assert [w for w, _ in mine] == [w for w, _ in gensims]
    assert [s for _, s in mine] == pytest.approx([s for _, s in gensims], abs=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs.add_vector("new_bad_zz", bad)
        assert np.isnan(theirs.similarity("war", "new_bad_zz"))  # what gensim makes of it


@pytest.mark.parametrize(("value", "says"), [(1e-50, "rounds them to 0"), (1e300, "past float32's range")])
def test_a_vector_float32_cannot_hold_is_refused_when_added_not_kept_as_zeros_or_infinities(value, says):
    """1e-50s became an all-zero row (no direction: never a neighbour, similarity 0 with all) and
    1e300s infinities refused as "NaN or an infinity", which they were not; gensim keeps either."""
    ours, theirs = _both()
    given = np.full(ours.vector_size, value, dtype=np.float64)
    for change in _every_way_in(given, beside=theirs["war"]):
        with pytest.raises(ValueError, match=f"'(new_bad_zz|war)' holds values .*{says}"):
            change(ours)
    assert "new_bad_zz" not in ours and ours["war"].tolist() == theirs["war"].tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs.add_vector("new_bad_zz", given)
    assert not np.isfinite(theirs["new_bad_zz"]).all() or not theirs["new_bad_zz"].any()  # gensim's
    ours.add_vector("new_small_zz", np.full(ours.vector_size, 1e-40))  # subnormal, but not zero
    assert ours.most_similar("new_small_zz", topn=1)[0][1] > 0.3


def test_an_empty_keyedvectors_filled_as_gensim():
    ours, theirs = KeyedVectors(3), GensimKeyedVectors(3)
    assert len(ours) == 0 and ours.vectors.shape == theirs.vectors.shape == (0, 3)
    for kv in (ours, theirs):
        kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0, 0], [0.9, 0.1, 0], [0, 0, 1]]))
    _same(ours, theirs, probe="a")
    with pytest.raises(ValueError, match="starts empty"):
        KeyedVectors(3, count=5)


def test_changes_live_on_the_object_only_never_in_the_cache():
    ours, _ = _both()
    n = len(ours)
    ours["war"] = np.zeros(ours.vector_size)
    ours.add_vector("brand_new", np.ones(ours.vector_size))
    again, _ = _both()
    assert len(again) == n and "brand_new" not in again
    assert not np.array_equal(again["war"], ours["war"])


@pytest.mark.parametrize("copy_vecattrs", [True, False])
def test_vectors_for_all_as_gensim(copy_vecattrs):
    ours, theirs = _both()
    keys = ["war", "peace", "unknown_word_x", "war", "conflict"]
    _same(
        ours.vectors_for_all(keys, copy_vecattrs=copy_vecattrs),
        theirs.vectors_for_all(keys, copy_vecattrs=copy_vecattrs),
    )


def test_vectors_for_all_of_a_row_number_is_a_type_error_naming_words():
    ours, _ = _both()
    with pytest.raises(TypeError, match="keys are words"):
        ours.vectors_for_all([3, "war"])


def test_vectors_for_all_builds_unknown_words_from_subwords_as_gensim():
    from gensim.models.fasttext import load_facebook_vectors

    theirs = load_facebook_vectors(datapath("lee_fasttext.bin"))
    ours = KeyedVectors.load(datapath("lee_fasttext.bin"))
    keys = ["night", "nightxx", "zzzq"]
    for inference in (True, False):
        mine, gensims = ours.vectors_for_all(keys, inference), theirs.vectors_for_all(keys, inference)
        assert mine.index_to_key == gensims.index_to_key
        assert np.allclose(mine.vectors, gensims.vectors, atol=1e-6)


def test_pickled_by_reference_to_the_cache_and_whole_when_changed():
    import pickle

    ours, theirs = _both()
    ours.set_vecattr("war", "count", 7)
    by_reference = pickle.dumps(ours)
    assert len(by_reference) < 2_000 < ours.vectors.nbytes  # how it was opened, not its vectors
    back = pickle.loads(by_reference)
    _same(back, ours)
    assert back.get_vecattr("war", "count") == 7
    ours.add_vector("brand_new", np.ones(ours.vector_size))
    theirs.add_vector("brand_new", np.ones(theirs.vector_size))
    theirs.set_vecattr("war", "count", 7)
    _same(pickle.loads(pickle.dumps(ours)), theirs, probe="brand_new")


def test_save_writes_a_native_file_that_gensim_and_vecq_load(tmp_path):
    ours, theirs = _both()
    for kv in (ours, theirs):
        kv.add_vector("brand_new", np.ones(kv.vector_size))
        kv.set_vecattr("war", "count", 7)
    path = tmp_path / "saved.kv"
    ours.save(str(path))
    _same(GensimKeyedVectors.load(str(path)), theirs)
    _same(KeyedVectors.load(str(path)), theirs)


def test_save_keeps_a_file_whole_when_it_cannot_finish(tmp_path, monkeypatch):
    """A save that fails part way leaves the file that was there, never half of a new one."""
    ours, _ = _both()
    path = tmp_path / "saved.kv"
    path.write_bytes(b"the old file")

    def full(self, fname, **kwargs):
        for written in (fname, f"{fname}.vectors.npy"):
            with open(written, "wb") as f:
                f.write(b"half of a new file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gensim.models.keyedvectors.KeyedVectors.save", full)
    with pytest.raises(OSError, match="space"):
        ours.save(str(path))
    assert path.read_bytes() == b"the old file"
    assert sorted(os.listdir(tmp_path)) == ["cache", "saved.kv"]  # no half companion, nothing staged


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("m.kv", {}),
        ("m.kv", {"sep_limit": 0}),
        ("m.kv", {"separately": ["vectors"]}),
        ("m.kv.gz", {"sep_limit": 0}),
    ],
)
def test_save_lays_out_its_files_as_gensims(name, kwargs, tmp_path):
    """gensim's save keeps arrays over ``sep_limit`` (or named ``separately``) in ``NAME.ATTR.npy``
    beside the pickle, which ``load(mmap="r")`` maps: vecq's writes the same files."""
    ours, theirs = _both()
    for who, kv in (("ours", ours), ("theirs", theirs)):
        (tmp_path / who).mkdir()
        kv.save(str(tmp_path / who / name), **kwargs)
    assert sorted(os.listdir(tmp_path / "ours")) == sorted(os.listdir(tmp_path / "theirs"))
    separate = len(os.listdir(tmp_path / "ours")) > 1
    mapped = "r" if separate and not name.endswith(".gz") else None  # gensim maps no .npz
    loaded = GensimKeyedVectors.load(str(tmp_path / "ours" / name), mmap=mapped)
    assert isinstance(loaded.vectors, np.memmap) == (mapped == "r")
    assert separate == bool(kwargs)
    _same(loaded, theirs)


def test_save_writes_through_a_link_in_one_file(tmp_path):
    """A link is written through, as every file vecq writes (its companions could not follow it)."""
    ours, theirs = _both()
    target, link = tmp_path / "target.kv", tmp_path / "link.kv"
    target.write_bytes(b"old")
    link.symlink_to(target)
    ours.save(str(link), sep_limit=0)
    assert link.is_symlink() and sorted(os.listdir(tmp_path)) == ["cache", "link.kv", "target.kv"]
    _same(GensimKeyedVectors.load(str(target)), theirs)


def test_a_gensim_3_file_opens_as_data_with_its_counts():
    """gensim 3.2's EuclideanKeyedVectors pickle (index2word, syn0, Vocab entries): read by the
    allow-list unpickler, without trust, as gensim 4 reads it, each entry's attributes too (only
    ``count`` was read: ``index`` and ``sample_int`` were a KeyError)."""
    path = datapath("old_keyedvectors_320.dat")
    ours, theirs = KeyedVectors.load(path), GensimKeyedVectors.load(path)
    again = pickle.loads(pickle.dumps(ours))  # pickled before the file's attributes were read
    assert again.expandos["sample_int"].dtype == np.uint32
    _same(ours, theirs, probe="computer")
    assert sorted(ours.expandos) == sorted(theirs.expandos) == ["count", "index", "sample_int"]
    for attr, values in theirs.expandos.items():  # each Vocab attribute upconverted, in its type
        assert ours.expandos[attr].dtype == values.dtype and np.array_equal(ours.expandos[attr], values)


def test_vecq_load_of_gensims_native_files_answers_their_attributes_and_events(tmp_path):
    """``vecq.load`` of gensim's native file (the notebook's way in) answered gensim's made-up
    descending counts, not the file's, and none of its other attributes or its events: a ``.kv``
    read as data, trusted or in part (``limit``), and a trained model's own file (trusted), as
    gensim's load gives them. A file without counts had made-up ones (gensim: a KeyError)."""
    from gensim.models import FastText, Word2Vec
    from gensim.test.utils import common_texts

    import vecq

    trained = Word2Vec(common_texts, vector_size=8, min_count=1, seed=1, workers=1)
    trained.wv.save(str(tmp_path / "w.kv"))
    trained.save(str(tmp_path / "w.model"))
    FastText(common_texts, vector_size=8, min_count=1, seed=1, workers=1).save(str(tmp_path / "f.model"))
    files = [
        datapath("old_keyedvectors_320.dat"),
        *(str(tmp_path / name) for name in ("w.kv", "w.model", "f.model")),
    ]
    for path, trust in [
        (files[0], False),
        (files[1], False),
        (files[1], True),
        (files[2], True),
        (files[3], True),
    ]:
        loaded = GensimKeyedVectors.load(path)
        theirs = getattr(loaded, "wv", loaded)
        ours = vecq.load(path, trust=trust)
        assert ours.index_to_key == theirs.index_to_key and sorted(ours.expandos) == sorted(theirs.expandos)
        for attr, values in theirs.expandos.items():
            assert ours.expandos[attr].dtype == values.dtype and np.array_equal(ours.expandos[attr], values)
        # gensim's load records itself last on a KeyedVectors it loads; vecq.load does not (and a
        # FastText model's wv, as gensim loads it, has no events at all)
        events = getattr(theirs, "lifecycle_events", [])
        assert ours.lifecycle_events == events[: -1 if theirs is loaded else None]
        first = vecq.load(path, trust=trust, limit=3)
        assert np.array_equal(first.expandos["count"], theirs.expandos["count"][:3])
    assert np.array_equal(ours["computerz"], theirs["computerz"])  # the FastText model's n-grams
    bare = GensimKeyedVectors(3)
    bare.add_vectors(["a", "b"], np.eye(2, 3, dtype=np.float32))
    bare.save(str(tmp_path / "bare.kv"))
    with pytest.raises(KeyError):
        GensimKeyedVectors.load(str(tmp_path / "bare.kv")).get_vecattr("a", "count")
    with pytest.raises(KeyError):
        vecq.load(str(tmp_path / "bare.kv")).get_vecattr("a", "count")


def test_a_native_file_changed_or_gone_since_loading_gives_no_attributes(tmp_path):
    """A native file's attributes are read when first needed: a file saved again in between (a
    model trained again under the same name) gave its counts to the words loaded before, and a
    file gone was a FileNotFoundError. Both are one ModelError saying to load it again."""
    import vecq
    from vecq.errors import ModelError

    path = tmp_path / "m.kv"

    def save(counts: list[int]) -> None:
        theirs = GensimKeyedVectors(2)
        theirs.add_vectors(["a", "b"], np.eye(2, dtype=np.float32))
        for word, count in zip(["a", "b"], counts):
            theirs.set_vecattr(word, "count", count)
        theirs.save(str(path))

    save([5, 3])
    ours = vecq.load(str(path))
    save([7, 9])
    with pytest.raises(ModelError, match="was changed since it was loaded.*load it again"):
        ours.get_vecattr("a", "count")
    again, unread = vecq.load(str(path)), vecq.load(str(path))
    assert again.get_vecattr("a", "count") == 7
    path.unlink()
    assert again.get_vecattr("b", "count") == 9  # read before the file went
    with pytest.raises(ModelError, match="is gone"):
        unread.get_vecattr("a", "count")


def test_an_attribute_set_before_any_is_read_outlives_the_files():
    """gensim's native file's attributes are read when first needed: a count set before that was
    then replaced by the file's (``set_vecattr(w, "count", 99)`` read back 4, as the file holds)."""
    ours = KeyedVectors.load(datapath("old_keyedvectors_320.dat"))
    ours.set_vecattr("computer", "count", 99)
    assert ours.get_vecattr("computer", "count") == 99 and ours.get_vecattr("system", "count") == 4


def test_changed_rows_keep_their_floats_bit_for_bit_even_rows_stored_whole():
    """Rows whose floats lie far from unit row times norm (tiny values beside large ones) are stored
    whole; adding and replacing such rows, and rows beside them, keeps every float."""
    ours, theirs = _both()
    odd = np.zeros((3, ours.vector_size), np.float32)
    odd[:, 0] = 3e38
    odd[:, 1] = np.float32(1e-30)  # beside a huge float its unit row underflows: far from the product
    odd[1, 2] = -7.5
    for kv in (ours, theirs):
        kv.add_vectors(["odd0", "odd1"], odd[:2])
        kv[["odd0", "war"]] = odd[[2, 1]]
        kv.add_vectors(["plain"], np.arange(ours.vector_size, dtype=np.float32)[None, :])
    assert ours.model.stored.far_rows.size >= 2  # the case is the one meant
    assert np.array_equal(ours.vectors.view(np.int32), theirs.vectors.view(np.int32))


def _neighbours_in_a_child(kv) -> list:
    return kv.most_similar("war", topn=5)


def test_another_process_gets_the_object_and_answers_the_same():
    """multiprocessing (spawn: a fresh interpreter) carries the object by reference, opened again there."""
    import multiprocessing

    ours, _ = _both()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_neighbours_in_a_child, (ours,)) == ours.most_similar("war", topn=5)


def test_the_vocabulary_mappings_are_a_real_list_and_dict_that_refuse_changes():
    """gensim's types (subclasses); a change through them would reach no answer: refused."""
    ours, theirs = _both()
    assert isinstance(ours.index_to_key, list) and isinstance(ours.key_to_index, dict)
    assert ours.index_to_key == theirs.index_to_key and ours.key_to_index == theirs.key_to_index
    for change in (
        lambda: ours.index_to_key.append("x"),
        lambda: ours.index_to_key.__setitem__(0, "x"),
        lambda: ours.key_to_index.__setitem__("x", 0),
        lambda: ours.key_to_index.update({"x": 0}),
    ):
        with pytest.raises(TypeError, match="add_vectors"):
            change()
    ours.add_vector("brand_new", np.ones(ours.vector_size))
    assert ours.index_to_key[-1] == "brand_new" and ours.key_to_index["brand_new"] == len(ours) - 1
    for attr in ("index_to_key", "key_to_index"):
        with pytest.raises(TypeError, match="add_vectors"):
            setattr(ours, attr, [])


@pytest.mark.parametrize(
    "copy_of",
    [copy.copy, copy.deepcopy, lambda x: pickle.loads(pickle.dumps(x)), lambda x: x.copy()],
    ids=["copy", "deepcopy", "pickle", "method"],
)
def test_a_copy_of_the_vocabulary_mappings_is_a_plain_list_and_dict_the_caller_may_change(copy_of):
    """Copying is reading, not a change: a copy (multiprocessing pickles a list it is given) is
    gensim's plain type, equal, and changing it leaves the model's mappings as they were."""
    ours, theirs = _both()
    words, rows = copy_of(ours.index_to_key), copy_of(ours.key_to_index)
    assert type(words) is list and type(rows) is dict
    assert words == theirs.index_to_key and rows == theirs.key_to_index
    words.append("x"), rows.update(x=0)
    assert "x" not in ours.key_to_index and ours.index_to_key[-1] != "x"
    assert ours.key_to_index.fromkeys(["a"], 1) == {"a": 1}


def test_vectors_read_one_by_one_are_the_same_bits_before_and_after_the_matrix_is_built(glove_raw):
    """Past VECTORS_AFTER single reads the stored matrix is built in memory (gensim's own path):
    every vector, before and after, is the file's floats, bit for bit."""
    import vecq
    from vecq import api

    words, raw = glove_raw
    kv = vecq.load("glove-wiki-gigaword-50", progress=False)
    picks = np.random.default_rng(5).integers(0, len(words), api.VECTORS_AFTER + 50)
    got = [kv.get_vector(words[i]) for i in picks]
    assert kv._raw is not None  # built after VECTORS_AFTER reads
    for i, vector in zip(picks, got):
        assert np.array_equal(vector.view(np.int32), raw[i].view(np.int32))
        assert not vector.flags.writeable
    # the whole matrix, made a block of rows at a time (residuals restored in each): the file's floats
    from vecq.core.model import RAW_BLOCK

    assert len(words) > 2 * RAW_BLOCK
    assert np.array_equal(np.asarray(kv.vectors).view(np.int32), raw.view(np.int32))


def test_one_raw_vector_is_the_same_floats_as_a_block_of_them_far_rows_included():
    from vecq.core.model import Model

    rng = np.random.default_rng(3)
    raw = rng.standard_normal((40, 8)).astype(np.float32)
    raw[5, 0], raw[5, 1] = 3e38, 1e-30  # a row stored whole
    model = Model.from_arrays([f"w{i}" for i in range(40)], raw)
    assert model.stored.far_rows.tolist() == [5]
    for row in range(40):
        assert np.array_equal(model.raw_vector(row).view(np.int32), raw[row].view(np.int32))
        assert np.array_equal(model.raw_vector(row), model.raw_rows([row])[0])


def test_init_sims_and_unit_normalize_all_as_gensim():
    """gensim 3.x scripts call ``init_sims(replace=True)``: gensim 4 still runs it, with a
    DeprecationWarning, and so does vecq; the vectors become gensim's unit vectors."""
    for replace in (False, True):
        ours, theirs = _both()
        with pytest.warns(DeprecationWarning, match="fill_norms"):
            ours.init_sims(replace=replace)
        with pytest.warns(DeprecationWarning):
            theirs.init_sims(replace=replace)
        _same(ours, theirs)
        assert np.allclose(ours.norms, theirs.norms, rtol=1e-6, atol=0)
    ours, theirs = _both()
    ours.unit_normalize_all()
    theirs.unit_normalize_all()
    _same(ours, theirs)
    assert np.array_equal(ours.get_normed_vectors(), ours.vectors)


def test_sort_by_descending_frequency_as_gensim():
    ours, theirs = _both()
    for kv in (ours, theirs):
        for i, word in enumerate(theirs.index_to_key):
            kv.set_vecattr(word, "count", (i * 7919) % 13)  # ties, broken as gensim breaks them
        kv.sort_by_descending_frequency()
    _same(ours, theirs)
    assert [int(ours.get_vecattr(w, "count")) for w in ours.index_to_key[:40]] == [
        int(theirs.get_vecattr(w, "count")) for w in theirs.index_to_key[:40]
    ]
    unsorted, _ = _both()
    before = list(unsorted.index_to_key)
    unsorted.sort_by_descending_frequency()  # a file's made-up counts are descending already
    assert unsorted.index_to_key == before


@pytest.mark.parametrize("shape", [(3, 4), (4, 2), (8,), (2, 4, 1)])
def test_vectors_that_are_not_one_row_a_key_are_refused_not_reshaped(shape):
    """``add_vectors(["x1", "x2"], matrix)`` reshaped the matrix to one row a key: 4 rows of 2
    numbers were glued into 2 rows of 4 and added, a silently wrong model (gensim: an IndexError);
    3 rows of 4 were called "vectors of 6 dimensions". A ValueError names the shape and the one
    wanted, and nothing is added."""
    ours = KeyedVectors(4)
    ours.add_vectors(["a"], np.eye(1, 4, dtype=np.float32))
    wanted = r"vectors of shape .* given for 2 keys: give one row a key \(a matrix of shape \(2, 4\)\)"
    with pytest.raises(ValueError, match=wanted):
        ours.add_vectors(["x1", "x2"], np.ones(shape, np.float32))
    with pytest.raises(ValueError, match=wanted):
        ours[["x1", "x2"]] = np.ones(shape, np.float32)
    assert ours.index_to_key == ["a"]
    ours.add_vectors(["x1"], np.arange(4, dtype=np.float32))  # one vector for a list of one key
    assert np.array_equal(ours["x1"], np.arange(4, dtype=np.float32))
    with pytest.raises(ValueError, match=r"vectors of shape \(2, 2\) given for 1 key:"):
        ours.add_vector("x2", np.ones((2, 2), np.float32))  # gensim's refuses it too


def test_words_added_after_counts_are_kept_by_sort_by_descending_frequency():
    """gensim's ``add_vectors`` does not lengthen its count array, so its
    ``sort_by_descending_frequency`` then drops the added words (and ``get_vecattr`` of one is an
    IndexError); vecq keeps them, each with gensim's count for an added word, 0, so last."""
    ours, theirs = KeyedVectors(2), GensimKeyedVectors(2)
    for kv in (ours, theirs):
        kv.add_vectors(["a", "b"], np.eye(2, dtype=np.float32))
        kv.set_vecattr("a", "count", 3)
        kv.set_vecattr("b", "count", 5)
        kv.add_vectors(["c"], np.ones((1, 2), np.float32))
        kv.sort_by_descending_frequency()
    assert theirs.index_to_key == ["b", "a"]  # gensim's loss, which vecq does not copy
    assert ours.index_to_key == ["b", "a", "c"] and ours.get_vecattr("c", "count") == 0
    assert np.array_equal(ours["c"], np.ones(2, np.float32))


@pytest.mark.parametrize("binary", [True, False])
def test_intersect_word2vec_format_as_gensim(binary, tmp_path):
    ours, theirs = _both()
    other = GensimKeyedVectors(theirs.vector_size)
    shared = theirs.index_to_key[5:40]
    rng = np.random.default_rng(0)
    floats = rng.normal(size=(36, theirs.vector_size)).astype(np.float32)
    other.add_vectors([*shared, "not_in_the_model"], floats)
    path = tmp_path / ("other.bin" if binary else "other.txt")
    other.save_word2vec_format(str(path), binary=binary)
    other.save_word2vec_format(str(tmp_path / "other.txt"))  # the same floats (repr round-trips)
    theirs.vectors_lockf = np.ones(len(theirs), dtype=np.float32)  # gensim's training array, which it sets
    ours.intersect_word2vec_format(str(path), binary=binary)
    # gensim 4.4 reads the binary form with np.fromstring, which numpy 2 removed: its text form is the oracle
    theirs.intersect_word2vec_format(str(tmp_path / "other.txt"))
    _same(ours, theirs, probe=shared[0])
    assert "not_in_the_model" not in ours
    narrow = GensimKeyedVectors(3)
    narrow.add_vectors(["war"], np.ones((1, 3), np.float32))
    narrow.save_word2vec_format(str(tmp_path / "narrow.txt"))
    with pytest.raises(ValueError, match="incompatible vector size 3"):
        ours.intersect_word2vec_format(str(tmp_path / "narrow.txt"))


def test_rank_by_centrality_and_doesnt_match_as_gensim():
    ours, theirs = _both()
    words = theirs.index_to_key[100:108] + ["unknown_word_x"]
    for use_norm in (True, False):
        mine, gensims = ours.rank_by_centrality(words, use_norm), theirs.rank_by_centrality(words, use_norm)
        assert [w for _, w in mine] == [w for _, w in gensims]
        assert [float(s) for s, _ in mine] == pytest.approx([float(s) for s, _ in gensims], rel=1e-6)
        assert all(type(s) is np.float32 for s, _ in mine)
    assert ours.doesnt_match(words) == theirs.doesnt_match(words) == ours.rank_by_centrality(words)[-1][1]
    for alone in (["war"], ["unknown_word_x", "war", "unknown_word_x"], ["war", -1]):  # one word left
        assert ours.doesnt_match(alone) == theirs.doesnt_match(alone) == "war"
        (score, word), (expected, _) = *ours.rank_by_centrality(alone), *theirs.rank_by_centrality(alone)
        assert word == "war" and float(score) == pytest.approx(float(expected), abs=1e-6)


def test_a_fasttext_model_holds_every_word_it_builds_as_gensims():
    """gensim's ``FastTextKeyedVectors``: ``in`` is true of a word built from n-grams, so
    doesnt_match and rank_by_centrality use such words (they were left out, another answer)."""
    from gensim.models.fasttext import load_facebook_vectors

    theirs = load_facebook_vectors(datapath("lee_fasttext.bin"))
    ours = KeyedVectors.load(datapath("lee_fasttext.bin"))
    words = ["Night", "night", "day", "xyzzyq", "governmentx"]
    assert all(w in ours for w in words) and all(w in theirs for w in words)
    assert not ours.has_index_for("Night") and not theirs.has_index_for("Night")
    assert ours.doesnt_match(words) == theirs.doesnt_match(words)
    mine, gensims = ours.rank_by_centrality(words), theirs.rank_by_centrality(words)
    assert [w for _, w in mine] == [w for _, w in gensims]
    assert [float(s) for s, _ in mine] == pytest.approx([float(s) for s, _ in gensims], abs=1e-6)
    plain = KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    assert "War" not in plain and "war" in plain  # without subwords: the key as written
    fresh = KeyedVectors.load(datapath("lee_fasttext.bin"))
    assert all(f"unseen{i}x" in fresh for i in range(1000)) and not len(fresh.model.built)  # nothing kept


def test_wmdistance_is_gensims():
    ours, theirs = _both()
    words = theirs.index_to_key
    first, second = words[10:16] + ["unknown_word_x"], words[14:22]
    assert ours.wmdistance(first, second) == pytest.approx(theirs.wmdistance(first, second), rel=1e-6)
    assert ours.wmdistance(first, second, norm=False) == pytest.approx(
        theirs.wmdistance(first, second, norm=False), rel=1e-6
    )
    assert ours.wmdistance(first, ["unknown_word_x"]) == float("inf")


def test_gensim_3_names_fail_with_gensims_messages():
    ours, theirs = _both()
    for name in ("vocab", "index2word", "index2entity", "vectors_norm"):
        with pytest.raises(AttributeError) as mine:
            getattr(ours, name)
        with pytest.raises(AttributeError) as gensims:
            getattr(theirs, name)
        assert str(mine.value) == str(gensims.value)
    with pytest.raises(NotImplementedError, match="Doc2Vec"):
        ours.similarity_unseen_docs("a", "b")
    missing = [n for n in dir(GensimKeyedVectors) if not n.startswith("_") and not hasattr(KeyedVectors, n)]
    assert missing == []


def _agree(mine, gensims) -> bool:
    """The same answer up to float32 rounding: equal words (where scores do not tie), close scores."""
    if isinstance(gensims, (list, tuple)) and gensims and isinstance(gensims[0], tuple):
        words_first = isinstance(gensims[0][0], str)  # (word, score), or rank_by_centrality's (score, word)
        pairs = [(w, float(s)) for w, s in gensims] if words_first else [(w, float(s)) for s, w in gensims]
        ours = [(w, float(s)) for w, s in mine] if words_first else [(w, float(s)) for s, w in mine]
        tied = {
            i
            for i in range(len(pairs) - 1)
            if abs(pairs[i][1] - pairs[i + 1][1]) < 1e-6 * max(1.0, abs(pairs[i][1]))
        }
        tied |= {i + 1 for i in tied}
        if all(abs(score) < 1e-6 for _, score in pairs):  # terms that cancel: every word scores 0
            tied = set(range(len(pairs)))
        return len(ours) == len(pairs) and all(
            abs(a[1] - b[1]) < 1e-5 * max(1.0, abs(b[1])) and (i in tied or a[0] == b[0])
            for i, (a, b) in enumerate(zip(ours, pairs))
        )
    if isinstance(gensims, list) and all(isinstance(w, str) for w in gensims):
        return mine == gensims
    if isinstance(gensims, (list, np.ndarray)) or np.ndim(gensims):
        return np.allclose(np.asarray(mine, dtype=float), np.asarray(gensims, dtype=float), atol=1e-5)
    if isinstance(gensims, str):
        return mine == gensims
    return abs(float(mine) - float(gensims)) < 1e-5


def _called(kv, name, args, kwargs):
    try:
        return "ok", getattr(kv, name)(*args, **kwargs)
    except KeyError:
        return "KeyError", None
    except (ValueError, ZeroDivisionError) as e:
        return type(e).__name__ if isinstance(e, ZeroDivisionError) else "ValueError", None


def _fasttext_pair():
    from gensim.models.fasttext import load_facebook_vectors

    path = datapath("lee_fasttext.bin")
    return KeyedVectors.load(path), load_facebook_vectors(path)


@pytest.mark.parametrize("pair", [_both, _fasttext_pair], ids=["word2vec", "fasttext"])
def test_gensim_style_calls_answer_as_gensim_on_its_own_file(pair):
    """A differential test: gensim-style calls with the words as written (and a word the vocabulary
    lacks: unknown to a word2vec model, built from n-grams by a fastText one, as ``Night`` is),
    each answered as gensim answers it or failing with the same exception family."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    ours, theirs = pair()
    built = ["Night", "governmentx"] if pair is _fasttext_pair else []
    vocab = theirs.index_to_key[:400] + ["unknown_word_x", *built]
    word = st.sampled_from(vocab)
    words = st.lists(word, min_size=0, max_size=4)
    calls = st.one_of(
        st.tuples(st.just("similarity"), st.tuples(word, word), st.just({})),
        st.tuples(st.just("n_similarity"), st.tuples(words, words), st.just({})),
        st.tuples(st.just("distances"), st.tuples(word, words), st.just({})),
        st.tuples(
            st.just("most_similar"),
            st.just(()),
            st.fixed_dictionaries(
                {
                    "positive": words,
                    "negative": words,
                    "topn": st.sampled_from([1, 5]),
                    "restrict_vocab": st.sampled_from([None, 300]),
                }
            ),
        ),
        st.tuples(
            st.just("most_similar_cosmul"),
            st.just(()),
            st.fixed_dictionaries({"positive": words, "negative": words, "topn": st.sampled_from([1, 5])}),
        ),
        st.tuples(st.sampled_from(["doesnt_match", "rank_by_centrality"]), st.tuples(words), st.just({})),
        st.tuples(
            st.sampled_from(["closer_than", "rank", "relative_cosine_similarity"]),
            st.tuples(word, word),
            st.just({}),
        ),
        st.tuples(st.just("most_similar_to_given"), st.tuples(word, words), st.just({})),
        st.tuples(
            st.just("get_mean_vector"),
            st.tuples(words),
            st.fixed_dictionaries({"pre_normalize": st.booleans(), "post_normalize": st.booleans()}),
        ),
    )

    @settings(max_examples=1000, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
    @given(calls)
    def check(call):
        name, args, kwargs = call
        if name in ("doesnt_match", "rank_by_centrality") and len({w for w in args[0] if w in theirs}) == 2:
            return  # two words are equally central: which is first is float rounding's choice
        positive, negative = kwargs.get("positive"), kwargs.get("negative")
        cancel = positive and sorted(positive) == sorted(negative) and all(w in theirs for w in positive)
        if cancel and name == "most_similar_cosmul":
            return  # every word's ratio is 1 but for rounding: no answer to compare
        if cancel:  # no direction: gensim answers its rounding's noise
            with pytest.raises(ValueError, match="zero vector"):
                ours.most_similar(**kwargs)
            return
        (mine, mine_value), (gensims, gensims_value) = (
            _called(ours, name, args, kwargs),
            _called(theirs, name, args, kwargs),
        )
        assert mine == gensims, (call, mine, gensims)
        if mine == "ok" and name in ("closer_than", "rank"):  # a word as close as the second one: a tie
            differ = set(ours.closer_than(*args)) ^ set(theirs.closer_than(*args))
            assert all(abs(theirs.similarity(args[0], w) - theirs.similarity(*args)) < 1e-6 for w in differ)
            assert abs(len(ours.closer_than(*args)) - len(theirs.closer_than(*args))) == len(differ)
        elif mine == "ok":
            assert _agree(mine_value, gensims_value), (call, mine_value, gensims_value)

    check()


def test_gensims_log_helpers_log_gensims_lines(caplog):
    import logging

    section = {"section": "capital-common-countries", "correct": [1, 2, 3], "incorrect": [4]}
    lines = []
    for kv in (KeyedVectors, GensimKeyedVectors):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            kv.log_accuracy(section)
            kv.log_evaluate_word_pairs((0.61, 0.0), (0.64, 0.0), 2.5, "wordsim353.tsv")
            kv.log_accuracy({"section": "empty", "correct": [], "incorrect": []})
        lines.append([r.getMessage() for r in caplog.records])
    assert (
        lines[0] == lines[1] and lines[0][0] == "capital-common-countries: 75.0% (3/4)" and len(lines[0]) == 4
    )


@pytest.mark.parametrize(
    "call, says",
    [
        (lambda kv, v: kv.most_similar(np.full_like(v, np.nan)), "NaN"),
        (lambda kv, v: kv.similar_by_vector(np.where(np.arange(len(v)) == 3, np.inf, v)), "NaN"),
        (lambda kv, v: kv.most_similar_cosmul(positive=["war", np.full_like(v, np.nan)]), "NaN"),
        (lambda kv, v: kv.most_similar(np.zeros_like(v)), "zero vector"),
        (lambda kv, v: kv.most_similar(positive=[v], negative=[v]), "zero vector"),
        (lambda kv, v: kv.most_similar(positive=[np.full_like(v, 3e38)] * 3), "float32's range"),
        (lambda kv, v: kv.similar_by_vector(np.ldexp(v.astype(np.float64), -200)), "rounds them to zeros"),
        (lambda kv, v: kv.most_similar_cosmul(np.ldexp(v.astype(np.float64), -200)), "rounds them to zeros"),
    ],
    ids=[
        "nan",
        "an infinity",
        "cosmul nan",
        "zeros",
        "cancelling vectors",
        "overflow",
        "tiny",
        "cosmul tiny",
    ],
)
def test_a_vector_without_a_direction_is_a_value_error_not_an_empty_or_arbitrary_list(call, says):
    """gensim lists words with NaN scores, or arbitrary words scoring 0, for these; vecq's answer
    was an empty list (NaN ranks nowhere) or the first rows' arbitrary order: both read as answers."""
    ours, theirs = _both()
    vector = theirs["war"]
    with pytest.raises(ValueError, match=says):
        call(ours, vector)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        found = call(theirs, vector)  # gensim answers: scores that are NaN, or all one number
    scores = [s for _, s in found]
    assert len(scores) > 0 and (np.isnan(scores).all() or len(set(np.round(scores, 4))) <= 2)


def test_numbers_float32_cannot_hold_keep_their_direction_where_only_the_direction_counts():
    """A vector of 1e-60s became zeros in float32: ``distances`` answered 1.0 for every word, and
    ``cosine_similarities`` of 1e-200s inf (numpy's norm underflowed; gensim answers inf and -inf
    too). Scaled by a power of two first, they are the unscaled vector's numbers to the bit; beside a
    word, such a vector changes no answer (gensim's is kept)."""
    ours, theirs = _both()
    vector = np.asarray(theirs["war"], dtype=np.float64)
    rows = np.asarray(theirs[["peace", "army", "the"]], dtype=np.float64)
    for power in (-200, -700, 700):
        scaled = np.ldexp(vector, power)
        assert (
            ours.distances(scaled, ["peace", "army"]).tolist()
            == ours.distances(vector, ["peace", "army"]).tolist()
        )
        cosines = ours.cosine_similarities(scaled, np.ldexp(rows, -power))
        assert cosines.tolist() == ours.cosine_similarities(vector, rows).tolist()
    np.testing.assert_allclose(
        ours.distances(vector, ["peace"]), theirs.distances(vector, ["peace"]), atol=1e-6
    )
    tiny = np.ldexp(vector, -200)
    beside = ours.most_similar(positive=["war", tiny], topn=5)
    assert [w for w, _ in beside] == [w for w, _ in ours.most_similar("war", topn=5)]
    assert [w for w, _ in beside] == [w for w, _ in theirs.most_similar(positive=["war", tiny], topn=5)]


def test_cosine_similarities_are_gensims_to_the_bit_in_float32s_range():
    """vecq's ``cosine_similarities`` scales by powers of two and takes numpy's norm without its
    argument checks: on vectors float32 holds as they are, gensim's numbers, bit for bit."""
    rng = np.random.default_rng(5)
    for dtype, scale in ((np.float32, 1.0), (np.float32, 3e-5), (np.float64, 40.0), (np.float32, 1e4)):
        vector = (rng.standard_normal(50) * scale).astype(dtype)
        rows = (rng.standard_normal((7, 50)) * scale).astype(dtype)
        ours = KeyedVectors.cosine_similarities(vector, rows)
        theirs = GensimKeyedVectors.cosine_similarities(vector, rows)
        assert ours.dtype == theirs.dtype
        assert ours.tobytes() == theirs.tobytes()
    # Past the norms where gensim's arithmetic is sound (vecq's GENSIM_SOUND_NORMS), the same
    # vectors scaled by powers of two: gensim's numbers of the unscaled ones, where gensim's own
    # are inf or wrong. One row out of range takes its block with it.
    vector = rng.standard_normal(50).astype(np.float32)
    rows = rng.standard_normal((3, 50)).astype(np.float32)
    expected = GensimKeyedVectors.cosine_similarities(vector, rows).tobytes()
    for power in (-25, -70, 25, 70):
        scaled = np.ldexp(vector, power)
        with np.errstate(all="ignore"):
            assert KeyedVectors.cosine_similarities(scaled, rows).tobytes() == expected
            assert KeyedVectors.cosine_similarities(vector, np.ldexp(rows, power)).tobytes() == expected
            gensims = GensimKeyedVectors.cosine_similarities(scaled, rows)
        assert abs(power) < 70 or gensims.tobytes() != expected  # gensim's: inf, or off by 1e-7 to 0.3
    mixed = rows.copy()
    mixed[1] = np.ldexp(mixed[1], -70)
    assert KeyedVectors.cosine_similarities(vector, mixed).tobytes() == expected


def test_unit_normalize_all_twice_and_after_a_sort_as_gensim():
    """gensim's norms are ones after ``unit_normalize_all``: a second call divides by them and
    changes no bit, as vecq's changes none; a sort reorders unit rows, which stay unit."""
    ours, theirs = _both()
    for kv in (ours, theirs):
        kv.unit_normalize_all()
        kv.unit_normalize_all()
    _same(ours, theirs)
    for kv in (ours, theirs):
        kv.set_vecattr(theirs.index_to_key[-1], "count", 10**9)
        kv.sort_by_descending_frequency()
        kv.add_vector("war", np.ones(kv.vector_size, dtype=np.float32))  # present: nothing changes
        kv.unit_normalize_all()
    _same(ours, theirs)


def _saved(kv, folder, binary: bool, **kwargs) -> tuple[bytes, bytes | None]:
    """The bytes ``save_word2vec_format`` writes, and its ``fvocab``'s when asked for."""
    vectors, vocab = folder / "vectors", folder / "vocab"
    kv.save_word2vec_format(str(vectors), binary=binary, **kwargs)
    return vectors.read_bytes(), vocab.read_bytes() if "fvocab" in kwargs else None


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"fvocab": "vocab"},
        {"prefix": "tag_", "total_vec": 7, "fvocab": "vocab"},
        {"sort_attr": "weight"},
        {"append": True, "fvocab": "vocab"},
    ],
)
def test_save_word2vec_format_writes_gensims_text_in_its_order(kwargs, tmp_path):
    """Words in descending order of ``sort_attr`` (ties in row order): counts set out of order
    reorder the file, as gensim's; the same bytes, the vocabulary file's too."""
    ours, theirs = _both()
    for kv in (ours, theirs):
        for i, word in enumerate(theirs.index_to_key[:60]):
            kv.set_vecattr(word, "count", (i * 7919) % 13)
            kv.set_vecattr(word, "weight", (i * 31) % 7)
    files = {}
    for name, kv in (("ours", ours), ("theirs", theirs)):
        folder = tmp_path / name
        folder.mkdir()
        named = {k: str(folder / v) if k == "fvocab" else v for k, v in kwargs.items()}
        if kwargs.get("append"):  # after what the files hold
            (folder / "vectors").write_bytes(b"kept\n")
            (folder / "vocab").write_bytes(b"kept 1\n")
        files[name] = _saved(kv, folder, False, **named)
    assert files["ours"] == files["theirs"]
    first_words = [line.split(b" ")[0] for line in files["ours"][0].splitlines()[1:4]]
    assert first_words != [w.encode() for w in theirs.index_to_key[:3]] or kwargs.get("append")


@pytest.mark.parametrize("binary", [True, False])
def test_save_word2vec_format_in_count_order_reloads_as_gensims_file(binary, tmp_path):
    ours, theirs = _both()
    for kv in (ours, theirs):
        kv.set_vecattr(theirs.index_to_key[-1], "count", 10**9)
    for name, kv in (("ours", ours), ("theirs", theirs)):
        kv.save_word2vec_format(str(tmp_path / name), fvocab=str(tmp_path / f"{name}.vocab"), binary=binary)
    mine, gensims = (
        GensimKeyedVectors.load_word2vec_format(
            str(tmp_path / n), fvocab=str(tmp_path / f"{n}.vocab"), binary=binary
        )
        for n in ("ours", "theirs")
    )
    assert mine.index_to_key == gensims.index_to_key
    assert mine.index_to_key[0] == theirs.index_to_key[-1]
    assert np.array_equal(mine.vectors, gensims.vectors)
    assert [mine.get_vecattr(w, "count") for w in mine.index_to_key] == [
        gensims.get_vecattr(w, "count") for w in gensims.index_to_key
    ]


def test_save_word2vec_format_without_the_sort_attribute_as_gensim(tmp_path):
    """An attribute no word has: row order, and a vocabulary file is refused (gensim's ValueError)."""
    ours, theirs = KeyedVectors(3), GensimKeyedVectors(3)
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    for kv in (ours, theirs):
        kv.add_vectors(["d", "c", "b", "a"], vectors)
    for name, kv in (("ours", ours), ("theirs", theirs)):
        with pytest.raises(ValueError):
            kv.save_word2vec_format(str(tmp_path / f"{name}.txt"), fvocab=str(tmp_path / f"{name}.vocab"))
        kv.save_word2vec_format(str(tmp_path / f"{name}.txt"))
    assert (tmp_path / "ours.txt").read_bytes() == (tmp_path / "theirs.txt").read_bytes()


def test_save_sweeps_what_a_killed_save_left(tmp_path):
    """A save killed outright leaves its hidden staging folder: the next save of that name removes it."""
    import socket

    ours, _ = _both()
    left = tmp_path / f".m.kv.part-99999999@{socket.gethostname()}-0badf00d"
    left.mkdir()
    (left / "m.kv.vectors.npy").write_bytes(b"half")
    (tmp_path / "m.kv").write_bytes(b"old")
    (tmp_path / "m.kv").chmod(0o640)
    ours.save(str(tmp_path / "m.kv"), sep_limit=0)
    assert sorted(os.listdir(tmp_path)) == ["cache", "m.kv", "m.kv.vectors.npy"]
    assert (tmp_path / "m.kv").stat().st_mode & 0o777 == 0o640  # an existing file's bits kept


def test_every_method_takes_gensims_parameter_names():
    """A script passing gensim's keywords (``load(fname=...)``, ``similar_by_key(key=...)``) works:
    each method gensim has takes its parameters under gensim's names, in its order."""
    import inspect

    differ = []
    for name in dir(GensimKeyedVectors):
        theirs, ours = getattr(GensimKeyedVectors, name), getattr(KeyedVectors, name, None)
        if name.startswith("_") or not callable(theirs) or ours is None:
            continue
        wanted = [
            p.name
            for p in inspect.signature(theirs).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)  # gensim's wrappers: (*args, **kwargs)
        ]
        taken = list(inspect.signature(ours).parameters)
        if taken[: len(wanted)] != wanted:
            differ.append(f"{name}: {taken} for gensim's {wanted}")
    assert differ == []


def test_a_pickle_of_a_model_file_changed_since_is_refused(tmp_path):
    """A pickle names how the model was opened, and what its cache held: unpickled after the file
    changed (retrained, replaced), it would answer with other vectors, so it is refused."""
    import pickle

    from vecq.errors import ModelError

    rng = np.random.default_rng(0)
    path, words = tmp_path / "m.txt", [f"w{i}" for i in range(20)]

    def write_model() -> None:
        written = GensimKeyedVectors(4)
        written.add_vectors(words, rng.standard_normal((20, 4)).astype(np.float32))
        written.save_word2vec_format(str(path))

    write_model()
    ours = KeyedVectors.load_word2vec_format(str(path))
    pickled = pickle.dumps(ours)
    assert np.array_equal(pickle.loads(pickled)["w3"], ours["w3"])  # unchanged: the same model
    write_model()
    with pytest.raises(ModelError, match="changed since this object was pickled"):
        pickle.loads(pickled)


def test_refused_vectors_leave_the_vocabulary_file_as_it_was(tmp_path):
    """Words word2vec cannot store (a ``prefix`` with a space) are refused before any file changes:
    the old vocabulary file is not replaced beside the old vectors."""
    ours, _ = _both()
    vectors, vocab = tmp_path / "v.txt", tmp_path / "v.vocab"
    vocab.write_text("old 1\n")
    with pytest.raises(Exception, match="holds a space"):
        ours.save_word2vec_format(str(vectors), fvocab=str(vocab), prefix="a ")
    assert vocab.read_text() == "old 1\n" and not vectors.exists()


def test_similarity_of_a_list_and_a_word_is_a_cosine_a_word(caplog):
    """gensim's ``similarity(["cat", "dog"], "kitten")`` is an array, one number a word; vecq's was
    KeyError ['cat', 'dog']. A word against a list, in either order, is that word against each, a
    cosine each: gensim's numbers are not cosines (its ``unitvec`` of the 2-D array divides it by
    the whole matrix's norm, not each row by its own). A missing value in the list is said as one
    (it was "not in the vocabulary: nan")."""
    ours, theirs = _both()
    words = theirs.index_to_key[:6]
    got = ours.similarity(words, "war")
    assert got.dtype == np.float32
    assert np.array_equal(got, [ours.similarity(w, "war") for w in words])
    rows = theirs[words]
    scaled = theirs.similarity(words, "war") * np.linalg.norm(rows) / np.linalg.norm(rows, axis=1)
    assert np.allclose(got, scaled, atol=1e-5)  # gensim's, each divided by its row's norm instead
    assert np.array_equal(ours.similarity("war", words), got)
    with caplog.at_level("WARNING"):
        mixed = ours.similarity([words[0], None, "qqzzyx"], "war")
    assert np.isnan(mixed[1:]).all() and mixed[0] == got[0]
    assert "not in the vocabulary: qqzzyx" in caplog.text and "not NoneType" in caplog.text


def test_n_similarity_of_a_list_with_no_known_word_is_an_error_not_zero(caplog):
    """gensim's ``n_similarity(["war"], ["qqzzyx"])`` is 0.0, the cosine with a mean of nothing
    (its ``get_mean_vector`` leaves unknown words out unsaid), and vecq answered the same: a list
    with no word in the model is an UnknownWordError naming them; words left out are said."""
    ours, theirs = _both()
    assert theirs.n_similarity(["war"], ["qqzzyx"]) == 0.0  # gensim's
    with pytest.raises(UnknownWordError, match="'qqzzyx' and 'zzqqxx' are not in the vocabulary"):
        ours.n_similarity(["war"], ["qqzzyx", "zzqqxx"])
    with caplog.at_level("WARNING"):
        partly = ours.n_similarity(["war", "qqzzyx"], ["terrorism"])
    assert "vectors for words {'qqzzyx'} are not present in the model" in caplog.text
    assert np.isclose(partly, theirs.n_similarity(["war", "qqzzyx"], ["terrorism"]), atol=1e-6)


def test_changes_in_memory_keep_a_fasttext_models_subwords():
    """``add_vectors``, ``kv[word] = vector``, ``kv.vectors = matrix`` and ``unit_normalize_all``
    on a fastText model: a word it does not hold is still built from its n-grams, as gensim's (the
    changed model had dropped them: 'xyzzyq' became an unknown word)."""
    ours, theirs = _fasttext_pair()
    dims = ours.vector_size
    steps = [
        lambda kv: kv.add_vectors(["brandnew"], np.ones((1, dims), np.float32)),
        lambda kv: kv.__setitem__("night", np.arange(dims, dtype=np.float32)),
        lambda kv, doubled: (setattr(kv, "vectors", doubled), kv.fill_norms(force=True)),  # gensim's norms
        lambda kv: kv.unit_normalize_all(),
    ]
    for step in steps:
        doubled = np.array(ours.vectors) * 2  # computed once for both
        for kv in (theirs, ours):
            step(kv, doubled) if step.__code__.co_argcount == 2 else step(kv)
        assert "xyzzyq" in ours and not ours.has_index_for("xyzzyq")
        assert np.array_equal(ours["xyzzyq"], theirs["xyzzyq"])
        assert np.array_equal(ours["night"], theirs["night"])
        assert [w for w, _ in ours.most_similar("xyzzyq", topn=5)] == [
            w for w, _ in theirs.most_similar("xyzzyq", topn=5)
        ]
        again = pickle.loads(pickle.dumps(ours))  # a changed model pickles whole: its n-grams too
        assert np.array_equal(again["xyzzyq"], theirs["xyzzyq"])


def test_assigning_kv_vectors_replaces_every_vector_as_gensims():
    """``kv.vectors = matrix`` (a mean taken off, a projection to fewer dimensions) as gensim's once
    its norms are recomputed: the same vectors, words and scores; a matrix that is not a row per
    word, or holds NaN, is refused naming what is wrong, and nothing changes."""
    ours, theirs = _both()
    centred = np.array(theirs.vectors) - theirs.vectors.mean(axis=0)
    for matrix in (centred, centred[:, :4]):
        theirs.vectors = np.array(matrix)
        theirs.vector_size = matrix.shape[1]
        theirs.fill_norms(force=True)
        ours.vectors = matrix
        assert ours.vector_size == matrix.shape[1]
        assert np.array_equal(ours.vectors, matrix) and np.array_equal(
            ours["war"], matrix[ours.get_index("war")]
        )
        mine, gensims = ours.most_similar("war", topn=10), theirs.most_similar("war", topn=10)
        assert [w for w, _ in mine] == [w for w, _ in gensims]
        assert [s for _, s in mine] == pytest.approx([s for _, s in gensims], abs=1e-6)
    ours.norms = None  # gensim's way to have norms recomputed: nothing to do
    poisoned = np.array(centred[:, :4])
    poisoned[7, 1] = np.nan
    for bad, said in ((centred[:5], "a row per word"), (centred[:, 0], "a row per word"), (poisoned, "NaN")):
        with pytest.raises(ValueError, match=said):
            ours.vectors = bad
        assert ours.vector_size == 4 and np.array_equal(ours.vectors, centred[:, :4])
    with pytest.raises(ValueError, match="lengths"):
        ours.norms = np.ones(len(ours), np.float32)
    fasttext, _ = _fasttext_pair()
    with pytest.raises(ValueError, match="fastText"):
        fasttext.vectors = np.array(fasttext.vectors)[:, :4]


def test_load_of_a_model_that_is_not_gensims_native_file_answers_its_counts():
    """``KeyedVectors.load`` opens a word2vec or fastText file (or a catalogue name) too; asking
    its counts read the file as gensim's pickle and raised (a traceback from ``get_vecattr``,
    ``sort_by_descending_frequency`` and ``save_word2vec_format``)."""
    path = datapath("euclidean_vectors.bin")
    loaded, read = KeyedVectors.load(path), KeyedVectors.load_word2vec_format(path, binary=True)
    assert [loaded.get_vecattr(w, "count") for w in loaded.index_to_key[:5]] == [
        read.get_vecattr(w, "count") for w in read.index_to_key[:5]
    ]
    loaded.sort_by_descending_frequency()
    assert loaded.index_to_key == read.index_to_key


def test_a_fasttext_models_counts_are_the_files_as_gensims(tmp_path):
    """gensim's ``load_facebook_vectors`` gives each word the count its file holds; vecq gave
    gensim's made-up descending ones (1,762 for 'the', which the file counts 3,523 times), so
    ``sort_by_descending_frequency`` and ``save_word2vec_format`` ordered ties otherwise. The
    cache keeps them, and so do ``--limit``, a pickle, a change in memory and ``save``."""
    import filecmp
    import pickle

    import vecq

    ours, theirs = _fasttext_pair()
    held = np.array(theirs.expandos["count"])
    assert np.array_equal(ours.expandos["count"], held)
    assert ours.get_vecattr("the", "count") == theirs.get_vecattr("the", "count") == 3523
    assert type(ours.get_vecattr("the", "count")) is np.int64
    assert np.array_equal(pickle.loads(pickle.dumps(ours)).expandos["count"], theirs.expandos["count"])
    limited = vecq.load(datapath("lee_fasttext.bin"), limit=10)
    assert np.array_equal(limited.expandos["count"], theirs.expandos["count"][:10])
    ours.save(str(tmp_path / "ft.kv"))
    assert np.array_equal(
        GensimKeyedVectors.load(str(tmp_path / "ft.kv")).expandos["count"], theirs.expandos["count"]
    )
    ours.sort_by_descending_frequency()
    theirs.sort_by_descending_frequency()
    assert ours.index_to_key == theirs.index_to_key
    ours.save_word2vec_format(str(tmp_path / "ours.txt"))
    theirs.save_word2vec_format(str(tmp_path / "theirs.txt"))
    assert filecmp.cmp(tmp_path / "ours.txt", tmp_path / "theirs.txt", shallow=False)
    older = _fasttext_pair()[0].model
    older.counts = None  # as a cache written before vecq kept them opens
    made_up = KeyedVectors._of(older, None)
    with pytest.warns(UserWarning, match="cache clear"):  # said, once
        assert made_up.get_vecattr("the", "count") == len(made_up)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert made_up.expandos["count"][0] == len(made_up)  # not said again
    changed, _ = _fasttext_pair()
    changed.add_vectors(["brandnew"], np.ones((1, changed.vector_size), np.float32))  # gensim's fails here
    assert changed.get_vecattr("brandnew", "count") == 0
    counts = pickle.loads(pickle.dumps(changed)).expandos["count"]  # a changed model pickles whole
    assert np.array_equal(counts, np.append(held, 0))


def _bookkeeping(cls, folder) -> list:
    """What gensim's bookkeeping calls give, in order, on an object of ``cls`` (gensim's or vecq's)."""
    kv = cls(3)
    kv.add_vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    seen: list = []
    kv.allocate_vecattrs(["flag"], [bool])
    kv.set_vecattr("a", "flag", True)
    seen += [kv.expandos["flag"].tolist(), str(kv.expandos["flag"].dtype), repr(kv.get_vecattr("b", "flag"))]
    with pytest.raises(TypeError) as refused:
        kv.set_vecattr("a", "flag", 2.5)
    kv.allocate_vecattrs(["label"], [str])
    kv.set_vecattr("a", "label", "x")
    kv.set_vecattr("c", "score", 0.5)
    seen += [str(refused.value), kv.expandos["label"].tolist(), repr(kv.get_vecattr("a", "score"))]
    kv.resize_vectors()
    seen += [kv.vectors.shape, kv.mapfile_path]
    kv.save(str(folder / "saved.kv"))
    seen.append([(e["event"], os.path.basename(e.get("fname_or_handle", ""))) for e in kv.lifecycle_events])
    for reader in (GensimKeyedVectors, KeyedVectors):
        back = reader.load(str(folder / "saved.kv"))
        seen += [[e["event"] for e in back.lifecycle_events], back.expandos["flag"].tolist()]
        seen += [back.expandos["label"].tolist(), repr(back.get_vecattr("c", "score"))]
    loaded = cls.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    (event,) = loaded.lifecycle_events
    seen.append({k: v for k, v in event.items() if k in ("msg", "binary", "encoding", "event", "gensim")})
    return seen


def test_gensims_bookkeeping_is_gensims(tmp_path):
    """``allocate_vecattrs``, typed attributes, ``resize_vectors``, ``lifecycle_events`` (kept by
    ``save`` and ``load``, gensim's own files' included) as gensim's: the same values, types,
    errors and events. A ``.kv`` file's attributes other than ``count`` were not read (KeyError)."""
    (tmp_path / "vecq").mkdir()
    (tmp_path / "gensim").mkdir()
    assert _bookkeeping(KeyedVectors, tmp_path / "vecq") == _bookkeeping(
        GensimKeyedVectors, tmp_path / "gensim"
    )
    grown = KeyedVectors(3)
    grown.add_vectors(["a", "b"], np.eye(2, 3, dtype=np.float32))
    assert grown.next_index == 2  # the row add_vector fills next (gensim's says 0 here)
    grown.lifecycle_events = None  # not kept, as gensim's
    grown.add_lifecycle_event("noted", log_level=0)
    assert grown.lifecycle_events is None


def test_a_fasttext_models_ngram_attributes_are_gensims():
    """gensim's ``FastTextKeyedVectors`` names (``min_n``, ``max_n``, ``bucket``,
    ``vectors_ngrams``, ``compatible_hash``) on a fastText model: gensim's values, the n-gram rows
    read-only; any other model has none, as gensim's plain ``KeyedVectors`` (AttributeError)."""
    import vecq

    ours, theirs = _fasttext_pair()
    for name in ("min_n", "max_n", "bucket", "compatible_hash"):
        assert getattr(ours, name) == getattr(theirs, name)
    assert np.array_equal(ours.vectors_ngrams, theirs.vectors_ngrams)
    assert not ours.vectors_ngrams.flags.writeable
    plain, gensims = _both()
    without = vecq.load(datapath("lee_fasttext.bin"), subwords=False)
    for name in ("min_n", "max_n", "bucket", "vectors_ngrams", "compatible_hash"):
        assert not hasattr(gensims, name) and not hasattr(plain, name) and not hasattr(without, name)


def test_vecq_load_takes_gensims_own_objects():
    """``vecq.load(model)`` or ``vecq.load(model.wv)``: a model trained in the notebook, copied into
    memory, answers as gensim's (its words, counts and, for fastText, the words its n-grams build);
    a file's options are refused, and anything else is a TypeError saying what is taken."""
    from gensim.models import FastText, Word2Vec
    from gensim.test.utils import common_texts

    import vecq

    trained = Word2Vec(common_texts, vector_size=20, min_count=1, seed=1, workers=1)
    for given in (trained, trained.wv):
        ours = vecq.load(given)
        assert ours.index_to_key == trained.wv.index_to_key
        assert np.array_equal(ours.vectors, trained.wv.vectors)
        mine, gensims = ours.most_similar("computer", topn=5), trained.wv.most_similar("computer", topn=5)
        assert [w for w, _ in mine] == [w for w, _ in gensims]
        assert [s for _, s in mine] == pytest.approx([s for _, s in gensims], abs=1e-6)
        assert np.array_equal(ours.expandos["count"], trained.wv.expandos["count"])
    assert vecq.load(trained, limit=3).index_to_key == trained.wv.index_to_key[:3]
    subwords = FastText(common_texts, vector_size=20, min_count=1, seed=1, workers=1)
    ours = vecq.load(subwords)
    assert "computerz" in ours and np.array_equal(ours["computerz"], subwords.wv["computerz"])
    assert [w for w, _ in ours.most_similar("computerz", topn=3)] == [
        w for w, _ in subwords.wv.most_similar("computerz", topn=3)
    ]
    assert "computerz" not in vecq.load(subwords, subwords=False)
    subwords.wv.compatible_hash = False  # gensim's hash before 3.8: not fastText's, so refused
    with pytest.raises(ValueError, match="subwords=False"):
        vecq.load(subwords)
    assert len(vecq.load(subwords, subwords=False)) == len(subwords.wv)
    empty = GensimKeyedVectors(3)
    empty.add_vectors(["a", "b"], np.eye(2, 3, dtype=np.float32))
    with pytest.raises(KeyError):  # gensim's: no word has a count
        vecq.load(empty).get_vecattr("a", "count")
    poisoned = GensimKeyedVectors(3)
    poisoned.add_vectors(["a", "b"], np.array([[1, 2, np.nan], [1, 1, 1]], np.float32))
    with pytest.raises(ValueError, match="'a' holds NaN"):  # gensim takes it, and answers NaN
        vecq.load(poisoned)
    with pytest.raises(vecq.QueryError, match="tensor"):
        vecq.load(trained, tensor="wte.weight")
    with pytest.raises(TypeError, match="model.wv"):
        vecq.load(42)


def test_a_vocabulary_file_without_some_words_says_so_and_a_bad_line_is_named(tmp_path):
    """``fvocab`` lacking some of the model's words: gensim warns "incomplete" and then fails on
    its None counts (a TypeError); vecq gave those words made-up descending counts without a word,
    which a sort by count mixed with the file's. A warning names them now. A line that is not
    'word count' was Python's "invalid literal for int()"; now the file and the line are named."""
    path = datapath("toy-model.vec")
    words = GensimKeyedVectors.load_word2vec_format(path).index_to_key
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join(f"{w} {10 * i + 3}\n" for i, w in enumerate(words) if i % 3))
    with pytest.raises(TypeError):
        GensimKeyedVectors.load_word2vec_format(path, fvocab=str(vocab))
    with pytest.warns(UserWarning, match=rf"has no count for 8 of the model's 22 words \('{words[0]}', "):
        ours = KeyedVectors.load_word2vec_format(path, fvocab=str(vocab))
    assert [ours.get_vecattr(w, "count") for w in words[1:3]] == [13, 23]  # the file's
    vocab.write_text("".join(f"{w} {10 * i + 3}\n" for i, w in enumerate(words)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete file: no warning
        complete = KeyedVectors.load_word2vec_format(path, fvocab=str(vocab))
    theirs = GensimKeyedVectors.load_word2vec_format(path, fvocab=str(vocab))
    assert [complete.get_vecattr(w, "count") for w in words] == [
        theirs.get_vecattr(w, "count") for w in words
    ]
    vocab.write_text(f"{words[0]} 5\n{words[1]}\n")
    with pytest.raises(ValueError, match=rf"vocab.txt, line 2: b'{words[1]}\\n' is not 'word count'"):
        KeyedVectors.load_word2vec_format(path, fvocab=str(vocab))
