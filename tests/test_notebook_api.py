"""The API as a notebook meets it: answers that show as tables and become DataFrames, the model's
description, one lookup rule and one exception family for every method, completions."""

from __future__ import annotations

import importlib
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import vecq
from vecq.api import RespelledWarning
from vecq.errors import QueryError, UnknownWordError


@pytest.fixture(scope="module")
def kv():
    return vecq.load("glove-wiki-gigaword-50", progress=False)


def test_answers_are_tables_and_dataframes(kv, glove_raw):
    answers = kv.neighbors("cat", top=5)
    frame = answers.to_pandas()
    assert list(frame.columns) == ["query", "rank", "word", "similarity"]
    assert frame.equals(pd.DataFrame(answers))  # the DataFrame constructor gives the same
    assert frame["word"].tolist() == [a.word for a in answers]
    html = answers._repr_html_()
    assert html.count("<tr>") == 6 and "<td>dog</td>" in html
    analogy = kv.analogy("king", "man", "woman", top=3)
    assert analogy.to_pandas()["answer"].tolist()[0] == "queen"
    assert "<th>answer</th>" in analogy._repr_html_()


def test_the_similarity_matrix_shows_shaded(kv):
    words = ["cat", "kitten", "dog", "puppy", "car"]
    matrix = kv.similarity_matrix(words)
    expected = np.array([[kv.similarity(a, b) for b in words] for a in words])
    assert np.allclose(np.asarray(matrix), expected, atol=1e-6)
    frame = matrix.to_pandas()
    assert list(frame.index) == words and list(frame.columns) == words
    assert matrix._repr_html_().count("background:") == len(words) ** 2
    assert repr(matrix).splitlines()[1].startswith("cat")


def test_a_similarity_matrix_of_many_words_is_each_pairs_number_to_the_bit(kv):
    """400 random GloVe words (some twice): every entry is the pair's ``similarities`` number, the
    one ``similar`` and ``similarity`` give, bit for bit; each word against itself exactly 1."""
    rng = np.random.default_rng(2)
    words = [kv.index_to_key[i] for i in rng.integers(0, len(kv), 400)]
    words += words[:20]
    matrix = np.asarray(kv.similarity_matrix(words))
    rows = np.array([kv.get_index(w) for w in words])
    i, j = np.meshgrid(np.arange(len(rows)), np.arange(len(rows)), indexing="ij")
    pairs = kv.model.similarities(rows[i.ravel()], rows[j.ravel()]).reshape(matrix.shape)
    assert matrix.view(np.int32).tolist() == pairs.view(np.int32).tolist()
    assert (matrix[rows[:, None] == rows[None, :]] == 1).all()


def test_the_vectors_of_a_list_of_words_are_each_words_vector_to_the_bit(kv):
    """``vector(list)`` reads every row in one gather: 3,000 GloVe words (a respelled one and some
    twice among them) give the rows ``vector(word)`` gives one by one, bit for bit, in order."""
    rng = np.random.default_rng(4)
    words = [kv.index_to_key[i] for i in rng.integers(0, len(kv), 3000)] + ["Cat", "cat"]
    words += words[:10]
    with pytest.warns(vecq.RespelledWarning):
        together = kv.vector(words)
    with pytest.warns(vecq.RespelledWarning):
        alone = np.stack([kv.vector(w) for w in words])
    assert together.shape == (len(words), kv.vector_size) and together.flags.writeable
    assert together.view(np.int32).tolist() == alone.view(np.int32).tolist()


def test_a_large_similarity_matrix_shows_its_first_rows_and_columns_and_says_how_many_more(kv):
    """A notebook draws a matrix of many words as pandas draws a large DataFrame: the first
    MAX_COLUMNS columns and MAX_ROWS rows, and how many more (2,000 words drew 31 MB of HTML);
    every value stays in the array."""
    from vecq.display import MAX_COLUMNS, MAX_ROWS

    words = kv.index_to_key[: MAX_ROWS + 50]
    matrix = kv.similarity_matrix(words)
    html = matrix._repr_html_()
    assert html.count("background:") == MAX_ROWS * MAX_COLUMNS
    assert f"... {len(words) - MAX_COLUMNS:,} more" in html and "... 50 more" in html
    lines = repr(matrix).splitlines()
    assert len(lines) == MAX_ROWS + 2 and lines[-1].startswith("... 50 more rows")
    assert lines[1].split()[1:3] == [f"{v:.6f}" for v in np.asarray(matrix)[0, :2]]
    assert max(map(len, lines)) < 40 + 10 * MAX_COLUMNS
    assert np.asarray(matrix).shape == (len(words), len(words))


def test_a_batch_is_one_table_and_one_dataframe_its_errors_rows_of_their_own(kv):
    """A batch drew as a nested list; it is a list still (one item a question, an error in its
    place), drawn as one table with an ``error`` column and made a DataFrame in one call."""
    asked = ["cat", "kitteh", "king - man + woman", "<b>"]
    batch = kv.neighbors(asked, top=2)
    assert isinstance(batch, list) and batch[0] == kv.neighbors("cat", top=2)
    assert isinstance(batch[1], UnknownWordError) and isinstance(batch[3], UnknownWordError)
    frame = batch.to_pandas()
    assert list(frame.columns) == ["query", "rank", "word", "similarity", "error"]
    assert frame["query"].tolist() == ["cat", "cat", "kitteh", *["king - man + woman"] * 2, "<b>"]
    assert frame["rank"].tolist()[:2] == [1, 2] and str(frame["rank"].dtype) == "Int64"
    errors = frame["error"].tolist()
    assert [e == str(batch[1]) for e in errors] == [False, False, True, False, False, False]
    assert frame["word"].tolist()[3] == "queen"
    html = batch._repr_html_()
    assert "<th>error</th>" in html and html.count("<tr>") == 1 + len(frame)
    assert "<td>&lt;b&gt;</td>" in html and "<b>" not in html  # the asked text escaped
    again = pickle.loads(pickle.dumps(batch))  # as multiprocessing hands it back
    assert again.to_pandas().equals(frame) and again[0] == batch[0]
    vectors = kv.neighbors(np.stack([kv["cat"], kv["dog"]]), top=1).to_pandas()
    assert vectors["word"].tolist() == ["cat", "dog"] and vectors["query"].str.startswith("[").all()


def test_a_matrix_the_free_memory_cannot_hold_is_refused_before_it_is_built(kv, monkeypatch):
    """50,000 words' matrix is 10 GB: built anyway, the kernel kills the notebook's kernel without
    a word. Refused (a ValueError), naming its size and the memory free; the CLI's is one line."""
    from conftest import glove_invoke

    from vecq.core import memory

    monkeypatch.setattr(memory, "available_memory", lambda: 3_000_000)
    words = kv.index_to_key[:1000]  # 4,000,000 bytes of float32
    with pytest.raises(QueryError, match=r"a similarity matrix of 1,000 words needs 4\.0 MB of memory"):
        kv.similarity_matrix(words)
    assert kv.similarity_matrix(words[:800]).values.shape == (800, 800)  # 2.56 MB: fits
    result = glove_invoke(["similar", *[w for w in words if not w.startswith("-")]])
    assert result.exit_code == 3 and "needs" in result.stderr and "free" in result.stderr
    last = result.stderr.strip().splitlines()[-1]  # (a first run may say it converts the model)
    assert (
        last.startswith("vecq: error: a similarity matrix of 998 words") and "Traceback" not in result.stderr
    )


def test_the_stored_matrix_the_free_memory_cannot_hold_is_refused_and_single_reads_go_on(monkeypatch):
    """``kv.vectors`` builds the matrix as stored in memory: refused when the memory free cannot
    hold it (a MemoryError saying what to use instead); past VECTORS_AFTER single reads, where
    the matrix is built only to be faster, they go on from the cache, the same bits."""
    from vecq import NoMemoryError, api
    from vecq.core import memory

    kv = vecq.load("glove-wiki-gigaword-50", progress=False)
    monkeypatch.setattr(memory, "available_memory", lambda: 50_000_000)  # GloVe's matrix: 80 MB
    with pytest.raises(MemoryError, match=r"needs 80\.0 MB of memory, and 50\.0 MB is free: kv\.get_normed"):
        kv.vectors  # noqa: B018
    words = kv.index_to_key[: api.VECTORS_AFTER + 10]
    read = [kv.get_vector(w) for w in words]
    assert kv._raw is None
    monkeypatch.undo()
    assert isinstance(NoMemoryError("x"), QueryError)
    stored = kv.vectors
    assert all(np.array_equal(v.view(np.int32), stored[i].view(np.int32)) for i, v in enumerate(read))


def test_a_batch_shows_its_progress_when_asked_and_answers_the_same_in_chunks(kv, capsys, monkeypatch):
    """A batch is answered QUERIES_A_CHUNK questions at a time, each told to a tqdm bar when asked
    (by default in a notebook, for a batch past PROGRESS_AFTER): the same answers as one at a time,
    and nothing drawn when not asked."""
    import contextlib

    from vecq import api
    from vecq.core.queries import QUERIES_A_CHUNK

    words = kv.index_to_key[500 : 500 + 2 * QUERIES_A_CHUNK + 17]
    quiet = kv.neighbors(words, top=3)
    assert capsys.readouterr().err == ""
    shown = kv.neighbors(words, top=3, progress=True)
    drawn = capsys.readouterr().err
    assert "neighbours" in drawn and f"/{len(words)}" in drawn  # tqdm's bar, of every question
    assert shown == quiet
    told: list = []

    class Told:  # what the bar is told: a chunk at a time
        def task(self, description, total):
            told.append(total)
            return contextlib.nullcontext(type("Task", (), {"advance": lambda _, n=1: told.append(n)})())

    monkeypatch.setattr(api, "TqdmReporter", Told)
    assert kv.neighbors(words, top=3, progress=True) == quiet
    assert told == [len(words), QUERIES_A_CHUNK, QUERIES_A_CHUNK, 17]
    assert all(quiet[i] == kv.neighbors(words[i], top=3) for i in (0, QUERIES_A_CHUNK, len(words) - 1))
    kv.neighbors(words, top=3, progress=False)
    assert capsys.readouterr().err == ""


def test_an_html_table_escapes_what_it_shows():
    from vecq.display import Answers
    from vecq.records import Neighbor

    html = Answers([Neighbor("<b>", 1, "<script>", 0.5)])._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_model_describes_itself(kv):
    assert repr(kv).startswith("<KeyedVectors glove-wiki-gigaword-50: 400,000 words x 50")
    html = kv._repr_html_()
    for shown in ("glove-wiki-gigaword-50", "400,000 words", "50", "source", "cache", str(kv.model.folder)):
        assert shown in html, shown


def test_an_unknown_word_is_the_same_error_everywhere(kv):
    for ask in (
        lambda: kv["kitteh"],
        lambda: kv.get_vector("kitteh"),
        lambda: kv.neighbors("kitteh"),
        lambda: kv.most_similar("kitteh"),
        lambda: kv.similarity("kitteh", "cat"),
        lambda: kv.analogy("kitteh", "man", "woman"),
        lambda: kv.get_index("kitteh"),
        lambda: kv.similarity_matrix(["cat", "kitteh"]),
    ):
        with pytest.raises(KeyError) as caught:
            ask()
        assert isinstance(caught.value, UnknownWordError)
        assert "glove-wiki-gigaword-50" in str(caught.value) and "kitten" in str(caught.value)


def test_a_bad_query_is_a_value_error(kv):
    with pytest.raises(ValueError) as caught:
        kv.neighbors("")
    assert isinstance(caught.value, QueryError) and isinstance(caught.value, vecq.VecqError)


def test_text_that_cannot_be_a_word_is_a_missing_key_as_in_gensim(kv, glove_raw):
    """``kv[""]`` is gensim's KeyError, and its get_mean_vector (so n_similarity) leaves a blank word
    out as missing: vecq's error for it was a ValueError only, so ``except KeyError`` missed it and
    ``n_similarity(["", "cat"], ["dog"])`` raised where gensim leaves it out. (A list of no word
    at all is an error: gensim's 0.0 is the cosine with a mean of nothing.)"""
    from gensim.models import KeyedVectors

    words, vectors = glove_raw
    oracle = KeyedVectors(vectors.shape[1])
    oracle.add_vectors(words[:20000], vectors[:20000])
    for text in ("", " ", "a\x01", "caf\udce9"):  # the last: Python's reading of bytes not UTF-8
        with pytest.raises(vecq.NotAWordError) as caught:
            kv[text]
        assert isinstance(caught.value, ValueError) and isinstance(caught.value, QueryError)
        assert isinstance(caught.value, KeyError)
        assert str(caught.value) == caught.value.args[0]  # the message, not KeyError's repr of it
        with pytest.raises(KeyError):
            oracle[text]
    assert kv.n_similarity(["", "cat"], ["dog"]) == kv.similarity("cat", "dog")
    assert np.isclose(kv.n_similarity(["", "cat"], ["dog"]), oracle.n_similarity(["", "cat"], ["dog"]))
    assert oracle.n_similarity([""], ["dog"]) == 0.0
    with pytest.raises(KeyError, match="an empty word was given"):
        kv.n_similarity([""], ["dog"])
    assert np.array_equal(kv.get_mean_vector(["", "cat"]), kv.get_mean_vector(["cat"]))
    assert np.allclose(kv.get_mean_vector(["", "cat"]), oracle.get_mean_vector(["", "cat"]), atol=1e-7)


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda kv: kv.neighbors("cat", top=0), "top=N"),
        (lambda kv: kv.neighbors(["cat", "dog"], top=-1), "top=N"),
        (lambda kv: kv.neighbors("cat", top=2.5), "top=N"),
        (lambda kv: kv.neighbors("cat", top=None), "top=N"),
        (lambda kv: kv.neighbors("cat", restrict=0), "restrict=N"),
        (lambda kv: kv.neighbors("cat", min_rank=0), "min_rank=N"),
        (lambda kv: kv.analogy("king", "man", "woman", top=-2), "top=N"),
        (lambda kv: kv.analogy("king", "man", "woman", restrict=-1), "restrict=N"),
        (lambda kv: kv.axis(["man"], ["woman"], top=0), "top=N"),
        (lambda kv: kv.align(kv, overlap_k=0), "overlap_k=N"),
        (lambda kv: kv.align(kv, top=0), "top=N"),
        (lambda kv: kv.neighbors_in(kv, "cat", shared=-5), "shared=N"),
        (lambda kv: kv.cluster(first=-4, clusters=2), "first=N"),
        (lambda kv: kv.cluster(["cat", "dog", "car"], clusters=2.5), "clusters=N"),
        (lambda kv: kv.cluster(["cat", "dog", "car"], clusters=2, seed=-3), "seed=N"),
        (lambda kv: kv.cluster(["cat", "dog", "car"], clusters=2, seed=1 << 32), "seed=N"),
        (lambda kv: kv.weat(["cat"], ["car"], ["good"], ["bad"], bootstrap=0), "bootstrap=N"),
        (lambda kv: kv.weat(["cat"], ["car"], ["good"], ["bad"], seed=-1), "seed=N"),
        (lambda kv: kv.most_similar("cat", topn=2.5), "topn=N"),
        (lambda kv: kv.most_similar("cat", restrict_vocab=-1), "restrict_vocab=N"),
        (lambda kv: kv.most_similar("cat", clip_end=-2), "clip_end=N"),
        (lambda kv: kv.most_similar_cosmul("cat", restrict_vocab=-2), "restrict_vocab=N"),
    ],
)
def test_a_count_out_of_range_is_a_query_error_naming_its_argument(kv, call, named):
    """Not numpy's "kth(=2) out of bounds", scikit-learn's parameter error or a silent empty list."""
    with pytest.raises(QueryError) as caught:
        call(kv)
    assert str(caught.value).startswith(named) and "whole number" in str(caught.value)


def test_counts_of_numpy_types_and_gensims_zero_still_answer(kv):
    assert [n.word for n in kv.neighbors("cat", top=np.int64(2))] == ["dog", "rabbit"]
    assert [w for w, _ in kv.most_similar("cat", topn=np.int32(1))] == ["dog"]
    assert kv.most_similar("cat", topn=0) == [] and kv.most_similar("cat", topn=-1) == []  # gensim's
    every = kv.most_similar("cat", topn=1, restrict_vocab=0)  # 0: no limit, as gensim
    assert every == kv.most_similar("cat", topn=1)


def test_one_lookup_rule_and_it_is_never_silent(kv):
    for ask in (
        lambda: kv["Cat"],
        lambda: kv.neighbors("Cat", top=1),
        lambda: kv.most_similar("Cat", topn=1),
        lambda: kv.neighbors(["Cat"], top=1),  # a batch says it for each item too
        lambda: kv.similarity_matrix(["Cat", "dog"]),
    ):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            ask()
        assert [w.category for w in seen] == [RespelledWarning]
        assert "'cat' for 'Cat'" in str(seen[0].message) and seen[0].filename == __file__
    assert np.array_equal(kv["Cat"], kv["cat"])
    assert "Cat" not in kv and "Cat" not in kv.key_to_index  # keys stay exact, as gensim's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kv["cat"]  # the word as typed: no warning


def test_a_columns_missing_value_is_its_own_error_never_the_word_nan(kv):
    """A pandas column of words with a gap (NaN), or an integer among them: that item's error in its
    place, as the CLI's batch records a bad line; never the neighbours of the words 'nan' or '5'."""
    assert "nan" in kv and "5" in kv  # the words a str() of those items would have found
    answers = kv.neighbors(pd.Series(["cat", np.nan, 5, "dog"]), top=1)
    assert [a[0].word if isinstance(a, list) else None for a in answers] == ["dog", None, None, "cat"]
    assert isinstance(answers[1], QueryError) and "item 1" in str(answers[1]) and "NaN" in str(answers[1])
    assert isinstance(answers[2], QueryError) and "'id:5'" in str(answers[2])
    with pytest.raises(QueryError, match="item 1"):
        kv.neighbors(pd.Series(["cat", np.nan]), errors="raise")
    # an array of strings (a column's .values) is words, not vectors
    assert kv.neighbors(np.array(["cat", "dog"]), top=1) == kv.neighbors(["cat", "dog"], top=1)


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda kv: kv.axis("man", "woman"), "pole_a takes a list of words, such as ['man']"),
        (lambda kv: kv.axis(["man"], ["woman"], words="doctor"), "words takes a list of words"),
        (lambda kv: kv.similarity_matrix("cat"), "words takes a list of words"),
        (lambda kv: kv.cluster("cats", clusters=2), "words takes a list of words"),
        (lambda kv: kv.weat("ab", ["c"], ["d"], ["e"]), "x takes a list of words"),
        (lambda kv: kv.vector(5), "not int (5); for the word of row 5 give 'id:5'"),
        (lambda kv: kv.vector(b"cat"), "not bytes (b'cat'): decode it first"),
        (lambda kv: kv.analogy("king", ["man"], "woman"), "not a list: this argument takes one word"),
        (lambda kv: kv.neighbors(None), "neighbors takes a word or an expression, or a list of them"),
        (lambda kv: kv.most_similar(["cat", np.nan]), "not float (nan): a missing value (NaN)?"),
    ],
)
def test_a_string_where_words_go_or_a_number_where_a_word_goes_is_a_type_error(kv, call, says):
    """One string where a list of words goes is refused, never read as its letters ('m', 'a', 'n'
    are words of GloVe too); a word that is not text says what to give."""
    with pytest.raises(TypeError) as refused:
        call(kv)
    assert says in str(refused.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda kv: kv[b"cat"],
        lambda kv: kv[[b"cat", "dog"]],
        lambda kv: kv[np.array([b"cat", b"dog"])],
        lambda kv: kv.most_similar(b"cat"),
        lambda kv: kv.most_similar(positive=[np.bytes_(b"cat")]),
        lambda kv: kv.most_similar_cosmul(b"cat"),
        lambda kv: kv.similar_by_word(b"cat"),
        lambda kv: kv.similarity(b"cat", "dog"),
        lambda kv: kv.n_similarity([b"cat"], ["dog"]),
        lambda kv: kv.get_mean_vector(b"cat"),
        lambda kv: kv.doesnt_match(b"cat"),
        lambda kv: kv.distances("cat", b"dog"),
        lambda kv: kv.neighbors(b"cat"),
    ],
)
def test_bytes_where_a_word_goes_are_refused_not_read_as_row_numbers(kv, call):
    """gensim iterates bytes as the integers of their characters, and vecq did too: ``kv[b"cat"]``
    gave rows 99, 97 and 116, ``most_similar(b"cat")`` their neighbours, ``doesnt_match(b"cat")``
    99 (a word read from a binary file, or a numpy ``S`` column). A TypeError says to decode it."""
    with pytest.raises(TypeError, match=r"not bytes_? \(b'(cat|dog)'\): decode it first"):
        call(kv)


@pytest.mark.parametrize(
    "call",
    [
        lambda kv, v: kv.similar_by_vector(v),
        lambda kv, v: kv.most_similar(positive=["dog", v]),
        lambda kv, v: kv.most_similar_cosmul(positive=[v], negative=["dog"]),
        lambda kv, v: kv.get_mean_vector([v, "dog"]),
        lambda kv, v: kv.distances(v, ["dog"]),
    ],
)
@pytest.mark.parametrize(
    ("given", "error", "says"),
    [
        (lambda v: v.astype(np.complex64), TypeError, "a vector is real numbers, not complex64 values"),
        (lambda v: v.astype(object), TypeError, "a vector is real numbers, not object values"),
        (lambda v: v[:-1], QueryError, "a vector given has shape (49,); the model's are 50 numbers,"),
        (
            lambda v: v[None, :],
            QueryError,
            "a vector given has shape (1, 50); the model's are 50 numbers (v.ravel()",
        ),
        # two halves are not one row: raveling them would glue two vectors (it was suggested)
        (lambda v: v.reshape(2, 25), QueryError, "shape (2, 25); the model's are 50 numbers, and several"),
    ],
)
def test_a_vector_of_the_wrong_shape_or_kind_says_so(kv, call, given, error, says):
    """A vector of 49 numbers or a row of shape (1, 50) (``kv[["cat"]]``) was numpy's broadcasting
    error (gensim's too), and a complex vector a casting error or, in ``distances``, its imaginary
    parts dropped with a warning: one error of vecq's family saying what the model takes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning on the way
        with pytest.raises(error) as refused:
            call(kv, given(kv["cat"]))
    assert says in str(refused.value)


def test_neighbors_of_a_vector_of_the_wrong_shape_or_kind(kv):
    """``neighbors`` takes a 2-D array as a batch of vectors and gives a bad one its own error; one
    vector (a 1-D array) is one question, as one word is: its answers, or its error raised."""
    cat = kv["cat"]
    with pytest.raises(TypeError, match="a vector is real numbers, not complex64 values"):
        kv.neighbors(cat.astype(np.complex64))
    (short,) = kv.neighbors(cat[None, :-1])
    assert isinstance(short, QueryError) and "the vector has 49 numbers" in str(short)
    with pytest.raises(QueryError, match="the vector has 49 numbers"):
        kv.neighbors(cat[:-1])
    assert kv.neighbors(cat[None, :], top=3) == [kv.neighbors(cat, top=3)]
    assert [n.word for n in kv.neighbors(cat, top=3)] == [w for w, _ in kv.similar_by_vector(cat, topn=3)]


def test_a_vectors_answers_name_it_by_its_first_and_last_numbers(kv):
    """A vector's answers carried its whole JSON line as their query (6 KB a record for 300
    dimensions, in every row of a notebook's table); they name it as numpy summarises it."""
    cat = kv["cat"]
    label = f"[{cat[0]:.4g}, {cat[1]:.4g}, {cat[2]:.4g}, ..., {cat[-3]:.4g}, {cat[-2]:.4g}, {cat[-1]:.4g}]"
    assert {n.query for n in kv.neighbors(cat, top=3)} == {label}
    (batch,) = kv.neighbors([cat], top=3)
    assert {n.query for n in batch} == {label}
    from vecq.api import _vector_label

    assert _vector_label(np.array([1, 2.5, -3, 4, 5, 6e-9])) == "[1, 2.5, -3, 4, 5, 6e-09]"  # six: all


def test_vector_of_a_list_is_a_row_each_and_names_every_unknown_word(kv):
    """``kv.vector(list)`` raised AttributeError ('list' object has no attribute 'encode')."""
    words = ["cat", "Dog", "king"]
    with pytest.warns(RespelledWarning):
        rows = kv.vector(words)
    assert rows.shape == (3, kv.vector_size) and np.array_equal(
        rows, np.stack([kv["cat"], kv["dog"], kv["king"]])
    )
    assert kv.vector(np.array(words[:1])).shape == (1, kv.vector_size)  # a column's values too
    with pytest.raises(UnknownWordError) as unknown:
        kv.vector(["cat", "kitteh", "qqzzyx"])
    assert [w for w, _ in unknown.value.unknown] == ["kitteh", "qqzzyx"]
    with pytest.raises(TypeError, match="not float"):
        kv.vector(["cat", float("nan")])


def test_an_expression_that_cancels_out_is_named_as_typed_alone_in_a_list_and_at_the_shell(kv):
    from conftest import glove_invoke

    with pytest.raises(QueryError) as alone, pytest.warns(RespelledWarning):
        kv.neighbors("Cat - cat")
    with pytest.warns(RespelledWarning):
        (in_a_list,) = kv.neighbors(["Cat - cat"])
    shell = glove_invoke(["neighbors", "Cat - cat"]).stderr.strip().splitlines()[-1]
    assert str(alone.value) == str(in_a_list) and shell == f"vecq: error: {alone.value}"
    assert str(alone.value).startswith("'Cat - cat' is the zero vector")


def test_discoverable(kv):
    assert {"load", "KeyedVectors", "UnknownWordError", "QueryError"} <= set(dir(vecq))
    assert set(vecq.__all__) <= set(dir(vecq))
    importlib.import_module("vecq.api")  # loaded: still not offered, nor __future__'s annotations
    assert not {"api", "core", "annotations", "errors"} & set(dir(vecq))
    completions = kv._ipython_key_completions_()
    assert completions is kv.index_to_key and "kitten" in [
        w for w in completions[:40000] if w.startswith("kitt")
    ]
    for method in (kv.neighbors, kv.analogy, kv.similarity, kv.most_similar, kv.__getitem__, vecq.load):
        doc = method.__doc__ or ""
        assert "Parameters" in doc and "Returns" in doc or method is vecq.load, method
        assert "Raises" in doc, method


def test_the_research_questions_from_python_are_the_clis(kv, glove):
    import json

    from tests.conftest import M, invoke

    placed = kv.axis(["man", "he", "him"], ["woman", "she", "her"], ["nurse", "king"])
    cli = json.loads(
        invoke([*M, "axis", "man he him", "woman she her", "nurse", "king", "-f", "json"]).stdout
    )
    assert [(a.word, a.score, a.toward) for a in placed] == [
        (r["word"], r["score"], r["toward"]) for r in cli
    ]
    ends = kv.axis(["good"], ["bad"], top=3)
    assert len(ends) == 6 and ends.to_pandas()["toward"].tolist() == ["good"] * 3 + ["bad"] * 3
    x, y = ["math", "algebra", "geometry", "calculus"], ["poetry", "art", "dance", "literature"]
    a, b = ["male", "man", "boy", "brother"], ["female", "woman", "girl", "sister"]
    result = kv.weat(x, y, a, b, bootstrap=1000)
    args = [
        "--x",
        " ".join(x),
        "--y",
        " ".join(y),
        "--a",
        " ".join(a),
        "--b",
        " ".join(b),
        "--bootstrap",
        "1000",
    ]
    (record,) = json.loads(invoke([*M, "weat", *args, "-f", "json"]).stdout)
    assert result.effect_size == record["effect_size"] and result.p_value == record["p_value"]
    assert (result.ci_low, result.ci_high) == (record["ci_low"], record["ci_high"])


@pytest.mark.parametrize(
    ("name", "then"),
    [
        ("wv", lambda kv: kv.most_similar("cat", topn=1)),
        ("get_nearest_neighbors", lambda kv: kv.neighbors("cat", top=3)),
        ("get_word_vector", lambda kv: kv["cat"]),
        ("get_dimension", lambda kv: kv.vector_size),
        ("get_analogies", lambda kv: kv.analogy("berlin", "germany", "france", top=1)),
        ("encode", lambda kv: kv.vector(["cat", "dog"])),
        ("neighbours", lambda kv: kv.neighbors("cat")),
    ],
)
def test_another_librarys_name_for_a_method_says_vecqs(kv, name, then):
    """``kv.wv.most_similar`` (a gensim model's habit), fastText's ``get_nearest_neighbors`` and
    model2vec's ``encode`` were Python's bare "no attribute": the message names what does it here,
    and that works."""
    with pytest.raises(AttributeError) as missing:
        getattr(kv, name)
    said = str(missing.value)
    assert said.startswith(f"'KeyedVectors' object has no attribute {name!r}; ")
    told = re.search(r"kv\.(\w+)", said.split("; ", 1)[1])
    assert told is not None and hasattr(kv, told[1]), said
    assert then(kv) is not None
    assert not hasattr(kv, name) and missing.value.name == name


def test_tab_completion_offers_only_names_that_can_be_read(kv):
    """``dir(kv)`` (what ``kv.<TAB>`` lists) leaves out the names that only say where the attribute
    is (``kv.wv``, gensim 3's ``kv.vocab``): each name it offers reads without an AttributeError."""
    offered = dir(kv)
    assert "most_similar" in offered and "neighbors" in offered and "key_to_index" in offered
    assert "wv" not in offered and "encode" not in offered and "vocab" not in offered
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gensim's deprecated names warn as they are read
        unreadable = [name for name in offered if not _readable(kv, name)]
    assert unreadable == []


def _readable(kv, name: str) -> bool:
    try:
        getattr(kv, name)
    except AttributeError:
        return False
    return True


def test_an_attribute_no_library_has_is_pythons_message(kv):
    with pytest.raises(AttributeError, match=r"^'KeyedVectors' object has no attribute 'zzz'$"):
        kv.zzz  # noqa: B018


def test_a_list_of_vectors_is_a_batch_of_vectors(kv):
    """``kv.neighbors([kv["king"] - kv["man"] + kv["woman"], kv["cat"]])`` gave every item "a word
    is text (str), not a ndarray: this argument takes one word": a list of vectors is answered as
    the 2-D array of them is, a vector of another length its own error, a vector among words too."""
    vectors = [kv["king"] - kv["man"] + kv["woman"], kv["cat"]]
    assert kv.neighbors(vectors, top=3) == kv.neighbors(np.stack(vectors), top=3)
    assert [n.word for n in kv.neighbors(vectors, top=2)[0]] == [
        w for w, _ in kv.similar_by_vector(vectors[0], topn=2)
    ]
    short, cat = kv.neighbors([kv["dog"][:10], kv["cat"]], top=1)
    assert isinstance(short, QueryError) and "the vector has 10 numbers" in str(short)
    assert cat[0].word == "cat"
    word, vector = kv.neighbors(["cat", kv["dog"]], top=1)
    assert word[0].word == "dog" and isinstance(vector, QueryError)
    assert "not a vector: give vectors as a list of vectors only" in str(vector)


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (
            lambda kv: kv.doesnt_match("cat dog car"),
            "words takes a list of words, such as ['cat', 'dog', 'car']",
        ),
        (
            lambda kv: kv.most_similar_to_given("cat", "dog"),
            "keys_list takes a list of words, such as ['dog']",
        ),
        (lambda kv: kv.n_similarity("cat", ["dog"]), "ws1 takes a list of words, such as ['cat']"),
        (lambda kv: kv.rank_by_centrality("cats"), "words takes a list of words, such as ['cats']"),
        (lambda kv: kv.get_mean_vector("cat"), "keys takes a list of words, such as ['cat']"),
        (lambda kv: kv.distances("cat", "dog"), "other_words takes a list of words, such as ['dog']"),
        (lambda kv: kv.get_vector(["cat", "dog"]), "not a list: this argument takes one word"),
        (lambda kv: kv.rank("cat", ["dog"]), "not a list: this argument takes one word"),
        (
            lambda kv: kv.relative_cosine_similarity("cat", ["dog"]),
            "not a list: this argument takes one word",
        ),
        # neither a word nor a list: Python's "'NoneType' object is not iterable" named nothing
        (lambda kv: kv.similarity(None, "cat"), "a word is text (str), not NoneType"),
        (lambda kv: kv.similarity("cat", 3.5), "a word is text (str), not float ('3.5')"),
        (lambda kv: kv[1.5], "a word is text (str), not float ('1.5') (or a row number"),
        (lambda kv: kv.doesnt_match(None), "a word is text (str), not NoneType"),
        # a bool is an int to Python: kv[w in kv] was row 1's vector (gensim's a (1, n, d) array)
        (lambda kv: kv[True], "a word is text (str), not bool (True); a row number is an int"),
        (lambda kv: kv.most_similar(False), "not bool (False)"),
        (lambda kv: kv.similarity("cat", True), "not bool (True)"),
    ],
)
def test_gensims_methods_refuse_one_string_for_a_list_and_a_list_for_one_word(kv, call, says):
    """gensim reads one string where a list goes as its letters: ``doesnt_match("cat dog car")``
    answered 'a', ``most_similar_to_given("cat", "dog")`` 'o', ``n_similarity("cat", "dog")`` the
    cosine of the letters' means (vecq too, as gensim). A list where one word goes was a KeyError
    naming the list. Each is a TypeError saying what to give."""
    with pytest.raises(TypeError) as refused:
        call(kv)
    assert says in str(refused.value)


def test_a_missing_value_among_keys_is_a_keyerror_saying_so(kv):
    """``kv[["cat", None]]`` or a pandas column's NaN was a bare ``KeyError: None`` (gensim's is
    "Key 'None' not present"): still a KeyError, which a notebook's loop catches to skip it, saying
    what the key is."""
    for keys, says in ((["cat", None], "not NoneType"), (["cat", float("nan")], "a missing value (NaN)?")):
        with pytest.raises(KeyError) as missing:
            kv[keys]
        assert isinstance(missing.value, vecq.NotAWordError) and says in str(missing.value)
    with pytest.raises(KeyError, match="^500000$"):  # a row number past the model: gensim's KeyError
        kv.get_index(500_000)
    assert kv.get_index(None, -1) == -1
    assert True not in kv and False not in kv  # no row number: as None, not a key either


def test_most_similar_to_given_of_no_word_says_so(kv):
    """numpy's "attempt to get argmax of an empty sequence" (gensim's too) named nothing of vecq's."""
    with pytest.raises(ValueError, match="^keys_list holds no word to choose from$"):
        kv.most_similar_to_given("cat", [])


def test_an_array_of_words_is_words_in_most_similar_as_in_every_method(kv):
    """``most_similar(positive=df["word"].values)``: a 1-D array of words (numpy strings, or a pandas
    column's objects) was read as one vector and refused ("a vector is real numbers, not <U5"),
    where ``doesnt_match``, ``n_similarity`` and ``neighbors`` take it as words."""
    listed = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    for kind in (str, object):
        positive, negative = np.array(["king", "woman"], dtype=kind), np.array(["man"], dtype=kind)
        assert kv.most_similar(positive=positive, negative=negative, topn=3) == listed
    assert kv.most_similar_cosmul(np.array(["cat", "dog"]), topn=3) == kv.most_similar_cosmul(
        ["cat", "dog"], topn=3
    )
    with pytest.raises(TypeError, match="a vector is real numbers"):  # words and numbers: neither
        kv.most_similar(np.array(["cat", 3], dtype=object))
