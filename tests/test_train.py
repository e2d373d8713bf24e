"""vecq train against gensim as the oracle: the same sentences and settings give the same vectors,
bit for bit; the snapshots are the vectors gensim had at the start and after each epoch; --epochs
shows them; every bad corpus or option is one line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from gensim.models import FastText, KeyedVectors, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from gensim.models.word2vec import LineSentence
from gensim.test.utils import datapath
from gensim.utils import simple_preprocess

from tests.conftest import invoke, tsv

LEE = datapath("lee_background.cor")
SMALL = ["--epochs", "3", "--dimensions", "20", "--seed", "7"]


def gensim_model(kind=Word2Vec, sentences=None, **kwargs):
    settings = {"vector_size": 20, "epochs": 3, "seed": 7, "workers": 1, "min_count": 5, "window": 5}
    return kind(sentences or LineSentence(LEE), **{**settings, **kwargs})


def read(path) -> KeyedVectors:
    return KeyedVectors.load_word2vec_format(str(path), binary=True)


@pytest.fixture
def trained(tmp_path):
    """vecq's model of gensim's own corpus, with its snapshots (a second each: trained per test,
    inside the temporary user state)."""
    folder = tmp_path
    result = invoke(["train", LEE, "-o", str(folder / "lee.bin"), *SMALL, "--snapshots"])
    assert result.exit_code == 0, result.stderr
    return folder / "lee.bin", result


def test_the_model_is_gensims_bit_for_bit(trained):
    path, result = trained
    ours, oracle = read(path), gensim_model().wv
    assert ours.index_to_key == oracle.index_to_key
    assert np.array_equal(ours.vectors, oracle.vectors)
    assert f"{len(oracle):,} words x 20" in result.stderr and result.stdout == ""


def test_the_snapshots_are_the_start_and_each_epoch(trained):
    """gensim's vectors after build_vocab and after each epoch, recorded by a callback of the test's own."""
    path, _ = trained
    seen = []

    class Record(CallbackAny2Vec):
        def on_epoch_end(self, model):
            seen.append(model.wv.vectors.copy())

    oracle = Word2Vec(vector_size=20, epochs=3, seed=7, workers=1, min_count=5, window=5)
    oracle.build_vocab(LineSentence(LEE))
    seen.append(oracle.wv.vectors.copy())
    oracle.train(LineSentence(LEE), total_examples=oracle.corpus_count, epochs=3, callbacks=[Record()])
    folder = path.parent / "lee.bin.epochs"
    assert json.loads((folder / "snapshots.json").read_text())["epochs"] == 3
    for epoch, expected in enumerate(seen):
        snapshot = read(folder / f"epoch-{epoch:03d}.bin")
        assert snapshot.index_to_key == oracle.wv.index_to_key
        assert np.array_equal(snapshot.vectors, expected), epoch
    assert not np.array_equal(seen[0], seen[1])  # the start is not the trained model
    assert np.array_equal(read(folder / "epoch-003.bin").vectors, read(path).vectors)


def test_a_trained_model_answers_at_once(trained):
    path, _ = trained
    oracle = gensim_model().wv
    result = invoke(["-m", str(path), "neighbors", "police", "-n", "3"])
    assert result.exit_code == 0, result.stderr
    assert "converting" not in result.stderr  # train converted it already
    rows = tsv(result.stdout)
    expected = oracle.most_similar("police", topn=3)
    assert [r["word"] for r in rows] == [w for w, _ in expected]
    assert all(abs(float(r["similarity"]) - s) < 1e-6 for r, (_, s) in zip(rows, expected))


def test_similar_by_epoch_reads_every_snapshot(trained):
    path, _ = trained
    result = invoke(["-m", str(path), "similar", "police", "officers", "fire", "--epochs"])
    assert result.exit_code == 0, result.stderr
    assert "converting" not in result.stderr
    rows = tsv(result.stdout)
    assert [int(r["epoch"]) for r in rows] == [e for e in range(4) for _ in range(3)]
    for r in rows:
        kv = read(path.parent / "lee.bin.epochs" / f"epoch-{int(r['epoch']):03d}.bin")
        assert abs(float(r["similarity"]) - float(kv.similarity(r["word1"], r["word2"]))) < 1e-6
    asked = ["-m", str(path), "similar", "police", "fire", "--epochs", "-f", "json"]
    as_json = json.loads(invoke(asked).stdout)
    assert [r["epoch"] for r in as_json] == [0, 1, 2, 3] and as_json[0]["model"]["name"] == str(path)


def test_plot_by_epoch_as_gif_grid_and_terminal(trained, tmp_path):
    from PIL import Image

    from vecq.cli.env import Env

    path, _ = trained
    words = ["police", "officers", "fire", "government"]
    gif = tmp_path / "frames.gif"
    result = invoke(["-m", str(path), "plot", *words, "--epochs", "-o", str(gif)])
    assert result.exit_code == 0, result.stderr
    with Image.open(gif) as im:
        assert im.format == "GIF" and im.n_frames == 4
    grid = tmp_path / "frames.png"
    assert invoke(["-m", str(path), "plot", *words, "--epochs", "-o", str(grid)]).exit_code == 0
    with Image.open(grid) as im:
        assert im.format == "PNG"
    tty = Env(stdout_isatty=True, stderr_isatty=False, color=False)
    shown = invoke(["-m", str(path), "plot", *words, "--epochs"], obj=tty, env={"COLUMNS": "110"})
    assert shown.exit_code == 0, shown.stderr
    assert all(f"epoch {e}" in shown.stdout for e in range(4))
    assert shown.stdout.count("● police") == 4
    # a word given twice is one point in every frame, as without --epochs
    twice = invoke(["-m", str(path), "plot", *words, "police", "--epochs"], obj=tty, env={"COLUMNS": "110"})
    assert twice.stdout.count("● police") == 4
    alone = invoke(["-m", str(path), "plot", "police", "police", "--epochs", "-o", str(gif)])
    assert alone.exit_code == 2 and "give at least two different words" in alone.stderr
    # in a pipe (or with -f), each word's place in each epoch as a record, on the same axes
    from vecq.core.projection import across_epochs

    placed = invoke(["-m", str(path), "plot", *words, "--epochs", "-f", "json"])
    assert placed.exit_code == 0, placed.stderr
    records = json.loads(placed.stdout)
    epochs = sorted({r["epoch"] for r in records})
    assert epochs == [0, 1, 2, 3] and [r["word"] for r in records] == words * 4
    frames = across_epochs(
        [read(path.parent / "lee.bin.epochs" / f"epoch-{e:03d}.bin")[words] for e in epochs]
    )
    assert np.allclose([[r["x"], r["y"]] for r in records], np.concatenate(frames), atol=1e-9)


def test_the_epochs_share_the_trained_models_axes():
    """The last frame is the trained words' own PCA; earlier frames move on the same axes."""
    from vecq.core.projection import across_epochs, project

    rng = np.random.default_rng(3)
    last = rng.normal(size=(6, 10)) + 5.0  # a common direction, as word2vec's vectors have
    frames = across_epochs([rng.normal(size=(6, 10)), last])
    unit = last / np.linalg.norm(last, axis=1, keepdims=True)
    expected, _ = project(unit)
    for k in range(2):  # a principal axis is known up to its sign
        assert np.allclose(np.abs(frames[1][:, k]), np.abs(expected[:, k]))
    assert frames[0].shape == (6, 2)


def test_preprocess_and_standard_input_give_gensims_model(tmp_path):
    out = tmp_path / "m.txt"
    with open(LEE, "rb") as f:
        result = invoke(["train", "-", "-o", str(out), *SMALL, "--preprocess"], input=f.read())
    assert result.exit_code == 0, result.stderr
    ours = KeyedVectors.load_word2vec_format(str(out))
    with open(LEE, encoding="utf-8") as f:
        sentences = [simple_preprocess(line) for line in f]
    oracle = gensim_model(sentences=sentences).wv
    assert ours.index_to_key == oracle.index_to_key
    assert np.allclose(ours.vectors, oracle.vectors, atol=1e-6)  # text: six decimals


def test_lee_names_gensims_own_corpus(tmp_path):
    assert invoke(["train", "lee", "-o", str(tmp_path / "m.bin"), *SMALL]).exit_code == 0
    assert np.array_equal(read(tmp_path / "m.bin").vectors, gensim_model().wv.vectors)


def test_a_folder_is_its_files_in_name_order(tmp_path):
    lines = Path(LEE).read_text(encoding="utf-8").splitlines(keepends=True)
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "b.txt").write_text("".join(lines[150:]), encoding="utf-8")
    (folder / "a.txt").write_text("".join(lines[:150]), encoding="utf-8")
    assert invoke(["train", str(folder), "-o", str(tmp_path / "m.bin"), *SMALL]).exit_code == 0
    assert np.array_equal(read(tmp_path / "m.bin").vectors, gensim_model().wv.vectors)


@pytest.mark.slow
def test_fasttext_is_gensims_and_keeps_its_subwords(tmp_path):
    from gensim.models.fasttext import load_facebook_vectors

    out = tmp_path / "ft.bin"
    result = invoke(["train", LEE, "-o", str(out), "--fasttext", *SMALL, "--snapshots"])
    assert result.exit_code == 0, result.stderr
    oracle = gensim_model(FastText).wv
    ours = load_facebook_vectors(str(out))
    assert ours.index_to_key == oracle.index_to_key
    assert np.array_equal(ours.vectors_ngrams, oracle.vectors_ngrams)
    assert np.allclose(ours.vectors, oracle.vectors, atol=1e-6)
    last = read(tmp_path / "ft.bin.epochs" / "epoch-003.bin")
    assert np.array_equal(last.vectors, oracle.vectors)  # the snapshot is the adjusted vectors
    unseen = invoke(["-m", str(out), "similar", "policemen", "police", "-f", "json"])
    assert unseen.exit_code == 0, unseen.stderr
    record = json.loads(unseen.stdout)[0]
    assert "policemen" not in oracle.key_to_index
    assert math.isclose(record["similarity"], float(oracle.similarity("policemen", "police")), abs_tol=1e-5)


def test_retraining_without_snapshots_removes_the_old_ones(tmp_path):
    out = tmp_path / "m.bin"
    assert invoke(["train", LEE, "-o", str(out), *SMALL, "--snapshots"]).exit_code == 0
    assert (tmp_path / "m.bin.epochs").is_dir()
    assert invoke(["train", LEE, "-o", str(out), *SMALL]).exit_code == 0
    assert not (tmp_path / "m.bin.epochs").exists()
    missing = invoke(["-m", str(out), "similar", "police", "fire", "--epochs"])
    assert missing.exit_code == 2 and "no snapshots" in missing.stderr and "--snapshots" in missing.stderr


@pytest.mark.parametrize("snapshots", [[], ["--snapshots"]])
def test_a_folder_in_the_way_is_never_removed_and_is_said_before_the_training(
    tmp_path, monkeypatch, snapshots
):
    """With --snapshots, a folder MODEL.epochs that is not vecq's was replaced by the new snapshots
    and deleted; without, it was refused only after the whole training, and no model written."""

    def never(*args, **kwargs):
        raise AssertionError("trained before saying the folder is in the way")

    monkeypatch.setattr(Word2Vec, "train", never)
    (tmp_path / "m.bin.epochs").mkdir()
    (tmp_path / "m.bin.epochs" / "mine.txt").write_text("keep me")
    result = invoke(["train", LEE, "-o", str(tmp_path / "m.bin"), *SMALL, *snapshots])
    assert result.exit_code == 2 and "not vecq's snapshots" in result.stderr
    assert (tmp_path / "m.bin.epochs" / "mine.txt").read_text() == "keep me"
    assert not (tmp_path / "m.bin").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.bin.epochs"]


@pytest.mark.parametrize("snapshots", [[], ["--snapshots"]])
def test_a_model_that_cannot_be_written_leaves_the_older_model_and_its_snapshots(
    tmp_path, monkeypatch, snapshots
):
    """A full disk writing the new model: the older training's snapshots were already replaced by
    the new ones (or removed, without --snapshots), beside the older model they no longer match."""
    from vecq.sources import training

    out = tmp_path / "m.bin"
    assert invoke(["train", LEE, "-o", str(out), *SMALL, "--snapshots"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "m.bin.epochs").iterdir()}
    model = out.read_bytes()

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(training, "_write_model", full)
    result = invoke(["train", LEE, "-o", str(out), "--epochs", "2", "--dimensions", "20", *snapshots])
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert out.read_bytes() == model
    assert {p.name: p.read_bytes() for p in (tmp_path / "m.bin.epochs").iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.bin", "m.bin.epochs"]


def test_a_compressed_corpus_cut_short_is_one_line_not_an_interruption(tmp_path):
    """A .gz or .bz2 corpus whose download stopped: its decompressor's EOFError was "interrupted"
    (exit 130); it is one line naming the file, exit 2."""
    import bz2
    import gzip

    text = "".join(f"the cat sat on mat number {i} with a dog\n" for i in range(20000)).encode()
    for suffix, pack in ((".gz", gzip.compress), (".bz2", bz2.compress)):
        packed = pack(text)
        source = tmp_path / f"corpus.txt{suffix}"
        source.write_bytes(packed[: len(packed) // 2])
        result = invoke(["train", str(source), "-o", str(tmp_path / "m.bin"), *SMALL])
        assert result.exit_code == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert (
            f"corpus.txt{suffix} is a damaged {suffix} file: it ends before its end marker" in result.stderr
        )
        assert not (tmp_path / "m.bin").exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_a_corpus_with_a_byte_order_mark_trains_as_its_text(tmp_path, encoding):
    """A corpus saved by Notepad (UTF-8 with a byte-order mark, or its "Unicode", UTF-16) trained
    with the mark as part of the first word ('\ufeffthe', a word of its own), or stopped at "line 1
    is not UTF-8 ... iconv -f LATIN1": the mark names the encoding and is no part of a word, so the
    model is the plain UTF-8 corpus's, bit for bit."""
    text = Path(LEE).read_text(encoding="utf-8")
    plain, marked = tmp_path / "plain.txt", tmp_path / "marked.txt"
    plain.write_text(text, encoding="utf-8")
    marked.write_bytes(text.encode(encoding))
    for source in (plain, marked):
        result = invoke(["train", str(source), "-o", str(tmp_path / f"{source.stem}.bin"), *SMALL])
        assert result.exit_code == 0, result.stderr
    ours, theirs = read(tmp_path / "marked.bin"), read(tmp_path / "plain.bin")
    assert ours.index_to_key == theirs.index_to_key and not any("\ufeff" in w for w in ours.index_to_key)
    assert np.array_equal(ours.vectors, theirs.vectors)


@pytest.mark.parametrize(
    "corpus, args, words",
    [
        (b"good line\n\xff\xfe bad line\n", [], ["line 2 is not UTF-8", "iconv"]),
        (
            "a b c\n".encode("utf-16") + b"\x00",
            [],
            ["begins with a UTF-16 byte-order mark but is not UTF-16 (line 2)"],
        ),
        (b"too few words here\n", ["--min-count", "50"], ["--min-count"]),
        (b"\n\n", [], ["holds no words"]),
        (None, [], ["no such file or folder", "lee", "text8"]),
        (b"a b c\n", ["--fasttext"], [".bin"]),
        (b"a b c\n", ["-o", "m.model"], [".bin (word2vec binary), .txt or .vec"]),
        (b"a b c\n", ["-o", "m.npy"], [".bin (word2vec binary), .txt or .vec"]),
    ],
)
def test_bad_corpora_and_options_are_one_line(tmp_path, corpus, args, words):
    """Each names what to do; an output named otherwise than train writes was told export's
    suffixes and its --to, which train does not take."""
    source = tmp_path / "corpus.txt"
    if corpus is not None:
        source.write_bytes(corpus)
    out = "m.txt" if "--fasttext" in args else "m.bin"
    if "-o" in args:
        out = args[args.index("-o") + 1]
        args = [a for a in args if a not in ("-o", out)]
        assert "--to" not in invoke(["train", str(source), "-o", str(tmp_path / out)]).stderr
    result = invoke(["train", str(source), "-o", str(tmp_path / out), "--min-count", "1", *args])
    assert result.exit_code == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert all(w in result.stderr for w in words), result.stderr
    assert not (tmp_path / out).exists()


def test_snapshots_a_killed_training_left_go_with_the_next_training(tmp_path):
    """A training killed outright left its hidden snapshots folder (every epoch's vectors) beside
    the model for ever; the next training of the same model removes it once its process is gone."""
    import socket
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    left = tmp_path / f".tmp-m.bin.epochs-{gone.pid}@{socket.gethostname()}-0a0b0c0d"
    left.mkdir()
    (left / "epoch-000.bin").write_bytes(b"vectors")
    assert invoke(["train", LEE, "-o", str(tmp_path / "m.bin"), *SMALL, "--snapshots"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.bin", "m.bin.epochs"]
