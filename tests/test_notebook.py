"""docs/notebook.ipynb executed as a user runs it: nbclient in a real IPython kernel, the offline
GloVe model, every cell; each of the notebook issue's points is checked in the outputs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def executed(session_cache, tmp_path_factory):
    sys.path.insert(0, str(DOCS))
    from generate import executed_notebook

    path = os.environ.get("PATH", "")
    bindir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bindir + os.pathsep + path  # `!vecq` in a cell: this environment's vecq
    try:
        notebook = executed_notebook(str(session_cache), str(tmp_path_factory.mktemp("notebook")))
    finally:
        os.environ["PATH"] = path
    return {cell.source: cell.outputs for cell in notebook.cells if cell.cell_type == "code"}


def text_of(outputs) -> str:
    parts = []
    for out in outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts += [str(v) for v in out.data.values()]
        else:
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "".join(parts)


def cell(executed, start: str):
    (found,) = [outputs for source, outputs in executed.items() if source.startswith(start)]
    return found


@pytest.mark.slow
def test_every_cell_runs_and_no_escape_sequence_reaches_one(executed):
    for source, outputs in executed.items():
        assert all(o.output_type != "error" for o in outputs), (source, text_of(outputs))
        assert "\x1b" not in text_of(outputs), source


@pytest.mark.slow
def test_the_model_and_its_answers_show_as_html(executed):
    model = cell(executed, "import vecq")[-1].data
    assert "text/html" in model and "400,000 words" in model["text/html"]
    table = cell(executed, 'kv.neighbors("cat"')[-1].data["text/html"]
    assert "<td>dog</td>" in table and table.count("<tr>") == 6
    frame = cell(executed, "kv.analogy")[-1].data
    assert "queen" in frame["text/plain"] and "<table" in frame["text/html"]  # pandas' own table
    assert "background:" in cell(executed, "kv.similarity_matrix")[-1].data["text/html"]


@pytest.mark.slow
def test_batches_errors_and_warnings_as_the_issue_asks(executed):
    batch = text_of(cell(executed, 'kv.neighbors(["cat"'))
    assert "UnknownWordError" in batch and "queen" in batch  # the bad item recorded in its place
    table = cell(executed, 'kv.neighbors(["cat"')[-1].data["text/html"]  # one table, an error row
    assert "<th>error</th>" in table and "kitteh" in table and "<td>queen</td>" in table
    assert "dtype=float32" in text_of(cell(executed, 'kv.similarity(["cat"'))
    most, neighbors = text_of(cell(executed, "kv.most_similar")).strip("()\n").rsplit(", ", 1)
    assert most.endswith(f"{neighbors})]")  # one question, one number
    assert "did you mean" in text_of(cell(executed, "try:")) and "glove-wiki-gigaword-50" in text_of(
        cell(executed, "try:")
    )
    assert "RespelledWarning: using 'cat' for 'Cat'" in text_of(cell(executed, 'kv["Cat"]'))
    assert "'kitten'" in text_of(cell(executed, "[w for w in kv._ipython_key_completions_()"))


@pytest.mark.slow
def test_the_command_line_in_a_cell_is_plain(executed):
    table = text_of(cell(executed, "!vecq -m glove-wiki-gigaword-50 neighbors"))
    assert "dog" in table and "│" in table
    graph = text_of(cell(executed, "!vecq -m glove-wiki-gigaword-50 graph"))
    assert "\rgraph of 20,000 words" in graph and "100%" in graph
    assert "word\tneighbour\trank\tscore" in graph
