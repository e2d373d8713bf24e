"""``similar A B`` without numpy (vecq/cache/pair_reader.py): the same words, the same digits, no
numpy import."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import cache_folder, fresh_python

from vecq.cache import pair_reader as rows
from vecq.cli import cli
from vecq.cli.env import Env
from vecq.core.words import find_word
from vecq.errors import VecqError
from vecq.sources.loader import ready


def read_pair(spec: str, a: str, b: str):
    """What ``similar A B`` reads without numpy: the ready cache of ``spec``, then the two rows."""
    found = ready(spec)
    return rows.similarity(found.folder, found.manifest, a, b, found.limit, found.name) if found else None


GLOVE = "glove-wiki-gigaword-50"


def engine_answer(model, a: str, b: str):
    """What the numpy path answers for a pair, or None where it raises."""
    try:
        ma, mb = find_word(model.vocab, a), find_word(model.vocab, b)
    except VecqError:
        return None
    return [ma, mb], float(model.similarities(np.array([ma.row]), np.array([mb.row]))[0])


@pytest.mark.slow
def test_random_pairs_equal_the_engine_to_the_last_bit(glove):
    rng = np.random.default_rng(7)
    rows = rng.integers(0, glove.info.rows, size=(300, 2))
    for ra, rb in rows.tolist():
        a, b = glove.vocab.word(ra), glove.vocab.word(rb)
        matches, score, info = read_pair(GLOVE, a, b)
        assert (matches, score) == engine_answer(glove, a, b)
        assert info == glove.info


@pytest.mark.parametrize(
    ("a", "b"),
    [("cat", "cat"), ("Cat", "KITTEN"), (" paris", "France"), ("dog ", "PUPPY"), ("the", ",")],
)
def test_respellings_and_the_same_word_resolve_as_the_engine_does(glove, a, b):
    assert read_pair(GLOVE, a, b)[:2] == engine_answer(glove, a, b)


@pytest.mark.parametrize(("a", "b"), [("cat", "kittenzzq"), ("", "cat"), ("cat", "a\x01b")])
def test_what_the_engine_refuses_is_left_to_the_engine(glove, a, b):
    assert engine_answer(glove, a, b) is None
    assert read_pair(GLOVE, a, b) is None


def test_the_score_agrees_with_gensim(glove, kv):
    for a, b in [("cat", "kitten"), ("king", "queen"), ("car", "banana")]:
        assert read_pair(GLOVE, a, b)[1] == pytest.approx(float(kv.similarity(a, b)), abs=1e-6)


def test_a_model_that_is_not_cached_is_left_to_the_ordinary_path(small_model):
    assert read_pair(str(small_model), "king", "queen") is None


def test_an_array_file_changed_in_place_is_never_read(small_model, tmp_path, monkeypatch):
    from vecq.cache import layout
    from vecq.sources.loader import open_model

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    open_model(str(small_model))
    assert read_pair(str(small_model), "king", "queen") is not None
    folder = cache_folder(small_model)
    order = folder / "order.npy"
    data = bytearray(order.read_bytes())
    data[data.index(b"<i4") : data.index(b"<i4") + 3] = b"<u4"  # same size, other type
    order.write_bytes(bytes(data))
    status = layout.check(folder)
    assert not status.ok and status.damaged and "order.npy" in status.reason
    assert read_pair(str(small_model), "king", "queen") is None


def test_the_command_answers_without_importing_numpy(glove, session_cache):
    code = (
        "import sys\nfrom vecq.cli import cli\nsys.argv = ['vecq', '-m', 'glove-wiki-gigaword-50', "
        "'similar', 'Paris', 'france']\ntry:\n    cli.main()\n"
        "except SystemExit as e:\n    assert e.code == 0\n"
        "print('numpy' in sys.modules, 'pathlib' in sys.modules, file=sys.stderr)"
    )
    out = fresh_python(session_cache, code)
    expected = engine_answer(glove, "Paris", "france")[1]
    assert out.stdout.splitlines() == ["word1\tword2\tsimilarity", f"Paris\tfrance\t{expected:.6f}"]
    assert out.stderr.splitlines() == ["vecq: using 'paris' for 'Paris'", "False False"]


def test_batch_and_single_answers_print_the_same_digits(glove):
    rng = np.random.default_rng(11)
    pairs = [(glove.vocab.word(a), glove.vocab.word(b)) for a, b in rng.integers(0, 50000, (200, 2)).tolist()]
    pairs = [(a, b) for a, b in pairs if "\t" not in a + b and " " not in a + b]
    runner = CliRunner()
    env = Env(color=False)
    lines = "".join(f"{a}\t{b}\n" for a, b in pairs)
    batch = runner.invoke(cli, ["-m", GLOVE, "similar", "-", "-f", "jsonl"], input=lines, obj=env)
    assert batch.exit_code == 0, batch.output
    batched = [json.loads(line)["similarity"] for line in batch.output.splitlines()]
    assert len(batched) == len(pairs)
    singles = []
    for a, b in pairs:
        one = runner.invoke(cli, ["-m", GLOVE, "similar", a, b, "-f", "jsonl"], obj=env)
        assert one.exit_code == 0, one.output
        singles.append(json.loads(one.output)["similarity"])
    assert batched == singles


def test_one_pair_is_the_same_bits_as_a_block_of_pairs(glove):
    """``Model.similarity`` (one pair, without array steps) and ``similarities`` (many) are one
    arithmetic: float64 sums of the float32 products, rounded once."""
    from vecq.core.words import Match

    rng = np.random.default_rng(11)
    pairs = rng.integers(0, glove.info.rows, size=(5000, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    block = glove.similarities(pairs[:, 0], pairs[:, 1])
    one = [
        glove.similarity(Match(str(a), str(a), a), Match(str(b), str(b), b)).similarity
        for a, b in pairs.tolist()
    ]
    assert np.array_equal(np.asarray(one, dtype=np.float32).view(np.int32), block.view(np.int32))


def test_one_unit_row_is_the_rows_of_a_gather_and_read_only(glove):
    """``Model.unit_row`` (``get_vector(w, norm=True)`` without array steps) gives a gather's
    numbers, for rows of the file and a row built past them, read-only: the model's rows (the
    cache's memory) cannot be changed through it."""
    rng = np.random.default_rng(12)
    rows = rng.integers(0, glove.info.rows, size=3000).tolist()
    gathered = glove.gather(rows)
    assert all(
        np.array_equal(glove.unit_row(r).view(np.int32), gathered[i].view(np.int32))
        for i, r in enumerate(rows)
    )
    one = glove.unit_row(rows[0])
    with pytest.raises(ValueError, match="read-only"):
        one[0] += 1
    assert glove.unit_row(rows[0])[0] == gathered[0][0]


def test_a_model_held_in_memory_cannot_be_changed_through_what_it_hands_out():
    """The rows of a model built from arrays were writable: ``kv.get_normed_vectors()[0] = 0``, a
    change to ``get_vector(w, norm=True)`` or to ``kv.norms`` changed the model's later answers
    (``kv.norms`` its vectors as stored). They are read-only, as a cache's mapped rows are; the
    arrays given stay the caller's."""
    import vecq

    rng = np.random.default_rng(3)
    given = rng.standard_normal((50, 8)).astype(np.float32)
    kv = vecq.KeyedVectors(8)
    kv.add_vectors([f"w{i}" for i in range(50)], given)
    before = kv.most_similar("w0", topn=3)
    for handed in (kv.get_normed_vectors(), kv.get_vector("w0", norm=True), kv.norms):
        with pytest.raises(ValueError, match="read-only"):
            handed[0] = 0
    assert kv.most_similar("w0", topn=3) == before
    given[0] = 1  # the caller's own array
    assert given[0, 0] == 1


def test_the_dict_path_of_a_key_is_the_vocabularys_row():
    """``get_index`` and ``has_index_for`` take gensim's path once ``key_to_index`` is built: the
    same rows and the same answers for words that are not keys (a respelling, a row number)."""
    import vecq

    kv = vecq.load("glove-wiki-gigaword-50", progress=False)
    words = ["cat", "Cat", "the", "qqzzyx", 5, 399_999, 400_000]
    pairs = [("cat", "dog"), ("cat", "cat"), ("Cat", "dog"), ("the", 5), ("dog", "cat")]
    before = [(kv.has_index_for(w), kv.get_index(w, -1)) for w in words]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 'Cat' answered as 'cat'
        scores = [kv.similarity(a, b).tobytes() for a, b in pairs]
        units = [kv.get_vector(w, norm=True).tobytes() for w in ("cat", "Cat", 5)]
    kv.key_to_index  # noqa: B018  (built)
    assert kv._rows is not None
    assert [(kv.has_index_for(w), kv.get_index(w, -1)) for w in words] == before
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert [kv.similarity(a, b).tobytes() for a, b in pairs] == scores
        assert [kv.get_vector(w, norm=True).tobytes() for w in ("cat", "Cat", 5)] == units
    with pytest.raises(vecq.UnknownWordError, match="qqzzyx"):
        kv.similarity("cat", "qqzzyx")
    assert before[0] == (True, 5450) and before[1] == (False, -1) and before[-1] == (False, -1)


def test_n_similaritys_dict_path_is_the_general_paths_bits():
    """``n_similarity`` of two lists of keys, once the dict and the stored matrix are built, sums
    the stored rows in float32 as the general path does (the same steps in the same order): the
    same bits for 300 random pairs of lists (repeats too), and the general path still answers
    what the dict path leaves to it (a respelling, a row number, a word the model lacks)."""
    import vecq

    kv = vecq.load("glove-wiki-gigaword-50", progress=False)
    rng = np.random.default_rng(3)
    words = kv.index_to_key
    questions = [
        (
            [words[r] for r in rng.integers(0, 50_000, rng.integers(1, 5))],
            [words[r] for r in rng.integers(0, 50_000, rng.integers(1, 4))],
        )
        for _ in range(300)
    ]
    general = [
        kv.n_similarity(tuple(a), tuple(b)).tobytes() for a, b in questions
    ]  # tuples: the general path
    kv.key_to_index  # noqa: B018  (built)
    kv.vectors  # noqa: B018  (the stored matrix built)
    assert kv._rows is not None and kv._raw is not None
    assert [kv.n_similarity(a, b).tobytes() for a, b in questions] == general
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 'Cat' answered as 'cat'; 'qqzzyx' left out, as gensim
        assert kv.n_similarity(["Cat", 5], ["dog", "qqzzyx"]) == kv.n_similarity(("cat", words[5]), ("dog",))
