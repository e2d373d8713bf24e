"""The cache's life: converted once, opened without gensim, rebuilt when stale or damaged, safe to kill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import cache_folder, fresh_python, kill_midway, write_text_model

from vecq.cache import files, layout, writer
from vecq.cache import reader as store
from vecq.cli import cli
from vecq.core.expression import Term
from vecq.sources.loader import open_model


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("VECQ_CACHE_DIR", str(folder))
    return folder


def entries_ok(cache: Path) -> list[Path]:
    return [p for p, s in store.entries(cache) if s.ok]


def test_first_use_converts_and_second_use_opens(cache, small_model, small_words):
    messages: list[str] = []
    model = open_model(str(small_model), warn=messages.append)
    assert any("converting" in m for m in messages)
    assert len(entries_ok(cache)) == 1
    messages.clear()
    again = open_model(str(small_model), warn=messages.append)
    assert messages == []
    words, vectors = small_words
    np.testing.assert_allclose(
        again.raw_vector(again.vocab.index("king")), vectors[words.index("king")], atol=1e-5
    )
    assert model.info.rows == again.info.rows == 5000


def test_second_use_does_not_import_gensim(glove, session_cache):
    code = (
        "import sys\nfrom vecq.sources.loader import open_model\nm = open_model('glove-wiki-gigaword-50')\n"
        "assert m.info.rows == 400000\n"
        "print(sorted(x for x in ('gensim', 'pyarrow', 'rich', 'scipy') if x in sys.modules))"
    )
    assert fresh_python(session_cache, code).stdout.strip() == "[]"


@pytest.mark.slow
def test_a_changed_source_is_converted_again(cache, small_model, small_words):
    words, vectors = small_words
    open_model(str(small_model))
    write_text_model(small_model, words, vectors * 2 + 1)
    messages: list[str] = []
    model = open_model(str(small_model), warn=messages.append)
    assert any("changed" in m for m in messages)
    np.testing.assert_allclose(model.raw_vector(0), vectors[0] * 2 + 1, atol=1e-4)
    assert len(entries_ok(cache)) == 1


@pytest.mark.parametrize("victim", ["vectors.npy", "keys.npy", "words.bin", "manifest.json"])
@pytest.mark.slow
def test_a_truncated_or_missing_cache_file_is_caught_and_rebuilt(cache, small_model, victim):
    open_model(str(small_model))
    (folder,) = entries_ok(cache)
    path = folder / victim
    if victim == "manifest.json":
        path.unlink()
    else:
        with open(path, "r+b") as f:
            f.truncate(path.stat().st_size // 2)
    assert not layout.check(folder).ok
    model = open_model(str(small_model))
    assert model.lookup("king").word == "king"
    assert layout.check(folder).ok


def test_leftovers_of_a_killed_conversion_are_never_used(cache, small_model):
    source_folder = cache_folder(small_model)
    cache.mkdir(parents=True)
    leftover = cache / f".tmp-{os.path.basename(source_folder)}-999-deadbeef"
    leftover.mkdir()
    (leftover / "vectors.npy").write_bytes(b"half")
    assert store.entries(cache) == []
    open_model(str(small_model))
    assert not leftover.exists()
    assert len(entries_ok(cache)) == 1


@pytest.mark.slow
def test_sigkill_during_conversion_then_a_clean_run(cache, medium_model):
    env = {**os.environ, "VECQ_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "vecq", "-m", str(medium_model), "similar", "cat", "dog"]
    kill_midway(cmd, env, cache, ".tmp-*/vectors.npy")
    assert entries_ok(cache) == []  # nothing half-written is taken for a cache
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith("cat\tdog\t")
    assert len(entries_ok(cache)) == 1
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp-")]


@pytest.mark.slow
def test_two_conversions_at_once_end_with_one_good_cache(cache, medium_model):
    env = {**os.environ, "VECQ_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "vecq", "-m", str(medium_model), "neighbors", "cat", "-n", "3"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert outs[0][0] == outs[1][0] and outs[0][0].count("\n") == 4
    assert sum("into the cache in" in err for _, err in outs) == 1  # one converts...
    assert sum("waiting for it" in err for _, err in outs) == 1  # ...and the other says it waits
    assert len(entries_ok(cache)) == 1


def test_unwritable_cache_still_answers(tmp_path, monkeypatch, small_model):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VECQ_CACHE_DIR", str(blocker / "cache"))
    result = CliRunner().invoke(cli, ["-m", str(small_model), "similar", "king", "queen"])
    assert result.exit_code == 0, result.stderr
    assert "cannot write the cache" in result.stderr and "answering from memory" in result.stderr
    assert result.stdout.startswith("word1\tword2\tsimilarity\nking\tqueen\t")


def test_a_full_disk_during_conversion_leaves_nothing(cache, small_model, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer._VectorFile, "_write", full)
    messages: list[str] = []
    model = open_model(str(small_model), warn=messages.append)
    assert model.lookup("king").row >= 0
    assert any("No space left on device" in m for m in messages)
    assert store.entries(cache) == [] and not [p for p in cache.iterdir() if p.name.startswith(".tmp-")]


@pytest.mark.parametrize(
    "where",
    [
        (writer.AlignedWriter, "flush"),  # the vectors' last, partial 2 MiB unit, after the last row
        (writer, "_write_block_sums"),  # the checksums, after every array
        (writer, "_save_vocab"),  # the vocabulary, while the vectors are written
    ],
    ids=["last-unit", "checksums", "vocabulary"],
)
@pytest.mark.slow
def test_a_full_disk_at_any_step_of_a_conversion_answers_and_leaves_no_lock(
    cache, small_model, monkeypatch, where
):
    """A full disk late in the conversion hung for ever (the writer's thread waited for a second stop
    signal) with the conversion's lock held: now the note, the answer from memory, and no lock."""
    import threading

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(*where, full)
    messages: list[str] = []
    answered: list = []
    thread = threading.Thread(
        target=lambda: answered.append(open_model(str(small_model), warn=messages.append)), daemon=True
    )
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the conversion hung on a full disk"
    assert answered and answered[0].lookup("king").row >= 0
    assert any("No space left on device" in m for m in messages), messages
    assert store.entries(cache) == [] and not [p for p in cache.iterdir() if p.name.startswith(".tmp-")]
    monkeypatch.undo()
    again = threading.Thread(target=lambda: answered.append(open_model(str(small_model))), daemon=True)
    again.start()
    again.join(60)  # the lock was released: a second conversion does not wait for the first
    assert not again.is_alive() and len(answered) == 2 and answered[1].folder is not None


def test_cache_commands(cache, small_model):
    runner = CliRunner()
    built = runner.invoke(cli, ["cache", "build", str(small_model), "-f", "json"])
    assert built.exit_code == 0, built.stderr
    (rec,) = json.loads(built.stdout)
    assert rec["status"] == "ok" and rec["vocabulary"] == 5000
    listed = json.loads(runner.invoke(cli, ["cache", "list", "-f", "json"]).stdout)
    assert [r["name"] for r in listed] == [str(small_model)]
    cleared = runner.invoke(cli, ["cache", "clear", str(small_model)])
    assert cleared.exit_code == 0 and "removed" in cleared.stderr
    assert json.loads(runner.invoke(cli, ["cache", "list", "-f", "json"]).stdout) == []
    missing = runner.invoke(cli, ["cache", "clear", "nothing-like-it"])
    assert missing.exit_code == 1 and "no cached model" in missing.stderr


def test_the_manifest_lists_zero_rows_so_queries_skip_the_norms(cache, tmp_path):
    vectors = np.array([[1, 0, 0], [0, 0, 0], [0.9, 0.1, 0], [0, 1, 0]], dtype=np.float32)
    path = write_text_model(tmp_path / "z.txt", ["a", "nothing", "b", "c"], vectors)
    open_model(str(path))
    (folder,) = entries_ok(cache)
    assert json.loads((folder / layout.MANIFEST).read_text())["zero_rows"] == [1]
    model = open_model(str(path))
    model.norms = None  # the zero rows come from the manifest: the norms are never scanned for them
    assert model.zero_rows.tolist() == [1]
    assert [n.word for n in model.neighbors([Term(1.0, model.lookup("a"))], top=5)] == ["b", "c"]


def test_a_model_refused_after_reading_leaves_no_temporary_folder(cache, small_model, monkeypatch):
    from vecq.errors import ModelError

    def refuse(*args):
        raise ModelError("refused")

    monkeypatch.setattr(writer, "_shape", refuse)
    with pytest.raises(ModelError):
        open_model(str(small_model))
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp-")]


def test_the_matrix_is_written_in_whole_aligned_units(tmp_path):
    class Recorder:
        def __init__(self):
            self.writes: list[bytes] = []

        def write(self, data) -> None:
            self.writes.append(bytes(data))

    rng = np.random.default_rng(3)
    pieces = [rng.bytes(int(n)) for n in rng.integers(1, 3 * files.AlignedWriter.UNIT, size=12)]
    out = Recorder()
    with files.AlignedWriter(out) as writer:
        for piece in pieces:
            writer.write(piece)
    assert b"".join(out.writes) == b"".join(pieces)
    assert all(len(w) == files.AlignedWriter.UNIT for w in out.writes[:-1])
    assert 0 < len(out.writes[-1]) <= files.AlignedWriter.UNIT


@pytest.mark.slow
def test_a_converted_matrix_equals_the_source_across_unit_boundaries(cache, medium_model, glove_raw):
    words, vectors = glove_raw
    model = open_model(str(medium_model))  # 100,000 x 50 float32: 20 MB, ten 2 MiB units
    rows = np.array([0, 10485, 10486, 52428, 99999])  # rows that straddle unit boundaries among them
    expected = vectors[rows] / np.linalg.norm(vectors[rows], axis=1, keepdims=True)
    np.testing.assert_allclose(np.asarray(model.vectors[rows]), expected, atol=1e-6)
    assert model.vectors.shape == (100_000, 50)


def test_the_cache_root_ignores_a_relative_xdg_cache_home(monkeypatch, tmp_path):
    """A relative XDG_CACHE_HOME put the cache under whichever folder vecq ran in (a copy of a
    3.6 GB model per folder); the XDG spec says to ignore it."""
    from vecq.cache.layout import cache_root

    monkeypatch.delenv("VECQ_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")
    assert cache_root() == str(tmp_path / ".cache" / "vecq")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == str(tmp_path / "xdg" / "vecq")
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    assert cache_root() == str(tmp_path / ".cache" / "vecq")
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_root() == str(tmp_path / "mine")


@pytest.mark.parametrize("writable", [True, False])
def test_a_native_file_answers_alike_whether_its_cache_was_written_or_not(tmp_path, monkeypatch, writable):
    """gensim's ``.kv`` (float64 vectors, counts of its own) opened with a cache that cannot be
    written: its model answered from memory knew no source format, so its counts were gensim's
    made-up descending ones and its vectors float32; now the file's, as with a written cache."""
    import warnings

    from gensim.models import KeyedVectors

    import vecq

    theirs = KeyedVectors(3, dtype=np.float64)
    theirs.add_vectors(["a", "b", "c"], np.array([[0.1, 0.2, 0.3], [1 / 3, 0.5, 0.7], [1.0, 0.0, 2.0]]))
    for word, count in (("a", 7), ("b", 90), ("c", 5)):
        theirs.set_vecattr(word, "count", count)
    path = str(tmp_path / "m.kv")
    theirs.save(path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache" if writable else blocker / "cache"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = vecq.KeyedVectors.load(path)
    assert [ours.get_vecattr(w, "count") for w in "abc"] == [7, 90, 5]
    assert ours.vectors.dtype == np.float64
    assert np.array_equal(ours.vectors, theirs.vectors.astype(np.float32).astype(np.float64))
