"""The approximate index: built into the cache, exact scores, measured recall, a noted fallback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import M, fresh_python, kill_midway, tsv
from conftest import glove_invoke as invoke

from vecq.ann import build as ivf_build
from vecq.ann import index as ivf
from vecq.ann import search as ivf_search
from vecq.cache import layout
from vecq.cache import reader as store
from vecq.cli import cli
from vecq.core.expression import Term
from vecq.core.model import Model
from vecq.core.topk import top_k


@pytest.fixture(scope="module")
def indexed(glove):
    result = CliRunner().invoke(cli, [*M, "index", "build", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    yield json.loads(result.stdout)[0]
    shutil.rmtree(layout.index_dir(glove.folder), ignore_errors=True)


@pytest.mark.slow
def test_build_reports_recall_and_a_small_size(indexed, glove):
    assert indexed["recall_at_10"] >= 0.95
    assert indexed["lists"] == ivf_build.n_lists(len(glove))
    size = ivf.size_on_disk(glove.folder)
    # int8 codes plus one int32 row id a word: about a quarter of the float32 matrix, not a copy of it
    assert 0 < size < 0.3 * os.path.getsize(os.path.join(glove.folder, "vectors.npy"))
    assert indexed["recall_without_codes"] >= indexed["recall_at_10"] - 0.01
    info = json.loads(invoke(["index", "info", "-f", "json"]).stdout)[0]
    assert info["recall_at_10"] == indexed["recall_at_10"] and info["nprobe"] == indexed["nprobe"]


def test_approx_answers_have_exact_scores_and_high_recall(indexed, glove):
    words = [glove.vocab.word(r) for r in range(200, 20000, 200)]
    approx = tsv(invoke(["neighbors", "-", "--approx"], input="\n".join(words) + "\n").stdout)
    exact = tsv(invoke(["neighbors", "-"], input="\n".join(words) + "\n").stdout)
    by_query = lambda rows: {q: {r["word"]: r["similarity"] for r in rows if r["query"] == q} for q in words}  # noqa: E731
    a, e = by_query(approx), by_query(exact)
    hits = sum(len(set(a[q]) & set(e[q])) for q in words)
    assert hits / sum(len(e[q]) for q in words) >= 0.9
    for q in words:
        assert q not in a[q]  # the query word is still excluded
        for word, score in a[q].items():
            if word in e[q]:
                assert abs(float(score) - float(e[q][word])) <= 2e-6  # the same exact cosine


def test_approx_analogies(indexed):
    for method in ("add", "cosmul"):
        result = invoke(["analogy", "king", "man", "woman", "--approx", "--method", method])
        assert result.exit_code == 0 and tsv(result.stdout)[0]["answer"] == "queen"
    assert tsv(invoke(["neighbors", "cat", "--approx", "--restrict", "5000"]).stdout)[0]["word"] == "dog"


def untouched_blas_threads() -> int:
    """How many threads OpenBLAS starts with in a fresh interpreter that vecq did not touch."""
    code = "import numpy\nfrom threadpoolctl import threadpool_info\n"
    code += "print([i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'][0])"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout)


BLAS_PROBE = """
import os, sys
os.environ.update({user})
from vecq.cli import cli
sys.stdin = open(os.devnull)
try:
    cli.main({argv}, prog_name="vecq")
except SystemExit as e:
    assert e.code == 0, e.code
heavy = any(m in sys.modules for m in ("pathlib", "concurrent.futures"))
from threadpoolctl import threadpool_info
blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
print(heavy, os.environ.get("OPENBLAS_NUM_THREADS"), blas, file=sys.stderr)
"""


@pytest.mark.parametrize(
    "argv, user, threads",
    [
        (["neighbors", "cat", "--approx"], {}, "1"),
        (["analogy", "king", "man", "woman", "--approx"], {}, "1"),
        (["neighbors", "cat"], {}, None),  # exact search wants every core
        (["neighbors", "-", "--approx"], {}, None),  # so does a batch
        (["neighbors", "cat", "--approx", "--limit", "20000"], {}, None),  # no index: exact
        (["neighbors", "cat", "--approx"], {"OMP_NUM_THREADS": "2"}, None),  # the user's choice
    ],
)
@pytest.mark.slow
def test_one_approximate_answer_starts_one_blas_thread(indexed, session_cache, argv, user, threads):
    out = fresh_python(session_cache, BLAS_PROBE.format(user=user, argv=[*M, *argv]))
    heavy, variable, blas = out.stderr.splitlines()[-1].split(" ", 2)
    assert variable == str(threads)
    if threads is not None:
        assert json.loads(blas) == [1]
        assert heavy == "False"  # imports a single answer never needs: 8 ms and 4 ms of start-up
    elif not user:
        assert json.loads(blas) == [untouched_blas_threads()]


def test_a_batch_spread_over_the_cores_answers_as_one_thread_does(indexed, glove, monkeypatch):
    index = ivf.load(glove.folder)
    rows = list(range(100, 40000, 400))
    q = glove.vectors[rows]
    exclude = [[r] for r in rows]
    monkeypatch.setattr(ivf_search, "PARALLEL_QUERIES", 10**9)
    one = ivf_search.search(index, glove.vectors, q, exclude, 10)
    monkeypatch.setattr(ivf_search, "PARALLEL_QUERIES", 1)
    calls, shares = [], ivf_search.threads.shares
    spy = lambda work, items: calls.append(len(items)) or shares(work, items)  # noqa: E731
    monkeypatch.setattr(ivf_search.threads, "shares", spy)
    assert ivf_search.search(index, glove.vectors, q, exclude, 10) == one
    assert len(calls) == 2 and calls[1] > 100  # both passes ran on the threads, over many lists
    assert all(len(answer) == 10 and row not in dict(answer) for answer, row in zip(one, rows))


def test_missing_index_falls_back_with_one_note(tmp_path, monkeypatch, small_model):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = small_model
    result = CliRunner().invoke(cli, ["-m", str(path), "neighbors", "king", "--approx", "-n", "3"])
    assert result.exit_code == 0
    notes = [x for x in result.stderr.splitlines() if "approximate index" in x]
    assert len(notes) == 1 and "answering exactly" in notes[0]
    assert len(tsv(result.stdout)) == 3


def test_cache_clear_removes_the_index_too(tmp_path, monkeypatch, small_model):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = small_model
    assert CliRunner().invoke(cli, ["-m", str(path), "index", "build"]).exit_code == 0
    (folder,) = [p for p, s in store.entries(tmp_path / "cache")]
    assert os.path.isdir(layout.index_dir(folder))
    assert CliRunner().invoke(cli, ["cache", "clear", str(path)]).exit_code == 0
    assert not folder.exists()


def test_search_equals_exact_when_every_list_is_probed(tmp_path):
    rng = np.random.default_rng(1)
    raw = rng.standard_normal((3000, 16)).astype(np.float32)
    model = Model.from_arrays([f"w{i}" for i in range(3000)], raw)

    def exact(q, exclude, k):
        return top_k(
            lambda b: q @ b.T, model.vectors, len(model), len(q), exclude, k=k, zero_rows=model.zero_rows
        )

    index = ivf_build.build(model.vectors, exact, tmp_path, lists=20, queries=50)
    q = np.asarray(model.vectors[:30])
    exclude = [[i] for i in range(30)]
    truth = exact(q, exclude, 10)
    # Every list probed and every row re-ranked: the machinery itself is exact.
    full = ivf_search.search(index, model.vectors, q, exclude, 10, nprobe=20, candidates=len(model))
    assert [[r for r, _ in x] for x in full] == [[r for r, _ in x] for x in truth]
    assert np.allclose([[s for _, s in x] for x in full], [[s for _, s in x] for x in truth], atol=1e-6)
    # With the default candidates, the int8 codes only choose what is re-ranked: scores stay exact.
    coded = ivf_search.search(index, model.vectors, q, exclude, 10, nprobe=20)
    exact_scores = {(j, r): s for j, x in enumerate(truth) for r, s in x}
    hits = [(j, r, s) for j, x in enumerate(coded) for r, s in x if (j, r) in exact_scores]
    assert len(hits) >= 0.95 * 300
    assert all(abs(s - exact_scores[j, r]) <= 1e-6 for j, r, s in hits)
    # --restrict: no row at or beyond the limit answers, even when it is the best.
    restricted = ivf_search.search(index, model.vectors, q, exclude, 10, nprobe=20, limit=1000)
    assert all(r < 1000 for x in restricted for r, _ in x) and all(len(x) == 10 for x in restricted)
    index.meta["nprobe"] = 20
    model.index = index
    single = model.neighbors([Term(1.0, model.lookup("w3"))], top=5)
    assert [n.word for n in single] == [model.vocab.word(r) for r, _ in truth[3][:5]]


def test_an_index_of_another_version_is_not_used(tmp_path, monkeypatch, small_model):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    args = ["-m", str(small_model)]
    assert CliRunner().invoke(cli, [*args, "index", "build"]).exit_code == 0
    (folder,) = [p for p, s in store.entries(tmp_path / "cache")]
    meta = Path(layout.index_dir(folder)) / "index.json"
    meta.write_text(meta.read_text().replace('"format": 2', '"format": 1'))
    result = CliRunner().invoke(cli, [*args, "neighbors", "king", "--approx", "-n", "3"])
    assert result.exit_code == 0 and len(tsv(result.stdout)) == 3
    (note,) = [x for x in result.stderr.splitlines() if "approximate index" in x]
    assert "another version" in note and "answering exactly" in note


@pytest.mark.slow
def test_a_killed_index_build_leaves_nothing_used_and_is_swept(tmp_path, medium_model):
    cache = tmp_path / "cache"
    env = {**os.environ, "VECQ_CACHE_DIR": str(cache)}
    base = [sys.executable, "-m", "vecq", "-m", str(medium_model)]
    assert subprocess.run([*base, "cache", "build"], env=env, capture_output=True).returncode == 0
    (folder,) = [p for p, s in store.entries(cache)]
    kill_midway([*base, "index", "build"], env, folder, ".tmp-ivf-*/centroids.npy")
    assert list(folder.glob(".tmp-ivf-*")) and ivf.load(folder) is None  # a leftover, never an index
    answer = subprocess.run(
        [*base, "neighbors", "cat", "--approx", "-n", "3"], env=env, capture_output=True, text=True
    )
    assert answer.returncode == 0 and "no approximate index" in answer.stderr
    assert subprocess.run([*base, "index", "build"], env=env, capture_output=True).returncode == 0
    assert ivf.load(folder) is not None and not list(folder.glob(".*-ivf-*"))


def test_approx_never_returns_fewer_than_asked(indexed, glove):
    """-n beyond what the probed lists hold is still answered in full."""
    result = invoke(["neighbors", "cat", "-n", "5000", "--approx", "-f", "jsonl"])
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(rows) == 5000 and len({r["word"] for r in rows}) == 5000
    exact = [
        json.loads(x) for x in invoke(["neighbors", "cat", "-n", "5000", "-f", "jsonl"]).stdout.splitlines()
    ]
    assert [r["word"] for r in rows[:50]] == [r["word"] for r in exact[:50]]


@pytest.mark.parametrize(
    "args",
    [
        ["neighbors", "cat", "--restrict", "200", "-n", "10"],
        ["neighbors", "-", "--restrict", "1000", "-n", "10"],
        ["analogy", "king", "man", "woman", "--method", "cosmul", "-n", "5"],
        ["analogy", "-", "--method", "cosmul", "-n", "3"],
    ],
)
def test_approx_with_restrict_or_cosmul_is_answered_exactly_and_says_so(indexed, args):
    lines = "cat\ndog\nking\nparis\n" if args[0] == "neighbors" else "king man woman\nparis france italy\n"
    approx = invoke([*args, "--approx", "-f", "jsonl"], input=lines)
    exact = invoke([*args, "-f", "jsonl"], input=lines)
    assert approx.stdout == exact.stdout and approx.stdout
    assert "answered exactly" in approx.stderr


@pytest.mark.slow
def test_nprobe_trades_recall_for_time_in_a_graph_and_a_query(indexed, glove, tmp_path):
    def graph(name: str, *options: str) -> np.ndarray:
        result = invoke(["graph", "--first", "1500", "-o", str(tmp_path / f"{name}.npy"), *options])
        assert result.exit_code == 0, result.stderr
        return np.load(tmp_path / f"{name}.ids.npy")

    def recall(found: np.ndarray) -> float:
        return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found.tolist(), exact.tolist())]))

    exact = graph("exact")
    default, few = graph("default", "--approx"), graph("few", "--nprobe", "4")  # --nprobe implies --approx
    assert recall(default) >= 0.95 and recall(few) < recall(default) - 0.05  # fewer lists, fewer found
    assert indexed["recall_by_nprobe"].startswith("4:")  # what index info offers to choose from
    word = glove.vocab.word(1400)
    one = tsv(invoke(["neighbors", word, "--nprobe", "4"]).stdout)  # a single query probes the same lists
    assert [r["word"] for r in one] == [glove.vocab.word(int(i)) for i in few[1400]]
