"""Model files of every supported format, read through gensim; bad files refused in one line."""

from __future__ import annotations

import gzip
import json
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import invoke
from gensim.models import KeyedVectors
from gensim.test.utils import datapath

from vecq.cache import reader as store
from vecq.cache import writer
from vecq.sources import formats, readers
from vecq.sources.formats import detect_format
from vecq.sources.loader import open_model


@pytest.fixture(scope="session")
def small_kv(small_words) -> KeyedVectors:
    words, vectors = small_words
    kv = KeyedVectors(vectors.shape[1], dtype=np.float32)
    kv.add_vectors(words, vectors)
    return kv


@pytest.fixture(scope="session")
def model_files(tmp_path_factory, small_kv) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("formats")
    files = {
        "word2vec-bin": d / "m.bin",
        "word2vec-bin-gz": d / "m.bin.gz",
        "word2vec-text": d / "m.txt",
        "word2vec-vec-gz": d / "m.vec.gz",
        "glove-text": d / "glove.txt",
    }
    small_kv.save_word2vec_format(str(files["word2vec-bin"]), binary=True)
    small_kv.save_word2vec_format(str(files["word2vec-bin-gz"]), binary=True)
    small_kv.save_word2vec_format(str(files["word2vec-text"]), binary=False)
    small_kv.save_word2vec_format(str(files["word2vec-vec-gz"]), binary=False)
    small_kv.save_word2vec_format(str(files["glove-text"]), binary=False, write_header=False)
    shutil.copy(datapath("lee_fasttext.bin"), d / "lee.bin")
    files["fasttext-bin"] = d / "lee.bin"
    return files


@pytest.mark.parametrize(
    "kind",
    ["word2vec-bin", "word2vec-bin-gz", "word2vec-text", "word2vec-vec-gz", "glove-text", "fasttext-bin"],
)
@pytest.mark.slow
def test_every_format_answers_like_gensim(kind, model_files, small_kv, tmp_path, monkeypatch):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = model_files[kind]
    if kind == "fasttext-bin":
        from gensim.models.fasttext import load_facebook_vectors

        oracle = load_facebook_vectors(str(path))
    else:
        oracle = small_kv
    word = oracle.index_to_key[50]
    result = invoke(["-m", str(path), "neighbors", word, "-n", "5", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    ours = [(r["word"], r["similarity"]) for r in json.loads(result.stdout)]
    theirs = oracle.most_similar(word, topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert np.allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)


def test_format_detection(model_files):
    assert detect_format(model_files["word2vec-bin"]) == "word2vec-bin"
    assert detect_format(model_files["word2vec-bin-gz"]) == "word2vec-bin"
    assert detect_format(model_files["word2vec-text"]) == "word2vec-text"
    assert detect_format(model_files["glove-text"]) == "glove-text"
    assert detect_format(model_files["fasttext-bin"]) == "fasttext-bin"


def test_limit_loads_only_the_first_words(model_files, tmp_path, monkeypatch):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    (rec,) = json.loads(
        invoke(["-m", str(model_files["word2vec-bin"]), "--limit", "100", "info", "-f", "json"]).stdout
    )
    assert rec["vocabulary"] == 100


class _Evil:
    """Unpickling this creates a file: proof that a pickle runs code."""

    target = ""

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_a_pickle_that_would_run_code_is_refused_and_runs_nothing(tmp_path):
    canary = tmp_path / "pwned"
    _Evil.target = str(canary)
    evil = tmp_path / "evil.kv"
    evil.write_bytes(pickle.dumps(_Evil()))
    for path in (evil, tmp_path / "evil.bin"):
        if path.suffix == ".bin":
            shutil.copy(evil, path)  # a pickle in disguise is recognised by its bytes
        result = invoke(["-m", str(path), "similar", "a", "b"])
        assert result.exit_code == 4
        assert "pickle" in result.stderr and "--trust" in result.stderr
        assert "io.open" in result.stderr  # the refused callable, by name
        assert len(result.stderr.strip().splitlines()) == 1
    assert not canary.exists()


@pytest.mark.parametrize("inline", [True, False], ids=["arrays-in-the-pickle", "vectors-npy-beside-it"])
def test_a_keyedvectors_file_opens_without_trust_as_gensim_reads_it(small_kv, tmp_path, monkeypatch, inline):
    """An allow-list unpickler reads gensim's KeyedVectors as data."""
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "m.kv"
    small_kv.save(str(path), sep_limit=10**12 if inline else 0)
    assert (tmp_path / "m.kv.vectors.npy").exists() is not inline
    from vecq.sources import kv_pickle

    words, vectors = kv_pickle.read(str(path))
    oracle = KeyedVectors.load(str(path))
    assert words == oracle.index_to_key and np.array_equal(np.asarray(vectors), oracle.vectors)
    result = invoke(["-m", str(path), "similar", "king", "queen", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert abs(json.loads(result.stdout)["similarity"] - oracle.similarity("king", "queen")) < 1e-6


def test_reading_a_keyedvectors_file_imports_no_gensim(small_kv, tmp_path):
    path = tmp_path / "m.kv"
    small_kv.save(str(path), sep_limit=0)
    code = (
        "import sys\nfrom vecq.sources import kv_pickle\n"
        f"words, vectors = kv_pickle.read({str(path)!r})\n"
        "print(len(words), vectors.shape[1], 'gensim' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(len(small_kv)), str(small_kv.vector_size), "False"]


def test_a_full_word2vec_model_needs_trust_and_the_refusal_names_what(tmp_path, monkeypatch):
    from gensim.models import Word2Vec

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    model = Word2Vec([["cat", "dog", "bird", "fish"]] * 20, vector_size=8, min_count=1, seed=1, workers=1)
    path = tmp_path / "w2v.model"
    model.save(str(path))
    refused = invoke(["-m", str(path), "similar", "cat", "dog"])
    (line,) = refused.stderr.splitlines()
    assert refused.exit_code == 4 and "gensim.models.word2vec.Word2Vec" in line and "--trust" in line
    trusted = invoke(["-m", str(path), "--trust", "similar", "cat", "dog", "-f", "jsonl"])
    assert trusted.exit_code == 0, trusted.stderr
    assert abs(json.loads(trusted.stdout)["similarity"] - model.wv.similarity("cat", "dog")) < 1e-6
    # a model one trained oneself is the common case: the refusal says how to keep its vectors alone,
    # and what it says opens without --trust, with the same answer
    assert line.endswith("or save its vectors alone: model.wv.save('vectors.kv')")
    model.wv.save(str(tmp_path / "vectors.kv"))
    alone = invoke(["-m", str(tmp_path / "vectors.kv"), "similar", "cat", "dog", "-f", "jsonl"])
    assert (
        alone.exit_code == 0
        and json.loads(alone.stdout)["similarity"] == json.loads(trusted.stdout)["similarity"]
    )


def test_native_kv_opens_with_trust(small_kv, tmp_path, monkeypatch):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "m.kv"
    small_kv.save(str(path))
    result = invoke(["-m", str(path), "--trust", "similar", "king", "queen"])
    assert result.exit_code == 0, result.stderr
    assert abs(float(result.stdout.split()[-1]) - small_kv.similarity("king", "queen")) < 1e-5


def _bad_files(d: Path, model_files) -> dict[str, Path]:
    good_bin = model_files["word2vec-bin"].read_bytes()
    good_txt = model_files["word2vec-text"].read_text()
    lines = good_txt.splitlines()
    files = {
        "empty": b"",
        "not a model": b"This is a README, not vectors.\nIt has words but no numbers.\n",
        "truncated binary": good_bin[: len(good_bin) // 2],
        "truncated text": good_txt[: len(good_txt) // 2].encode(),
        "header says more rows": ("6000 50\n" + "\n".join(lines[1:]) + "\n").encode(),
        "header claims 10^12 rows": b"1000000000000 300\nthe 0.1 0.2\n",
        "too few numbers": (
            lines[0] + "\n" + lines[1] + "\n" + " ".join(lines[2].split()[:10]) + "\n"
        ).encode(),
        "too many numbers": ("2 50\n" + lines[1] + "\n" + lines[2] + " 0.5 0.5\n").encode(),
        "nan values": (b"2 3\nthe 0.1 nan 0.3\ncat 0.1 0.2 0.3\n"),
        "infinite values": (b"2 3\nthe 0.1 inf 0.3\ncat 0.1 0.2 0.3\n"),
        "gzip that is damaged": gzip.compress(good_txt.encode())[:200],
    }
    out = {}
    for name, data in files.items():
        suffix = ".txt.gz" if "gzip" in name else ".bin" if "binary" in name else ".txt"
        path = d / (name.replace(" ", "-").replace("^", "") + suffix)
        path.write_bytes(data)
        out[name] = path
    return out


@pytest.mark.slow
def test_bad_model_files_get_one_line_exit_4_and_no_cache(tmp_path, monkeypatch, model_files):
    cache = tmp_path / "cache"
    monkeypatch.setenv("VECQ_CACHE_DIR", str(cache))
    files = _bad_files(tmp_path, model_files)
    directory = tmp_path / "a-directory"
    directory.mkdir()
    files["a directory"] = directory
    for name, path in files.items():
        result = invoke(["-m", str(path), "similar", "the", "cat"])
        assert result.exit_code == 4, (name, result.exit_code, result.stdout, result.stderr)
        lines = [x for x in result.stderr.strip().splitlines() if not x.startswith("vecq: converting")]
        assert len(lines) == 1, (name, result.stderr)
        assert str(path) in lines[0] or path.name in lines[0], (name, lines[0])
    assert [p for p, s in store.entries(cache)] == []


@pytest.mark.parametrize("value", ["nan", "-inf", "1e39"])
@pytest.mark.parametrize("cached", [True, False])
def test_a_row_vecq_cannot_hold_is_named_by_its_word_with_or_without_a_cache(
    tmp_path, monkeypatch, value, cached
):
    """Without a cache (its folder unwritable) such a file was answered from memory without a word,
    the row left out of every answer; 1e39 in a text file printed numpy's RuntimeWarning too."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache" if cached else blocker / "cache"))
    path = tmp_path / "m.txt"
    path.write_text(f"3 3\ncat 1 0 0\nbad {value} 1 0\ndog 0.9 0.1 0\n")
    result = invoke(["-m", str(path), "neighbors", "cat"])
    assert result.exit_code == 4 and result.stdout == ""
    said = [x for x in result.stderr.strip().splitlines() if "converting" not in x and "from memory" not in x]
    assert len(said) == 1 and f"{path}: 'bad' (row 1) holds NaN or an infinity" in said[0], result.stderr
    assert "Warning" not in result.stderr


def test_words_that_are_not_utf8_are_one_line_naming_the_line_unless_asked_otherwise(tmp_path, monkeypatch):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"2 3\ncat 0.3 0.2 0.1\ncaf\xe9 0.1 0.2 0.3\n")
    strict = invoke(["-m", str(path), "similar", "cat", "cat"])
    assert strict.exit_code == 4
    assert (
        strict.stderr.count("\n") == 1 and "line 3" in strict.stderr and "--unicode-errors" in strict.stderr
    )
    replaced = invoke(["-m", str(path), "--unicode-errors", "replace", "similar", "caf\ufffd", "cat"])
    assert replaced.exit_code == 0, replaced.stderr
    ignored = invoke(["-m", str(path), "similar", "caf", "cat", "--unicode-errors", "ignore"])
    assert ignored.exit_code == 0, ignored.stderr


@pytest.mark.parametrize("errors", ["replace", "ignore"])
def test_gensims_file_of_cut_utf8_words_reads_as_gensim_reads_it(tmp_path, monkeypatch, errors):
    """gensim's own test file: word2vec text whose words end in a cut UTF-8 sequence. It was taken
    for binary and answered with vectors of 1e-19; now it is text, with gensim's words and floats."""
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = datapath("w2v_keyedvectors_load_test.modeldata")
    assert formats.detect_format(path) == "word2vec-text"
    oracle = KeyedVectors.load_word2vec_format(path, binary=False, unicode_errors=errors)
    result = invoke(["-m", path, "--unicode-errors", errors, "vector", "-f", "json", *oracle.index_to_key])
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert [r["word"] for r in records] == oracle.index_to_key
    for record, word in zip(records, oracle.index_to_key):
        assert np.array_equal(np.array(record["vector"], dtype=np.float32), oracle[word])
    strict = invoke(["-m", path, "info"])
    assert strict.exit_code == 4 and "line 2" in strict.stderr and "not valid UTF-8" in strict.stderr


def test_a_file_that_reads_as_neither_text_nor_binary_is_refused_naming_both(tmp_path, monkeypatch):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "odd.bin"
    # A header, then a row whose floats are NaN: not binary (not finite), not text (not numbers).
    path.write_bytes(b"1 2\nword " + b"\xff\xff\xff\x7f" * 2 + b"\n")
    result = invoke(["-m", str(path), "info"])
    assert result.exit_code == 4 and result.stderr.count("\n") == 1
    assert "neither word2vec text nor word2vec binary" in result.stderr and "--model-format" in result.stderr


@pytest.mark.parametrize("binary", [True, False])
def test_model_format_reads_a_file_as_told(tmp_path, monkeypatch, small_words, binary):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    words, vectors = small_words
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words[:50], vectors[:50])
    path = tmp_path / "model.data"
    kv.save_word2vec_format(str(path), binary=binary)
    told = "word2vec-bin" if binary else "word2vec-text"
    assert formats.detect_format(path) == told
    result = invoke(["-m", str(path), "--model-format", told, "vector", "-f", "json", words[7]])
    assert result.exit_code == 0, result.stderr
    assert np.allclose(json.loads(result.stdout)[0]["vector"], kv[words[7]], atol=1e-6)


@pytest.mark.parametrize("every", [1, 65536])
def test_duplicate_words_keep_the_first(tmp_path, monkeypatch, every):
    """Also when rows were already written during the parse: the matrix gensim ends with differs."""
    monkeypatch.setattr(readers, "STREAM_ROWS", every)
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "dup.txt"
    path.write_text("3 3\ncat 1 0 0\ndog 0 1 0\ncat 0 0 1\n")
    result = invoke(["-m", str(path), "vector", "cat"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1].split("\t")[1].split() == ["1.0", "0.0", "0.0"]
    assert "lists 1 word more than once: the first vector of each is kept" in result.stderr  # said
    again = invoke(["-m", str(path), "info", "-f", "json"])
    assert json.loads(again.stdout)[0]["vocabulary"] == 2 and "more than once" not in again.stderr


@pytest.mark.parametrize("every", [7, 1000])
@pytest.mark.slow
def test_rows_written_while_gensim_parses_equal_gensims_vectors(tmp_path, monkeypatch, small_model, every):
    monkeypatch.setattr(readers, "STREAM_ROWS", every)
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    handed: list[int] = []
    real = writer.Conversion.rows_ready
    monkeypatch.setattr(
        writer.Conversion, "rows_ready", lambda self, m, n: (handed.append(n), real(self, m, n))
    )
    model = open_model(str(small_model))
    assert handed == list(range(every, 5001, every))  # the writer had rows before the parse ended
    kv = KeyedVectors.load_word2vec_format(str(small_model))
    assert model.vocab.words(range(5000)) == kv.index_to_key
    assert np.allclose(np.asarray(model.vectors), kv.get_normed_vectors(), atol=1e-6)
    assert np.allclose(np.asarray(model.norms), np.linalg.norm(kv.vectors, axis=1), rtol=1e-6)


def test_memory_check_suggests_limit(tmp_path):
    from vecq.errors import ModelError
    from vecq.sources.formats import check_memory
    from vecq.sources.source import Source

    path = tmp_path / "big.bin"
    path.write_bytes(b"3000000 300\n")
    with pytest.raises(ModelError, match=r"limit=\d+$") as refused:  # the library's words: limit=N
        check_memory(Source(str(path), "big", str(path), "word2vec-bin"), available=1_000_000_000)
    # the CLI's words: --limit N, the number pasteable (click's IntRange takes it)
    limit = int(re.search(r"--limit (\d+)$", refused.value.message).group(1))
    assert 0 < limit < 3_000_000
    check_memory(Source(str(path), "big", str(path), "word2vec-bin", limit=100_000), available=1_000_000_000)
