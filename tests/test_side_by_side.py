"""Models side by side: ``-m`` given several times answers once per model."""

from __future__ import annotations

import json

from conftest import GLOVE, invoke, tsv

from vecq.cli.env import Env


def fasttext(tmp_path) -> str:
    import shutil

    from gensim.test.utils import datapath

    path = tmp_path / "lee.bin"
    shutil.copyfile(datapath("lee_fasttext.bin"), path)
    return str(path)


def test_each_model_answers_and_each_record_names_it(glove, tmp_path):
    other = fasttext(tmp_path)
    both = invoke(["-m", GLOVE, "-m", other, "neighbors", "night", "-n", "3"])
    assert both.exit_code == 0, both.stderr
    records = tsv(both.stdout)
    assert [r["model"] for r in records] == [GLOVE] * 3 + [other] * 3
    for name in (GLOVE, other):
        alone = tsv(invoke(["-m", name, "neighbors", "night", "-n", "3"]).stdout)
        assert [{k: v for k, v in r.items() if k != "model"} for r in records if r["model"] == name] == [
            {k: v for k, v in r.items() if k in ("query", "rank", "word", "similarity")} for r in alone
        ]
    # the group's -m works the same, and JSON is one array whose records carry their model
    as_json = json.loads(invoke(["-m", GLOVE, "-m", other, "similar", "night", "day", "-f", "json"]).stdout)
    assert [r["model"]["name"] for r in as_json] == [GLOVE, other]
    assert as_json[0]["similarity"] != as_json[1]["similarity"]


def test_a_batch_is_read_once_and_answered_by_every_model(glove, tmp_path):
    other = fasttext(tmp_path)
    result = invoke(["similar", "-", "-m", GLOVE, "-m", other], input="night day\n# pairs\nsun moon\n")
    records = tsv(result.stdout)
    assert [(r["model"], r["line"]) for r in records] == [
        (GLOVE, "1"),
        (GLOVE, "3"),
        (other, "1"),
        (other, "3"),
    ]
    assert result.stdout.count("similarity") == 1  # one header
    assert result.stderr.count("as comments") == 1  # said of the one input, once


def test_a_word_one_model_lacks_does_not_stop_the_others(glove, tmp_path):
    other = fasttext(tmp_path)
    result = invoke(["-m", GLOVE, "-m", other, "--no-subwords", "vector", "prohertrib"])
    assert result.exit_code == 3
    assert [r["model"] for r in tsv(result.stdout)] == [GLOVE]
    assert f"vecq: error: {other}: 'prohertrib' is not in the vocabulary" in result.stderr


def test_a_terminal_gets_a_table_per_model(glove, tmp_path):
    other = fasttext(tmp_path)
    tty = Env(stdout_isatty=True, stderr_isatty=False, color=False)
    result = invoke(["-m", GLOVE, "-m", other, "neighbors", "night", "-n", "2"], obj=tty)
    assert result.exit_code == 0
    assert (
        result.stdout.count("neighbours of night") == 2
        and GLOVE in result.stdout
        and "lee.bin" in result.stdout
    )


def test_commands_of_one_model_say_so(glove, tmp_path):
    result = invoke(["-m", GLOVE, "-m", fasttext(tmp_path), "cache", "build"])
    assert result.exit_code == 2 and "takes one model" in result.stderr
