"""The int8 copy answers exactly as the float32 scan: the same rows, order and bits. The float32
scan (the same model with its copy set aside) is the oracle, on GloVe's real vectors over the whole
vocabulary, and on adversarial rows built with hypothesis (ties, near-ties, rows that round badly);
a bound made smaller than the proven one must fail, or the tests would prove nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import M, cache_folder, invoke, tsv
from vecq.core import int8
from vecq.core.expression import Term
from vecq.core.model import Model
from vecq.core.words import Match


def queries_of(rows) -> list[list[Term]]:
    return [[Term(1.0, Match(str(r), str(r), int(r)))] for r in rows]


def both_ways(model: Model, queries, **options):
    """(answers from the int8 copy, answers of the float32 scan) of the same queries, one at a time."""
    copy = model.int8
    assert copy is not None
    with_copy = [model.neighbors_many([q], **options)[0] for q in queries]
    model.int8 = None
    try:
        scanned = [model.neighbors_many([q], **options)[0] for q in queries]
    finally:
        model.int8 = copy
    return with_copy, scanned


@pytest.fixture(scope="module")
def glove8(glove):
    """GloVe opened from its cache after ``vecq cache build --int8``."""
    result = invoke([*M, "cache", "build", "--int8"])
    assert result.exit_code == 0, result.stderr
    from vecq.sources.loader import open_model

    model = open_model("glove-wiki-gigaword-50")
    assert model.int8 is not None and model.int8.codes.shape == (400_000, 50)
    yield model
    import shutil

    shutil.rmtree(Path(model.folder) / "int8", ignore_errors=True)


def test_the_copy_answers_as_the_scan_over_the_whole_vocabulary(glove8):
    # frequent words, rare words, and every 400th row: each query scans all 400,000 rows
    rows = np.unique(
        np.concatenate([np.arange(300), np.arange(300, 400_000, 400), np.arange(399_700, 400_000)])
    )
    with_copy, scanned = both_ways(glove8, queries_of(rows), top=10)
    assert with_copy == scanned
    noted = []
    glove8.note = noted.append
    glove8.neighbors_many(queries_of([5450]), top=10)
    assert noted and "int8 copy" in noted[0]


def test_expressions_analogies_and_bands_answer_as_the_scan(glove8):
    words = [("king", "man", "woman"), ("paris", "france", "italy"), ("walking", "walk", "swim")]
    triples = [tuple(Match(w, w, glove8.vocab.index(w)) for w in t) for t in words]
    copy = glove8.int8
    got = [glove8.analogies([t], top=5) for t in triples]
    glove8.int8 = None
    expected = [glove8.analogies([t], top=5) for t in triples]
    glove8.int8 = copy
    assert got == expected
    with_copy, scanned = both_ways(glove8, queries_of([5450, 17, 20_000]), top=20, restrict=90_000, skip=2999)
    assert with_copy == scanned


def advised_huge(path: str) -> bool | None:
    """Is this process's mapping of ``path`` advised MADV_HUGEPAGE ("hg" in /proc/self/smaps)?
    None when it is not mapped."""
    lines = Path("/proc/self/smaps").read_text().splitlines()
    for i, line in enumerate(lines):
        if line.endswith(" " + path):
            flags = next(s for s in lines[i + 1 :] if s.startswith("VmFlags:"))
            return " hg" in flags
    return None


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="Linux's /proc tells a mapping's advice")
def test_the_codes_and_the_matrix_are_mapped_for_2_mib_folios(glove8):
    """After an eviction the kernel reads them back into 2 MiB folios, each one page-table entry:
    a query's first scan of a fresh process then faults ~450 times for 900 MB of codes, not 14,000."""
    import mmap

    if not hasattr(mmap, "MADV_HUGEPAGE"):
        pytest.fail("this Linux has no MADV_HUGEPAGE: the advice cannot be given")
    folder = Path(glove8.folder)
    assert advised_huge(str(folder / "vectors.npy")) is True
    assert advised_huge(str(folder / "int8" / "codes.npy")) is True


def test_a_band_past_the_vocabulary_answers_nothing_as_the_scan_does(glove8):
    """SimSIMD refuses an empty matrix: the copy must not be asked for the rows of an empty band."""
    alone, scanned = both_ways(glove8, queries_of([5450]), top=10, skip=len(glove8), restrict=None)
    assert alone == scanned == [[]]
    batch = glove8.neighbors_many(queries_of(range(20)), top=10, skip=len(glove8))  # multiplied together
    assert batch == [[] for _ in range(20)]
    band = glove8.neighbors_many(queries_of([5450]), top=10, skip=len(glove8) - 3)  # the last 3 rows
    assert [r for r, _ in band[0]] and all(r >= len(glove8) - 3 for r, _ in band[0])


def test_the_cli_answers_the_same_bits_with_and_without_the_copy(glove8, tmp_path):
    with_copy = invoke([*M, "neighbors", "cat", "-n", "20", "-f", "json", "-v"])
    assert with_copy.exit_code == 0, with_copy.stderr
    assert "int8 copy" in with_copy.stderr
    folder = Path(glove8.folder) / "int8"
    aside = tmp_path / "int8-aside"
    folder.rename(aside)
    try:
        scanned = invoke([*M, "neighbors", "cat", "-n", "20", "-f", "json", "-v"])
    finally:
        aside.rename(folder)
    assert "int8 copy" not in scanned.stderr
    assert json.loads(with_copy.stdout) == json.loads(scanned.stdout)


def model_of(vectors: np.ndarray) -> Model:
    """A model in memory of these rows (made unit length, as the cache holds them), with its copy."""
    words = [f"w{i}" for i in range(len(vectors))]
    model = Model.from_arrays(words, vectors.astype(np.float32))
    codes, rows = int8.quantise(np.asarray(model.vectors))
    model.int8 = int8.Int8Copy(codes, rows)
    return model


def adversarial(draw_rows: np.ndarray, ties: int, near: float) -> np.ndarray:
    """Rows with exact duplicates (ties) and near-duplicates (a last-bit nudge), and rows whose
    codes round badly (one large component and many just under half a code step)."""
    rows = [draw_rows]
    base = draw_rows[: max(1, ties)]
    rows.append(np.repeat(base, 3, axis=0))  # exact ties
    rows.append(base + near * np.sign(base))  # near-ties
    d = draw_rows.shape[1]
    bad = np.full((4, d), 0.5 / 127 * 0.999, dtype=np.float32)
    bad[:, 0] = 1.0
    bad[1:, 1:] *= -1
    rows.append(bad)
    return np.concatenate(rows).astype(np.float32)


# Random rows, with exact ties, near-ties and rows that round badly (``adversarial``), in any width.
ADVERSARIAL = dict(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(20, 600),
    d=st.sampled_from([3, 8, 50, 300]),
    ties=st.integers(0, 10),
    near=st.sampled_from([1e-7, 1e-6, 1e-4]),
    top=st.integers(1, 15),
)


@settings(max_examples=60, deadline=None)
@given(**ADVERSARIAL)
def test_adversarial_rows_answer_as_the_scan(seed, n, d, ties, near, top):
    rng = np.random.default_rng(seed)
    model = model_of(adversarial(rng.standard_normal((n, d)).astype(np.float32), ties, near))
    probes = rng.integers(0, len(model), 5)
    with_copy, scanned = both_ways(model, queries_of(probes), top=top)
    assert with_copy == scanned


def test_a_bound_made_too_small_gives_other_answers(glove8, monkeypatch):
    """The proven bound is what keeps the answers exact: at a fiftieth of it, the comparison with the
    scan that the tests above make fails on GloVe, so they would catch a wrong bound. (The bound is
    a worst case: the rounding errors of real rows are far smaller, and a tenth of it still finds
    every answer of these queries.)"""
    import functools

    real = int8.candidates
    monkeypatch.setattr(int8, "candidates", functools.partial(real, slack=0.02))
    with_copy, scanned = both_ways(glove8, queries_of(range(0, 4000, 40)), top=10)
    assert with_copy != scanned
    monkeypatch.setattr(int8, "candidates", real)
    with_copy, scanned = both_ways(glove8, queries_of(range(0, 4000, 40)), top=10)
    assert with_copy == scanned


def test_too_many_candidates_fall_back_to_the_scan_and_say_so(glove8, monkeypatch):
    monkeypatch.setattr(int8, "MAX_CANDIDATES", 3)
    with_copy, scanned = both_ways(glove8, queries_of([5450]), top=10)
    assert with_copy == scanned
    result = invoke([*M, "neighbors", "cat", "-v"])
    assert result.exit_code == 0 and "scanned float32" in result.stderr
    assert "int8" not in invoke([*M, "neighbors", "cat"]).stderr  # said only with --verbose


def test_a_damaged_copy_is_found_by_verify_and_removed(glove8, tmp_path):
    codes = Path(glove8.folder) / "int8" / "codes.npy"
    saved = codes.read_bytes()
    try:
        with open(codes, "r+b") as f:
            f.seek(len(saved) // 2)
            f.write(bytes([saved[len(saved) // 2] ^ 0x40]))
        result = invoke(["cache", "verify", "glove-wiki-gigaword-50", "-f", "json"])
        assert "int8 copy's codes.npy changed" in result.stderr
        assert not (Path(glove8.folder) / "int8").exists()
        # the float32 rows were not touched: the model answers as before
        assert tsv(invoke([*M, "neighbors", "cat", "-n", "3"]).stdout)[0]["word"] == "dog"
    finally:
        assert invoke([*M, "cache", "build", "--int8"]).exit_code == 0
    assert (Path(glove8.folder) / "int8" / "codes.npy").read_bytes() == saved  # the same bytes again


def test_a_copy_of_another_shape_is_not_used(glove8, tmp_path):
    meta_path = Path(glove8.folder) / "int8" / "copy.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "rows": 5}))
    try:
        from vecq.sources.loader import open_model

        assert open_model("glove-wiki-gigaword-50").int8 is None
    finally:
        meta_path.write_text(json.dumps(meta))


def test_a_limited_model_uses_the_first_rows_of_the_copy(glove8):
    from vecq.sources.loader import open_model

    limited = open_model("glove-wiki-gigaword-50", limit=50_000)
    assert limited.int8 is not None and limited.int8.codes.shape == (50_000, 50)
    with_copy, scanned = both_ways(limited, queries_of([5450, 10]), top=10)
    assert with_copy == scanned
    refused = invoke([*M, "--limit", "1000", "cache", "build", "--int8"])
    assert refused.exit_code == 2 and "--limit" in refused.stderr


def test_a_killed_build_leaves_no_half_copy(glove8, monkeypatch):
    calls = {"n": 0}
    real = int8.quantise

    def dies(block):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(block)

    from vecq.cache import int8_copy

    before = (Path(glove8.folder) / "int8" / "codes.npy").read_bytes()
    monkeypatch.setattr(int8, "quantise", dies)
    with pytest.raises(KeyboardInterrupt):
        int8_copy.build(glove8)
    assert (Path(glove8.folder) / "int8" / "codes.npy").read_bytes() == before
    assert not [p for p in os.listdir(glove8.folder) if p.startswith(".tmp-")]
    assert cache_folder("glove-wiki-gigaword-50") == Path(glove8.folder)


def test_a_conversion_writes_the_copy_past_the_default_size(small_model, monkeypatch):
    from vecq.cache import int8_copy
    from vecq.core import model as model_module

    below = invoke(["-m", str(small_model), "neighbors", "king", "-n", "3"])
    assert below.exit_code == 0, below.stderr
    folder = cache_folder(small_model)
    assert not (folder / "int8").exists()  # 5,000 x 50: far below 1 GiB
    invoke(["cache", "clear", str(small_model)])
    monkeypatch.setattr(int8_copy, "DEFAULT_BYTES", 1000)
    # 250,000 numbers: a query this small scores every row at once, unless told to search
    monkeypatch.setattr(model_module, "EVERY_ROW_NUMBERS", 0)
    above = invoke(["-m", str(small_model), "neighbors", "king", "-n", "3", "-v"])
    assert above.exit_code == 0, above.stderr
    assert "wrote an int8 copy" in above.stderr and "answered from the int8 copy" in above.stderr
    assert (folder / "int8" / "codes.npy").is_file()
    assert above.stdout == below.stdout


# Batches: more than INT8_QUERIES queries multiply the copy with all of them at once (onnxruntime).


def in_batches(model: Model, queries, **options):
    """(answers from the int8 copy, answers of the float32 scan) of the same queries, as one batch."""
    copy, note = model.int8, model.note
    notes: list[str] = []
    model.note = notes.append
    with_copy = model.neighbors_many(queries, **options)
    model.int8 = None
    try:
        scanned = model.neighbors_many(queries, **options)
    finally:
        model.int8, model.note = copy, note
    return with_copy, scanned, notes


def test_no_query_says_nothing_of_the_copy(glove8):
    """A batch whose every line failed asks no query: `-v` must not say it answered 0 queries."""
    with_copy, scanned, notes = in_batches(glove8, [], top=5)
    assert with_copy == scanned == [] and notes == []
    with_copy, scanned, notes = in_batches(glove8, queries_of([7]), top=5)
    assert with_copy == scanned and notes == ["answered from the int8 copy (1 query, one by one)"]


def test_a_batch_answers_as_the_scan(glove8):
    rng = np.random.default_rng(7)
    rows = np.concatenate([np.arange(200), rng.choice(400_000, 1800, replace=False)])
    with_copy, scanned, notes = in_batches(glove8, queries_of(rows), top=10)
    assert with_copy == scanned
    assert notes and "2000 queries together" in notes[0]
    # a band, a restriction, and expressions (an analogy's three terms) in one batch
    words = [("king", "man", "woman"), ("paris", "france", "italy"), ("walking", "walk", "swim")] * 4
    analogies = [
        [Term(w, Match(x, x, glove8.vocab.index(x))) for w, x in zip((1.0, -1.0, 1.0), t)] for t in words
    ]
    mixed = analogies + queries_of(range(3000, 3020))
    with_copy, scanned, _ = in_batches(glove8, mixed, top=7, restrict=200_000, skip=150)
    assert with_copy == scanned


def test_verbose_says_a_note_repeated_block_after_block_once_with_a_count(glove8):
    """CSLS's table of 6,500 words is four blocks of queries, three of them alike: -v says the
    first, then how many more, not the same line again (a whole vocabulary made 196 lines)."""
    for kept in Path(glove8.folder).glob("csls-exact-r-k10-n6500.npy"):
        kept.unlink()
    result = invoke([*M, "neighbors", "cat", "--csls", "--restrict", "6500", "-v"])
    assert result.exit_code == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "int8" in line or "the same" in line]
    assert notes == [
        "vecq: answered from the int8 copy (2048 queries together, 0 one by one)",
        "vecq: (the same for 2 more)",
        "vecq: answered from the int8 copy (356 queries together, 0 one by one)",
        "vecq: every one of 6,500 rows scored exactly (too few for the int8 copy)",
    ]
    # a batch read in chunks of 256 lines ends on a repeated note: the count is said at the end
    lines = "".join(f"{glove8.vocab.word(r)}\n" for r in range(1000, 1512))
    batch = invoke([*M, "neighbors", "-", "-n", "1", "-v"], input=lines)
    assert batch.exit_code == 0, batch.stderr
    assert batch.stderr.splitlines() == [
        "vecq: answered from the int8 copy (256 queries together, 0 one by one)",
        "vecq: (the same for 1 more)",
    ]
    # the repl answers one line at a time: each answer says how it was searched
    repl = invoke([*M, "repl", "-n", "1", "-v"], input="cat\ndog\nking\n")
    assert repl.stderr.splitlines() == ["vecq: answered from the int8 copy (1 query, one by one)"] * 3


def test_a_batch_asking_for_every_row_it_searches_leaves_out_its_own_words(glove8):
    """Asking for at least as many rows as the search holds (-n 50 --max-rank 50), a batch through
    the copy once answered each query's own word (the scan leaves it out), at -inf."""
    rows = [0, 3, 7, 12, 25, 49, 30, 1000]  # more than INT8_QUERIES: the batch path
    for top, restrict in ((50, 50), (49, 50), (60, 50), (8, 8)):
        with_copy, scanned, notes = in_batches(glove8, queries_of(rows), top=top, restrict=restrict)
        assert with_copy == scanned, (top, restrict)
        assert "8 queries together" in notes[0]
        for row, answers in zip(rows, with_copy):
            assert row not in [r for r, _ in answers]
            assert all(np.isfinite(score) for _, score in answers)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(3, 40),
    top=st.integers(1, 60),
    zeros=st.integers(0, 3),
    restrict=st.one_of(st.none(), st.integers(1, 60)),
    skip=st.integers(0, 50),
)
def test_small_models_answer_as_the_scan_whatever_is_asked(seed, n, top, zeros, restrict, skip):
    """Any -n, band and all-zero rows, up to more rows than the model has, both ways of the copy
    (one by one and a batch)."""
    rng = np.random.default_rng(seed)
    vectors = adversarial(rng.standard_normal((n, 8)).astype(np.float32), 2, 1e-6)
    vectors[rng.integers(0, len(vectors), zeros)] = 0
    model = model_of(vectors)
    probes = queries_of(rng.integers(0, len(model), 12))
    options = dict(top=top, restrict=restrict, skip=min(skip, len(model) - 1))
    with_copy, scanned, _ = in_batches(model, probes, **options)
    assert with_copy == scanned
    with_copy, scanned = both_ways(model, probes[:3], **options)
    assert with_copy == scanned


def test_a_batch_over_a_model_smaller_than_its_question_leaves_out_zero_rows():
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((12, 8)).astype(np.float32)
    vectors[[2, 9]] = 0  # all-zero rows: never an answer
    model = model_of(vectors)
    for top in (5, 9, 11, 12, 40):
        with_copy, scanned, notes = in_batches(model, queries_of([0, 1, 3, 4, 5, 6, 7, 8]), top=top)
        assert with_copy == scanned, top
        assert not {2, 9} & {r for answers in with_copy for r, _ in answers}


def test_graph_blocks_answer_as_the_scan(glove8, monkeypatch):
    # a graph block asks its words together, with no floor when the copy answers (core/graph.py)
    from vecq.core import graph
    from vecq.core.graph import neighbours_block

    floors: list[str] = []
    computed = graph._floor

    def counted(*args):
        floors.append("float32" if glove8.int8 is None else "int8")
        return computed(*args)

    monkeypatch.setattr(graph, "_floor", counted)
    for rows in (np.arange(0, 1500), np.arange(398_500, 400_000)):
        notes: list[str] = []
        note, glove8.note = glove8.note, notes.append
        try:
            ids, scores = neighbours_block(glove8, rows, 10)
            copy, glove8.int8 = glove8.int8, None
            try:
                scanned_ids, scanned_scores = neighbours_block(glove8, rows, 10)
            finally:
                glove8.int8 = copy
        finally:
            glove8.note = note
        assert any("queries together" in said for said in notes)
        assert np.array_equal(ids, scanned_ids)
        assert scores.tobytes() == scanned_scores.tobytes()
        assert (ids >= 0).all() and (ids != rows[:, None]).all()  # a word is not its own neighbour
    assert floors == ["float32", "float32"]  # the scan's shortcut, never computed for the copy


def test_a_batch_without_the_kernel_scans_float32_and_says_why(glove8, monkeypatch):
    monkeypatch.setattr(int8, "batch_kernel_available", lambda: False)
    with_copy, scanned, notes = in_batches(glove8, queries_of(range(100, 120)), top=5)
    assert with_copy == scanned and "onnxruntime is missing" in notes[0]


def _saturating_product(limit: int):
    """onnxruntime's int8 product as AVX2 computes it (vpmaddubsw): the unsigned side (the codes
    plus 128 rows first, else the queries plus their zero point) times the signed side, pairs
    summed in 16 bits saturating at ``limit``, then the zero point's share taken off in int32."""

    def product(queries, codes, scale, session=None, shifted=None):
        if int8.rows_first(len(queries)):
            unsigned, signed, zero = codes.astype(np.int64) + 128, queries.astype(np.int64), 128
        else:
            shifted, zero_point = int8._unsigned(queries)
            unsigned, signed, zero = shifted.astype(np.int64), codes.astype(np.int64), int(zero_point)
        pairs = unsigned[:, None, :] * signed[None, :, :]
        pairs = np.pad(pairs, ((0, 0), (0, 0), (0, pairs.shape[2] % 2)))
        sums = np.clip(pairs[:, :, 0::2] + pairs[:, :, 1::2], -limit - 1, limit).sum(axis=2)
        exact = sums - zero * signed.sum(axis=1)[None, :]
        if int8.rows_first(len(queries)):
            return (exact.T.astype(np.float32) * scale[None, :]).astype(np.float32)
        return (exact.astype(np.float32) * scale[None, :]).astype(np.float32)

    return product


def test_a_batch_on_a_cpu_without_vnni_keeps_its_sums_exact_with_smaller_query_codes(glove8, monkeypatch):
    """Without VNNI, onnxruntime adds pairs of u8 x s8 products in 16 bits and saturates: with the
    queries' codes up to 127 the approximate scores, and the proof with them, would be wrong. The
    worst-case check finds it, and the batch quantises the queries within 63, where every pair fits:
    the same answers as the scan, from the copy. A product that saturates sooner still is refused."""
    exact_product = int8.scaled_products
    small = np.random.default_rng(0).integers(-60, 61, (5, 50), dtype=np.int8)  # pairs under 2^15
    ones = np.ones(5, dtype=np.float32)
    assert np.array_equal(_saturating_product(32767)(small, small, ones), exact_product(small, small, ones))
    for limit, tops in [(32767, (63, 63)), (16383, (None, None))]:
        monkeypatch.setattr(int8, "_exact", {})
        monkeypatch.setattr(int8, "scaled_products", _saturating_product(limit))
        assert (int8.batch_query_top(True), int8.batch_query_top(False)) == tops
        assert not int8.exact_here(True, 127) and not int8.exact_here(False, 127)
        with_copy, scanned, notes = in_batches(glove8, queries_of(range(100, 120)), top=5)
        assert with_copy == scanned
        if tops[0] is None:
            assert "not exact on this CPU" in notes[0]
        else:
            assert "20 queries together" in notes[0]


def test_a_batch_over_bounds_that_are_not_numbers_scans_float32_and_says_why():
    model = model_of(np.random.default_rng(5).standard_normal((300, 20)).astype(np.float32))
    model.int8.rows[1, 40] = np.nan  # a damaged bound: no proof can rest on it
    with_copy, scanned, notes = in_batches(model, queries_of(range(12)), top=5)
    assert with_copy == scanned and "bounds are not numbers" in notes[0]


@settings(max_examples=40, deadline=None)
@given(**ADVERSARIAL)
def test_adversarial_rows_answer_as_the_scan_in_a_batch(seed, n, d, ties, near, top):
    rng = np.random.default_rng(seed)
    model = model_of(adversarial(rng.standard_normal((n, d)).astype(np.float32), ties, near))
    probes = rng.integers(0, len(model), 12)
    with_copy, scanned, notes = in_batches(model, queries_of(probes), top=top)
    assert with_copy == scanned
    assert "12 queries together" in notes[0] or "one by one" in notes[0]


def test_a_batch_window_made_too_small_gives_other_answers(glove8, monkeypatch):
    """As for one query: at a fiftieth of the proven bound the batch misses answers, so the
    comparisons above would catch a wrong window or bound."""
    import functools

    real = int8.candidates_many
    monkeypatch.setattr(int8, "candidates_many", functools.partial(real, slack=0.02))
    with_copy, scanned, _ = in_batches(glove8, queries_of(range(0, 4000, 40)), top=10)
    assert with_copy != scanned
    monkeypatch.setattr(int8, "candidates_many", real)
    with_copy, scanned, _ = in_batches(glove8, queries_of(range(0, 4000, 40)), top=10)
    assert with_copy == scanned


def _onnx_helpers_model(codes_left: bool) -> bytes:
    """``int8.scaled_products_model`` as onnx.helper writes it."""
    from onnx import TensorProto, helper

    u8, i8, f32 = TensorProto.UINT8, TensorProto.INT8, TensorProto.FLOAT
    if codes_left:
        inputs = [("A", u8, [None, None]), ("B", i8, [None, None]), ("one", f32, []), ("zero", u8, [])]
        inputs += [("s", f32, [None, None])]
        nodes = [
            helper.make_node(
                "MatMulIntegerToFloat", ["A", "B", "one", "one", "zero"], ["Y"], domain="com.microsoft"
            ),
            helper.make_node("Mul", ["Y", "s"], ["Z"]),
        ]
    else:
        inputs = [("A", u8, [None, None]), ("C", i8, [None, None]), ("one", f32, []), ("s", f32, [None])]
        inputs += [("zero", u8, [])]
        nodes = [
            helper.make_node("Transpose", ["C"], ["B"], perm=[1, 0]),
            helper.make_node(
                "MatMulIntegerToFloat", ["A", "B", "one", "s", "zero"], ["Y"], domain="com.microsoft"
            ),
        ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(*i) for i in inputs],
        [helper.make_tensor_value_info("Z" if codes_left else "Y", f32, [None, None])],
    )
    opsets = [helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=7).SerializeToString()


@pytest.mark.parametrize("codes_left", [True, False])
def test_the_batch_kernel_is_exact_and_its_model_is_onnx_s(codes_left):
    import onnx

    assert int8.scaled_products_model(codes_left) == _onnx_helpers_model(codes_left)
    onnx.checker.check_model(onnx.load_from_string(int8.scaled_products_model(codes_left)))
    rng = np.random.default_rng(3)
    m = 7 if codes_left else int8.ROWS_FIRST_QUERIES + 1  # which model answers
    top = int8.batch_query_top(codes_left)  # 127 with VNNI, 63 without
    assert top in int8.QUERY_TOPS
    for dims in (1, 50, 300, int8.FLOAT32_DIMS):
        queries = rng.integers(-top, top + 1, (m, dims), dtype=np.int8)
        codes = rng.integers(-127, 128, (33, dims), dtype=np.int8)
        codes[0] = 127  # the largest products, of either sign
        queries[0], queries[1] = top, -top
        scale = rng.random(33).astype(np.float32)
        exact = queries.astype(np.int64) @ codes.astype(np.int64).T
        expected_bits = exact.astype(np.float32) * scale
        got = int8.scaled_products(queries, codes, scale)
        assert np.array_equal(got, expected_bits)
        assert got.flags.c_contiguous != codes_left  # codes on the left: the product's transposed view


def test_a_window_holds_every_row_near_the_kth(rng_seed=11):
    """top_k with a window: the best k, and every row within the window of the k-th, best first, ties
    by row, as a full sort finds them (blocks of every size, excluded and all-zero rows)."""
    from vecq.core.topk import top_k

    rng = np.random.default_rng(rng_seed)
    for trial in range(30):
        n, m, k = int(rng.integers(5, 400)), int(rng.integers(1, 9)), int(rng.integers(1, 12))
        scores = np.round(rng.standard_normal((m, n)), 1).astype(np.float32)  # many ties
        window = rng.random(m) * 0.5
        exclude = [rng.choice(n, int(rng.integers(0, 3)), replace=False).tolist() for _ in range(m)]
        zero = rng.choice(n, int(rng.integers(0, 3)), replace=False)
        got = top_k(
            lambda span, scores=scores: scores[:, span],
            np.arange(n),
            n,
            m,
            exclude,
            k=k,
            zero_rows=zero,
            window=window,
            rows_per_block=int(rng.integers(1, 50)),
        )
        for j in range(m):
            live = np.setdiff1d(np.arange(n), np.concatenate([exclude[j], zero]).astype(np.int64))
            order = live[np.lexsort((live, -scores[j, live]))]
            kth = scores[j, order[min(k, len(order)) - 1]] if len(order) else 0
            want = [(int(r), float(scores[j, r])) for r in order[:k]]
            want += [(int(r), float(scores[j, r])) for r in order[k:] if scores[j, r] >= kth - window[j]]
            assert got[j] == want, (trial, j)


def test_a_crowded_window_is_cut_short_and_its_query_asked_alone(glove8, monkeypatch):
    """A window holding more rows than can be rescored (a vast near-tie) stops keeping them: its
    query is asked alone, and the batch still answers as the scan."""
    from vecq.core.topk import top_k

    tied = np.zeros((3, 500), dtype=np.float32)
    tied[0, 7] = 1.0  # query 0: one best row, the rest tied under it
    kept = top_k(
        lambda span: tied[:, span],
        np.arange(500),
        500,
        3,
        [[], [], []],
        k=2,
        zero_rows=np.empty(0, np.int64),
        window=np.full(3, 0.5),
        window_cap=40,
        rows_per_block=64,
    )
    assert all(len(rows) == 41 for rows in kept)  # crowded: more than the cap, so not all there
    monkeypatch.setattr(int8, "MAX_CANDIDATES", 12)
    with_copy, scanned, notes = in_batches(glove8, queries_of(range(500, 540)), top=10)
    assert with_copy == scanned
    # asked alone, where the single scan's own limit sends it on to the float32 scan
    assert "scanned float32" in notes[0], notes
