"""The Python API, and gensim's own KeyedVectors query tests run against vecq's drop-in."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import GLOVE
from gensim.models import KeyedVectors
from gensim.test import test_keyedvectors as gensim_tests
from gensim.test.utils import datapath

import vecq

# The tests in gensim's own gensim/test/test_keyedvectors.py that only read vectors (no adding,
# saving or attributes).
GENSIM_QUERY_TESTS = [
    "test_most_similar",
    "test_most_similar_vector",
    "test_most_similar_parameter_types",
    "test_most_similar_cosmul_parameter_types",
    "test_most_similar_topn",
    "test_relative_cosine_similarity",
    "test_most_similar_raises_keyerror",
    "test_most_similar_restrict_vocab",
    "test_most_similar_with_vector_input",
    "test_most_similar_to_given",
    "test_similar_by_word",
    "test_similar_by_vector",
    "test_distance",
    "test_similarity",
    "test_closer_than",
    "test_rank",
    "test_get_mean_vector",
]


@pytest.mark.parametrize("name", GENSIM_QUERY_TESTS)
def test_gensims_own_query_tests_pass_on_vecq(name):
    case = gensim_tests.TestKeyedVectors(name)
    case.setUp()
    case.vectors = vecq.load(datapath("euclidean_vectors.bin"))  # the one line that changes
    assert isinstance(case.vectors, vecq.Vectors)
    getattr(case, name)()


def test_api_answers_like_the_cli(glove):
    """The same questions through the front door (the CLI, as JSON) and through vecq.load: the same
    words in the same order with the same scores, to the bit."""
    import json

    from conftest import glove_invoke

    kv = vecq.load("glove-wiki-gigaword-50")
    cli = json.loads(glove_invoke(["neighbors", "cat", "-n", "5", "-f", "json"]).stdout)
    api = kv.neighbors("cat", top=5)
    assert [(r["word"], r["similarity"]) for r in cli] == [(n.word, n.similarity) for n in api]
    cli = json.loads(glove_invoke(["analogy", "king", "man", "woman", "-n", "3", "-f", "json"]).stdout)
    api = kv.analogy("king", "man", "woman", top=3)
    assert [(r["answer"], r["score"]) for r in cli] == [(a.answer, a.score) for a in api]
    (pair,) = json.loads(glove_invoke(["similar", "cat", "kitten", "-f", "json"]).stdout)
    assert pair["similarity"] == float(kv.similarity("cat", "kitten"))
    expression = json.loads(glove_invoke(["neighbors", "king - man + woman", "-n", "1", "-f", "json"]).stdout)
    assert expression[0]["word"] == kv.neighbors("king - man + woman", top=1)[0].word


@pytest.fixture(scope="module")
def pair():
    kv = vecq.load("glove-wiki-gigaword-50")
    oracle = KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)
    return vecq.load(datapath("euclidean_vectors.bin")), oracle, kv


def same(a, b, tol=1e-5) -> bool:
    return [w for w, _ in a] == [w for w, _ in b] and np.allclose(
        [x for _, x in a], [x for _, x in b], atol=tol
    )


def test_gensim_methods_agree_with_gensim(pair):
    ours, theirs, _ = pair
    w = theirs.index_to_key[:6]
    assert ours.most_similar(w[0], topn=None) == pytest.approx(theirs.most_similar(w[0], topn=None), abs=1e-5)
    assert same(ours.most_similar_cosmul(w[0], w[1], topn=4), theirs.most_similar_cosmul(w[0], w[1], topn=4))
    assert ours.n_similarity(w[:2], w[2:4]) == pytest.approx(theirs.n_similarity(w[:2], w[2:4]), abs=1e-6)
    assert ours.distances(w[0], w[1:4]) == pytest.approx(theirs.distances(w[0], w[1:4]), abs=1e-6)
    assert ours.doesnt_match(w[:4]) == theirs.doesnt_match(w[:4])
    assert same(
        ours.most_similar(w[0], topn=3, clip_start=2, clip_end=40),
        theirs.most_similar(w[0], topn=3, clip_start=2, clip_end=40),
    )
    assert list(ours.index_to_key[:10]) == theirs.index_to_key[:10]
    assert ours.key_to_index[w[3]] == theirs.key_to_index[w[3]] and len(ours) == len(theirs)
    assert ours.vector_size == theirs.vector_size
    assert np.allclose(ours.vectors[:5], theirs.vectors[:5], atol=1e-5)
    assert np.allclose(ours[w[:2]], theirs[w[:2]], atol=1e-5)
    assert ours.get_index(w[2]) == 2 and w[2] in ours and "not-a-word-zz" not in ours


def test_unknown_words_raise_keyerror(pair):
    ours, _, _ = pair
    with pytest.raises(KeyError):
        ours["not-a-word-zz"]
    with pytest.raises(KeyError):
        ours.similarity("not-a-word-zz", ours.index_to_key[0])


def test_version_attribute():
    from importlib.metadata import version

    assert vecq.__version__ == version("vecq")


def test_an_empty_model_name_is_an_error_not_the_default():
    """An empty model name is an error, never the default model."""
    from vecq.errors import ModelError

    with pytest.raises(ModelError, match="empty model name"):
        vecq.load("")


def test_a_model_is_a_path_or_a_name_and_its_options_are_checked(tmp_path, monkeypatch):
    """A notebook's pathlib.Path opens as its str does; a wrong type or value is one clear error,
    not an AttributeError from inside (``'PosixPath' object has no attribute 'strip'``)."""
    from pathlib import Path

    from vecq.errors import QueryError

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = datapath("euclidean_vectors.bin")
    as_path = vecq.load(Path(path))
    assert as_path.index_to_key == vecq.load(path).index_to_key and len(as_path) == 2747
    for wrong in (5, ["a"]):
        with pytest.raises(TypeError, match="a model is a file path or a name"):
            vecq.load(wrong)
    for options, named in [
        ({"limit": 2.5}, "limit=N"),
        ({"limit": "100"}, "limit=N"),
        ({"limit": 0}, "limit=N"),
        ({"nprobe": 0}, "nprobe=N"),
        ({"pool": "max"}, "pool='max'"),
    ]:
        with pytest.raises(QueryError) as caught:
            vecq.load(path, **options)
        assert str(caught.value).startswith(named)


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--tensor", "x"], "is not a checkpoint: it holds one table, so --tensor NAME"),
        (["--model-format", "word2vec-bin"], "is read as the catalogue says; --model-format FORMAT"),
    ],
)
@pytest.mark.parametrize("name", ["glove-wiki-gigaword-50", "fasttext-wiki-news-subwords-300"])
def test_a_named_model_refuses_the_options_of_a_file(glove, name, options, says):
    """A gensim-data name with --tensor or --model-format was a KeyError (a traceback), before
    any download: now one line, exit 4, and nothing fetched."""
    from conftest import invoke

    result = invoke(["-m", name, *options, "info"])
    assert result.exit_code == 4 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"vecq: error: {name} {says}")


def test_a_file_of_one_table_refuses_a_tensor_name(tmp_path, monkeypatch):
    """--tensor names a table of a safetensors checkpoint; on a word2vec file it was ignored, and
    the file converted again under a second key."""
    from conftest import invoke

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = datapath("euclidean_vectors.bin")
    result = invoke(["-m", path, "--tensor", "x", "info"])
    assert result.exit_code == 4 and "is not a checkpoint" in result.stderr
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


@pytest.mark.slow
def test_vectors_is_an_ndarray_like_gensims(kv):
    ours = vecq.load("glove-wiki-gigaword-50")
    assert isinstance(ours.vectors, np.ndarray) and ours.vectors.shape == kv.vectors.shape
    assert np.allclose(ours.vectors[:1000], kv.vectors[:1000], atol=1e-6)
    assert ours.vectors.mean() == pytest.approx(float(kv.vectors.mean()), abs=1e-6)
    assert np.allclose(ours.vectors.T[:, 0], kv.vectors[0], atol=1e-6)
    assert ours.vectors[:, 0].shape == (len(kv),)


@pytest.mark.parametrize(
    ("positive", "negative"),
    [
        ([("cat", 2.0)], None),
        ([("king", 1.0), ("woman", 0.5)], [("man", -1.0)]),
        (["king", ("woman", 2.0)], ["man"]),
    ],
)
def test_weighted_keys_as_gensim_takes_them(kv, positive, negative):
    ours = vecq.load("glove-wiki-gigaword-50")
    theirs = kv.most_similar(positive=positive, negative=negative, topn=5)
    mine = ours.most_similar(positive=positive, negative=negative, topn=5)
    assert [w for w, _ in mine] == [w for w, _ in theirs]
    assert np.allclose([s for _, s in mine], [s for _, s in theirs], atol=1e-5)


@pytest.mark.parametrize("restrict", [0, None, 1000])
def test_restrict_vocab_zero_is_no_restriction_as_in_gensim(kv, restrict):
    ours = vecq.load("glove-wiki-gigaword-50")
    theirs = kv.most_similar("cat", topn=5, restrict_vocab=restrict)
    mine = ours.most_similar("cat", topn=5, restrict_vocab=restrict)
    assert [w for w, _ in mine] == [w for w, _ in theirs]


def test_the_library_speaks_in_arguments_and_the_cli_in_flags(tmp_path, monkeypatch):
    """One message, written once where the error is raised: vecq.load's error names its argument
    (unicode_errors='replace'), the CLI's line the flag (--unicode-errors replace)."""
    from conftest import invoke

    from vecq.errors import ModelError

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = datapath("w2v_keyedvectors_load_test.modeldata")
    with pytest.raises(ModelError) as raised:
        vecq.load(path)
    assert "unicode_errors='replace'" in str(raised.value) and "--" not in str(raised.value)
    assert vecq.load(path, unicode_errors="replace").index_to_key[0].endswith("\ufffd")
    line = invoke(["-m", path, "info"]).stderr
    assert "--unicode-errors replace" in line and "unicode_errors=" not in line


def test_no_message_of_the_library_names_a_flag():
    """The engine, the cache and the sources say options as ⟨name=value⟩, never as a CLI flag."""
    import ast
    import re
    from pathlib import Path

    root = Path(vecq.__file__).parent
    flags = []
    for part in ("core", "cache", "sources", "ann"):
        for path in (root / part).glob("*.py"):
            tree = ast.parse(path.read_text())
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                and node.body
                and isinstance(node.body[0], ast.Expr)
            }
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in docstrings
                ) and re.search(r"(?<![\w-])--[a-z]", node.value):
                    flags.append(f"{path.name}:{node.lineno}: {node.value[:60]!r}")
    assert flags == []


def test_one_question_has_one_number_whichever_method_asks_it(glove):
    """most_similar, neighbors, analogy and the CLI take one path for the same question: the same
    words and the same bits (gensim's own two methods differ in the last place; these do not)."""
    import json

    from conftest import glove_invoke

    kv = vecq.load("glove-wiki-gigaword-50")
    assert kv.most_similar("rabbit", topn=5) == [
        (n.word, n.similarity) for n in kv.neighbors("rabbit", top=5)
    ]
    asked = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    assert asked == [(a.answer, a.score) for a in kv.analogy("king", "man", "woman", top=3)]
    assert asked == [(n.word, n.similarity) for n in kv.neighbors("king - man + woman", top=3)]
    printed = json.loads(glove_invoke(["analogy", "king", "man", "woman", "-n", "3", "-f", "json"]).stdout)
    assert asked == [(r["answer"], r["score"]) for r in printed]


def test_a_pair_has_one_score_in_a_neighbour_list_and_as_a_similarity(glove):
    """``vecq neighbors guttmacher`` scored boskin 0.730927 and ``vecq similar guttmacher boskin``
    0.730926: a word's query direction was its unit row divided by its float32 length once more
    (an expression's row was normalised once more the same way), which moved a last bit in 38% of
    pairs and the sixth decimal in 2.6%. A pair has one score now, whichever command asks it."""
    import json
    import random

    from conftest import glove_invoke

    kv = vecq.load("glove-wiki-gigaword-50")
    rng = random.Random(12)
    words = [kv.index_to_key[rng.randrange(100_000)] for _ in range(200)] + ["guttmacher"]
    queries = words + [f"{w} - man + woman" for w in words[:40]]
    pairs, listed = [], []
    for query, answer in zip(queries, kv.neighbors(queries, top=10)):
        pairs += [(query, n.word) for n in answer]
        listed += [n.similarity for n in answer]
    assert [float(kv.similarity(a, b)) for a, b in pairs] == listed
    lines = "".join(f"{a}\t{b}\n" for a, b in pairs)
    printed = glove_invoke(["similar", "-", "-f", "jsonl"], input=lines)
    assert [json.loads(line)["similarity"] for line in printed.stdout.splitlines()] == listed


def test_gensims_arrays_and_vector_queries_score_a_pair_as_its_list_does(glove):
    """gensim's other ways to the same numbers: ``most_similar(w, topn=None)[row]``,
    ``distances(w)``, ``most_similar(positive=[kv[w]])``, ``similar_by_vector`` and
    ``most_similar_cosmul`` were BLAS's float32 products, a last bit off the listed score in about
    half the pairs (1,496 of 3,000), so sorting the array could order a near-tie otherwise than
    the list; ``n_similarity([a], [b])`` was gensim's arithmetic, not ``similarity(a, b)``. Every
    way scores a pair as ``most_similar(w)`` and ``similarity`` do now."""
    import random

    kv = vecq.load("glove-wiki-gigaword-50")
    rng = random.Random(3)
    words = [kv.index_to_key[rng.randrange(50_000)] for _ in range(30)]
    for w in words:
        listed = kv.most_similar(w, topn=8)
        names, scores = [n for n, _ in listed], [s for _, s in listed]
        rows = [kv.get_index(n) for n in names]
        assert kv.most_similar(w, topn=None)[rows].tolist() == scores
        assert (1 - kv.distances(w)[rows]).tolist() == (1 - kv.distances(w, names)).tolist()
        assert kv.distances(w, names).tolist() == [np.float32(1) - np.float32(s) for s in scores]
        for given in (kv[w], kv.get_vector(w, norm=True)):
            assert kv.most_similar(positive=[given], topn=9)[1:] == listed  # w itself first
        assert kv.most_similar(positive=[kv.get_index(w)], topn=8) == listed  # a row number is a key
        assert [kv.n_similarity([w], [n]) for n in names] == [kv.similarity(w, n) for n in names]
        assert [(n, -s) for n, s in kv.most_similar(negative=[kv[w]], topn=8)] == [
            (n, -s) for n, s in kv.most_similar(negative=[w], topn=8)
        ]
    for a, b, c in zip(words[::3], words[1::3], words[2::3]):
        asked = kv.most_similar_cosmul(positive=[a, c], negative=[b], topn=5)
        assert asked == [(x.answer, x.score) for x in kv.analogy(a, b, c, top=5, method="cosmul")]
        every = kv.most_similar_cosmul(positive=[a, c], negative=[b], topn=None)
        assert every[[kv.get_index(n) for n, _ in asked]].tolist() == [s for _, s in asked]


def test_lists_go_through_the_batch_with_one_answer_per_item(glove, caplog):
    """A list of queries is one batch; each answer equals the single one, and a bad item gets its
    error in its place, as a batch line does at the shell (or raises, with errors="raise")."""
    from vecq.errors import UnknownWordError

    kv = vecq.load("glove-wiki-gigaword-50")
    queries = ["cat", "king - man + woman", "qqzzyx", "dog"]
    answers = kv.neighbors(queries, top=4)
    assert len(answers) == len(queries)
    for query, answer in zip(queries, answers):
        if query == "qqzzyx":
            assert isinstance(answer, UnknownWordError)
        else:
            assert answer == kv.neighbors(query, top=4)
    with pytest.raises(KeyError):
        kv.neighbors(queries, top=4, errors="raise")
    by_vector = kv.neighbors(np.stack([kv["cat"], kv["car"]]), top=3)
    assert [a[0].word for a in by_vector] == ["cat", "car"]
    words1, words2 = ["cat", "king", "qqzzyx", "car"], ["dog", "queen", "cat", "truck"]
    scores = kv.similarity(words1, words2)
    assert scores.dtype == np.float32 and np.isnan(scores[2])
    assert [scores[i] for i in (0, 1, 3)] == [kv.similarity(words1[i], words2[i]) for i in (0, 1, 3)]
    assert "NaN for 1 pair: not in the vocabulary: qqzzyx" in caplog.text


def test_an_item_that_cannot_be_read_is_its_own_error_not_the_batchs(glove):
    """An empty query or a vector of NaN in a list raised for the whole list (the items were read
    before the batch), where the CLI's batch records that line's error and answers the others."""
    from vecq.errors import QueryError

    kv = vecq.load("glove-wiki-gigaword-50")
    answers = kv.neighbors(["cat", "", "  ", "dog"], top=2)
    assert [type(a) for a in answers[1:3]] == [QueryError, QueryError] and "empty query" in str(answers[1])
    assert answers[0] == kv.neighbors("cat", top=2) and answers[3] == kv.neighbors("dog", top=2)
    vectors = np.stack([np.full(kv.vector_size, np.nan, np.float32), kv["car"]])
    by_vector = kv.neighbors(vectors, top=1)
    assert isinstance(by_vector[0], QueryError) and by_vector[1][0].word == "car"
    with pytest.raises(QueryError, match="empty query"):
        kv.neighbors(["cat", ""], top=2, errors="raise")


def test_an_empty_similarity_matrix_shows_as_one(glove):
    matrix = vecq.load("glove-wiki-gigaword-50").similarity_matrix([])
    assert len(matrix) == 0 and repr(matrix) == "" and matrix.to_pandas().shape == (0, 0)


@pytest.mark.parametrize("progress", [True, False, None])
def test_a_first_conversion_shows_progress_as_asked_by_tqdm(tmp_path, monkeypatch, capsys, progress):
    """progress=True: tqdm's bar (a notebook's own widget in a kernel); False: nothing; None: shown
    only in a Jupyter kernel (ipykernel loaded)."""
    import types

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "small.txt"
    rng = np.random.default_rng(0)
    path.write_text(
        "300 4\n"
        + "".join(f"w{i} " + " ".join(f"{v:.5f}" for v in rng.standard_normal(4)) + "\n" for i in range(300))
    )
    vecq.load(str(path), progress=progress)
    shown = "%|" in capsys.readouterr().err
    assert shown is (progress is True)
    if progress is None:  # in a kernel
        monkeypatch.setitem(__import__("sys").modules, "ipykernel", types.ModuleType("ipykernel"))
        monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache2"))
        vecq.load(str(path))
        assert "%|" in capsys.readouterr().err


def test_an_option_named_without_a_value_is_a_flag():
    """⟨name⟩ says a flag (the library: ``name=True``); an option that takes a value is ⟨name=N⟩,
    or the library would say ``clusters=True`` where it means a number."""
    import re
    from pathlib import Path

    import click

    from vecq.cli.app import cli

    flags: set[str] = set()

    def collect(command: click.Command, ctx: click.Context) -> None:
        flags.update(p.name for p in command.params if isinstance(p, click.Option) and p.is_flag and p.name)
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    collect(sub, click.Context(sub, parent=ctx))

    collect(cli, click.Context(cli))
    assert {"trust", "distinct", "snapshots"} <= flags
    bare = {
        (path.name, name)
        for path in Path(vecq.__file__).parent.rglob("*.py")
        for name in re.findall(r"⟨(\w+)⟩", path.read_text())
    }
    assert {(file, name) for file, name in bare if name not in flags | {"name", "option"}} == set()


@pytest.mark.parametrize("positive", [[("cat", 0.5)], [["cat"]], ["cat", ("dog", 2.0)]])
def test_most_similar_cosmul_refuses_weights_in_a_plain_error(kv, positive):
    """3CosMul takes no (word, weight) pairs: gensim fails (reading the pair as a vector); vecq
    raised numpy's ValueError about an "inhomogeneous shape". Found by 1,000 random calls against
    gensim."""
    from vecq.errors import QueryError

    ours = vecq.load("glove-wiki-gigaword-50")
    with pytest.raises((ValueError, TypeError)):
        kv.most_similar_cosmul(positive=positive)
    with pytest.raises(QueryError, match="most_similar_cosmul takes words and vectors, not"):
        ours.most_similar_cosmul(positive=positive)


def test_a_model_leaves_no_file_to_the_garbage_collector(glove, tmp_path):
    """Under ``python -X dev`` (as in a test suite that shows ResourceWarnings) a model dropped, or
    still open as the interpreter exits, closes its files itself: no 'unclosed file' warning."""
    script = f"""
import gc, vecq
kv = vecq.load({GLOVE!r})
kv.neighbors("cat"); kv.most_similar("king"); kv.similarity("cat", "dog"); kv["cat"]
del kv
gc.collect()
kv = vecq.load({GLOVE!r})
kv.neighbors(["cat", "dog"])
print("asked")
"""
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ,
    )
    assert done.returncode == 0 and done.stdout == "asked\n", done.stderr
    assert "ResourceWarning" not in done.stderr, done.stderr
