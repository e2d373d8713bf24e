"""Every command through click's CliRunner, in every format, with its error paths."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from conftest import GLOVE, M, tsv, write_text_model
from conftest import invoke as run

from vecq.cli import cli
from vecq.cli.env import Env
from vecq.cli.group import command_tree
from vecq.cli.session import Session


def test_similar_prints_glove_value(glove):
    result = run([*M, "similar", "cat", "kitten"])
    assert result.exit_code == 0
    (row,) = tsv(result.stdout)
    expected = glove.similarity(glove.lookup("cat"), glove.lookup("kitten")).similarity
    assert row == {"word1": "cat", "word2": "kitten", "similarity": f"{expected:.6f}"}


def test_analogy_puts_queen_first():
    result = run([*M, "analogy", "king", "man", "woman", "-n", "3"])
    assert result.exit_code == 0
    rows = tsv(result.stdout)
    assert rows[0]["answer"] == "queen" and [r["rank"] for r in rows] == ["1", "2", "3"]


def test_neighbors_and_nearest_alias_agree():
    a = run([*M, "neighbors", "cat"])
    b = run([*M, "nearest", "cat"])
    british = run([*M, "neighbours", "cat"])  # as vecq's own help spells the word
    assert a.exit_code == b.exit_code == british.exit_code == 0
    assert a.stdout == b.stdout == british.stdout
    rows = tsv(a.stdout)
    assert len(rows) == 10 and "cat" not in [r["word"] for r in rows]
    scores = [float(r["similarity"]) for r in rows]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("neigbors", "did you mean neighbors or neighbours?"),
        ("simlar", "did you mean similar?"),
        ("cat", "a word goes after a command, as in 'vecq neighbors cat'"),
    ],
)
def test_a_command_that_is_none_gets_the_commands_spelt_like_it(typed, says):
    result = run([*M, typed, "dog"])
    assert result.exit_code == 2 and says in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("distance", "no command 'distance'; word2vec's distance is 'vecq neighbors WORD'"),
        ("nn", "no command 'nn'; fastText's nn is 'vecq neighbors WORD'"),
        ("most_similar", "gensim's most_similar is 'vecq neighbors WORD', or 'vecq analogy A B C'"),
        ("Word-Analogy", "word2vec's word-analogy is 'vecq analogy A B C'"),
    ],
)
def test_another_tools_command_is_told_vecqs(typed, says):
    """word2vec's ``distance`` and fastText's ``nn`` were told "a word goes after a command, as in
    'vecq neighbors distance'", and gensim's ``most_similar`` "did you mean similar?" (a cosine of
    two words, not neighbours)."""
    result = run([*M, typed, "cat"])
    assert result.exit_code == 2 and result.stdout == ""
    assert says in result.stderr and len(result.stderr.splitlines()) == 1


def test_every_command_told_for_another_tools_is_vecqs():
    from vecq.cli.app import cli

    for name, (_, ours) in cli.known_elsewhere.items():
        assert name not in cli.list_commands(None)  # type: ignore[arg-type]
        for told in re.findall(r"'vecq ([^']*)'", ours):
            words = told.split()
            command = [w for w in words[:2] if w.islower() and not w.startswith("-")]
            shown = run([*command, "--help"])
            assert shown.exit_code == 0, (name, told, shown.stderr)
            for flag in (w for w in words if w.startswith("--")):
                assert flag in shown.stdout, (name, flag)


@pytest.mark.parametrize(
    "typed",
    [
        ["-f", "json", "neighbors", "cat", "--top", "2"],
        ["--top", "2", *M, "neighbors", "king - man + woman"],
        ["--format=jsonl", "similar", "cat", "dog"],
        ["--away", "man", "woman", "neighbors", "doctor", "-n", "3"],
    ],
)
def test_a_commands_option_before_its_name_is_told_the_command_that_works(typed):
    """``vecq -f json neighbors cat`` was "No such option '-f'" with a hint about words starting
    with '-': the option is the command's, and the message gives the command line it goes in."""
    args = typed if "-m" in typed else [*M, *typed]
    result = run(args)
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "is an option of 'vecq " in line and "as in: vecq " in line
    fixed = run(shlex.split(line.split("as in: vecq ", 1)[1]))
    assert fixed.exit_code == 0 and fixed.stdout, fixed.stderr


def test_neighbors_of_an_expression_unquoted():
    result = run([*M, "neighbors", "king", "-", "man", "+", "woman", "-n", "1"])
    assert result.exit_code == 0
    assert tsv(result.stdout)[0]["word"] == "queen"


def test_threshold_and_restrict():
    rows = tsv(run([*M, "neighbors", "cat", "-n", "50", "--threshold", "0.8"]).stdout)
    assert rows and all(float(r["similarity"]) >= 0.8 for r in rows)
    restricted = tsv(run([*M, "neighbors", "cat", "--restrict", "1000"]).stdout)
    from vecq.sources.loader import open_model

    model = open_model("glove-wiki-gigaword-50")
    assert all(model.vocab.index(r["word"]) < 1000 for r in restricted)


@pytest.mark.parametrize("fmt", ["tsv", "csv", "json", "jsonl", "table"])
def test_every_format_of_neighbors(fmt):
    result = run([*M, "neighbors", "cat", "-n", "3", "--format", fmt])
    assert result.exit_code == 0
    out = result.stdout
    if fmt == "tsv":
        assert out.splitlines()[0] == "query\trank\tword\tsimilarity" and len(out.splitlines()) == 4
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [r["rank"] for r in rows] == ["1", "2", "3"]
    elif fmt == "json":
        data = json.loads(out)
        assert len(data) == 3 and data[0]["word"] == "dog"
        assert data[0]["model"] == {"name": "glove-wiki-gigaword-50", "dimensions": 50, "vocabulary": 400000}
    elif fmt == "jsonl":
        lines = [json.loads(x) for x in out.splitlines()]
        assert [x["rank"] for x in lines] == [1, 2, 3] and lines[0]["model"]["vocabulary"] == 400000
    else:
        assert "neighbours of cat" in out and "glove-wiki-gigaword-50" in out and "dog" in out


@pytest.mark.parametrize(
    "args",
    [["similar", "cat", "kitten"], ["analogy", "king", "man", "woman"], ["vector", "cat"], ["info"]],
)
@pytest.mark.parametrize("fmt", ["tsv", "csv", "json", "jsonl", "table"])
def test_every_command_in_every_format(args, fmt):
    result = run([*M, *args, "-f", fmt])
    assert result.exit_code == 0 and result.stdout.strip()
    if fmt == "json":
        assert isinstance(json.loads(result.stdout), list)
    if fmt == "jsonl":
        assert all(json.loads(line)["model"]["dimensions"] == 50 for line in result.stdout.splitlines())


def test_no_header():
    result = run([*M, "similar", "cat", "dog", "--no-header"])
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("cat\tdog\t")


def test_terminal_gets_a_table_and_pipe_gets_tsv():
    tty = Env(stdout_isatty=True, stderr_isatty=False, color=False)
    result = CliRunner().invoke(cli, [*M, "similar", "cat", "kitten"], obj=tty)
    assert "┃" in result.stdout or "│" in result.stdout
    assert "similarity" in result.stdout and "glove-wiki-gigaword-50" in result.stdout
    piped = run([*M, "similar", "cat", "kitten"])
    assert piped.stdout.startswith("word1\tword2\tsimilarity\n")


def test_no_color_means_no_escape_codes():
    tty = Env(stdout_isatty=True, stderr_isatty=True, color=True)
    coloured = CliRunner().invoke(cli, [*M, "similar", "cat", "dog"], obj=tty)
    assert "\x1b[" in coloured.stdout
    plain = CliRunner().invoke(cli, [*M, "similar", "cat", "dog", "--no-color"], obj=tty)
    assert "\x1b[" not in plain.stdout and "cat" in plain.stdout


def test_no_color_environment_variable(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert Env.from_system().color is False


def test_an_output_encoding_without_a_word_is_one_line_and_the_header_once(glove):
    # PYTHONIOENCODING=ascii (or a Latin-1 locale): the record cannot be written; it was "a defect
    # of vecq's", and the header came twice.
    result = CliRunner(charset="ascii").invoke(cli, [*M, "neighbors", "café", "-n", "2"])
    assert result.exit_code == 1
    assert result.stdout == "query\trank\tword\tsimilarity\n"
    (line,) = result.stderr.strip().splitlines()
    assert "standard output is ascii" in line and "U+00E9" in line and "PYTHONIOENCODING=utf-8" in line
    assert "defect" not in line


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_escapes_what_the_output_encoding_cannot_write(fmt):
    ascii_out = CliRunner(charset="ascii").invoke(cli, [*M, "neighbors", "café", "-n", "3", "-f", fmt])
    utf8_out = run([*M, "neighbors", "café", "-n", "3", "-f", fmt])
    assert ascii_out.exit_code == 0 and utf8_out.exit_code == 0
    assert "\\u00e9" in ascii_out.stdout and "é" in utf8_out.stdout
    if fmt == "json":
        assert json.loads(ascii_out.stdout) == json.loads(utf8_out.stdout)
    else:
        assert [json.loads(x) for x in ascii_out.stdout.splitlines()] == [
            json.loads(x) for x in utf8_out.stdout.splitlines()
        ]


def test_a_terminal_without_unicode_gets_tables_and_pictures_in_ascii():
    tty = Env(stdout_isatty=True, stderr_isatty=False, color=False, unicode=False)
    runner = CliRunner(charset="ascii")
    listing = runner.invoke(cli, [*M, "neighbors", "cat", "-n", "3"], obj=tty)
    matrix = runner.invoke(cli, [*M, "similar", "cat", "dog", "car"], obj=tty)
    picture = runner.invoke(cli, [*M, "plot", "cat", "dog", "car", "-n", "1"], obj=tty)
    cut = runner.invoke(cli, [*M, "info"], obj=tty, env={"COLUMNS": "60"})  # a long path cut short
    for result in (listing, matrix, picture, cut):
        assert result.exit_code == 0, result.stderr
        assert result.stdout.isascii()
    assert "dog" in listing.stdout and "0.921801" in listing.stdout
    assert "# 0.8+" in matrix.stdout and "0.921801 #" in matrix.stdout
    assert "* cat" in picture.stdout
    (source,) = [line for line in cut.stdout.splitlines() if line.startswith(" source")]
    assert source.rstrip().endswith(".") and "npy" not in source  # cut with "." for "…"
    unicode_tty = Env(stdout_isatty=True, stderr_isatty=False, color=False)
    assert "█" in CliRunner().invoke(cli, [*M, "neighbors", "cat", "-n", "3"], obj=unicode_tty).stdout


def test_a_terminal_without_unicode_shows_a_word_it_cannot_write_escaped(monkeypatch):
    class AsciiTerminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    out = AsciiTerminal(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", out)
    env = Env.from_system()
    assert env.stdout_isatty and not env.unicode
    out.write("café\n")
    out.flush()
    assert out.buffer.getvalue() == b"caf\\xe9\n"  # type: ignore[attr-defined]


def test_unknown_word_is_one_line_with_suggestions():
    result = run([*M, "similar", "cat", "kiten"])
    assert result.exit_code == 3
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'kiten'" in lines[0] and "kitten" in lines[0]


def test_case_variant_is_used_and_said():
    result = run([*M, "similar", "Cat", "kitten"])
    assert result.exit_code == 0
    assert "using 'cat' for 'Cat'" in result.stderr


@pytest.mark.parametrize(
    "args, code",
    [
        (["similar", "cat"], 2),
        (["analogy", "king", "man"], 2),
        (["neighbors"], 2),
        (["neighbors", "cat", "--top", "0"], 2),
        (["neighbors", "cat", "--top", "-1"], 2),
        (["neighbors", "cat", "-f", "xml"], 2),
        (["neighbors", ""], 2),
        (["neighbors", "king", "-"], 3),
        (["similar", "cat", "x" * 10000], 3),
        (["similar", "cat", "a\x01b"], 3),
        (["neighbors", "king", "-", "-", "man"], 3),
        (["-m", "/no/such/file.bin", "similar", "a", "b"], 4),
        (["-m", "no-such-model", "similar", "a", "b"], 4),
        (["cluster", "cat", "dog", "car", "--clusters", "2", "--seed", "-3"], 3),  # scikit-learn's range
        (["cluster", "cat", "dog", "car", "--clusters", "2", "--seed", str(1 << 32)], 3),
    ],
)
def test_bad_input_gets_one_line_and_its_code(glove, args, code):  # glove: converted before
    result = run(args if args[0] == "-m" else [*M, *args])
    assert result.exit_code == code, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("args", [["--away", "dog", "--in", "x"], ["cat", "--away", "he", "-n", "3"]])
def test_an_option_taken_for_a_pole_of_away_is_said(glove, args):
    """click hands ``--away`` the next two arguments, options too: ``--away dog --in x`` asked
    about the word '--in' (exit 3, "did you mean: --?")."""
    result = run([*M, "neighbors", *args])
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    option = args[args.index("--away") + 2]
    assert f"takes two poles, POLE_A POLE_B, but {option} is an option" in result.stderr


def test_an_analogy_test_line_of_four_words_is_pointed_to_eval(glove):
    result = run([*M, "analogy", "king", "man", "woman", "queen"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "'queen' is a fourth" in result.stderr and "vecq eval analogies FILE" in result.stderr


@pytest.mark.parametrize(
    "words",
    [
        ["man:king::woman"],
        ["man:king::woman:?"],
        ["man:king::woman:queen"],
        ["king", "-", "man", "+", "woman"],
    ],
)
def test_an_analogy_written_as_a_proportion_or_an_expression_is_said_as_vecq_asks_it(glove, words):
    """``man:king::woman`` (an analogy test's notation) and ``king - man + woman`` were "give three
    words": the usage error says the command that asks it, and that command answers."""
    result = run([*M, "analogy", *words])
    assert result.exit_code == 2 and result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    said = result.stderr.split("'vecq ", 1)[1].split("'", 1)[0].split()
    assert said == ["analogy", "king", "man", "woman"], result.stderr
    asked = run([*M, *said])
    assert asked.exit_code == 0 and tsv(asked.stdout)[0]["answer"] == "queen"


def test_two_words_joined_by_a_comma_are_said_to_be_one(glove):
    result = run([*M, "similar", "cat,dog"])
    assert result.exit_code == 2 and "'cat,dog' is one word: separate words with spaces" in result.stderr


def test_a_defect_of_vecqs_is_one_line_and_exit_1_never_a_traceback(glove, monkeypatch):
    """The last resort (cli/group.py): an exception vecq did not expect still says what failed."""
    from vecq.core import model

    def broken(*args, **kwargs):
        raise RuntimeError("an invariant broke\nover two lines")

    monkeypatch.setattr(model.Model, "neighbors_many", broken)
    result = run([*M, "neighbors", "cat"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "vecq: error: vecq failed (RuntimeError: an invariant broke over two lines); "
        "a defect of vecq's: please report it with the command"
    ]


def test_an_eof_error_escaping_a_command_is_a_defect_not_an_interruption(glove, monkeypatch):
    """click's main takes any EOFError for Ctrl-D (an Abort): a data stream ending early inside
    vecq was "interrupted", exit 130. It is the defect line, exit 1; Ctrl-C is still 130."""
    from vecq.core import model

    def cut(*args, **kwargs):
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")

    monkeypatch.setattr(model.Model, "neighbors_many", cut)
    result = run([*M, "neighbors", "cat"])
    assert result.exit_code == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        "vecq: error: vecq failed (EOFError: Compressed file ended before the end-of-stream marker was "
        "reached); a defect of vecq's: please report it with the command"
    ]

    def pressed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(model.Model, "neighbors_many", pressed)
    interrupted = run([*M, "neighbors", "cat"])
    assert interrupted.exit_code == 130 and "interrupted" in interrupted.stderr


def test_top_larger_than_vocabulary_is_fine():
    result = run([*M, "neighbors", "cat", "--restrict", "20", "-n", "1000000"])
    assert result.exit_code == 0 and len(tsv(result.stdout)) == 20  # 'cat' is not among the first 20
    result = run([*M, "neighbors", "the", "--restrict", "20", "-n", "1000000"])
    assert len(tsv(result.stdout)) == 19  # 'the' is, and is left out


def test_same_word_twice_in_an_analogy():
    result = run([*M, "analogy", "king", "king", "woman"])
    assert result.exit_code == 0
    assert tsv(result.stdout)[0]["answer"] not in ("king", "woman")


def test_vector_prints_raw_values(glove_raw):
    words, vectors = glove_raw
    result = run([*M, "vector", "cat", "-f", "json"])
    (rec,) = json.loads(result.stdout)
    assert rec["vector"] == pytest.approx(vectors[words.index("cat")].tolist(), abs=1e-5)


def test_info_reports_the_matrix_shape():
    (rec,) = json.loads(run([*M, "info", "-f", "json"]).stdout)
    assert (rec["vocabulary"], rec["dimensions"], rec["shape"]) == (400000, 50, [400000, 50])


def test_version_comes_from_package_metadata():
    from importlib.metadata import version

    assert run(["--version"]).stdout.strip() == f"vecq {version('vecq')}"


def test_every_command_has_help_that_fits_80_columns():
    """``vecq train --help`` held a literal paragraph (click's \\b) edited past 80 columns: it
    printed ragged lines of 88 on an 80-column terminal."""
    for path, cmd in list(command_tree(cli))[1:]:
        assert cmd.help, path
        result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=80)
        assert result.exit_code == 0
        wide = [line for line in result.stdout.splitlines() if len(line) > 80]
        assert wide == [], path


def test_closed_pipe_ends_quietly(session_cache):
    env = {"VECQ_CACHE_DIR": str(session_cache), "PATH": "/usr/bin:/bin"}
    cmd = f"{sys.executable} -m vecq -m glove-wiki-gigaword-50 neighbors cat -n 500 | head -1"
    proc = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd], capture_output=True, text=True, env=env)
    assert proc.stdout.startswith("query\t")
    assert proc.stderr == ""
    assert proc.returncode == 0


def test_option_decorators_stack_in_any_order():
    """--approx reaches the Session whether approx_option stands outside output_options or inside."""
    import click

    from vecq.cli.options import approx_option, output_options

    seen = {}

    @click.group()
    @click.pass_context
    def group(ctx):
        ctx.obj = Session(Env())

    @group.command()
    @approx_option
    @output_options
    def outer(session):
        seen["outer"] = session.approx

    @group.command()
    @output_options
    @approx_option
    def inner(session):
        seen["inner"] = session.approx

    for name in ("outer", "inner"):
        assert CliRunner().invoke(group, [name, "--approx"]).exit_code == 0
        assert CliRunner().invoke(group, [name]).exit_code == 0 and seen[name] is False
    assert CliRunner().invoke(group, ["outer", "--approx"]).exit_code == 0 and seen["outer"] is True
    assert CliRunner().invoke(group, ["inner", "--approx"]).exit_code == 0 and seen["inner"] is True


@pytest.mark.parametrize("command", [["plot", "cat", "dog", "-o", "x.png"], ["repl"], ["odd", "cat", "dog"]])
def test_model_options_are_accepted_after_every_command(command, tmp_path):
    result = run([*command, "-m", str(tmp_path / "missing.txt")])
    assert result.exit_code == 4 and "does not exist" in result.stderr


def test_the_program_runs_atexit_handlers_and_keeps_its_exit_code(tmp_path):
    """main() skips the interpreter's teardown, not the atexit handlers registered before or during it."""
    marker = tmp_path / "ran"
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
        "sys.argv = ['vecq', 'similar', 'only-one']\n"
        "from vecq.cli import main\nmain()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2 and marker.read_text() == "ran"


@pytest.mark.parametrize(
    ("shell", "says"),
    [
        ("similar cat kitten >/dev/full", "No space left on device"),
        ("neighbors cat >/dev/full", "No space left on device"),
        ("similar cat kitten >&-", "standard output is closed"),
        ("neighbors - <<< cat >&-", "standard output is closed"),
        ("similar - <&-", "standard input is closed"),
    ],
)
def test_closed_or_full_streams_are_one_line_never_a_traceback(glove, session_cache, shell, says):
    """Exit 1 for output that cannot be written, 2 for input that cannot be read."""
    script = f"{sys.executable} -m vecq {' '.join(M)} {shell}"
    env = {**__import__("os").environ, "VECQ_CACHE_DIR": str(session_cache)}
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60)
    (line,) = proc.stderr.splitlines()
    assert says in line and "Traceback" not in proc.stderr
    assert proc.returncode == (2 if "input" in says else 1)


def test_bare_vecq_prints_its_help_and_succeeds():
    result = run([])
    assert result.exit_code == 0 and "Usage: vecq" in result.stdout and result.stderr == ""


@pytest.mark.parametrize("names", [[], ["neighbors"], ["cache", "build"], ["eval", "similarity"]])
def test_vecq_help_is_the_help_of_the_command_named(names):
    """``vecq help`` and ``vecq help neighbors`` (as git and pip take them) were "no command
    'help'": each prints what ``--help`` prints."""
    asked = run(["help", *names])
    assert asked.exit_code == 0 and asked.stderr == ""
    assert asked.stdout == run([*names, "--help"]).stdout


def test_vecq_help_of_no_command_is_one_line():
    result = run(["help", "neighbors", "cat"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "vecq: error: no command 'neighbors cat'; 'vecq --help' lists them\n"


def test_an_operator_taken_for_an_option_says_how_to_quote():
    result = run([*M, "similar", "-1", "2"])
    assert result.exit_code == 2 and "put -- before the words" in result.stderr


WEIRD = [
    "tab\there",
    "line\nfeed",
    "carriage\rreturn",
    "back\\slash",
    "literal\\t",
    "bell\x07",
    "del\x7f",
    "é\\",
]


@pytest.mark.parametrize("word", WEIRD)
def test_tsv_escapes_reversibly(word):
    """Every character survives a TSV round trip, and a tab is not a backslash-t."""
    from vecq.cli.render import tsv_cell

    cell = tsv_cell(word)
    assert not any(ch in cell for ch in "\t\n\r\x07\x7f")
    assert cell.encode().decode("unicode_escape").encode("latin-1").decode() == word


@pytest.mark.parametrize("word", ["carriage\rreturn", "back\\slash", "literal\\t", "bell\x07"])
def test_a_batch_echoes_odd_input_escaped_in_its_tsv(word):
    result = run([*M, "similar", "-"], input=f"{word}\tcat\n")
    (line,) = result.stdout.splitlines()[1:]
    fields = line.split("\t")
    assert len(fields) == 6 and fields[1].encode().decode("unicode_escape") == word


def test_csv_quotes_per_rfc_4180():
    text = 'say "hi"\tcat\nco,ma\tcat\ncarriage\rreturn\tcat\n'
    result = run([*M, "similar", "-", "-f", "csv"], input=text)
    out = result.stdout_bytes.decode()
    assert out.endswith("\r\n") and out.count("\r\n") == 4
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert [r[1] for r in rows[1:]] == ['say "hi"', "co,ma", "carriage\rreturn"]


def test_vector_as_csv_has_a_column_per_dimension(glove):
    result = run([*M, "vector", "cat", "-f", "csv"])
    header, row = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert header == ["word", *[f"vector{i}" for i in range(1, 51)]] and len(row) == 51
    assert float(row[1]) == pytest.approx(float(glove.raw_vector(glove.lookup("cat").row)[0]), abs=1e-6)


def test_an_empty_no_color_leaves_colour_on(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert Env.from_system().color is True or not sys.stdout.isatty()
    monkeypatch.setenv("NO_COLOR", "1")
    assert Env.from_system().color is False


def test_the_models_table_never_splits_a_header_at_80_columns():
    tty = Env(stdout_isatty=True, stderr_isatty=True)
    result = CliRunner().invoke(cli, ["models"], obj=tty, terminal_width=80)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    (header,) = [line for line in lines if " vocabulary " in line]
    cells = header.replace("┃", " ").split()
    every = ["name", "download", "vocabulary", "dimensions", "downloaded", "cached", "description"]
    assert cells == [c for c in every if c in cells] and len(cells) >= 4  # whole headers, in order
    left_out = [c for c in every if c not in cells]
    if left_out:  # a narrow terminal leaves the least needed columns out, and says which
        assert f"({', '.join(left_out)} left out to fit the terminal" in result.stdout
    assert max(len(line) for line in lines) <= 80


def test_odd_shows_words_as_typed_and_reports_a_tie(glove):
    result = run([*M, "odd", "Paris", "london", "banana", "-f", "jsonl"])
    words = [json.loads(x)["word"] for x in result.stdout.splitlines()]
    assert sorted(words) == sorted(["Paris", "london", "banana"]) and words[0] == "banana"
    tie = run([*M, "odd", "cat", "dog"])  # two words: each is as far from the mean as the other
    assert "a tie" in tie.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["neighbors", "king", "-man", "+woman", "-n", "3"],
        ["neighbors", "king -man +woman", "-n", "3"],
        ["neighbors", "-n", "3", "king", "-man", "+woman"],
        ["neighbors", "king", "-", "man", "+", "woman", "-n", "3"],
    ],
)
def test_operators_written_against_words(args):
    """-word and +word are terms, on the command line and inside quotes."""
    result = run([*M, *args])
    assert result.exit_code == 0, result.stderr
    assert tsv(result.stdout)[0]["word"] == "queen"


def test_paris_minus_france_plus_germany():
    result = run([*M, "neighbors", "paris", "-france", "+germany", "-n", "1"])
    assert result.exit_code == 0, result.stderr
    assert tsv(result.stdout)[0]["word"] == "berlin"


def test_a_word_that_starts_with_a_hyphen_stays_a_word(tmp_path, small_words):
    """Treebank-style tokens such as -lrb- are words of some models: as written, they are kept."""
    words, vectors = small_words
    words = ["-lrb-", *words[1:1000]]
    path = write_text_model(tmp_path / "ptb.txt", words, vectors[:1000])
    result = run(["-m", str(path), "neighbors", "-n", "2", "--", "-lrb-"])
    assert result.exit_code == 0, result.stderr
    assert [r["query"] for r in tsv(result.stdout)] == ["-lrb-", "-lrb-"]
    both = run(["-m", str(path), "neighbors", "-n", "1", f"{words[5]} + -lrb-"])
    assert both.exit_code == 0 and "not in the vocabulary" not in both.stderr


@pytest.mark.parametrize("expression", ["king - king", "cat + dog - cat - dog"])
def test_an_expression_that_cancels_out_is_an_error(expression):
    result = run([*M, "neighbors", expression])
    assert result.exit_code == 3 and "zero vector" in result.stderr
    batch = run([*M, "neighbors", "-"], input=f"cat\n{expression}\n")
    statuses = [r["status"] for r in tsv(batch.stdout)]
    assert batch.exit_code == 5 and statuses[-1] == "error" and "ok" in statuses


def test_a_nan_threshold_is_refused():
    result = run([*M, "neighbors", "cat", "--threshold", "nan"])
    assert result.exit_code == 2 and "nan" in result.stderr


def test_vector_reads_words_from_stdin(glove):
    """'-' reads standard input in every command, vector included."""
    result = run([*M, "vector", "-", "-f", "jsonl"], input="cat\n-\nqqzzxq\n")
    records = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["word"] for r in records] == ["cat", "-", "qqzzxq"]
    assert [r["status"] for r in records] == ["ok", "ok", "error"] and result.exit_code == 5
    assert records[0]["vector"] == pytest.approx(glove.raw_vector(glove.lookup("cat").row).tolist(), abs=1e-6)
    several = run([*M, "vector", "cat", "dog", "-f", "jsonl"])
    assert [json.loads(x)["word"] for x in several.stdout.splitlines()] == ["cat", "dog"]


@pytest.mark.slow
def test_every_unknown_word_is_reported_and_long_words_are_shortened():
    """Several unknown words are named in one line, each with its suggestions; a long word is shortened."""
    result = run([*M, "similar", "kiten", "doggg"])
    (line,) = result.stderr.splitlines()
    assert "'kiten'" in line and "'doggg'" in line and "kitten" in line and result.exit_code == 3
    huge = "x" * 10_000_000
    result = run([*M, "similar", huge, "cat"])
    (line,) = result.stderr.splitlines()
    assert len(line) < 300 and "10,000,000 characters" in line


def test_completion_offers_the_most_frequent_words_first(glove):
    """On a big vocabulary the frequent word comes before rare ones."""
    offered = glove.vocab.complete("kit", limit=10)
    assert "kitchen" in offered and "kit" in offered
    rows = [glove.vocab.index(w) for w in offered]
    assert rows == sorted(rows) and max(rows) < min(
        glove.vocab.index(w) for w in glove.vocab.words(glove.vocab.prefix_rows("kit")) if w not in offered
    )


def test_an_empty_model_option_is_an_error():
    result = run(["-m", "", "similar", "cat", "dog"])
    assert result.exit_code == 4 and "empty model name" in result.stderr


def test_repl_speaks_every_format(glove):
    result = run([*M, "repl", "-f", "jsonl", "-n", "1"], input="cat\n")
    assert result.exit_code == 0 and json.loads(result.stdout.splitlines()[0])["word"] == "dog"


def test_json_carries_numbers_and_booleans_where_tables_show_their_display(glove):
    """`models -f json` said "download": "1.7 GB" and "downloaded": "yes": JSON is for programs."""
    import re

    display = re.compile(r"[\d.,]+ ?[KMGT]?B|yes|no|\d+ x \d+|\[\d+, \d+\]")
    for args in (
        ["models"],
        ["cache", "list"],
        ["info"],
        ["neighbors", "cat"],
        ["analogy", "king", "man", "woman"],
    ):
        for fmt in ("json", "jsonl"):
            out = run([*M, *args, "-f", fmt]).stdout
            records = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
            assert records, args
            for record in records:
                strings = [v for v in record.values() if isinstance(v, str)]
                assert not [v for v in strings if display.fullmatch(v)], (args, record)
    listed = {r["name"]: r for r in json.loads(run([*M, "models", "-f", "json"]).stdout)}
    glove_entry = listed[GLOVE]
    assert isinstance(glove_entry["download"], int) and glove_entry["cached"] is True
    assert isinstance(glove_entry["downloaded"], bool)
    shown = tsv(run([*M, "models", "-f", "tsv"]).stdout)
    assert {r["cached"] for r in shown} <= {"yes", "no"} and shown[0]["download"].endswith("GB")


def test_a_misspelt_model_name_gets_the_nearest_names_and_case_does_not_matter(tmp_path, monkeypatch):
    misspelt = run(["-m", "glove-wiki-gigaword-5", "similar", "cat", "dog"])
    assert misspelt.exit_code == 4 and misspelt.stderr.count("\n") == 1
    assert "did you mean: glove-wiki-gigaword-50" in misspelt.stderr
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))  # converted under the name typed
    cased = run(["-m", "GloVe-Wiki-Gigaword-50", "similar", "cat", "dog", "-f", "json"])
    assert cased.exit_code == 0, cased.stderr
    assert json.loads(cased.stdout)[0]["model"]["name"] == GLOVE


# One name for each idea, in every command. How many answers: -n/--top. The first N words: --first
# (asked about: graph, export), --restrict (searched), --limit (loaded); three ideas, three names. An
# idea spelt another way is a hidden alias (so that no script breaks), never a second visible name.
NOT_CANONICAL = {"k", "neighbors", "top_alias", "n", "count"}


def test_every_command_spells_each_idea_one_way():
    from vecq.cli.group import command_tree

    for path, command in command_tree(cli):
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            assert param.name not in NOT_CANONICAL, (path, param.opts)
            if param.name == "top":  # the number of answers: -n/--top everywhere
                assert set(param.opts) == {"-n", "--top"}, (path, param.opts)


@pytest.mark.parametrize(
    ("canonical", "alias"),
    [(["graph", "-n", "2"], ["graph", "-k", "2"]), (["plot", "-n", "1"], ["plot", "--neighbors", "1"])],
)
@pytest.mark.slow
def test_old_spellings_still_work_as_hidden_aliases(glove, tmp_path, canonical, alias):
    outputs = []
    for i, args in enumerate((canonical, alias)):
        out = tmp_path / f"{i}.{'tsv' if args[0] == 'graph' else 'svg'}"
        extra = ["--first", "3"] if args[0] == "graph" else ["cat", "dog"]
        result = run([*M, *args, *extra, "-o", str(out)])
        assert result.exit_code == 0, result.stderr
        outputs.append(out.read_bytes())
    if canonical[0] == "graph":
        assert outputs[0] == outputs[1]
    else:  # the same points and labels (an SVG's ids differ between runs)
        assert outputs[0].count(b"<text") == outputs[1].count(b"<text") > 2


def test_tokens_of_a_word_model_say_when_punctuation_is_attached_to_known_words(glove):
    """A student's "The cat sat, purring." gave 'sat,' and 'purring.' status unknown without a
    word: GloVe has 'sat', 'purring', ',' and '.', but a word model splits at spaces only."""
    result = run([*M, "tokens", "The cat sat, purring. qqzzyx! didn't"])
    assert result.exit_code == 0
    assert [r["status"] for r in tsv(result.stdout)] == [
        "respelled",
        "found",
        "unknown",
        "unknown",
        "unknown",
        "unknown",
    ]
    assert result.stderr == (
        "vecq: 'sat,' ('sat' ','), 'purring.' ('purring' '.'): not words of glove-wiki-gigaword-50, "
        "but their parts are; a word model splits text at spaces only: put spaces around punctuation\n"
    )
    lines = run([*M, "tokens", "-"], input="the cat sat ,\nhello, world\n")
    assert lines.exit_code == 0 and lines.stderr.startswith("vecq: 'hello,' ('hello' ','): not a word of ")
    assert run([*M, "tokens", "the cat sat , qqzzyx!"]).stderr == ""


def test_a_message_naming_a_file_with_a_newline_or_an_escape_in_its_name_is_one_line(glove, tmp_path):
    """A model file named with a line feed or an escape sequence made a message of two lines (or
    coloured the terminal): what the user gave is written with escapes, every message one line."""
    missing = tmp_path / "no\nsuch\x1b[31m.txt"
    result = run(["-m", str(missing), "neighbors", "cat"])
    assert result.exit_code == 4
    said = (
        f"vecq: error: {tmp_path}/no\\nsuch\\x1b[31m.txt does not exist; check the path, or run 'vecq models'"
    )
    assert result.stderr.startswith(said) and len(result.stderr.splitlines()) == 1
    weird = tmp_path / "we\u2028ird\r.txt"
    weird.write_text("2 3\ncat 1 0 0\ndog 0 1 0\n", encoding="utf-8")
    result = run(["-m", str(weird), "neighbors", "kitteh"])
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith("vecq: ") for line in lines), lines  # converting, error
    assert "we\\u2028ird\\r.txt" in lines[1]
