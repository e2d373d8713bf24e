"""fastText subwords: words outside the vocabulary get fastText's vector.

The oracle is gensim's ``FastTextKeyedVectors`` (``load_facebook_vectors``), on gensim's own
fastText test files and on a model trained here by gensim's ``FastText`` and written with
``save_facebook_model``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import fresh_python, invoke, tsv
from gensim.models.fasttext import load_facebook_vectors
from gensim.test.utils import datapath

import vecq
from vecq.core.subwords import fasttext_hash, ngrams

UNSEEN = ["nightxx", "überraschung", "ü", "zzqqwweerrttyy", "日本語", "governments'", "x" * 60]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> str:
    """A fastText model trained by gensim on its Lee corpus and saved in Facebook's format."""
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model
    from gensim.test.utils import common_texts  # noqa: F401 (gensim's corpus helpers)
    from gensim.utils import simple_preprocess

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        sentences = [simple_preprocess(line) for line in f]
    model = FastText(vector_size=32, window=5, min_count=5, min_n=2, max_n=5, bucket=5000, seed=1, workers=1)
    model.build_vocab(corpus_iterable=sentences)
    model.train(corpus_iterable=sentences, total_examples=len(sentences), epochs=20)
    path = tmp_path_factory.mktemp("ft") / "lee-trained.bin"
    save_facebook_model(model, str(path))
    return str(path)


def models(trained):
    return [datapath("lee_fasttext.bin"), datapath("lee_fasttext_new.bin"), trained]


def test_hashes_and_ngrams_equal_gensims():
    from gensim.models.fasttext_inner import compute_ngrams_bytes, ft_hash_bytes

    for word in [*UNSEEN, "night", "ab", ""]:
        assert ngrams(word, 3, 6) == compute_ngrams_bytes(word, 3, 6)
        assert [fasttext_hash(g) for g in ngrams(word, 1, 4)] == [
            ft_hash_bytes(g) for g in compute_ngrams_bytes(word, 1, 4)
        ]


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.slow
def test_unseen_words_get_gensims_vectors(trained, which):
    path = models(trained)[which]
    oracle = load_facebook_vectors(path)
    kv = vecq.load(path)
    for word in UNSEEN:
        assert word not in oracle.key_to_index
        assert np.allclose(kv[word], oracle[word], rtol=1e-6, atol=1e-6), word
    seen = oracle.index_to_key[:50]
    for a, b in zip(UNSEEN, seen):
        assert kv.similarity(a, b) == pytest.approx(float(oracle.similarity(a, b)), abs=1e-6)


def test_neighbours_of_an_unseen_word_equal_gensims(trained):
    oracle = load_facebook_vectors(trained)
    result = invoke(["-m", trained, "neighbors", "governmentx", "-n", "10"])
    assert result.exit_code == 0, result.stderr
    ours = tsv(result.stdout)
    theirs = oracle.most_similar("governmentx", topn=10)
    assert [r["word"] for r in ours] == [w for w, _ in theirs]
    assert np.allclose([float(r["similarity"]) for r in ours], [s for _, s in theirs], atol=1e-6)
    assert "is not in the vocabulary: its vector is built from its character n-grams" in result.stderr


def test_every_command_takes_an_unseen_word(trained):
    oracle = load_facebook_vectors(trained)
    a, b, c = oracle.index_to_key[10], "governmentx", oracle.index_to_key[30]
    analogy = tsv(invoke(["-m", trained, "analogy", a, b, c, "-n", "3"]).stdout)
    theirs = oracle.most_similar(positive=[a, c], negative=[b], topn=3)
    assert [r["answer"] for r in analogy] == [w for w, _ in theirs]
    odd = invoke(["-m", trained, "odd", "police", "officers", "governmentx", "-f", "json"])
    assert odd.exit_code == 0 and json.loads(odd.stdout)[0]["word"] == oracle.doesnt_match(
        ["police", "officers", "governmentx"]
    )
    vector = json.loads(invoke(["-m", trained, "vector", "governmentx", "-f", "json"]).stdout)[0]
    assert np.allclose(vector["vector"], oracle["governmentx"], rtol=1e-6, atol=1e-6)
    batch = invoke(["-m", trained, "similar", "-"], input="governmentx police\nzzqq nightxx\n")
    scores = [float(r["similarity"]) for r in tsv(batch.stdout)]
    expected = [oracle.similarity("governmentx", "police"), oracle.similarity("zzqq", "nightxx")]
    assert np.allclose(scores, expected, atol=1e-6) and batch.exit_code == 0


def test_the_numpy_free_similar_builds_the_same_bits(trained):
    """`similar A B` reads the cache with the standard library: its built rows are the engine's."""
    pairs = [("governmentx", "police"), ("nightxx", "zzqqww"), ("日本語", "police")]
    single = [tsv(invoke(["-m", trained, "similar", a, b]).stdout)[0]["similarity"] for a, b in pairs]
    batch = tsv(invoke(["-m", trained, "similar", "-"], input="".join(f"{a} {b}\n" for a, b in pairs)).stdout)
    assert single == [r["similarity"] for r in batch]
    from vecq.cache.pair_reader import similarity
    from vecq.sources.loader import ready

    found = ready(trained)
    model = vecq.load(trained).model
    for a, b in pairs:
        _, score, _ = similarity(found.folder, found.manifest, a, b)
        assert score == float(model.similarity(model.lookup(a), model.lookup(b)).similarity)


def test_an_expression_is_one_answer_however_similar_is_asked(trained):
    """On a fastText model the command line reads "night - day" as an expression everywhere: the
    two-word `similar` (numpy-free), three words and a batch give one score, the expression's
    (not the n-gram vector of the text), and the subwords column does not name it."""
    kv, query = vecq.load(trained), "police - officers"
    direction = kv.get_mean_vector(["police", "officers"], weights=[1, -1])  # unit rows, summed
    expected = float(direction @ kv.get_vector("police", norm=True) / np.linalg.norm(direction))
    two = tsv(invoke(["-m", trained, "similar", query, "police"]).stdout)[0]
    three = tsv(invoke(["-m", trained, "similar", query, "police", "governmentx"]).stdout)[0]
    batch = tsv(invoke(["-m", trained, "similar", "-"], input=f"{query}\tpolice\n").stdout)[0]
    assert two["similarity"] == three["similarity"] == batch["similarity"]
    assert float(two["similarity"]) == pytest.approx(expected, abs=1e-6)
    assert two["subwords"] == three["subwords"] == batch["subwords"] == ""
    # a term built from n-grams is named in the column and on stderr, as neighbors names it
    built = invoke(["-m", trained, "similar", "police - governmentx", "police"])
    nearest = invoke(["-m", trained, "neighbors", "police - governmentx", "-n", "1"])
    assert tsv(built.stdout)[0]["subwords"] == tsv(nearest.stdout)[0]["subwords"] == "governmentx"
    assert "'governmentx' is not in the vocabulary" in built.stderr


def test_a_word_typed_with_spaces_around_it_is_the_word_inside(trained):
    """fastText splits text at whitespace, so no word of it ends in a space: " police" on the
    command line is police respelled (as a batch line's field is read), not the n-grams of the
    text with its space; the API keeps gensim's reading of the text as typed."""
    for typed, word in [(" police", "police"), ("governmentx ", "governmentx")]:
        single = invoke(["-m", trained, "similar", typed, "officers"])
        plain = tsv(invoke(["-m", trained, "similar", word, "officers"]).stdout)[0]
        batch = tsv(invoke(["-m", trained, "similar", "-"], input=f"{typed}\tofficers\n").stdout)[0]
        assert tsv(single.stdout)[0]["similarity"] == plain["similarity"] == batch["similarity"], typed
        assert repr(typed) in single.stderr  # said, as every respelling is
    oracle, kv = load_facebook_vectors(trained), vecq.load(trained)
    assert np.allclose(kv[" police"], oracle[" police"], rtol=1e-6, atol=1e-6)
    assert not np.allclose(kv[" police"], kv["police"])


def test_the_api_builds_an_expression_like_text_as_gensim_does(trained):
    """gensim's FastTextKeyedVectors builds "police - officers" from its n-grams, as one word: the
    drop-in methods answer the same (the CLI's expression syntax is not theirs)."""
    oracle, kv = load_facebook_vectors(trained), vecq.load(trained)
    for text in ["police - officers", "a -b", "x + y", "2*police"]:
        assert np.allclose(kv[text], oracle[text], rtol=1e-6, atol=1e-6), text
        theirs_score = float(oracle.similarity(text, "police"))
        assert kv.similarity(text, "police") == pytest.approx(theirs_score, abs=1e-6)
        ours, theirs = kv.most_similar(text, topn=5), oracle.most_similar(text, topn=5)
        assert [w for w, _ in ours] == [w for w, _ in theirs], text
    cli = tsv(invoke(["-m", trained, "neighbors", "police - officers", "-n", "5"]).stdout)
    ours_words = [n.word for n in kv.neighbors("police - officers", top=5)]  # vecq's own method
    assert ours_words == [r["word"] for r in cli]


def test_no_subwords_reports_unseen_words(trained):
    result = invoke(["-m", trained, "--no-subwords", "similar", "governmentx", "police"])
    assert result.exit_code == 3 and "not in the vocabulary" in result.stderr
    result = invoke(["-m", trained, "neighbors", "governmentx", "--no-subwords"])
    assert result.exit_code == 3


def test_a_query_with_an_unseen_word_imports_no_gensim(trained, tmp_path):
    import os

    assert invoke(["-m", trained, "info"]).exit_code == 0  # converted (gensim reads the file once)
    code = (
        "import sys\nfrom vecq.cli import cli\n"
        f"for args in (['similar', 'governmentx', 'police'], ['neighbors', 'nightxx']):\n"
        f"    sys.argv = ['vecq', '-m', {trained!r}, *args]\n"
        "    try:\n        cli.main(prog_name='vecq')\n    except SystemExit:\n        pass\n"
        "print('gensim' in sys.modules, file=sys.stderr)\n"
    )
    from pathlib import Path

    run = fresh_python(Path(os.environ["VECQ_CACHE_DIR"]), code)
    assert run.stderr.strip().splitlines()[-1] == "False"
    assert len(run.stdout.splitlines()) > 3  # both answered


def test_records_name_the_words_built_from_subwords(trained):
    single = tsv(invoke(["-m", trained, "similar", "governmentx", "police"]).stdout)[0]
    assert single["subwords"] == "governmentx"
    engine = tsv(invoke(["-m", trained, "similar", "governmentx", "police", "nightxx"]).stdout)
    assert [r["subwords"] for r in engine] == ["governmentx", "governmentx nightxx", "nightxx"]
    batch = tsv(
        invoke(
            ["-m", trained, "neighbors", "-", "-n", "2"], input="police\nnightxx\npolice - police\n"
        ).stdout
    )
    assert [r["subwords"] for r in batch] == ["", "", "nightxx", "nightxx", ""]
    assert batch[-1]["status"] == "error"
    words = tsv(invoke(["-m", datapath("lee_fasttext.vec"), "similar", "night", "day"]).stdout)[0]
    assert "subwords" not in words  # a model without subwords has no such column


def test_tokens_says_how_each_word_was_found(trained):
    result = invoke(["-m", trained, "tokens", "The police governmentx", "-f", "json"])
    records = json.loads(result.stdout)
    assert [r["status"] for r in records] == ["subwords", "found", "subwords"]
    assert records[1]["token"] == "police" and records[2]["id"] is None
    plain = invoke(["-m", trained, "--no-subwords", "tokens", "The governmentx", "-f", "json"]).stdout
    assert [r["status"] for r in json.loads(plain)] == ["respelled", "unknown"]
    assert json.loads(plain)[0]["token"] == "the"


@pytest.mark.parametrize("which", [0, 2])
def test_a_word_held_under_another_spelling_is_fasttexts_own_vector(trained, which):
    """fastText and gensim build ``Night`` from its n-grams although the model holds ``night``: so
    does vecq (the CLI, the numpy-free pair reader and the API), and respells only without subwords."""
    path = models(trained)[which]
    oracle = load_facebook_vectors(path)
    held = [w for w in oracle.index_to_key[:400] if w.isalpha() and w.title() not in oracle.key_to_index]
    kv = vecq.load(path)
    for word in held[:25]:
        typed = word.title()
        assert np.allclose(kv[typed], oracle[typed], rtol=1e-6, atol=1e-6), typed
        result = invoke(["-m", path, "similar", typed, word, "-f", "json"])
        assert result.exit_code == 0 and "using" not in result.stderr, result.stderr
        score = json.loads(result.stdout)[0]["similarity"]
        assert score == pytest.approx(float(oracle.similarity(typed, word)), abs=1e-6) and score < 1
        assert score == kv.similarity(typed, word)
    typed, word = held[0].title(), held[0]
    plain = invoke(["-m", path, "--no-subwords", "similar", typed, word])
    assert float(tsv(plain.stdout)[0]["similarity"]) == 1.0 and f"using '{word}'" in plain.stderr


def test_words_built_from_subwords_in_many_threads_each_keep_their_own_vector():
    """The server answers from several threads: words built at once never share a row."""
    from concurrent.futures import ThreadPoolExecutor

    model = vecq.load(datapath("lee_fasttext.bin")).model
    words = [f"unseenword{i}x" for i in range(400)]
    expected = {w: model.subwords.vector(w) for w in words}
    with ThreadPoolExecutor(8) as pool:
        rows = dict(zip(words, pool.map(lambda w: model.from_subwords(w).row, words)))
    assert len(set(rows.values())) == len(words)
    for word in words:
        assert np.array_equal(model.raw_vector(rows[word]), expected[word].astype(np.float32))


def test_built_words_are_bounded_and_a_row_never_names_another_word():
    """A server asked about many distinct unseen words (or expressions) kept every built vector, and
    each question stacked them all: 20,000 built made a similarity 140x slower. Now at most a limit
    are kept, the least recently used dropped; a dropped row is an error, never another vector."""
    from vecq.core.built import BuiltRows
    from vecq.errors import QueryError

    model = vecq.load(datapath("lee_fasttext.bin")).model
    model.built = BuiltRows(limit=50)
    first = model.lookup("unseenword0x")
    vector = model.raw_rows([first.row])[0].copy()
    rows = [model.lookup(f"unseenword{i}x").row for i in range(1, 200)]
    assert len(model.built) == 50 and len(set(rows)) == 199 and first.row not in rows
    with pytest.raises(QueryError, match="dropped to keep memory bounded"):
        model.gather([first.row])
    again = model.lookup("unseenword0x")  # built anew: another row, the same vector
    assert again.row > max(rows) and np.array_equal(model.raw_rows([again.row])[0], vector)
    recent = model.lookup("unseenword199x")
    assert recent.row == rows[-1]  # kept, and now the most recently used
    oracle = load_facebook_vectors(datapath("lee_fasttext.bin"))
    assert np.allclose(model.raw_rows([recent.row])[0], oracle["unseenword199x"], atol=1e-6)


def test_a_sentence_vector_is_gensims():
    """``get_sentence_vector`` (gensim's ``FastTextKeyedVectors``): the mean of the words' unit
    vectors, unseen ones built from their n-grams."""
    path = datapath("lee_fasttext.bin")
    oracle, kv = load_facebook_vectors(path), vecq.load(path)
    sentence = ["night", *UNSEEN[:2], "the"]
    assert np.allclose(kv.get_sentence_vector(sentence), oracle.get_sentence_vector(sentence), atol=1e-6)


def test_a_word_past_the_limit_is_built_from_its_ngrams_whichever_cache_serves_the_limit():
    """``--limit 10`` on lee_fasttext.bin answered 'night' (a word of the model past row 10) from
    its n-grams when only the first 10 rows had been converted, but refused it (exit 3) once the
    whole model's cache served the limit: one command, two answers by what the cache held. Both
    build it now (gensim's n-gram mean, not the model's own vector of it), and say so."""
    from gensim.models.fasttext import ft_ngram_hashes

    path = datapath("lee_fasttext.bin")
    theirs = load_facebook_vectors(path)
    hashes = ft_ngram_hashes("night", theirs.min_n, theirs.max_n, theirs.bucket)
    built = theirs.vectors_ngrams[hashes].mean(axis=0)
    args = ["-m", path, "--limit", "10", "vector", "night", "-f", "json"]
    limited = invoke(args)  # the first 10 rows converted alone
    assert limited.exit_code == 0, limited.stderr
    assert invoke(["-m", path, "info"]).exit_code == 0  # the whole model converted: it serves --limit
    served = invoke(args)
    assert served.exit_code == 0, served.stderr
    for result in (limited, served):
        assert np.allclose(json.loads(result.stdout)[0]["vector"], built, atol=1e-6)
    assert not np.allclose(built, theirs["night"], atol=1e-3)  # not the model's own vector of it
    row = theirs.key_to_index["night"]
    assert (
        f"'night' is word {row + 1:,} of the model, beyond the limit: its vector is built from its "
        "character n-grams, not the model's own"
    ) in served.stderr
    refused = invoke(["-m", path, "--limit", "10", "--no-subwords", "vector", "night"])
    assert refused.exit_code == 3 and f"it is word {row + 1:,} of the model" in refused.stderr


def test_a_row_number_is_a_row_on_a_fasttext_model_as_on_every_model():
    """An int is a row number for every method of every model, as gensim's ``KeyedVectors`` takes it
    (``get_index(486)`` is 486 in gensim's fastText object too); gensim's ``FastTextKeyedVectors``
    builds the text '486' from its n-grams in ``get_vector`` and ``most_similar``, so its answers
    for a row number are another word's. A row past the end is a KeyError, not a built vector."""
    path = datapath("lee_fasttext.bin")
    theirs, kv = load_facebook_vectors(path), vecq.load(path)
    word = kv.index_to_key[486]
    assert theirs.get_index(486) == kv.get_index(486) == 486
    assert np.array_equal(kv.get_vector(486), theirs.get_vector(word))
    assert kv.most_similar(486, topn=5) == kv.most_similar(word, topn=5)
    assert [w for w, _ in kv.most_similar(486, topn=5)] == [w for w, _ in theirs.most_similar(word, topn=5)]
    assert kv.rank(486, kv.index_to_key[7]) == kv.rank(word, kv.index_to_key[7])
    with pytest.raises(KeyError):
        kv.get_vector(len(kv.index_to_key))
