"""Reading the picture: what the axes keep (the share of the spread, computed here with numpy as the
oracle), one scale for both, a caption, labels that do not cover each other, the layout of the words
asked for kept when neighbours join them, and the heatmap's legend."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.conftest import M, invoke
from vecq.cli.env import Env

WORDS = ["cat", "kitten", "dog", "puppy", "car"]


def unit_shares(kv, words) -> np.ndarray:
    """The share of the variance on the first two principal axes of the words' unit vectors."""
    rows = np.array([kv.get_vector(w, norm=True) for w in words], dtype=np.float64)
    s = np.linalg.svd(rows - rows.mean(axis=0), compute_uv=False)
    return (s**2 / (s**2).sum())[:2]


def test_the_axes_say_how_much_of_the_spread_they_keep(glove, kv, tmp_path):
    svg = tmp_path / "words.svg"
    result = invoke([*M, "plot", *WORDS, "-o", str(svg)])
    assert result.exit_code == 0, result.stderr
    text = svg.read_text()
    x, y = unit_shares(kv, WORDS)
    assert f"PC 1: {x:.0%} of the spread" in text and f"PC 2: {y:.0%} of the spread" in text
    assert f"together they keep {x + y:.0%} of their spread" in text


def test_the_terminal_picture_names_its_axes(glove, kv):
    tty = Env(stdout_isatty=True, color=False)
    shown = invoke([*M, "plot", *WORDS], obj=tty, env={"COLUMNS": "100"})
    assert shown.exit_code == 0, shown.stderr
    x, y = unit_shares(kv, WORDS)
    assert f"across: PC 1, {x:.0%} of the spread; up: PC 2, {y:.0%}" in shown.stdout
    assert "PCA of the unit vectors" in shown.stdout


def test_in_a_pipe_each_words_place_is_a_record_as_the_server_gives_it(glove, kv):
    """In a pipe ``plot`` said "draws on a terminal" (exit 2): a program had the places only from
    the server. Each point is now a record (word, group, asked, x, y) in TSV, or ``-f json``,
    the server's ``/api/plot`` records to the bit; the places are the unit rows' two principal
    axes (their distances, which no axis's sign changes, checked against numpy's SVD)."""
    import json

    from starlette.testclient import TestClient

    from tests.conftest import GLOVE, tsv
    from vecq.serve.app import make_app

    piped = invoke([*M, "plot", *WORDS])
    assert piped.exit_code == 0, piped.stderr
    rows = tsv(piped.stdout)
    assert [r["word"] for r in rows] == WORDS and {r["asked"] for r in rows} == {"yes"}
    records = json.loads(invoke([*M, "plot", *WORDS, "-n", "2", "-f", "json"]).stdout)
    with TestClient(make_app({GLOVE: glove}, port=8765), base_url="http://127.0.0.1:8765") as client:
        served = client.get("/api/plot", params={"words": WORDS, "top": 2}).json()
    assert [{k: r[k] for k in ("word", "group", "asked", "x", "y")} for r in records] == [
        {k: r[k] for k in ("word", "group", "asked", "x", "y")} for r in served
    ]
    unit = np.array([kv.get_vector(w, norm=True) for w in WORDS], dtype=np.float64)
    centred = unit - unit.mean(axis=0)
    oracle = centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T
    placed = np.array([[r["x"], r["y"]] for r in records[: len(WORDS)]])

    def distances(xy: np.ndarray) -> np.ndarray:
        return np.linalg.norm(xy[:, None] - xy[None], axis=2)

    assert np.allclose(distances(placed), distances(oracle), atol=1e-6)
    both = invoke([*M, "plot", *WORDS, "-o", "w.png", "-f", "json"])
    assert both.exit_code == 2 and "give -o for a picture or -f for records, not both" in both.stderr


def test_neighbours_keep_the_layout_of_the_words_asked_for(glove):
    from vecq.core.projection import points
    from vecq.core.words import find_word

    matches = [find_word(glove.vocab, w) for w in WORDS]
    alone = points(glove, matches, 0)
    with_neighbours = points(glove, matches, 2)
    assert len(with_neighbours.labels) > len(WORDS) and with_neighbours.fitted == len(WORDS)
    assert np.allclose(alone.xy, with_neighbours.xy[: len(WORDS)])
    assert alone.explained == with_neighbours.explained


def test_two_words_are_fitted_with_their_neighbours(glove):
    from vecq.core.projection import points
    from vecq.core.words import find_word

    placed = points(glove, [find_word(glove.vocab, "cat"), find_word(glove.vocab, "car")], 2)
    assert placed.fitted == len(placed.labels)  # two points alone span one direction only


def test_crowded_labels_do_not_cover_each_other():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vecq.cli.plot import place_labels

    xy = np.array([[0.0, 0.0], [0.01, 0.0], [0.0, 0.01], [0.01, 0.01], [0.005, 0.005]])
    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    ax.scatter(xy[:, 0], xy[:, 1])
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    boxes = place_labels(fig, ax, xy, ["alpha", "beta", "gamma", "delta", "epsilon"], [11, 9, 9, 9, 9])
    plt.close(fig)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


@pytest.mark.parametrize("colour", [False, True])
def test_the_heatmap_has_a_legend_of_its_shades(glove, colour):
    tty = Env(stdout_isatty=True, color=colour)
    shown = invoke([*M, "similar", *WORDS], obj=tty, env={"COLUMNS": "100"})
    assert shown.exit_code == 0, shown.stderr
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown.stdout)
    assert "shades:" in plain
    if not colour:  # each shade drawn in the table is explained
        used = {c for c in "░▒▓█" if c in plain.split("shades:")[0]}
        assert used and all(f"{c} " in plain.split("shades:")[1] for c in used)
