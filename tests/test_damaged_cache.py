"""A byte changed anywhere in a cache is never answered from: the blocks holding the rows a query
reads or answers are checked against the checksums taken when they were written, ``vecq cache
verify`` reads them all, and a score that is not a number is never printed."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import cache_folder, invoke

from vecq.cache import layout
from vecq.errors import DamagedModelError

QUERIES = (["similar", "city", "town"], ["neighbors", "city", "-n", "5"], ["vector", "city"])


@pytest.fixture
def small_cache(tmp_path, monkeypatch, small_model):
    """The 5,000-word GloVe subset converted into a cache of its own; its answers when undamaged."""
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    clean = {}
    for query in QUERIES:
        result = invoke(["-m", str(small_model), *query, "-f", "json"])
        assert result.exit_code == 0, result.stderr
        clean[query[0]] = result.stdout
    return small_model, cache_folder(small_model), clean


def flip(path, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([byte ^ 0x5A]))


def row_offset(folder, name: str, row: int) -> int:
    """Where row ``row`` of a cache array starts, in bytes from the file's start."""
    array = np.load(folder / name, mmap_mode="r")
    return array.offset + row * array.strides[0]


@pytest.mark.slow
def test_a_byte_changed_in_a_row_asked_about_is_never_answered_from(small_cache):
    model, folder, clean = small_cache
    manifest = json.loads((folder / layout.MANIFEST).read_text())
    words = (folder / "words.bin").read_bytes()
    places = []
    vocab_row = {
        w: i for i, w in enumerate(line.split(" ")[0] for line in model.read_text().splitlines()[1:])
    }
    for word in ("city", "town", json.loads(clean["neighbors"])[0]["word"]):
        row = vocab_row[word]
        for name, within in (("vectors.npy", 7), ("norms.npy", 1), ("residuals.npy", 3)):
            places.append((name, row_offset(folder, name, row) + within))
    places.append(("words.bin", words.index(b"town") + 2))
    inner = 0  # places beyond the edge checksums: only the block checksums can see them
    for name, offset in places:
        size = (folder / name).stat().st_size
        edge = offset < layout.CHECKED_BYTES or offset >= size - layout.CHECKED_BYTES
        seen = False
        backup = folder.parent / "backup"
        shutil.copytree(folder, backup)
        flip(folder / name, offset)
        for query in QUERIES:
            result = invoke(["-m", str(model), *query, "-f", "json"])
            if result.exit_code == 0:
                assert result.stdout == clean[query[0]], (name, offset, query)
            else:
                assert result.exit_code == 1 and "damaged" in result.stderr, (name, result.stderr)
                assert result.stderr.count("\n") == 1 and result.stdout in ("", "[\n]\n")
                seen = True
                break  # the cache is marked: the next command converts it anew
        shutil.rmtree(folder)
        shutil.copytree(backup, folder)
        shutil.rmtree(backup)
        assert manifest == json.loads((folder / layout.MANIFEST).read_text())
        if not edge:  # a damaged edge is seen when the cache is opened, and converted anew
            assert seen, (name, offset)
            inner += 1
    assert inner >= 5


@pytest.mark.slow
def test_cache_verify_finds_one_byte_changed_in_any_file(small_cache):
    model, folder, _ = small_cache
    manifest = json.loads((folder / layout.MANIFEST).read_text())
    assert invoke(["-m", str(model), "cache", "verify"]).exit_code == 0
    rng = np.random.default_rng(7)
    for name, size in sorted(manifest["files"].items()):
        if name == layout.BLOCK_SUMS or size <= 2 * layout.CHECKED_BYTES:
            continue  # the edge checksums cover the whole of a small file
        backup = (folder / name).read_bytes()
        flip(folder / name, int(rng.integers(layout.CHECKED_BYTES, size - layout.CHECKED_BYTES)))
        result = invoke(["cache", "verify", "-f", "json"])
        assert result.exit_code == 1, name
        record = json.loads(result.stdout)[0]
        assert record["status"] == "damaged" and name in record["problem"]
        assert "damaged" in result.stderr
        again = invoke(["-m", str(model), "similar", "city", "town"])  # converted anew, answered
        assert again.exit_code == 0 and "converting it again" in again.stderr, again.stderr
        (folder / name).write_bytes(backup)  # the new conversion wrote the same bytes
        assert invoke(["cache", "verify"]).exit_code == 0


def test_a_score_that_is_not_a_number_is_never_printed(small_cache):
    model, folder, _ = small_cache
    from vecq.sources.loader import open_model

    opened = open_model(str(model))
    with pytest.raises(DamagedModelError, match="cache verify"):
        opened.check_scores([0.5, float("nan")])
    with pytest.raises(DamagedModelError):
        opened.check_scores([1.5], cosines=True)
    opened.check_scores([1.0, -1.0, 0.3], cosines=True)
    # arrays (a matrix's, a whole vocabulary's) are told by their least and greatest score
    for bad, cosines in ((np.nan, False), (np.inf, False), (-np.inf, False), (np.nan, True), (-1.5, True)):
        scores = np.full((40, 30), 0.25, np.float32)
        scores[17, 3] = bad
        with pytest.raises(DamagedModelError, match="cache verify"):
            opened.check_scores(scores, cosines=cosines)
    opened.check_scores(np.full((40, 30), 7.0, np.float32))  # not cosines: any finite number
    opened.check_scores(np.zeros((0, 0), np.float32), cosines=True)


@pytest.mark.parametrize("name", [layout.MANIFEST, layout.BLOCK_SUMS, layout.DAMAGED])
def test_a_fifo_in_place_of_a_cache_file_is_refused_at_once(small_cache, name):
    """A FIFO manifest hung every query on its model: each cache file is checked to be a regular
    file before it is opened."""
    import os
    import time

    model, folder, clean = small_cache
    (folder / name).unlink(missing_ok=True)
    os.mkfifo(folder / name)
    start = time.perf_counter()
    result = invoke(["-m", str(model), "similar", "city", "town", "-f", "json"])
    assert time.perf_counter() - start < 10
    assert result.exit_code == 0 and result.stdout == clean["similar"]  # converted anew, answered
    assert (folder / layout.MANIFEST).is_file()
