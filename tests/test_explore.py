"""eval, odd, plot, models and repl on real GloVe, with gensim as the oracle where it has an answer."""

from __future__ import annotations

import csv
import io
import json
import math
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import GLOVE, M
from conftest import glove_invoke as invoke
from gensim.test.utils import datapath

from vecq.cli import cli
from vecq.core import evaluate
from vecq.core.expression import Term


@pytest.fixture(scope="session")
def questions_subset(tmp_path_factory):
    """The first 120 questions of every section of the Google set (about 1,700): gensim takes seconds."""
    out, count = [], 0
    for line in Path(datapath("questions-words.txt")).read_text().splitlines(keepends=True):
        if line.startswith(":"):
            out.append(line)
            count = 0
        elif count < 120:
            out.append(line)
            count += 1
    path = tmp_path_factory.mktemp("eval") / "questions.txt"
    path.write_text("".join(out))
    return path


@pytest.mark.slow
def test_analogy_accuracy_equals_gensim(glove, kv, questions_subset):
    score, sections = kv.evaluate_word_analogies(str(questions_subset))
    report = evaluate.analogies(glove, questions_subset)
    ours = {s.section: (s.correct, s.total) for s in [*report.sections, report.total]}
    theirs = {s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections}
    assert ours == theirs
    assert report.total.accuracy == pytest.approx(score)


@pytest.mark.slow
def test_analogy_accuracy_with_small_restrict_and_case_sensitive(glove, kv, questions_subset):
    for restrict, case in [(30000, True), (30000, False)]:
        score, sections = kv.evaluate_word_analogies(
            str(questions_subset), restrict_vocab=restrict, case_insensitive=case
        )
        report = evaluate.analogies(glove, questions_subset, restrict=restrict, case_insensitive=case)
        assert (report.total.correct, report.total.total) == (
            len(sections[-1]["correct"]),
            len(sections[-1]["correct"]) + len(sections[-1]["incorrect"]),
        )


@pytest.mark.slow
@pytest.mark.parametrize("unknown_as_wrong", [False, True])
def test_evaluate_word_analogies_on_the_object_as_gensim(kv, questions_subset, unknown_as_wrong):
    """The same score and the same questions, right and wrong, section by section as gensim's."""
    import vecq

    args, kwargs = (str(questions_subset),), {"restrict_vocab": 100_000, "dummy4unknown": unknown_as_wrong}
    score, sections = vecq.load(GLOVE).evaluate_word_analogies(*args, **kwargs)
    gensim_score, gensim_sections = kv.evaluate_word_analogies(*args, **kwargs)
    assert score == gensim_score
    assert sections == gensim_sections


@pytest.mark.parametrize("unknown_as_zero", [False, True])
@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_evaluate_word_pairs_on_the_object_as_gensim(kv, name, unknown_as_zero):
    import vecq

    ours = vecq.load(GLOVE).evaluate_word_pairs(
        datapath(name), restrict_vocab=20_000, dummy4unknown=unknown_as_zero
    )
    theirs = kv.evaluate_word_pairs(datapath(name), restrict_vocab=20_000, dummy4unknown=unknown_as_zero)
    assert ours[2] == theirs[2] > 0  # the percentage of pairs with an unknown word
    for mine, gensims in zip(ours[:2], theirs[:2]):
        assert type(mine) is type(gensims)
        assert mine[0] == pytest.approx(gensims[0], abs=1e-6)
        assert mine[1] == pytest.approx(gensims[1], rel=1e-4)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_evaluation_files_saved_with_a_byte_order_mark_score_as_their_text(kv, tmp_path, encoding):
    """An analogy file saved by Notepad (a UTF-8 byte-order mark) was "missing section header
    before line 1" (gensim's too: its first line is '\ufeff: capital-common-countries'), and one
    in UTF-16 "not valid UTF-8 ... iconv -f latin1": the mark is read as what it names, so both
    score as the plain file does (gensim's numbers), in the CLI and the API."""
    import vecq

    lines = Path(datapath("questions-words.txt")).read_text().splitlines(keepends=True)[:400]
    plain, marked = tmp_path / "plain.txt", tmp_path / "marked.txt"
    plain.write_text("".join(lines), encoding="utf-8")
    marked.write_bytes("".join(lines).encode(encoding))
    pairs = Path(datapath("wordsim353.tsv")).read_text(encoding="utf-8")
    marked_pairs = tmp_path / "pairs.tsv"
    marked_pairs.write_bytes(pairs.encode(encoding))
    ours = vecq.load(GLOVE)
    assert ours.evaluate_word_analogies(str(marked)) == kv.evaluate_word_analogies(str(plain))
    mine, gensims = (
        ours.evaluate_word_pairs(str(marked_pairs)),
        kv.evaluate_word_pairs(datapath("wordsim353.tsv")),
    )
    assert mine[2] == gensims[2] and mine[0][0] == pytest.approx(gensims[0][0], abs=1e-6)
    cli = [invoke(["eval", "analogies", str(path)]) for path in (marked, plain)]
    assert cli[0].exit_code == 0, cli[0].stderr
    assert cli[0].stdout == cli[1].stdout


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_compressed_evaluation_files_are_read_as_gensim_reads_them(glove, kv, tmp_path, suffix):
    """gensim reads a .gz, .bz2 or .xz evaluation file by its name; vecq read its compressed bytes
    as text ("missing section header before line 1"). Same scores, CLI and API."""
    import bz2
    import gzip
    import lzma

    import vecq

    pack = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}[suffix]
    lines = Path(datapath("questions-words.txt")).read_text().splitlines(keepends=True)
    questions = tmp_path / f"questions.txt{suffix}"
    questions.write_bytes(pack("".join(lines[:400]).encode()))
    pairs = tmp_path / f"wordsim353.tsv{suffix}"
    pairs.write_bytes(pack(Path(datapath("wordsim353.tsv")).read_bytes()))
    ours, theirs = vecq.load(GLOVE), kv
    assert ours.evaluate_word_analogies(str(questions)) == theirs.evaluate_word_analogies(str(questions))
    mine, gensims = ours.evaluate_word_pairs(str(pairs)), theirs.evaluate_word_pairs(str(pairs))
    assert mine[2] == gensims[2] and mine[0][0] == pytest.approx(gensims[0][0], abs=1e-6)
    result = invoke(["eval", "analogies", str(questions)])
    assert result.exit_code == 0, result.stderr
    # through a pipe (bash's <(zcat FILE)): read once, its first bytes peeked, not read twice
    import os

    for body in ("".join(lines[:400]).encode(), questions.read_bytes()):
        read_end, write_end = os.pipe()
        os.write(write_end, body)  # under a pipe's 64 KiB: no writer thread needed
        os.close(write_end)
        try:
            piped = invoke(["eval", "analogies", f"/dev/fd/{read_end}"])
        finally:
            os.close(read_end)
        assert piped.exit_code == 0 and piped.stdout == result.stdout, piped.stderr


def _skipped_by_gensim(caplog) -> list[int]:
    """The lines gensim logs as skipped ("Skipping invalid line #N", counted from 0), from 1."""
    return [int(r.args[0]) + 1 for r in caplog.records if r.msg.startswith("Skipping invalid line")]


def test_eval_names_the_lines_gensim_skips_and_refuses_a_score_that_is_not_a_number(kv, tmp_path, caplog):
    """gensim skips lines of the wrong shape and logs each; vecq skipped them without a word. And a
    judged score of NaN made every correlation NaN, printed as an answer."""
    import logging

    pairs = tmp_path / "pairs.tsv"
    lines = ["cat\tdog\t7.5", "foo bar 3", "car\tbus\t3", "", "car\ttruck\t1", "king\tqueen"]
    pairs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    questions = tmp_path / "questions.txt"
    questions.write_text(": s\nking man woman queen\nparis france\nman woman boy girl\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="gensim"):
        kv.evaluate_word_pairs(str(pairs))
        gensim_pairs = [n for n in _skipped_by_gensim(caplog) if n != 4]  # 4: a blank line
        caplog.clear()
        kv.evaluate_word_analogies(str(questions))
        gensim_questions = _skipped_by_gensim(caplog)
    result = invoke(["eval", "similarity", str(pairs), "-f", "json"])
    assert result.exit_code == 0 and gensim_pairs == [2, 6]
    assert "2 lines are not 'word<TAB>word<TAB>score': skipped" in result.stderr
    assert "(line 2, 6)" in result.stderr
    result = invoke(["eval", "analogies", str(questions), "-f", "json"])
    assert result.exit_code == 0 and gensim_questions == [3]
    assert "1 line is not four words: skipped" in result.stderr and "(line 3)" in result.stderr
    pairs.write_text("cat\tdog\t7.5\ncar\tbus\tNaN\ncar\ttruck\t1\n", encoding="utf-8")
    result = invoke(["eval", "similarity", str(pairs)])
    assert result.exit_code == 3 and "not a finite number (line 2)" in result.stderr
    assert all(map(math.isnan, kv.evaluate_word_pairs(str(pairs))[0]))  # gensim's answer: NaN


def test_eval_says_what_it_cannot_answer(kv, tmp_path):
    """One usable pair was "a defect of vecq's" (scipy's ValueError); equal judged scores printed
    NaN under a Python warning; a Latin-1 line was read with U+FFFD in it, where gensim stops."""
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("cat\tdog\t7.5\nqqzzx\tdog\t3\n", encoding="utf-8")
    with pytest.raises(ValueError):
        kv.evaluate_word_pairs(str(pairs))  # gensim's answer: scipy's error
    one = invoke(["eval", "similarity", str(pairs)])
    assert one.exit_code == 3 and "only 1 pair has both words" in one.stderr and "at least 2" in one.stderr
    pairs.write_text("cat\tdog\t5\ncar\tbus\t5\nking\tqueen\t5\n", encoding="utf-8")
    equal = invoke(["eval", "similarity", str(pairs), "-f", "json"])
    assert equal.exit_code == 0 and json.loads(equal.stdout)[0]["pearson"] is None  # NaN, in JSON
    assert "Warning" not in equal.stderr and "are all equal" in equal.stderr
    questions = tmp_path / "questions.txt"
    questions.write_bytes(b": s\nathens greece baghdad iraq\ncaf\xe9 france rome italy\n")
    pairs.write_bytes(b"cat\tdog\t7\ncaf\xe9\tcar\t3\n")
    for command, path in [("analogies", questions), ("similarity", pairs)]:
        with pytest.raises(UnicodeDecodeError):
            getattr(kv, f"evaluate_word_{'analogies' if command == 'analogies' else 'pairs'}")(str(path))
        result = invoke(["eval", command, str(path)])
        assert result.exit_code == 3, result.stderr
        assert f"{path.name}, line {2 if command == 'similarity' else 3}: not valid UTF-8" in result.stderr


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_similarity_correlations_equal_gensim(glove, kv, name):
    pearson, spearman, oov = kv.evaluate_word_pairs(datapath(name))
    r = evaluate.pairs(glove, datapath(name))
    assert r.pearson == pytest.approx(pearson[0], abs=1e-6)
    assert r.spearman == pytest.approx(spearman[0], abs=1e-6)
    assert r.unknown_ratio * 100 == pytest.approx(oov)


@pytest.mark.slow
def test_eval_commands_print_records(questions_subset):
    result = invoke(["eval", "analogies", str(questions_subset), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data[-1]["section"] == "Total accuracy" and 0.3 < data[-1]["accuracy"] < 0.9
    assert "skipped" in result.stderr
    cosmul = json.loads(
        invoke(["eval", "analogies", str(questions_subset), "--method", "cosmul", "-f", "json"]).stdout
    )
    assert cosmul[-1]["total"] == data[-1]["total"]
    sim = json.loads(invoke(["eval", "similarity", "-f", "json"]).stdout)
    assert sim[0]["file"] == "wordsim353.tsv" and 0.3 < sim[0]["spearman"] < 0.9


def test_odd_one_out_equals_gensim_doesnt_match(kv):
    for words in (
        ["breakfast", "cereal", "dinner", "lunch"],
        ["cat", "dog", "mouse", "car"],
        ["paris", "berlin", "london", "apple"],
    ):
        result = invoke(["odd", *words])
        assert result.exit_code == 0
        rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter="\t"))
        assert rows[0]["word"] == kv.doesnt_match(words)
        assert all(abs(float(r["distance"]) - (1 - float(r["similarity"]))) < 1e-6 for r in rows)


def test_similar_with_three_words_gives_every_pair_once_in_pipes(kv):
    words = ["cat", "dog", "car"]
    rows = list(csv.DictReader(io.StringIO(invoke(["similar", *words]).stdout), delimiter="\t"))
    assert [(r["word1"], r["word2"]) for r in rows] == [("cat", "dog"), ("cat", "car"), ("dog", "car")]
    for r in rows:
        assert abs(float(r["similarity"]) - kv.similarity(r["word1"], r["word2"])) < 1e-5
    data = json.loads(invoke(["similar", *words, "-f", "json"]).stdout)
    assert [(d["word1"], d["word2"]) for d in data] == [(r["word1"], r["word2"]) for r in rows]


@pytest.mark.parametrize(
    "words", [["word", "cat", "dog"], ["model", "cat", "dog"], ["cat", "Cat", "dog", "cat"]]
)
@pytest.mark.parametrize("fmt", ["tsv", "csv", "json", "jsonl"])
def test_any_word_works_in_the_pairwise_matrix(words, fmt, glove):
    """Words named like columns, and repeated words, are pairs like any other."""
    result = invoke(["similar", *words, "-f", "jsonl" if fmt == "jsonl" else fmt])
    assert result.exit_code == 0, result.stderr
    n = len(words)
    if fmt == "jsonl":
        records = [json.loads(x) for x in result.stdout.splitlines()]
    elif fmt == "json":
        records = json.loads(result.stdout)
    else:
        records = list(csv.DictReader(io.StringIO(result.stdout), delimiter="\t" if fmt == "tsv" else ","))
    assert len(records) == n * (n - 1) // 2
    pairs = [(words[i], words[j]) for i in range(n) for j in range(i + 1, n)]
    assert [(r["word1"], r["word2"]) for r in records] == pairs
    for r, (a, b) in zip(records, pairs):
        expected = glove.similarity(glove.lookup(a), glove.lookup(b)).similarity
        assert abs(float(r["similarity"]) - expected) < 1e-6


def test_the_pairwise_matrix_on_a_terminal_is_square_with_every_word():
    from vecq.cli.env import Env

    words = ["word", "cat", "Cat", "dog"]
    tty = Env(stdout_isatty=True, stderr_isatty=True)
    result = CliRunner().invoke(cli, [*M, "similar", *words], obj=tty, terminal_width=120)
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "│" in line or "┃" in line]
    header = lines[0]
    assert all(w in header for w in words)
    body = [line for line in lines[1:] if any(ch.isdigit() for ch in line)]
    assert len(body) == len(words) and body[0].count("1.000000") == 1


@pytest.mark.slow
def test_plot_writes_png_svg_and_pdf(tmp_path):
    words = ["cat", "kitten", "dog", "puppy", "car"]
    png, svg, pdf = tmp_path / "w.png", tmp_path / "w.svg", tmp_path / "w.pdf"
    for path in (png, svg, pdf):
        result = invoke(["plot", *words, "-o", str(path)])
        assert result.exit_code == 0, result.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 400 and height > 300
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and all(f">{w}<" in text for w in words)
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_plot_with_neighbours_labels_them(tmp_path, glove):
    path = tmp_path / "n.svg"
    assert invoke(["plot", "cat", "car", "--neighbors", "3", "-o", str(path)]).exit_code == 0
    neighbour = glove.neighbors([Term(1.0, glove.lookup("car"))], top=1)[0]
    assert f">{neighbour.word}<" in path.read_text()


def test_plot_refuses_an_unknown_extension_as_usage_and_an_unwritable_file_as_failure(tmp_path):
    result = invoke(["plot", "cat", "dog", "-o", str(tmp_path / "x.gif")])
    assert result.exit_code == 2 and ".png" in result.stderr and len(result.stderr.splitlines()) == 1
    result = invoke(["plot", "cat", "dog", "-o", str(tmp_path / "missing" / "x.png")])
    assert result.exit_code == 1 and "cannot write" in result.stderr and len(result.stderr.splitlines()) == 1


def test_plot_without_matplotlib_says_how_to_install(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = invoke(["plot", "cat", "dog", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 1 and "pip install 'vecq[plot]'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_models_lists_the_catalogue_offline():
    data = json.loads(CliRunner().invoke(cli, ["models", "-f", "json"]).stdout)
    names = [d["name"] for d in data]
    assert "word2vec-google-news-300" in names and "glove-twitter-200" in names
    glove = next(d for d in data if d["name"] == "glove-wiki-gigaword-50")
    assert glove["downloaded"] is True and glove["vocabulary"] == 400000


def test_repl_answers_words_expressions_and_similarities():
    result = invoke(["repl", "-n", "2"], input="cat\nking - man + woman\ncat ~ dog\nqqzzxx\n\n")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    neighbours = invoke(["neighbors", "cat", "-n", "2", "--no-header"]).stdout.splitlines()
    similarity = invoke(["similar", "cat", "dog", "--no-header"]).stdout.splitlines()
    assert neighbours[0] in lines and neighbours[0].startswith("cat\t1\t")  # the neighbours of a word
    assert any(line.startswith("king - man + woman\t1\tqueen\t") for line in lines)  # of an expression
    assert similarity[0] in lines  # a similarity, as its own record (not the header's word)
    assert "'qqzzxx' is not in the vocabulary" in result.stderr


def test_a_command_typed_in_the_repl_is_told_how_the_repl_asks_it():
    """``similar cat dog`` typed at the REPL's prompt was looked up as the phrase 'similar cat dog'
    ("did you mean: similar + cat + dog"): the error now says what to type there instead."""
    typed = ["neighbors cat -n 3", "similar cat dog", "analogy king man woman", "similar cat", "qqzzxx"]
    result = invoke(["repl", "-n", "1"], input="\n".join(typed) + "\n")
    assert result.exit_code == 0 and result.stdout == ""
    told = [line.rpartition("; ")[2] for line in result.stderr.splitlines()]
    assert told[:4] == [
        f"the REPL takes words, not commands: type '{asked}' ('help' says how)"
        for asked in ("cat", "cat ~ dog", "king - man + woman", "word ~ word")
    ]
    assert "the REPL takes" not in result.stderr.splitlines()[4]  # a word is not a command
    # another command of vecq's is told to be run in the shell (its words answered it nothing)
    told = invoke(["repl", "-n", "1"], input="odd cat dog car\nvector cat\n").stderr.splitlines()
    assert [line.rpartition("; ")[2] for line in told] == [
        f"'{command}' is a command of vecq, not of the REPL: run 'vecq {command} {words}' in the shell"
        for command, words in (("odd", "cat dog car"), ("vector", "cat"))
    ]
    # an analogy test's notation is told the expression, without spelling suggestions for it
    told = invoke(["repl", "-n", "1"], input="man:king::woman\n").stderr.strip()
    assert told == (
        "vecq: error: 'man:king::woman' is an analogy test's notation; the REPL asks an analogy as "
        "an expression: type 'king - man + woman'"
    )


@pytest.mark.parametrize("charset", ["utf-8", "ascii"])
def test_repl_reads_utf8_and_a_line_that_is_not_is_its_error_and_the_session_goes_on(charset):
    """Standard input in a UTF-8 locale's strict decoding (or PYTHONIOENCODING=ascii): a Latin-1
    line, or any word not ASCII, ended the session as "a defect of vecq's"."""
    lines = b"caf\xe9\ncaf\xc3\xa9\ncat ~ dog\n"
    result = CliRunner(charset=charset).invoke(
        cli, ["-m", GLOVE, "repl", "-n", "1", "-f", "jsonl"], input=lines
    )
    assert result.exit_code == 0, result.stderr
    assert "the word is not valid UTF-8 (the byte 0xE9 after 'caf')" in result.stderr
    answers = [json.loads(x) for x in result.stdout.splitlines()]
    assert [a.get("query", a.get("word1")) for a in answers] == ["café", "cat"]
    assert "defect" not in result.stderr


def test_an_analogy_file_with_nothing_to_score_is_refused_and_an_empty_section_has_no_accuracy(kv, tmp_path):
    """Questions whose words are all outside the first N words printed an accuracy of 0.000000 (0 of
    0); the object answered 0 where gensim divides by zero (a file of no question); a section that
    asked nothing showed an accuracy of 0 beside sections that asked."""
    import vecq
    from vecq.errors import QueryError

    unknown = tmp_path / "unknown.txt"
    unknown.write_text(": s\nqqqzx wwwzx eeezx rrrzx\n", encoding="utf-8")
    assert kv.evaluate_word_analogies(str(unknown))[0] == 0.0  # gensim's answer, kept: with a warning
    with pytest.warns(UserWarning, match="no question to score: its question has a word outside"):
        assert vecq.load(GLOVE).evaluate_word_analogies(str(unknown)) == kv.evaluate_word_analogies(
            str(unknown)
        )
    unknown.write_text(": s\nking man woman\n", encoding="utf-8")
    with pytest.raises(ZeroDivisionError):
        kv.evaluate_word_analogies(str(unknown))  # gensim's answer: none
    with pytest.raises(QueryError, match="none of its lines is four words"):
        vecq.load(GLOVE).evaluate_word_analogies(str(unknown))
    unknown.write_text(": s\nqqqzx wwwzx eeezx rrrzx\n", encoding="utf-8")
    # with dummy4unknown the question counts, answered wrong: gensim's 0.0
    assert vecq.load(GLOVE).evaluate_word_analogies(str(unknown), dummy4unknown=True) == (
        kv.evaluate_word_analogies(str(unknown), dummy4unknown=True)
    )
    for body, why in [
        (": s\nqqqzx wwwzx eeezx rrrzx\n", "its question has a word outside the model's first 300000"),
        (": s\nking man woman\n", "none of its lines is four words (line 2 is not)"),
        (": s\n", "it holds no questions"),
    ]:
        unknown.write_text(body, encoding="utf-8")
        result = invoke(["eval", "analogies", str(unknown)])
        assert result.exit_code == 3 and result.stdout == "", result.stdout
        assert f"no question to score: {why}" in result.stderr and len(result.stderr.splitlines()) == 1
    pairs = tmp_path / "pairs.tsv"  # its lines are good pairs: it was "no usable word pairs"
    pairs.write_text("qqqzx\twwwzx\t1.5\neeezx\trrrzx\t2\n", encoding="utf-8")
    result = invoke(["eval", "similarity", str(pairs)])
    assert result.exit_code == 3 and len(result.stderr.splitlines()) == 1
    assert (
        "no pair to score: each of its 2 pairs has a word outside the model's first 300,000" in result.stderr
    )
    mixed = tmp_path / "mixed.txt"
    mixed.write_text(": a\nathens greece baghdad iraq\n: b\nqqqzx wwwzx eeezx rrrzx\n", encoding="utf-8")
    result = invoke(["eval", "analogies", str(mixed), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    records = {r["section"]: r for r in json.loads(result.stdout)}
    assert records["b"]["total"] == 0 and records["b"]["accuracy"] is None  # NaN: nothing asked
    score, sections = kv.evaluate_word_analogies(str(mixed))
    assert records["Total accuracy"]["accuracy"] == score == records["a"]["accuracy"]


def test_eval_similarity_reads_another_delimiter_and_names_the_one_a_file_uses(tmp_path, kv):
    """A WordSim file as CSV was "no usable word pairs" with no way to read it (gensim's
    ``delimiter`` had no flag): ``--delimiter ,`` reads it, as gensim's ``delimiter=','``, and the
    error names the delimiter the file's lines use."""
    csv_file = tmp_path / "pairs.csv"
    csv_file.write_text("cat,dog,7\ncar,automobile,8\nking,queen,8.5\nbread,butter,6\n", encoding="utf-8")
    refused = invoke(["eval", "similarity", str(csv_file)])
    assert refused.exit_code == 3
    assert refused.stderr.strip().endswith("its lines read as 'word,word,score': give --delimiter ,")
    result = invoke(["eval", "similarity", str(csv_file), "--delimiter", ",", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    (record,) = json.loads(result.stdout)
    pearson, spearman, _ = kv.evaluate_word_pairs(str(csv_file), delimiter=",")
    assert record["pairs"] == 4 and abs(record["pearson"] - pearson.statistic) < 1e-6
    assert abs(record["spearman"] - spearman.statistic) < 1e-6
    tsv_file = tmp_path / "pairs.tsv"
    tsv_file.write_text(csv_file.read_text().replace(",", "\t"), encoding="utf-8")
    assert invoke(["eval", "similarity", str(tsv_file), "--delimiter", "\\t"]).exit_code == 0
    told = invoke(["eval", "similarity", str(tsv_file), "--delimiter", ","]).stderr
    assert "leave the delimiter out (a tab is the default)" in told
