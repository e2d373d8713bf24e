"""What ``-o FILE`` writes, for every command that takes it (export, graph, plot, vector): one rule,
``cache.files.output_file``. ``-`` is standard output; a symbolic link, a device or a FIFO is written
through, never replaced; a regular file is replaced whole or not at all, keeping its permissions."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading

import numpy as np
import pytest
from conftest import GLOVE, M, glove_invoke

from vecq.cache.files import output_file
from vecq.errors import OutputError

# Each command that takes -o, with the arguments that make it write (the file name last).
WRITERS = {
    "export": ["export", "--first", "3", "-o"],
    "graph": ["graph", "--first", "3", "-k", "2", "-o"],
    "plot": ["plot", "cat", "dog", "kitten", "-o"],
    "vector": ["vector", "cat", "dog", "-o"],
}
SUFFIX = {"export": ".txt", "graph": ".tsv", "plot": ".png", "vector": ".npy"}


def vecq(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """The CLI as a user runs it: its own process."""
    return subprocess.run(
        [sys.executable, "-m", "vecq", *M, *args], capture_output=True, timeout=120, **kwargs
    )


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_symbolic_link_is_written_through(command, tmp_path, glove):
    target = tmp_path / ("target" + SUFFIX[command])
    target.write_bytes(b"old")
    link = tmp_path / ("link" + SUFFIX[command])
    link.symlink_to(target)
    result = glove_invoke([*WRITERS[command], str(link)])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.stat().st_size > 3 and target.read_bytes() != b"old"


@pytest.mark.parametrize("command", ["export", "graph", "plot"])
@pytest.mark.slow
def test_a_fifo_is_written_through_and_not_replaced(command, tmp_path, glove):
    fifo = tmp_path / ("fifo" + SUFFIX[command])
    os.mkfifo(fifo)
    received = bytearray()

    def read():
        with open(fifo, "rb") as f:
            received.extend(f.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = vecq([*WRITERS[command], str(fifo)])
    reader.join(30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a file"
    assert len(received) > 10


def test_a_device_is_written_through_never_replaced(glove):
    # /dev/null stands for /dev/stdout (which, replaced as root, broke the shell): it stays a device.
    before = os.stat("/dev/null")
    result = vecq(["export", "--first", "3", "--to", "word2vec-bin", "-o", "/dev/null"])
    assert result.returncode == 0, result.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    through = vecq([*WRITERS["export"][:-1], "--to", "word2vec-text", "-o", "/dev/stdout"])
    assert through.returncode == 0, through.stderr
    assert through.stdout.decode().startswith("3 50\nthe ")


@pytest.mark.slow
def test_dash_is_standard_output(tmp_path, glove):
    result = vecq([*WRITERS["export"], "-"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert lines[0] == "3 50" and [line.split()[0] for line in lines[1:]] == ["the", ",", "."]
    assert not (tmp_path / "-").exists()
    graph = vecq([*WRITERS["graph"], "-"], cwd=tmp_path)
    assert graph.returncode == 0, graph.stderr
    rows = graph.stdout.decode().splitlines()
    assert rows[0] == "word\tneighbour\trank\tscore" and len(rows) == 1 + 3 * 2
    assert not (tmp_path / "-").exists() and not (tmp_path / "graph-stdout.parts").exists()
    picture = vecq([*WRITERS["plot"], "-"], cwd=tmp_path)
    assert picture.returncode == 0, picture.stderr
    assert picture.stdout.startswith(b"\x89PNG\r\n\x1a\n")


def test_dash_refuses_a_format_whose_words_need_a_second_file(glove):
    result = glove_invoke(["export", "--first", "3", "--to", "npy", "-o", "-"])
    assert result.exit_code == 2
    assert "name a file" in result.stderr and result.stdout == ""


def test_a_regular_file_keeps_its_permissions(tmp_path, glove):
    out = tmp_path / "vectors.txt"
    out.write_text("old")
    out.chmod(0o640)
    assert glove_invoke([*WRITERS["export"], str(out)]).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text().startswith("3 50\n")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    out = tmp_path / "kept.txt"
    out.write_text("old")
    with pytest.raises(RuntimeError), output_file(out) as f:
        f.write(b"half")
        raise RuntimeError("the writer failed midway")
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt"]


def _ended_process() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def test_what_a_killed_writer_left_beside_the_file_goes_with_the_next_write(tmp_path, glove):
    """A writer killed outright (SIGKILL, the OOM killer) left its hidden temporary sibling, the
    whole file so far (3.6 GB for GoogleNews's export), for ever. The next write of the same file
    removes those of ended processes; a running process's and another machine's stay."""
    import socket

    host = socket.gethostname()
    killed = tmp_path / f".v.npy.part-{_ended_process()}@{host}-0a0b0c0d"
    running = tmp_path / f".v.npy.part-{os.getpid()}@{host}-0e0f0a0b"
    elsewhere = tmp_path / f".v.npy.part-{_ended_process()}@another-host-0c0d0e0f"
    for leftover in (killed, running, elsewhere):
        leftover.write_bytes(b"half a file")
    result = glove_invoke(["vector", "cat", "-o", str(tmp_path / "v.npy")])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["v.npy", "v.words.txt", running.name, elsewhere.name]
    )


@pytest.mark.parametrize(
    "case",
    ["export over the model", "vector over the model", "graph over its words", "a word list", "a link"],
)
def test_an_output_is_never_a_file_the_command_reads(tmp_path, small_model, case):
    """`-m vectors.npy vector - -o vectors.npy` (a slip of the finger) replaced the model with the
    vectors asked for, `train corpus.txt -o corpus.txt` the corpus with the model (after the whole
    training), `graph --words w.tsv -o w.tsv` the list with the graph."""
    from conftest import invoke

    npy = tmp_path / "m.npy"
    assert invoke(["-m", str(small_model), "export", "--first", "50", "-o", str(npy)]).exit_code == 0
    listed = tmp_path / "w.tsv"
    listed.write_text("the\nof\n")
    args, victim = {
        "export over the model": (["-m", str(small_model), "export", "-o", str(small_model)], small_model),
        "vector over the model": (["-m", str(npy), "vector", "the", "-o", str(npy)], npy),
        "graph over its words": (["-m", str(npy), "graph", "-o", str(npy)], tmp_path / "m.words.txt"),
        "a word list": (["-m", str(npy), "graph", "--words", str(listed), "-o", str(listed)], listed),
        "a link": (["-m", str(small_model), "export", "-o", str(tmp_path / "link.txt")], small_model),
    }[case]
    if case == "graph over its words":  # the graph's words file is NAME.words.txt: the model's own
        args = ["-m", str(npy), "graph", "-o", str(tmp_path / "m.npy")]
    (tmp_path / "link.txt").symlink_to(small_model)
    before = victim.read_bytes()
    result = invoke(args)
    assert result.exit_code == 1, result.stderr
    (line,) = [x for x in result.stderr.splitlines() if "error" in x]
    assert "this command reads, and writing it would destroy it" in line, line
    assert victim.read_bytes() == before


def test_an_output_is_never_the_file_standard_input_reads(tmp_path, small_model):
    """`vector - -o w.npy < w.words.txt` replaced the list being read with the words written."""
    listed = tmp_path / "w.words.txt"
    listed.write_text("the\nof\n")
    env = {**os.environ, "VECQ_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "vecq", "-m", str(small_model), "vector", "-", "-o", str(tmp_path / "w.npy")]
    with open(listed, "rb") as stdin:
        proc = subprocess.run(cmd, stdin=stdin, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1 and "is standard input this command reads" in proc.stderr, proc.stderr
    assert listed.read_text() == "the\nof\n" and not (tmp_path / "w.npy").exists()


def test_train_refuses_the_file_standard_input_reads_as_the_model(tmp_path):
    """`train - -o corpus.txt < corpus.txt` replaced the corpus with the model."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a b c\nd e f\n")
    cmd = [sys.executable, "-m", "vecq", "train", "-", "-o", str(corpus), "--min-count", "1", "--epochs", "1"]
    with open(corpus, "rb") as stdin:
        proc = subprocess.run(cmd, stdin=stdin, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "is standard input this command reads" in proc.stderr, proc.stderr
    assert corpus.read_text() == "a b c\nd e f\n"


def test_train_refuses_its_corpus_as_the_model_before_the_training(tmp_path, monkeypatch):
    from conftest import invoke
    from gensim.models import Word2Vec

    def never(*args, **kwargs):
        raise AssertionError("trained first")

    monkeypatch.setattr(Word2Vec, "train", never)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a b c\nd e f\n")
    result = invoke(["train", str(corpus), "-o", str(corpus), "--min-count", "1"])
    assert result.exit_code == 1 and "is the corpus this command reads" in result.stderr
    assert corpus.read_text() == "a b c\nd e f\n"


def test_a_python_program_may_save_a_model_over_its_own_file(tmp_path, small_model):
    """Only a CLI command guards its inputs: gensim's save_word2vec_format over the loaded file works."""
    import vecq

    path = tmp_path / "copy.txt"
    path.write_bytes(small_model.read_bytes())
    kv = vecq.KeyedVectors.load_word2vec_format(str(path))
    kv.save_word2vec_format(str(path))
    assert vecq.KeyedVectors.load_word2vec_format(str(path)).index_to_key == kv.index_to_key


def test_a_folder_that_does_not_exist_is_one_line(tmp_path, glove):
    result = glove_invoke([*WRITERS["export"], str(tmp_path / "nowhere" / "out.txt")])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "cannot write" in result.stderr
    with pytest.raises(OutputError), output_file(tmp_path / "nowhere" / "x") as f:
        f.write(b"x")


def test_vector_output_through_a_link_reads_back(tmp_path, glove):
    target = tmp_path / "real.npy"
    link = tmp_path / "link.npy"
    link.symlink_to(target)
    assert glove_invoke(["vector", "cat", "-o", str(link)]).exit_code == 0
    assert link.is_symlink()
    assert np.load(target).shape == (1, 50)


@pytest.mark.parametrize(
    "args",
    [
        ["graph", "--first", "3000", "-n", "5", "-o", "-"],
        ["export", "--first", "30000", "-o", "-"],
        ["plot", "cat", "dog", "kitten", "-o", "-"],
    ],
    ids=["graph", "export", "plot"],
)
def test_a_closed_pipe_on_dash_ends_quietly_and_leaves_nothing(tmp_path, glove, args):
    """`-o - | head -1`: exit 0, nothing on stderr (it was a traceback for graph), no parts left."""
    command = f"{sys.executable} -m vecq -m {GLOVE} {' '.join(args)}"
    script = f"{command} | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}"
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.stdout.strip() == "0" and proc.stderr == "", proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_matrix_and_its_words_change_together_or_not_at_all(tmp_path, glove):
    """vecq reads NAME.npy with NAME.words.txt as a model: a new matrix beside the old words (the
    words' write failing, or a kill, after the matrix was in place) would answer with wrong words."""
    from vecq.sources import export

    out = tmp_path / "pair.npy"
    assert glove_invoke(["export", "--first", "3", "-o", str(out)]).exit_code == 0
    before = out.read_bytes(), (tmp_path / "pair.words.txt").read_bytes()

    class Unwritable(str):
        def __add__(self, other):
            raise OSError(28, "No space left on device")

    rows = [np.ones((3, 50), dtype=np.float32)]
    with pytest.raises(OSError):
        export.write(str(out), "npy", [Unwritable("a"), "b", "c"], rows, 50)
    assert (out.read_bytes(), (tmp_path / "pair.words.txt").read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pair.npy", "pair.words.txt"]


def test_a_graphs_three_files_change_together_or_not_at_all(tmp_path, glove, monkeypatch):
    out = tmp_path / "g.npy"
    assert glove_invoke(["graph", "--first", "3", "-k", "2", "-o", str(out)]).exit_code == 0
    names = ("g.ids.npy", "g.scores.npy", "g.words.txt")
    before = [(tmp_path / n).read_bytes() for n in names]
    real, calls = np.save, []

    def failing_second(f, array, **kwargs):  # the disk fills after the first array
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(f, array, **kwargs)

    monkeypatch.setattr(np, "save", failing_second)
    result = glove_invoke(["graph", "--first", "4", "-k", "3", "-o", str(out)])
    assert result.exit_code != 0 and len(calls) == 2
    assert [(tmp_path / n).read_bytes() for n in names] == before
    kept = sorted(p.name for p in tmp_path.iterdir() if p.name != "g.npy.parts")  # the resumable work
    assert kept == sorted(names)  # and no temporary file left
