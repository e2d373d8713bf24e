"""Batch mode: queries as arguments, from a file and from stdin; order kept, nothing lost."""

from __future__ import annotations

import codecs
import json
import random

import pytest
from conftest import GLOVE, tsv
from conftest import glove_invoke as invoke


@pytest.mark.parametrize("how", ["argument", "file", "stdin"])
def test_three_ways_in_give_the_same_answer(how, tmp_path, glove):
    """The same pair given as arguments, in a file and on stdin: the engine's score, to the digit."""
    expected = f"{glove.similarity(glove.lookup('cat'), glove.lookup('kitten')).similarity:.6f}"
    path = tmp_path / "pairs.tsv"
    path.write_text("cat\tkitten\n")
    args = {
        "argument": ["similar", "cat", "kitten"],
        "file": ["similar", "--input", str(path)],
        "stdin": ["similar", "-"],
    }[how]
    result = invoke(args, input="cat\tkitten\n" if how == "stdin" else None)
    (row,) = tsv(result.stdout)
    assert result.exit_code == 0 and row["similarity"] == expected
    assert row.get("status", "ok") == "ok" and (how == "argument") == ("status" not in row)


@pytest.mark.parametrize(
    "command, line, column, expected",
    [
        ("similar", "cat kitten", "word2", "kitten"),
        ("analogy", "king man woman", "answer", "queen"),
        ("neighbors", "king - man + woman", "word", "queen"),
    ],
)
@pytest.mark.parametrize("how", ["file", "stdin"])
def test_every_query_command_reads_lines(command, line, column, expected, how, tmp_path):
    path = tmp_path / "in.txt"
    path.write_text(line + "\n")
    args = [command, "--input", str(path)] if how == "file" else [command, "-"]
    result = invoke(args, input=line + "\n" if how == "stdin" else None)
    assert result.exit_code == 0
    assert tsv(result.stdout)[0][column] == expected


@pytest.mark.slow
def test_ten_thousand_lines_mixed_good_and_bad_come_back_in_order(glove):
    rng = random.Random(0)
    words = [glove.vocab.word(i) for i in range(100, 3000)]
    lines, bad = [], set()
    for i in range(10_000):
        kind = rng.random()
        if kind < 0.1:
            lines.append(f"{rng.choice(words)}\tqqzzxq{i}")
            bad.add(i)
        elif kind < 0.15:
            lines.append("only-one-word")
            bad.add(i)
        elif kind < 0.17:
            lines.append(rng.choice(["", "   ", "# a comment", "#"]))  # not queries: no record
        else:
            lines.append(f"{rng.choice(words)}\t{rng.choice(words)}")
    result = invoke(["similar", "-"], input="\n".join(lines) + "\n")
    assert result.exit_code == 5
    rows = tsv(result.stdout)
    queries = [(i, line) for i, line in enumerate(lines) if line.strip() not in ("", "#", "# a comment")]
    assert len(rows) == len(queries) and len(rows) > 9_500
    for (i, line), row in zip(queries, rows):
        assert row["line"] == str(i + 1)
        assert row["status"] == ("error" if i in bad else "ok"), (i, line, row)
        if i not in bad:
            a, b = line.split("\t")
            assert (row["word1"], row["word2"]) == (a, b)
            assert (
                abs(float(row["similarity"]) - glove.similarity(glove.lookup(a), glove.lookup(b)).similarity)
                < 1e-5
            )
    errors = [line for line in result.stderr.splitlines() if line.startswith("vecq: line ")]
    assert len(errors) == len(bad)


def test_strict_stops_at_the_first_bad_line():
    result = invoke(["similar", "-", "--strict"], input="cat dog\ncat qqzzxq\ncat kitten\n")
    assert result.exit_code == 3
    rows = tsv(result.stdout)
    assert [r["word2"] for r in rows] == ["dog"]
    assert "line 2" in result.stderr


def test_json_batch_is_one_valid_array_with_error_fields():
    result = invoke(["analogy", "-", "-f", "json"], input="king man woman\nfoo\nparis france italy\n")
    assert result.exit_code == 5
    data = json.loads(result.stdout)
    assert [d["status"] for d in data] == ["ok", "error", "ok"]
    assert data[0]["answer"] == "queen" and data[1]["error"] and data[2]["answer"] == "rome"
    assert data[0]["error"] is None


def test_jsonl_batch_answers_for_jq():
    result = invoke(["analogy", "-", "-f", "jsonl"], input="king man woman\nparis france italy\n")
    answers = [json.loads(line)["answer"] for line in result.stdout.splitlines()]
    assert answers == ["queen", "rome"]


def test_neighbors_batch_carries_the_query_on_every_row():
    result = invoke(["neighbors", "-", "-n", "3"], input="cat\ndog\nnotaword_qq\n")
    rows = tsv(result.stdout)
    assert [r["query"] for r in rows] == ["cat"] * 3 + ["dog"] * 3 + ["notaword_qq"]
    assert rows[-1]["status"] == "error"


def test_empty_input_gives_only_a_header():
    result = invoke(["similar", "-"], input="")
    assert result.exit_code == 0 and result.stdout == "line\tword1\tword2\tsimilarity\tstatus\terror\n"


def test_arguments_and_input_together_are_a_usage_error(tmp_path):
    result = invoke(["similar", "cat", "dog", "--input", str(tmp_path / "x")])
    assert result.exit_code == 2


def test_missing_input_file_is_a_usage_error_before_any_output():
    result = invoke(["similar", "--input", "/no/such/file"])
    assert result.exit_code == 2 and "cannot read /no/such/file" in result.stderr and result.stdout == ""


def test_unknown_words_in_a_batch_get_suggestions_up_to_a_budget(monkeypatch):
    from vecq.cli import batch

    monkeypatch.setattr(batch, "SUGGESTED_WORDS", 2)
    lines = "cat kittne\ncat dgo\ncat kittne\ncat hosre\ncat dog\n"
    result = invoke(["similar", "-"], input=lines)
    assert result.exit_code == 5
    errors = [r["error"] for r in tsv(result.stdout)]
    assert "did you mean" in errors[0] and "kitten" in errors[0]
    assert "did you mean" in errors[1]
    assert errors[2] == errors[0]  # a word seen before costs nothing more
    assert "did you mean" not in errors[3] and "check the spelling" in errors[3]  # over the budget
    assert errors[4] == ""
    assert result.stderr.count("did you mean") == 3


@pytest.mark.parametrize(
    ("command", "lines"),
    [
        ("neighbors", ["cat", "dog", "king - man + woman", "paris"]),
        ("analogy", ["king man woman", "paris france italy", "walked walk swim"]),
    ],
)
def test_a_batch_scores_as_single_queries(command, lines):
    """Bit for bit: a query alone and among others in a batch prints the same JSON number."""

    def scores(result) -> list[tuple]:
        assert result.exit_code == 0, result.stderr
        return [
            tuple(v for k, v in json.loads(x).items() if k not in ("line", "status", "error", "model"))
            for x in result.stdout.splitlines()
        ]

    alone = [r for line in lines for r in scores(invoke([command, *line.split(), "-n", "3", "-f", "jsonl"]))]
    batched = scores(invoke([command, "-", "-n", "3", "-f", "jsonl"], input="\n".join(lines) + "\n"))
    assert alone == batched and len(alone) == 3 * len(lines)


def test_a_threshold_at_a_score_answers_alone_and_in_a_batch(glove):
    (row,) = tsv(invoke(["neighbors", "cat", "-n", "1", "-f", "tsv"]).stdout)
    exact = json.loads(invoke(["neighbors", "cat", "-n", "1", "-f", "jsonl"]).stdout)["similarity"]
    at = repr(exact)
    alone = invoke(["neighbors", "cat", "-n", "1", "--threshold", at, "-f", "jsonl"])
    batch = invoke(["neighbors", "-", "-n", "1", "--threshold", at, "-f", "jsonl"], input="cat\ndog\n")
    assert json.loads(alone.stdout)["word"] == row["word"]
    assert json.loads(batch.stdout.splitlines()[0])["word"] == row["word"]


@pytest.mark.parametrize(
    ("args", "lines", "why"),
    [
        (["neighbors", "-", "-n", "3", "--threshold", "0.9"], ["cat", "the", "king"], "--threshold 0.9"),
        (["analogy", "-", "--restrict", "1"], ["the man woman", "king man woman"], "--restrict 1"),
        (["neighbors", "-", "--restrict", "1"], ["the", "cat"], "--restrict 1"),
    ],
)
def test_one_record_per_input_line_whatever_the_options(args, lines, why):
    """A query with no answer is a record with status none that says why."""
    result = invoke(args, input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    rows = tsv(result.stdout)
    assert sorted({int(r["line"]) for r in rows}) == list(range(1, len(lines) + 1))
    for r in rows:
        assert r["status"] in ("ok", "none")
        if r["status"] == "none":
            assert why in r["error"] and r["rank"] == ""
    assert any(r["status"] == "none" for r in rows)


def test_a_single_query_with_no_answer_says_why_on_stderr():
    result = invoke(["neighbors", "king", "--threshold", "0.99"])
    assert result.exit_code == 0 and "no answer" in result.stderr and "--threshold 0.99" in result.stderr
    assert tsv(result.stdout) == []


def test_blank_and_comment_lines_are_not_queries(glove, tmp_path):
    text = "# pairs to check\ncat\tdog\n\n   \n#\n#\tcat\n"  # '#<TAB>cat' asks about the word '#'
    result = invoke(["similar", "-"], input=text)
    assert result.exit_code == 0, result.stderr
    rows = tsv(result.stdout)
    assert [(r["line"], r["word1"], r["word2"]) for r in rows] == [("2", "cat", "dog"), ("6", "#", "cat")]
    # what was left out is said, never silent (a word list says the same)
    assert result.stderr == (
        "vecq: left out 2 lines of standard input as comments ('#' alone, or '# ' and text: line 1, 5); "
        "to ask about the word '#', put a tab after it\n"
    )
    written = invoke(["vector", "-", "-o", str(tmp_path / "v.npy")], input="# the words\ncat\n")
    assert "left out 1 line of standard input as comments" in written.stderr


def test_a_lone_cr_stays_inside_its_line_and_crlf_ends_one(glove):
    result = invoke(["similar", "-", "-f", "jsonl"], input="cat\tdog\r\ncat\rdog\tbird\r\n")
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2]
    assert records[0]["status"] == "ok" and records[0]["word2"] == "dog"
    assert records[1]["status"] == "error" and records[1]["word1"] == "cat\rdog"


def test_a_byte_order_mark_before_the_input_is_dropped():
    result = invoke(["similar", "-", "-f", "jsonl"], input="\ufeffcat\tdog\n")
    (record,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert record["word1"] == "cat" and record["status"] == "ok"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_input_with_a_utf16_or_utf32_byte_order_mark_is_read_in_that_encoding(encoding, tmp_path):
    """PowerShell's ``>`` and Notepad's "Unicode" write UTF-16 with a byte-order mark: read as
    UTF-8, each line was NUL bytes and halves of characters, all error records. The mark names the
    encoding: the same records as the UTF-8 text's, one per line (a --words file too)."""
    text = "cat\tdog\r\n\r\n# a comment\nnaïve\tkönig\nqqzzyx\tcat\n"
    marked = ("\ufeff" + text).encode(encoding) if encoding.endswith("-be") else text.encode(encoding)
    assert marked[:2] in (b"\xff\xfe", b"\xfe\xff") or marked[:4] in (b"\x00\x00\xfe\xff",)
    as_utf8 = invoke(["similar", "-", "-f", "jsonl"], input=text.encode("utf-8"))
    result = invoke(["similar", "-", "-f", "jsonl"], input=marked)
    assert result.exit_code == as_utf8.exit_code == 5
    assert result.stdout == as_utf8.stdout
    assert [json.loads(x)["status"] for x in result.stdout.splitlines()] == ["ok", "ok", "error"]
    words = tmp_path / "words.txt"
    words.write_bytes(
        "cat\ndog\n".encode(encoding) if not encoding.endswith("-be") else "\ufeffcat\ndog\n".encode(encoding)
    )
    listed = invoke(["export", "--words", str(words), "-o", str(tmp_path / "out.txt")])
    assert listed.exit_code == 0, listed.stderr
    assert [line.split()[0] for line in (tmp_path / "out.txt").read_text().splitlines()[1:]] == ["cat", "dog"]


def test_utf16_without_a_mark_is_said():
    result = invoke(["neighbors", "-", "-f", "jsonl"], input="cat\n".encode("utf-16-le"))
    assert result.exit_code == 5
    assert "UTF-16 without a byte-order mark" in json.loads(result.stdout.splitlines()[0])["error"]


@pytest.mark.parametrize(
    "mark, codec, bad, name",
    [
        (codecs.BOM_UTF16_LE, "utf-16-le", b"\x00\xd8", "UTF-16"),  # a lone high surrogate
        (codecs.BOM_UTF16_BE, "utf-16-be", b"\xdc\x00", "UTF-16"),  # a lone low surrogate
        (codecs.BOM_UTF32_LE, "utf-32-le", (0x110000).to_bytes(4, "little"), "UTF-32"),  # past Unicode
    ],
)
def test_a_line_not_in_its_marks_encoding_is_one_error_record_in_its_place(mark, codec, bad, name):
    """A UTF-16 input with a broken line (a lone surrogate; a last byte cut off) was refused whole,
    exit 2 and no record for its good lines. Each line is one record: the bad ones error records
    naming the encoding, in their places, the others answered as in a UTF-8 input."""
    marked = mark + "cat\n".encode(codec) + bad + "\ndog\n".encode(codec) + b"\x00"
    result = invoke(["neighbors", "-", "-f", "jsonl", "-n", "1"], input=marked)
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert result.exit_code == 5 and "Traceback" not in result.stderr
    assert [(r["line"], r["status"]) for r in records] == [(1, "ok"), (2, "error"), (3, "ok"), (4, "error")]
    assert records[0]["query"] == "cat" and records[2]["query"] == "dog"
    assert all(f"but is not {name} (this line" in records[i]["error"] for i in (1, 3))
    assert all("\ufffd" in records[i]["query"] for i in (1, 3))
    as_utf8 = invoke(["neighbors", "-", "-f", "jsonl", "-n", "1"], input=b"cat\n\xff\ndog\n\xfe")
    statuses = [json.loads(x)["status"] for x in as_utf8.stdout.splitlines()]
    assert statuses == [r["status"] for r in records]


def test_text_that_is_not_utf8_is_said_never_asked_as_another_word(tmp_path, monkeypatch):
    """A Latin-1 line is an error record saying so, in its place, not the text with U+FFFD in it:
    a model read with --unicode-errors replace holds such a word ("caf\ufffd"), which it would
    answer for another. A real U+FFFD typed is still a word; an argument, a --words file and
    `vector -o` say the same."""
    from conftest import invoke as any_invoke

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"3 3\ncat 0.3 0.2 0.1\ncaf\xe9 0.1 0.2 0.3\ndog 0.2 0.2 0.1\n")
    model = ["-m", str(path), "--unicode-errors", "replace"]
    lines = b"cat\tdog\n" + b"caf\xe9\tcat\n" + "caf\ufffd\tcat\n".encode()
    result = any_invoke([*model, "similar", "-", "-f", "jsonl"], input=lines)
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert [(r["line"], r["status"]) for r in records] == [(1, "ok"), (2, "error"), (3, "ok")]
    assert "not valid UTF-8" in records[1]["error"] and "iconv" in records[1]["error"]
    assert records[1]["word1"] == "caf\ufffd\tcat" and result.exit_code == 5
    argument = any_invoke([*model, "similar", "caf\udce9", "cat"])  # how Python reads such an argument
    assert argument.exit_code == 3 and "not valid UTF-8 (the byte 0xE9 after 'caf')" in argument.stderr
    words = tmp_path / "words.txt"
    words.write_bytes(b"cat\ncaf\xe9\n")
    listed = any_invoke([*model, "cluster", "--words", str(words), "-k", "2"])
    assert listed.exit_code == 3 and f"{words}, line 2: the line is not valid UTF-8" in listed.stderr
    vectors = any_invoke([*model, "vector", "-", "-o", str(tmp_path / "v.npy")], input=b"cat\ncaf\xe9\n")
    import numpy as np

    rows = np.load(tmp_path / "v.npy")
    assert vectors.exit_code == 5 and np.isfinite(rows[0]).all() and np.isnan(rows[1]).all()


def test_compressed_input_is_read_by_name_and_refused_on_stdin(tmp_path, session_cache):
    """A gzip, bzip2 or xz file given by name (--input, --words) is read decompressed, as gensim
    reads its files; on standard input it is one line before any output, saying how to decompress
    it (it was an error record a line, each saying to convert from Latin-1); a file cut short is
    one line too."""
    import bz2
    import gzip
    import lzma
    import os
    import subprocess
    import sys

    from conftest import M

    text = b"cat\tdog\nking\tqueen\n"
    plain = tsv(invoke(["similar", "-"], input=text).stdout)
    for suffix, module in [(".gz", gzip), (".bz2", bz2), (".xz", lzma)]:
        path = tmp_path / f"pairs{suffix}"
        path.write_bytes(module.compress(text))
        result = invoke(["similar", "--input", str(path)])
        assert result.exit_code == 0 and tsv(result.stdout) == plain, result.stderr
    words = tmp_path / "words.gz"
    words.write_bytes(gzip.compress(b"cat\ndog\nking\nqueen\n"))
    clustered = invoke(["cluster", "--words", str(words), "-k", "2"])
    assert clustered.exit_code == 0 and len(tsv(clustered.stdout)) == 4, clustered.stderr
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(text * 1000)[:-6])  # its end marker cut off
    damaged = invoke(["similar", "--input", str(cut)])
    assert damaged.exit_code == 2 and "is a damaged .gz file" in damaged.stderr
    env = {**os.environ, "VECQ_CACHE_DIR": str(session_cache)}
    proc = subprocess.run(
        [sys.executable, "-m", "vecq", *M, "similar", "-"],
        input=bz2.compress(text),
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode().splitlines() == [
        "vecq: error: standard input is bzip2-compressed; decompress it first (bzcat FILE | vecq ...) "
        "or give the file by name"
    ]


def test_standard_input_from_a_terminal_says_it_is_being_read(glove):
    """``vecq neighbors -`` typed at a prompt waited without a word, as if it hung."""
    from click.testing import CliRunner

    from vecq.cli import cli
    from vecq.cli.env import Env

    tty = Env(stdout_isatty=False, stderr_isatty=True, stdin_isatty=True)
    result = CliRunner().invoke(cli, ["-m", GLOVE, "neighbors", "-", "-n", "1"], input="cat\n", obj=tty)
    assert result.exit_code == 0 and "\tdog\t" in result.stdout
    assert result.stderr == "vecq: reading standard input, one a line, from the terminal: Ctrl-D ends it\n"
    piped = CliRunner().invoke(cli, ["-m", GLOVE, "neighbors", "-", "-n", "1"], input="cat\n", obj=Env())
    assert piped.exit_code == 0 and piped.stderr == ""
    corpus = CliRunner().invoke(cli, ["train", "-", "-o", "-"], input="", obj=tty)  # a corpus too
    assert corpus.stderr.startswith("vecq: reading standard input, one a line, from the terminal")


def test_empty_tab_separated_fields_are_named_in_the_error(glove):
    """A spreadsheet's blank column (``cat<TAB>dog<TAB>``) gave "expected 2 words, got 3 in
    'cat\\tdog'", the tab that made the third field not shown: the error shows the line as it is,
    names the empty fields and why they are there; one record a line still."""
    lines = "cat\tdog\t\ncat\t\tdog\n\tcat\tdog\t\ncat\tdog\n"
    result = invoke(["similar", "-", "-f", "jsonl"], input=lines)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 5 and [r["status"] for r in records] == ["error", "error", "error", "ok"]
    assert records[0]["error"] == (
        "expected 2 words, got 3 in 'cat\\tdog\\t' "
        "(field 3 is empty: a tab at the end of the line; remove it)"
    )
    assert "(field 2 is empty: two tabs in a row; remove it)" in records[1]["error"]
    assert (
        "(fields 1 and 4 are empty: a tab at the start of the line and a tab at the end"
        in records[2]["error"]
    )


def test_a_line_of_comma_separated_words_is_told_vecqs_separators(glove):
    """A CSV of pairs (a spreadsheet's, a benchmark's) gave "expected 2 words, got 1" on every
    line: the error says words are separated by spaces or a tab, and how to convert the file."""
    result = invoke(["similar", "-", "-f", "jsonl"], input='cat,dog\n"cat","dog"\ncat dog\na,b,c\n')
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 5 and [r["status"] for r in records] == ["error", "error", "ok", "error"]
    told = "; words are separated by spaces or a tab, not commas (for a CSV file: tr , '\\t' < FILE)"
    assert records[0]["error"].endswith(told) and records[1]["error"].endswith(told)
    assert "commas" not in records[3]["error"]  # three fields: not a pair written as CSV
    analogy = invoke(["analogy", "-", "-f", "jsonl"], input="king,man,woman\n")
    assert json.loads(analogy.stdout)["error"].endswith(told)
