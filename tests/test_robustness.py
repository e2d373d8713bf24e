"""Hostile input and faults that the other test files do not already cover (see docs/reliability.md)."""

from __future__ import annotations

import builtins
import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import M

from vecq.cli import cli


def test_ctrl_c_during_a_batch_exits_130_without_a_traceback(glove, session_cache):
    env = {**os.environ, "VECQ_CACHE_DIR": str(session_cache)}
    # Started as a shell starts it, with SIGINT at its default. A child inherits an ignored SIGINT
    # and Python then leaves it ignored; inside the full suite the child now and then ran that way
    # (it finished at end of input with exit 0), a state it can only have had from the test process.
    proc = subprocess.Popen(
        [sys.executable, "-m", "vecq", *M, "neighbors", "-"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    proc.stdin.write("cat\n")
    proc.stdin.flush()
    first = proc.stdout.readline()  # the header: the batch is running and waiting for more input
    assert first.startswith("line\tquery\t")  # Python code is running: SIGINT becomes KeyboardInterrupt
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (out[-500:], err[-2000:])
    assert "Traceback" not in err and "interrupted" in err


@pytest.mark.slow
def test_a_million_lines_with_bad_ones_among_them(glove, session_cache, tmp_path):
    words = [glove.vocab.word(i) for i in range(1000, 1100)]
    lines = []
    for i in range(1_000_000):
        if i % 997 == 0:
            lines.append(f"{words[i % 100]}\tzzqqxx{i}")
        else:
            lines.append(f"{words[i % 100]}\t{words[(i * 7) % 100]}")
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "VECQ_CACHE_DIR": str(session_cache)}
    cmd = [sys.executable, "-m", "vecq", *M, "similar", "--input", str(path), "--no-header"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 5
    out = proc.stdout.splitlines()
    assert len(out) == 1_000_000
    assert [row.split("\t")[0] for row in out[:3]] == ["1", "2", "3"]  # each record's line number
    bad = [i for i, row in enumerate(out) if row.split("\t")[4] == "error"]
    assert bad == [i for i in range(1_000_000) if i % 997 == 0]
    assert all(out[i].split("\t")[1:3] == lines[i].split("\t") for i in range(0, 1_000_000, 1013))
    assert proc.stderr.count("vecq: line ") == len(bad)


def test_an_unreadable_model_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.txt"
    path.write_text("2 2\na 1 0\nb 0 1\n")
    real_open = builtins.open

    def guarded(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)  # root reads any file: simulate the refusal
    result = CliRunner().invoke(cli, ["-m", str(path), "similar", "a", "b"])
    assert result.exit_code == 4
    assert "Permission denied" in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_headers_with_no_rows_or_absurd_dimensions(tmp_path):
    for name, text in [("zero.txt", "0 50\n"), ("dims.txt", "3 1000000\na 1\n")]:
        path = tmp_path / name
        path.write_text(text)
        result = CliRunner().invoke(cli, ["-m", str(path), "similar", "a", "b"])
        assert result.exit_code == 4, (name, result.stderr)
        assert "Traceback" not in result.stderr


def test_odd_queries_at_the_edges():
    runner = CliRunner()
    cases = [
        (["similar", "", "cat"], 3),
        (["neighbors", "cat", "--restrict", str(10**12), "-n", "1"], 0),
        (["neighbors", "cat", "--threshold", "2"], 2),
        (["analogy", "king", "king", "king"], 0),
        (["similar", "cat", "cat"], 0),
        (["vector", "qqzzxq"], 3),
        (["odd", "cat"], 3),
    ]
    for args, code in cases:
        result = runner.invoke(cli, [*M, *args])
        assert result.exit_code == code, (args, result.stderr)
        assert "Traceback" not in result.stderr
    same = runner.invoke(cli, [*M, "similar", "cat", "cat", "--no-header"])
    assert same.stdout.strip().split("\t")[2] == "1.000000"
