"""What a person sees on a terminal, against golden files, at 80 and 120 columns, with and
without colour. ``VECQ_UPDATE_GOLDEN=1 python -m pytest tests/test_terminal.py`` rewrites them on
purpose; look at the diff before committing it. Pipes are not concerned: the pipeline tests hold them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import M, glove_invoke, invoke, tsv

from vecq.cli.env import Env

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "neighbors": ["neighbors", "cat", "-n", "5"],
    "analogy": ["analogy", "king", "man", "woman", "-n", "3"],
    "similar": ["similar", "cat", "kitten"],
    "matrix": ["similar", "cat", "dog", "kitten", "puppy", "car"],
    "batch": ["neighbors", "-", "-n", "2"],
    "tokens": ["tokens", "The", "cat", "sat", "on", "qqzzyyx"],
    "long-word": ["similar", "supercalifragilisticexpialidocious", "cat"],
    "plot": ["plot", "cat", "kitten", "dog", "puppy", "car"],
    "plot-neighbors": ["plot", "cat", "kitten", "dog", "puppy", "car", "--neighbors", "2"],
}


def render(args: list[str], width: int, colour: bool) -> str:
    # 16 colours, as the other tests' terminals get: rich keeps a combined style's escape codes for
    # the first colour depth it rendered them in, so one process sticks to one depth.
    env = {"COLUMNS": str(width), "LINES": "50", "TERM": "xterm", "COLORTERM": ""}
    tty = Env(stdout_isatty=True, stderr_isatty=False, color=colour)
    result = invoke([*M, *args], input="cat\nparis\n", env=env, obj=tty)
    assert result.exit_code in (0, 3), result.stderr
    return result.stdout


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "colour"])
@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", sorted(CASES))
def test_terminal_output_matches_its_golden_file(glove, name, width, colour):
    shown = render(CASES[name], width, colour)
    path = GOLDEN / f"{name}-{width}-{'colour' if colour else 'plain'}.txt"
    if os.environ.get("VECQ_UPDATE_GOLDEN"):
        path.write_text(shown, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}; run with VECQ_UPDATE_GOLDEN=1 and look at it"
    assert shown == path.read_text(encoding="utf-8")
    lines = [line for line in shown.splitlines() if line]
    assert all(len(_visible(line)) <= width for line in lines)  # nothing wider than the terminal
    assert colour or "\x1b[" not in shown  # NO_COLOR: no escape codes, the bars still there


def _visible(line: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", line)


def test_a_single_query_is_the_title_not_a_repeated_column(glove):
    shown = render(CASES["neighbors"], 80, False)
    assert "neighbours of cat" in shown and "query" not in shown and "│ cat " not in shown
    analogy = render(CASES["analogy"], 80, False)
    assert "king - man + woman" in analogy and "┃ a " not in analogy and "│ king " not in analogy


def test_scores_carry_a_bar_without_colour_and_the_model_line_never_wraps(glove):
    shown = render(CASES["neighbors"], 80, False)
    assert "█" in shown
    model_line = [line for line in shown.splitlines() if "400,000 words" in line]
    assert model_line == ["glove-wiki-gigaword-50: 400,000 words x 50 dims"]
    narrow = render(CASES["neighbors"], 30, False)
    (line,) = [line for line in narrow.splitlines() if "glove" in line]
    assert line.endswith("…") and len(line) <= 30


def test_long_words_are_cut_on_a_terminal_never_in_pipes(glove):
    word = "supercalifragilisticexpialidocious"
    narrow = render(["similar", word, "cat"], 40, False)
    assert word not in narrow and word[:10] in narrow and "…" in narrow
    piped = invoke([*M, "similar", word, "cat"])
    assert piped.stdout.splitlines()[1].startswith(word + "\tcat\t")


def test_the_matrix_is_a_heatmap_with_its_numbers(glove):
    colour = render(CASES["matrix"], 120, True)
    assert "\x1b[30;10" in colour and "1.000000" in colour  # shaded cells, numbers kept
    plain = render(CASES["matrix"], 120, False)
    assert "1.000000" in plain and "█" in plain and "\x1b[" not in plain


def test_plot_draws_the_lecture_picture_on_the_terminal(glove):
    shown = render(CASES["plot-neighbors"], 80, False)
    for word in ["cat", "kitten", "dog", "puppy", "car"]:
        assert f"● {word}" in shown  # the words asked for
    assert "· " in shown  # and their neighbours, marked apart without colour
    coloured = render(CASES["plot-neighbors"], 80, True)
    assert "\x1b[" in coloured
    piped = invoke([*M, "plot", "cat", "dog"])  # in a pipe, each point's place as a record
    assert piped.exit_code == 0 and piped.stdout.splitlines()[0] == "word\tgroup\tasked\tx\ty"


def test_info_is_one_field_a_line_on_a_terminal(glove):
    """(Not a golden file: the source is a path that differs between machines.)"""
    shown = render(["info"], 80, False).splitlines()
    assert shown[0].strip() == "model glove-wiki-gigaword-50"
    fields = [line.split()[0] for line in shown[1:]]
    assert fields == ["name", "source", "vocabulary", "dimensions", "shape"]
    assert "400,000" in shown[3] and all(len(line) <= 80 for line in shown)


@pytest.mark.parametrize("width", [80, 120])
def test_a_number_is_never_cut_a_wide_matrix_comes_in_blocks(glove, width):
    """Ten words at 80 columns showed every score as 0.92… and left the tenth out without a word."""
    words = ["cat", "dog", "kitten", "puppy", "car", "automobile", "vehicle", "truck", "bus", "train"]
    shown = render(["similar", *words], width, colour=False)
    piped = tsv(glove_invoke(["similar", *words, "-f", "tsv"]).stdout)
    assert "…" not in shown and all(len(line) <= width for line in shown.splitlines())
    for record in piped:
        assert f"{float(record['similarity']):.6f}" in shown
    assert all(shown.count(f" {w} ") >= 2 for w in words)  # a header, and a row label, uncut
    blocks = shown.count("-f tsv shows them in one table")
    assert blocks >= 2 if width == 80 else blocks in (0, 2)


def test_a_listing_keeps_its_numbers_whole_on_a_narrow_terminal(glove):
    shown = render(["neighbors", "cat", "-n", "5"], 40, colour=False)
    piped = tsv(glove_invoke(["neighbors", "cat", "-n", "5", "-f", "tsv"]).stdout)
    for record in piped:
        assert f"{float(record['similarity']):.6f}" in shown


@pytest.mark.parametrize("width", [12, 20])
def test_a_terminal_too_narrow_for_a_table_gets_every_word_and_number_whole(glove, width):
    """At 20 columns the table cut rabbit to "rab…" and its scores to "0.921", at 12 it showed no
    word at all: below the width a borderless table needs, the records come as a pipe gets them.
    A matrix needs its words' column and one column of scores (at 12, a matrix lost its words)."""
    shown = render(["neighbors", "cat", "-n", "5"], width, colour=False)
    assert "the terminal is too narrow for a table" in shown and "…" not in shown
    lines = shown.splitlines()
    for record in tsv(glove_invoke(["neighbors", "cat", "-n", "5", "-f", "tsv"]).stdout):
        assert f"{record['rank']}\t{record['word']}\t{record['similarity']}" in lines
    words = ["cat", "dog", "kitten"]
    matrix = render(["similar", *words], width, colour=False)
    assert ("too narrow" in matrix) == (width == 12)
    rows = [line.split() for line in matrix.splitlines()]
    for record in tsv(glove_invoke(["similar", *words, "-f", "tsv"]).stdout):
        assert any(row[:1] == [record["word1"]] and record["similarity"] in row for row in rows)
    assert "too narrow" not in render(["neighbors", "cat", "-n", "5"], 40, colour=False)
