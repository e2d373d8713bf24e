"""``--dask``: graphs and batches on a Dask cluster of two worker processes.

The cluster is a real ``distributed.LocalCluster`` (a scheduler in this process, two worker
processes under nannies, one thread each). Every job's output is compared with the same job run in
one process, byte for byte; a worker SIGKILLed in the middle of a task must cost nothing but time.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest
from conftest import GLOVE, M, invoke

distributed = pytest.importorskip("distributed", reason="the dask extra is part of the test install")

import cloudpickle  # noqa: E402  (installed with distributed)
from distributed import LocalCluster, WorkerPlugin  # noqa: E402

from vecq.cli import cluster as vecq_cluster  # noqa: E402
from vecq.cli import workers as vecq_workers  # noqa: E402

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers need the plugin below


class KillOnce(WorkerPlugin):
    """SIGKILLs its worker when the worker starts its ``nth`` task named ``prefix``, once per
    cluster (a marker file remembers): the worker dies holding the task, as in a crash."""

    def __init__(self, marker: str, prefix: str, nth: int):
        self.marker, self.prefix, self.nth = marker, prefix, nth
        self.started = 0

    def transition(self, key, start, finish, **kwargs):
        name = key if isinstance(key, str) else str(key)
        if finish == "executing" and name.startswith(self.prefix):
            self.started += 1
            if self.started == self.nth and not os.path.exists(self.marker):
                Path(self.marker).write_text(str(os.getpid()))
                os.kill(os.getpid(), signal.SIGKILL)


@pytest.fixture(scope="module")
def local_cluster(glove):
    """Two worker processes, one thread each; they share this machine's cache folder."""
    environ = dict(os.environ)  # the nannies set their workers' variables (BLAS threads) here too
    try:
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        ) as lc:
            yield lc
    finally:
        os.environ.clear()
        os.environ.update(environ)


def tasks_run(lc, prefix: str) -> int:
    """How many tasks named ``prefix`` finished on the workers (the scheduler counts each state a
    task enters; a task that finishes enters 'memory')."""
    found = lc.scheduler.task_prefixes.get(prefix)
    return 0 if found is None else found.state_counts["memory"]


def graph_here_and_there(tmp_path, lc, *args: str, env: dict | None = None) -> tuple[bytes, bytes]:
    here, there = tmp_path / "here.tsv", tmp_path / "there.tsv"
    local = invoke([*M, "graph", "-o", str(here), *args])
    assert local.exit_code == 0, local.stderr
    dask = ["--dask", lc.scheduler_address] if env is None else []
    remote = invoke([*M, "graph", "-o", str(there), *args, *dask], env=env)
    assert remote.exit_code == 0, remote.stderr
    assert not (tmp_path / "there.tsv.parts").exists()
    return here.read_bytes(), there.read_bytes()


@pytest.mark.slow
def test_a_graph_on_the_cluster_is_the_local_graph(local_cluster, tmp_path):
    before = tasks_run(local_cluster, "graph_block")
    here, there = graph_here_and_there(
        tmp_path, local_cluster, "--first", "1500", "-k", "5", "--block", "100"
    )
    assert there == here and here.count(b"\n") == 1 + 1500 * 5
    assert tasks_run(local_cluster, "graph_block") - before == 15  # every block ran on a worker


@pytest.mark.slow
def test_the_scheduler_address_may_come_from_the_environment(local_cluster, tmp_path):
    before = tasks_run(local_cluster, "graph_block")
    env = {"DASK_SCHEDULER_ADDRESS": local_cluster.scheduler_address}
    here, there = graph_here_and_there(tmp_path, local_cluster, "--first", "300", "--block", "100", env=env)
    assert there == here
    assert tasks_run(local_cluster, "graph_block") - before == 3


BATCHES = [
    ("neighbors", "cat\nkitten\nnotaword_zz\n\nking - man + woman\n- dog\n"),
    ("similar", b"cat kitten\ncat\ncat notaword_zz\nking queen\ncaf\xe9 cat\n"),  # a line not UTF-8
    ("analogy", "king man woman\nparis france italy\nking man\nking man notaword_zz\n"),
    ("vector", "cat\nnotaword_zz\nid:7\n"),
]


@pytest.mark.parametrize(("command", "lines"), BATCHES, ids=[b[0] for b in BATCHES])
@pytest.mark.slow
def test_a_batch_on_the_cluster_answers_as_here(local_cluster, monkeypatch, command, lines):
    monkeypatch.setattr(vecq_cluster, "BATCH_CHUNK", 1)  # a task a chunk: chunks of 256 lines
    # Several chunks (similar's hold 8,192 lines, the others' 256), good and bad lines mixed.
    text = lines * (2400 if command == "similar" else 150)
    here = invoke([*M, command, "-", "-f", "jsonl"], input=text)
    before = tasks_run(local_cluster, "batch_chunk")
    there = invoke([*M, command, "-", "-f", "jsonl", "--dask", local_cluster.scheduler_address], input=text)
    assert (there.exit_code, there.stdout, there.stderr) == (here.exit_code, here.stdout, here.stderr)
    assert here.exit_code == 5  # some lines failed, and said so
    records = [json.loads(line) for line in here.stdout.splitlines()]
    lines_answered = sorted({r["line"] for r in records})
    assert lines_answered == [i + 1 for i, line in enumerate(text.splitlines()) if line.strip()]
    if isinstance(text, bytes):  # each line that is not UTF-8 is said so, there as here
        assert sum("not valid UTF-8" in (r["error"] or "") for r in records) == 2400
    assert tasks_run(local_cluster, "batch_chunk") - before >= 2


@pytest.mark.slow
def test_a_worker_killed_mid_graph_loses_and_repeats_nothing(local_cluster, tmp_path):
    marker = tmp_path / "killed"
    client = distributed.Client(local_cluster.scheduler_address)
    try:
        client.register_plugin(KillOnce(str(marker), "graph_block", 3), name="kill-graph")
        here, there = graph_here_and_there(
            tmp_path, local_cluster, "--first", "2000", "-k", "4", "--block", "50"
        )
        assert marker.exists(), "no worker was killed: the test proved nothing"
        assert there == here
        client.wait_for_workers(2, timeout=60)  # the nanny started the killed worker again
    finally:
        client.unregister_worker_plugin("kill-graph")
        client.close()


@pytest.mark.slow
def test_a_worker_killed_mid_batch_keeps_one_record_a_line_in_order(local_cluster, tmp_path, monkeypatch):
    monkeypatch.setattr(vecq_cluster, "BATCH_CHUNK", 1)
    marker = tmp_path / "killed"
    words = invoke([*M, "graph", "-o", str(tmp_path / "w.npy"), "--first", "3000", "-k", "1"])
    assert words.exit_code == 0
    text = (tmp_path / "w.words.txt").read_text()
    here = invoke([*M, "neighbors", "-", "-n", "3"], input=text)
    client = distributed.Client(local_cluster.scheduler_address)
    try:
        client.register_plugin(KillOnce(str(marker), "batch_chunk", 4), name="kill-batch")
        there = invoke(
            [*M, "neighbors", "-", "-n", "3", "--dask", local_cluster.scheduler_address], input=text
        )
        assert marker.exists(), "no worker was killed: the test proved nothing"
        assert (there.exit_code, there.stdout) == (here.exit_code, here.stdout)
        assert len(here.stdout) > 100_000
        client.wait_for_workers(2, timeout=60)
    finally:
        client.unregister_worker_plugin("kill-batch")
        client.close()


@pytest.mark.slow
def test_a_worker_converts_its_own_cache_and_it_must_hold_the_same_model(glove, tmp_path, monkeypatch):
    from vecq.cache import layout
    from vecq.errors import ModelError
    from vecq.opening import ModelOptions
    from vecq.sources.loader import open_model

    job = vecq_workers.model_job(ModelOptions(GLOVE), glove)
    # A worker on another machine: the client's cache folder is not there, its own cache is empty.
    away = vecq_workers.ModelJob(**{**job.__dict__, "cache_root": str(tmp_path / "not-on-this-worker")})
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "worker-cache"))
    model = vecq_workers.worker_model(away)
    assert model.folder.startswith(str(tmp_path / "worker-cache"))  # converted from the same source
    assert (model.neighbors_of_directions(model.vectors[:3], 5)) == glove.neighbors_of_directions(
        glove.vectors[:3], 5
    )
    from gensim.test.utils import datapath

    other = open_model(datapath("euclidean_vectors.bin"))  # another model's cache
    wrong = vecq_workers.ModelJob(**{**away.__dict__, "identity": layout.content_of(other.folder)})
    with pytest.raises(ModelError, match="is not the model this machine has"):
        vecq_workers.worker_model(wrong)


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line(glove, monkeypatch):
    monkeypatch.setattr(vecq_cluster, "CONNECT_SECONDS", 1)
    result = invoke([*M, "neighbors", "-", "--dask", "tcp://127.0.0.1:9"], input="cat\n")
    assert result.exit_code == 1 and result.stdout == ""
    assert (
        result.stderr.count("\n") == 1
        and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
    )


class OneServer:
    """A TCP server on 127.0.0.1 that answers each of at most ``accepts`` connections with
    ``greeting`` (nothing: it waits for the client to speak, as a web server does), then stops."""

    def __init__(self, greeting: bytes, accepts: int = 2, seconds: float = 10):
        import socket
        import threading

        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(seconds)
        self.address = f"tcp://127.0.0.1:{self.listener.getsockname()[1]}"
        self.greeting, self.accepts = greeting, accepts
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        import contextlib

        with self.listener, contextlib.suppress(OSError):
            for _ in range(self.accepts):
                conn, _ = self.listener.accept()
                with conn, contextlib.suppress(OSError):
                    conn.settimeout(3)
                    if self.greeting:
                        conn.sendall(self.greeting)
                    conn.recv(1 << 16)  # until the client goes (or 3 s)


@pytest.mark.parametrize(
    "greeting, says",
    [
        (b"", "sent nothing in 1 s"),
        (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "is a web server, not a Dask scheduler"),
        ((1 << 60).to_bytes(8, "little") + b"junk", "does not speak Dask's protocol"),
    ],
    ids=["silent", "a web server", "a huge length"],
)
def test_a_server_that_is_not_a_scheduler_is_one_line_within_the_deadline(glove, monkeypatch, greeting, says):
    """distributed's client waits for the scheduler's greeting without a deadline: --dask pointed at
    a web server (the dashboard's port, 8787) hung for ever; a server greeting with other bytes made
    it allocate their "length" (MemoryError, a defect's line and a traceback at exit)."""
    import threading
    import time

    monkeypatch.setattr(vecq_cluster, "CONNECT_SECONDS", 1)
    server = OneServer(greeting)
    started = time.monotonic()
    results: list = []
    args = [*M, "neighbors", "-", "--dask", server.address]
    asking = threading.Thread(target=lambda: results.append(invoke(args, input="cat\n")), daemon=True)
    asking.start()
    asking.join(timeout=30)  # a hang fails here, not the whole run
    assert results and time.monotonic() - started < 8
    (result,) = results
    assert result.exit_code == 1 and result.stdout == "" and result.stderr.count("\n") == 1
    assert says in result.stderr and "8786" in result.stderr, result.stderr


def test_without_distributed_the_message_says_what_to_install(glove, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    result = invoke([*M, "graph", "--first", "10", "-o", str(tmp_path / "g.tsv"), "--dask", "tcp://x:1"])
    assert result.exit_code == 2 and "pip install 'vecq[dask]'" in result.stderr
    assert result.stderr.count("\n") == 1


def test_an_error_raised_on_a_worker_comes_back_as_itself():
    import pickle

    from vecq.errors import ModelError, UnknownWordError

    unknown = UnknownWordError("kittne", ["kitten"], GLOVE)
    back = pickle.loads(pickle.dumps(unknown))
    assert type(back) is UnknownWordError and isinstance(back, KeyError)
    assert (back.message, back.unknown, back.exit_code, str(back)) == (
        unknown.message,
        unknown.unknown,
        3,
        unknown.message,
    )
    assert pickle.loads(pickle.dumps(ModelError("gone"))).exit_code == 4
