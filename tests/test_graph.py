"""``vecq graph``: the k-NN graph of a vocabulary, resumable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import GLOVE, M, invoke, kill_midway, tsv


def run_graph(tmp_path, name: str, *args: str) -> str:
    out = tmp_path / name
    result = invoke([*M, "graph", "-o", str(out), *args])
    assert result.exit_code == 0, result.stderr
    return out.read_text() if name.endswith((".tsv", ".jsonl")) else ""


# A job long enough to be stopped midway (24 blocks), and what it writes when nothing stops it:
# the tests that stop it compare with that one run.
JOB = ["--first", "12000", "-k", "5", "--block", "512"]


@pytest.fixture(scope="module")
def job_alone(glove, tmp_path_factory) -> str:
    return run_graph(tmp_path_factory.mktemp("graph-alone"), "alone.tsv", *JOB)


def test_the_graph_is_each_words_neighbours(glove, kv, tmp_path):
    edges = tsv(run_graph(tmp_path, "g.tsv", "--first", "300", "-k", "5"))
    assert len(edges) == 300 * 5
    by_word: dict[str, list] = {}
    for e in edges:
        by_word.setdefault(e["word"], []).append(e)
    assert list(by_word) == kv.index_to_key[:300]
    for word in ["the", "city", kv.index_to_key[299]]:
        ours = [(e["neighbour"], e["rank"], e["score"]) for e in by_word[word]]
        single = tsv(invoke([*M, "neighbors", word, "-n", "5"]).stdout)
        assert ours == [(r["word"], r["rank"], r["similarity"]) for r in single]  # to the printed digit
        theirs = kv.most_similar(word, topn=5)
        assert [e[0] for e in ours] == [w for w, _ in theirs]
        assert np.allclose([float(e[2]) for e in ours], [s for _, s in theirs], atol=1e-6)


@pytest.mark.slow
def test_the_output_does_not_depend_on_the_block_size(glove, tmp_path):
    outputs = {
        run_graph(tmp_path, f"b{b}.tsv", "--first", "500", "-k", "4", "--block", str(b)) for b in (7, 64, 500)
    }
    assert len(outputs) == 1


@pytest.mark.slow
def test_nor_on_the_thread_count(glove, session_cache, tmp_path):
    results = []
    for threads in ("1", "2"):
        out = tmp_path / f"t{threads}.tsv"
        env = {**os.environ, "VECQ_CACHE_DIR": str(session_cache), "OPENBLAS_NUM_THREADS": threads}
        cmd = [sys.executable, "-m", "vecq", *M, "graph", "--first", "400", "-k", "3", "-o", str(out)]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        results.append(out.read_bytes())
    assert results[0] == results[1]


@pytest.mark.slow
def test_nor_on_whether_worker_processes_answer(glove, tmp_path, monkeypatch):
    from vecq.cli import graph_command
    from vecq.cli import workers as cluster

    started = []
    real = cluster.LocalWorkers.__init__
    monkeypatch.setattr(
        cluster.LocalWorkers, "__init__", lambda self, *a: started.append(a[1]) or real(self, *a)
    )
    in_processes = run_graph(tmp_path, "p.tsv", "--first", "600", "-k", "3", "--block", "50")
    cores = os.cpu_count() or 1
    assert started == ([min(cores, 12)] if cores > 1 else [])  # one worker process a core
    monkeypatch.setattr(graph_command.os, "cpu_count", lambda: 1)  # one core: this process answers
    assert run_graph(tmp_path, "here.tsv", "--first", "600", "-k", "3", "--block", "50") == in_processes
    assert len(started) == (1 if cores > 1 else 0)


@pytest.mark.slow
def test_a_terminal_is_shown_the_time_left(glove, tmp_path):
    import re

    from click.testing import CliRunner

    from vecq.cli import cli
    from vecq.cli.env import Env

    tty = Env(stdout_isatty=False, stderr_isatty=True, color=False)
    args = [*M, "graph", "--first", "8000", "--block", "100", "-o", str(tmp_path / "g.tsv")]
    result = CliRunner().invoke(cli, args, obj=tty)
    assert result.exit_code == 0, result.stderr
    assert "graph of 8,000 words" in result.stderr
    # The bar's frames: time elapsed, then time left ("-:--:--" until the speed is known).
    times = re.findall(r"(\d+:\d\d:\d\d) (\d+:\d\d:\d\d|-:--:--)", result.stderr)
    assert times and any(left != "-:--:--" for _, left in times), result.stderr[-500:]


def test_words_whose_vectors_are_all_zeros_are_named_as_left_out(tmp_path):
    """A word whose vector is all zeros has no direction: no neighbours, and it is no word's
    neighbour (as in every neighbour list). The graph left it out without a word ("the 2 nearest
    neighbours of 4 words" over edges of 3); it is named on stderr."""
    model = tmp_path / "zeros.txt"
    model.write_text("4 2\na 1 0\npad 0 0\nb 0.6 0.8\nc -1 0.1\n")
    out = tmp_path / "g.tsv"
    result = invoke(["-m", str(model), "graph", "-k", "2", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    edges = tsv(out.read_text())
    assert {e["word"] for e in edges} == {"a", "b", "c"} and "pad" not in {e["neighbour"] for e in edges}
    assert result.stderr.strip().splitlines()[-1] == (
        "vecq: 1 word ('pad') has a vector of all zeros, which has no direction: left out of the graph, "
        "as a word and as a neighbour"
    )


def test_every_format_holds_the_same_edges(glove, tmp_path):
    base = tsv(run_graph(tmp_path, "g.tsv", "--first", "50", "-k", "3"))
    lines = run_graph(tmp_path, "g.jsonl", "--first", "50", "-k", "3").splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["word"], r["neighbour"], str(r["rank"])) for r in records] == [
        (e["word"], e["neighbour"], e["rank"]) for e in base
    ]
    run_graph(tmp_path, "g.npy", "--first", "50", "-k", "3")
    ids, scores = np.load(tmp_path / "g.ids.npy"), np.load(tmp_path / "g.scores.npy")
    words = (tmp_path / "g.words.txt").read_text().splitlines()
    assert ids.shape == scores.shape == (50, 3) and len(words) == 50
    kv_words = [e["neighbour"] for e in base]
    from vecq import load

    vocab = load(GLOVE).index_to_key
    assert [vocab[i] for i in ids.ravel().tolist()] == kv_words
    assert np.allclose(scores.ravel(), [float(e["score"]) for e in base], atol=5e-7)
    import pyarrow.parquet as pq  # the glove extra brings it; vecq's Parquet output needs it

    run_graph(tmp_path, "g.parquet", "--first", "50", "-k", "3")
    table = pq.read_table(tmp_path / "g.parquet").to_pydict()
    assert table["neighbour"] == kv_words and table["rank"] == [int(e["rank"]) for e in base]


@pytest.mark.slow
def test_a_killed_job_goes_on_and_ends_with_the_same_bytes(glove, session_cache, tmp_path, job_alone):
    args = JOB
    out = tmp_path / "killed.tsv"
    env = {**os.environ, "VECQ_CACHE_DIR": str(session_cache)}
    cmd = [sys.executable, "-m", "vecq", *M, "graph", "-o", str(out), *args]
    kill_midway(cmd, env, tmp_path / "killed.tsv.parts", "block-*.npz")
    assert not out.exists() and list((tmp_path / "killed.tsv.parts").glob("block-*.npz"))
    again = invoke([*M, "graph", "-o", str(out), *args])
    assert again.exit_code == 0 and "going on with an unfinished job" in again.stderr
    assert out.read_text() == job_alone
    assert not (tmp_path / "killed.tsv.parts").exists()


def test_a_second_run_of_a_job_still_running_is_refused_and_the_first_ends_whole(
    glove, session_cache, tmp_path, job_alone
):
    """A second `vecq graph -o OUT` while the first still ran joined its job: it answered the same
    blocks again, writing the same temporary block files, and failed ("block-...npz: No such file
    or directory") when the first removed the folder. It is refused at once, in one line."""
    args = JOB
    out = tmp_path / "g.tsv"
    env = {**os.environ, "VECQ_CACHE_DIR": str(session_cache)}
    first = subprocess.Popen(
        [sys.executable, "-m", "vecq", *M, "graph", "-o", str(out), *args], env=env, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not list((tmp_path / "g.tsv.parts").glob("block-*.npz")) and time.monotonic() < deadline:
            time.sleep(0.05)
        second = invoke([*M, "graph", "-o", str(out), *args])
        assert second.exit_code == 1 and "another vecq is writing the graph to" in second.stderr
        assert second.stderr.count("\n") == 1, second.stderr
        assert first.wait(timeout=120) == 0
    finally:
        first.kill()
        first.wait()
    assert out.read_text() == job_alone
    assert not (tmp_path / "g.tsv.parts").exists()


@pytest.mark.parametrize("kind", ["a folder of the user's", "a file", "a link"])
def test_a_parts_folder_that_is_not_a_jobs_is_never_removed(glove, tmp_path, kind):
    """OUT.parts is removed once the output is written: one holding the user's files was emptied
    and removed with it (and a link followed)."""
    parts, elsewhere = tmp_path / "g.tsv.parts", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text("keep me")
    if kind == "a folder of the user's":
        parts.mkdir()
        (parts / "notes.txt").write_text("keep me")
    elif kind == "a file":
        parts.write_text("keep me")
    else:
        parts.symlink_to(elsewhere)
    result = invoke([*M, "graph", "-o", str(tmp_path / "g.tsv"), "--first", "10"])
    assert result.exit_code == 2 and "is in the way and is not a graph job's blocks" in result.stderr
    assert (elsewhere / "notes.txt").read_text() == "keep me"
    kept = parts if kind == "a file" else parts / "notes.txt"
    assert kept.read_text() == "keep me" and not (tmp_path / "g.tsv").exists()


def test_an_unfinished_job_with_other_settings_is_refused(glove, tmp_path):
    parts = tmp_path / "g.tsv.parts"
    parts.mkdir()
    (parts / "job.json").write_text(json.dumps({"version": 1, "k": 99}))
    result = invoke([*M, "graph", "-o", str(tmp_path / "g.tsv"), "--first", "10"])
    assert result.exit_code == 2 and "unfinished job with other settings" in result.stderr


def test_a_word_list_and_bad_input(glove, tmp_path):
    words = tmp_path / "w.txt"
    words.write_text("Paris\ncat\n")
    edges = tsv(run_graph(tmp_path, "w.tsv", "--words", str(words), "-k", "2"))
    assert [e["word"] for e in edges] == ["paris", "paris", "cat", "cat"]
    bad = invoke([*M, "graph", "-o", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2 and ".tsv, .jsonl, .parquet or .npy" in bad.stderr
    empty = invoke([*M, "graph", "--words", "-", "-o", str(tmp_path / "e.tsv")], input="\n")
    assert empty.exit_code == 2 and "holds no words" in empty.stderr and not (tmp_path / "e.tsv").exists()


@pytest.mark.parametrize("dims", [50, 300, 768, 4096])
def test_the_floor_leaves_room_for_two_products_rounding_at_any_width(dims):
    """The floor (core/graph.py) skips a block's rows that score under the k-th best of the rows
    around it, less a margin: a row skipped must not reach the k-th exactly, though both its score
    and the window's are float32 products, each off by up to ``dot_rounding``. The margin was a
    fixed 1e-4, under two products' rounding past ~830 dimensions (a Llama's 4,096: 4.9e-4)."""
    from vecq.core import graph
    from vecq.core.expression import Term
    from vecq.core.model import Model
    from vecq.core.ranking import dot_rounding, exact_dots
    from vecq.core.words import Match

    rng = np.random.default_rng(dims)
    n = 2000  # within the window around the block: the floor's k-th is of every row
    model = Model.from_arrays([f"w{i}" for i in range(n)], rng.normal(size=(n, dims)).astype(np.float32))
    rows = np.arange(100, 110)
    q = model.directions([[Term(1.0, Match("", "", int(r)))] for r in rows.tolist()])
    floor = graph._floor(model, q, rows, 10)
    every = np.arange(n)
    for j, row in enumerate(rows.tolist()):
        exact = exact_dots(np.repeat(q[j][None], n, axis=0), model.vectors, every)
        exact[row] = -np.inf
        kth = np.sort(exact)[-10]
        assert floor[j] <= kth - 2 * dot_rounding(dims)


@pytest.mark.slow
def test_the_floor_changes_no_answer(glove):
    """core/graph.py skips rows under a floor taken from the rows around a block: the answers are
    those of the search without it, to the bit, for frequent and rare words."""
    from vecq.core.expression import Term
    from vecq.core.graph import neighbours_block
    from vecq.core.words import Match

    for start in (0, 150_000, 399_000):
        rows = np.arange(start, start + 1000)
        ids, scores = neighbours_block(glove, rows, 10)
        q = glove.directions([[Term(1.0, Match("", "", int(r)))] for r in rows.tolist()])
        plain = glove.neighbors_of_directions(q, top=10, exclude=[[int(r)] for r in rows.tolist()])
        assert ids.tolist() == [[r for r, _ in answer] for answer in plain]
        assert np.array_equal(scores, np.array([[s for _, s in a] for a in plain], dtype=np.float32))


def test_a_word_built_from_subwords_gets_its_neighbours_too(tmp_path):
    """A listed word outside a fastText model's vocabulary is built from its n-grams, as in
    `neighbors`, and named as typed (it has no row of its own)."""
    import shutil

    from gensim.test.utils import datapath

    model = tmp_path / "lee.bin"
    shutil.copyfile(datapath("lee_fasttext.bin"), model)
    words = tmp_path / "w.txt"
    words.write_text("night\nnightxx\n")
    out = tmp_path / "g.tsv"
    result = invoke(["-m", str(model), "graph", "--words", str(words), "-k", "3", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    edges = tsv(out.read_text())
    assert [e["word"] for e in edges] == ["night"] * 3 + ["nightxx"] * 3
    single = tsv(invoke(["-m", str(model), "neighbors", "nightxx", "-n", "3"]).stdout)
    assert [(e["neighbour"], e["score"]) for e in edges[3:]] == [(r["word"], r["similarity"]) for r in single]


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc: no procps needed)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_worker_process_killed_mid_graph_is_one_line_and_the_job_goes_on(
    glove, session_cache, tmp_path, job_alone
):
    """The kernel's out-of-memory killer ends a worker process, not the command: the command says so
    in one line (no traceback), and run again it goes on to the same bytes."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: the command answers in its own process, with no workers to lose")
    import signal
    import time

    args = JOB
    out = tmp_path / "g.tsv"
    env = {**os.environ, "VECQ_CACHE_DIR": str(session_cache)}
    cmd = [sys.executable, "-m", "vecq", *M, "graph", "-o", str(out), *args]
    with subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        deadline, killed = time.time() + 120, None
        while time.time() < deadline and killed is None and proc.poll() is None:
            if list((tmp_path / "g.tsv.parts").glob("block-*.npz")):
                workers = [pid for pid in children_of(proc.pid) if b"spawn_main" in cmdline(pid)]
                for pid in workers:  # the pool's worker processes, not its resource tracker
                    os.kill(pid, signal.SIGKILL)
                killed = workers or None
            time.sleep(0.01)
        _, stderr = proc.communicate(timeout=120)
    assert killed is not None, "the job ended before a worker could be killed"
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr and "a worker process of the graph died" in stderr
    again = invoke([*M, "graph", "-o", str(out), *args])
    assert again.exit_code == 0 and "going on with an unfinished job" in again.stderr
    assert out.read_text() == job_alone


def test_a_pool_broken_before_the_next_block_is_submitted_is_the_same_one_line():
    """Which call finds the dead worker is a race: a block's answer, or the next block's submission
    (the pool refuses work once a process of it died). The second was "a defect of vecq's"
    (BrokenProcessPool) in one CI run; both are the one line."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from vecq.cli.workers import LocalWorkers
    from vecq.errors import ClusterError

    class Broken:
        def __init__(self):
            self.submitted = 0

        def submit(self, *args):
            self.submitted += 1
            if self.submitted > 1:
                raise BrokenProcessPool("A child process terminated abruptly")
            done: Future = Future()
            done.set_result(("ids", "scores"))
            return done

    workers = object.__new__(LocalWorkers)
    workers.job, workers.processes, workers.pool = None, 1, Broken()
    with pytest.raises(ClusterError, match="a worker process of the graph died"):
        list(workers.blocks(np.arange(10), [0, 5], 5, 2))


def test_a_model_of_k_words_or_fewer_lists_every_other_word_and_says_so(tmp_path):
    """Each word's list is every other word (an all-zero one left out), padded with id -1 and score
    NaN to k; the note says the model has no more, not that it wrote 10 neighbours of '1 words'."""
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((6, 4)).astype(np.float32)
    vectors[4] = 0
    model = tmp_path / "six.txt"
    model.write_text("6 4\n" + "".join(f"w{i} {' '.join(map(str, v))}\n" for i, v in enumerate(vectors)))
    result = invoke(["-m", str(model), "graph", "-k", "10", "-o", str(tmp_path / "g.npy")])
    assert result.exit_code == 0, result.stderr
    assert (
        "wrote the neighbours of 6 words to" in result.stderr
        and "the model has only 6 (-k 10)" in result.stderr
    )
    ids, scores = np.load(tmp_path / "g.ids.npy"), np.load(tmp_path / "g.scores.npy")
    assert ids.shape == (6, 10)
    for i in range(6):
        others = sorted(set(range(6)) - {i, 4}) if i != 4 else []
        assert sorted(ids[i][ids[i] >= 0].tolist()) == others
        assert np.isnan(scores[i][ids[i] < 0]).all()
    one = tmp_path / "one.txt"
    one.write_text("1 2\nalone 0.5 0.5\n")
    single = invoke(["-m", str(one), "graph", "-o", str(tmp_path / "one.tsv")])
    assert single.exit_code == 0 and "of 1 word to" in single.stderr


def test_an_unfinished_job_of_a_model_file_changed_since_is_refused(tmp_path, monkeypatch):
    """Blocks saved for a model file that has changed since (converted again into the same cache
    folder) are another model's: going on with them would mix two models in one graph."""
    from conftest import write_text_model

    import vecq.cli.graph_command as graph_command

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    model, out = tmp_path / "m.txt", tmp_path / "g.tsv"
    write_text_model(model, words, rng.standard_normal((40, 4)).astype(np.float32))
    saved = graph_command._save_block

    def interrupted(parts, start, ids, scores):
        saved(parts, start, ids, scores)
        raise KeyboardInterrupt

    monkeypatch.setattr(graph_command, "_save_block", interrupted)
    args = ["-m", str(model), "graph", "-o", str(out), "-k", "3", "--block", "8"]
    first = invoke(args)
    assert first.exit_code == 130 and list((tmp_path / "g.tsv.parts").glob("block-*.npz"))
    monkeypatch.setattr(graph_command, "_save_block", saved)
    write_text_model(model, words, rng.standard_normal((40, 4)).astype(np.float32))
    again = invoke(args)
    assert again.exit_code == 2 and "unfinished job with other settings (model" in again.stderr
    assert not out.exists()
