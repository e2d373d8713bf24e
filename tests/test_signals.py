"""Stopping a long command from outside, as a terminal and a process manager do: Ctrl-C (SIGINT to the
whole process group, as a terminal sends it), a second Ctrl-C, SIGTERM, SIGHUP and SIGKILL, on a
`vecq graph` whose blocks run in worker processes. Each test starts the real program."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import GLOVE

pytestmark = pytest.mark.slow

# A graph of 60,000 words in blocks of 512: long enough to be stopped while its workers run.
GRAPH = [sys.executable, "-m", "vecq", "-m", GLOVE, "graph", "--first", "60000", "-n", "5", "--block", "512"]


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (the graph's workers, multiprocessing's helpers)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry.name))
    return out


def alive(pids: set[int]) -> set[int]:
    live = set()
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            live.add(pid)
    return live


STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def start_graph(
    tmp_path: Path, glove, ignored: tuple[signal.Signals, ...] = ()
) -> tuple[subprocess.Popen, set[int], Path]:
    """A graph of 60,000 words, started in its own process group; returned once its workers run
    and it has saved a block (so it is well under way).

    It starts as from a terminal, each stop signal at its default, whatever the tests inherited
    (under ``nohup`` SIGHUP is ignored, and a program rightly keeps it so), except ``ignored``."""

    def as_from_a_terminal() -> None:
        for each in STOPS:
            signal.signal(each, signal.SIG_IGN if each in ignored else signal.SIG_DFL)

    out = tmp_path / "g.tsv"
    proc = subprocess.Popen(
        [*GRAPH, "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=as_from_a_terminal,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # a hung run shows where it hung (ended_within)
    )
    parts = tmp_path / "g.tsv.parts"
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        workers = children(proc.pid)
        if len(workers) >= 2 and parts.is_dir() and any(parts.glob("block-*.npz")):
            break
        time.sleep(0.05)
    assert proc.poll() is None and len(workers) >= 2, "the graph did not get under way"
    return proc, workers, parts


def ended_within(proc: subprocess.Popen, seconds: float) -> bool:
    """Did ``proc`` end within ``seconds``? If not, it is aborted (its threads' stacks go to its
    stderr, by PYTHONFAULTHANDLER), then killed."""
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return False
    return True


def stderr_tail(proc: subprocess.Popen) -> str:
    return proc.stderr.read().decode(errors="replace")[-3000:] if proc.stderr else ""


def no_worker_survives(workers: set[int], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while alive(workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(workers), f"workers outlived their client: {alive(workers)}"


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["ctrl-c", "term", "hup"])
def test_a_stop_keeps_what_was_saved_says_how_to_go_on_and_leaves_no_worker(tmp_path, glove, how):
    proc, workers, parts = start_graph(tmp_path, glove)
    os.killpg(proc.pid, how) if how == signal.SIGINT else proc.send_signal(how)
    assert ended_within(proc, 5), f"the first stop did not end the command:\n{stderr_tail(proc)}"
    err = proc.stderr.read().decode()
    assert proc.returncode == 130 and "Traceback" not in err
    assert "run the same command again to go on" in err and err.rstrip().endswith("vecq: interrupted")
    assert any(parts.glob("block-*.npz"))  # kept, for the next run
    no_worker_survives(workers)


def test_under_nohup_a_hangup_is_ignored_and_a_term_still_stops(tmp_path, glove):
    """``nohup vecq graph ...``: SIGHUP ignored when vecq starts stays ignored (the user asked for
    that), while SIGTERM still stops it cleanly."""
    proc, workers, parts = start_graph(tmp_path, glove, ignored=(signal.SIGHUP,))
    proc.send_signal(signal.SIGHUP)
    with pytest.raises(subprocess.TimeoutExpired):  # still running a second later
        proc.wait(1)
    proc.send_signal(signal.SIGTERM)
    assert ended_within(proc, 5), f"SIGTERM did not end the command:\n{stderr_tail(proc)}"
    err = proc.stderr.read().decode()
    assert proc.returncode == 130 and "Traceback" not in err
    assert err.rstrip().endswith("vecq: interrupted")
    no_worker_survives(workers)


def test_a_second_ctrl_c_ends_the_process_within_a_second(tmp_path, glove):
    proc, workers, _ = start_graph(tmp_path, glove)
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.3)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        assert ended_within(proc, 1), "a second Ctrl-C did not end the process within a second"
    assert "Traceback" not in proc.stderr.read().decode()
    no_worker_survives(workers)


def test_workers_die_with_a_killed_client(tmp_path, glove):
    proc, workers, _ = start_graph(tmp_path, glove)
    proc.kill()
    proc.wait()
    no_worker_survives(workers)


def test_ctrl_c_typed_at_a_terminal_stops_a_graph_and_a_second_ends_it(tmp_path, glove):
    """The keys themselves, at a pseudo-terminal that is the graph's controlling terminal: ^C once
    stops it cleanly; ^C twice, 0.3 s apart (as a person does), ends it within a second."""
    import fcntl
    import pty
    import termios

    for presses in (1, 2):
        master, slave = pty.openpty()

        def take_terminal() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        out = tmp_path / f"t{presses}.tsv"
        cmd = GRAPH
        proc = subprocess.Popen(
            [*cmd, "-o", str(out)], stdin=slave, stdout=slave, stderr=slave, preexec_fn=take_terminal
        )
        os.close(slave)
        parts = tmp_path / f"t{presses}.tsv.parts"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(parts.glob("block-*.npz")):
            time.sleep(0.05)
        workers = children(proc.pid)
        os.write(master, b"\x03")
        if presses == 2:
            time.sleep(0.3)
            os.write(master, b"\x03")
        assert ended_within(proc, 5 if presses == 1 else 1.5), f"{presses} Ctrl-C did not end the graph"
        screen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        os.close(master)
        assert b"Traceback" not in screen
        if presses == 1:
            assert proc.returncode == 130 and b"run the same command again to go on" in screen
        no_worker_survives(workers)
