"""WEAT on real GloVe vectors: WEFE's WEAT is the oracle of the effect size and the statistic for the
paper's ten tests; a brute-force enumeration in the test is the oracle of the exact p-value, and the
exact p-value that of the sampled one."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from tests.conftest import M, invoke
from vecq.core import weat as weat_module

DATA = weat_module.shipped_tests()


@pytest.fixture(scope="module")
def ours(glove):
    result = invoke([*M, "weat", "-f", "json", "--bootstrap", "1000"])
    assert result.exit_code == 0, result.stderr
    assert "gladiola" in result.stderr  # the one word GloVe lacks, named
    return {r["test"]: r for r in json.loads(result.stdout)}


@pytest.mark.parametrize("test", DATA["tests"], ids=[t["name"] for t in DATA["tests"]])
def test_effect_size_and_statistic_are_wefes(kv, ours, test):
    from wefe.metrics import WEAT
    from wefe.query import Query
    from wefe.word_embedding_model import WordEmbeddingModel

    sets = [DATA["sets"][test[k]] for k in "xyab"]
    query = Query(sets[:2], sets[2:], [test["x"], test["y"]], [test["a"], test["b"]])
    theirs = WEAT().run_query(
        query, WordEmbeddingModel(kv, "glove"), return_effect_size=True, preprocessors=[{"lowercase": True}]
    )
    mine = ours[test["name"]]
    assert abs(mine["effect_size"] - theirs["effect_size"]) < 1e-6
    assert abs(mine["statistic"] - theirs["weat"]) < 1e-5
    assert mine["ci_low"] <= mine["effect_size"] <= mine["ci_high"]
    assert mine["paper_effect_size"] == test["paper_effect_size"]


def brute_force_p(kv, x, y, a, b) -> float:
    unit = lambda w: kv.get_vector(w, norm=True).astype(np.float64)  # noqa: E731
    s = {w: np.mean([unit(w) @ unit(t) for t in a]) - np.mean([unit(w) @ unit(t) for t in b]) for w in x + y}
    observed = sum(s[w] for w in x) - sum(s[w] for w in y)
    pool = x + y
    beyond = total = 0
    for xi in itertools.combinations(pool, len(x)):
        yi = [w for w in pool if w not in xi]
        total += 1
        beyond += sum(s[w] for w in xi) - sum(s[w] for w in yi) > observed + 1e-9
    return beyond / total


CASE = {  # flowers and insects mixed: a p-value between 0 and 1, where counting matters
    "x": "rose wasp daisy beetle orchid",
    "y": "tulip mosquito lily cockroach termite",
    "a": "love peace joy gentle",
    "b": "hate war pain filth",
}


def test_the_exact_p_value_is_the_enumeration_of_every_partition(glove, kv):
    args = [*M, "weat", "--x", CASE["x"], "--y", CASE["y"], "--a", CASE["a"], "--b", CASE["b"], "-f", "json"]
    (record,) = json.loads(invoke(args).stdout)
    assert record["p_method"] == "exact (252 partitions)"
    expected = brute_force_p(kv, *(CASE[k].split() for k in "xyab"))
    assert record["p_value"] == pytest.approx(expected, abs=1e-12)
    assert 0.01 < record["p_value"] < 0.99


def test_a_sampled_p_value_is_within_its_error_of_the_exact_one(glove, monkeypatch):
    from vecq.core.words import find_word

    sets = [[find_word(glove.vocab, w) for w in CASE[k].split()] for k in "xyab"]
    s = weat_module.associations(glove, [*sets[0], *sets[1]], sets[2], sets[3])
    exact, method = weat_module.p_value(s, 5, 20_000, 0)
    assert method.startswith("exact")
    monkeypatch.setattr(weat_module, "EXACT_LIMIT", 10)
    sampled, method = weat_module.p_value(s, 5, 20_000, 0)
    assert method == "sampled (20,000 of 252 partitions, seed 0)"
    assert abs(sampled - exact) < 4 * np.sqrt(max(exact, 1e-3) / 20_000) + 1e-3
    assert weat_module.p_value(s, 5, 20_000, 0) == (sampled, method)  # seeded: the same again


def test_the_interval_is_seeded(glove):
    base = [*M, "weat", "weat7", "-f", "json", "--bootstrap", "2000"]
    first, again, other = (json.loads(invoke([*base, "--seed", str(k)]).stdout)[0] for k in (0, 0, 1))
    assert (first["ci_low"], first["ci_high"]) == (again["ci_low"], again["ci_high"])
    assert (first["ci_low"], first["ci_high"]) != (other["ci_low"], other["ci_high"])
    assert first["effect_size"] == other["effect_size"]


@pytest.mark.parametrize(
    "args, code, says",
    [
        (["weat", "weat99"], 2, "no test 'weat99'"),
        (["weat", "--x", "cat dog"], 2, "all of --x, --y, --a and --b"),
        # empty sets ran all ten of the paper's tests, as if none were given
        (["weat", "--x", "", "--y", "", "--a", "", "--b", ""], 2, "--x, --y, --a, --b: no words"),
        (["weat", "--x", "rose", "--y", "ant", "--a", " ", "--b", "bad"], 2, "--a: no words"),
        (["weat", "weat1", "--x", "cat", "--y", "dog", "--a", "good", "--b", "bad"], 2, "and no TEST name"),
        # words given one an argument: the rest were taken for TEST names
        (
            ["weat", "--x", "he", "him", "--y", "she", "her", "--a", "good", "--b", "bad"],
            2,
            "'him', 'her': not a test; each of --x, --y, --a and --b takes its words in one argument",
        ),
        (
            ["weat", "--x", "qqzzy qqzzx cat", "--y", "dog", "--a", "good", "--b", "bad"],
            3,
            "2 of the 3 words",
        ),
    ],
)
def test_bad_tests_are_one_line(glove, args, code, says):
    result = invoke([*M, *args])
    assert result.exit_code == code, result.stderr
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("sets", "says"),
    [
        # A and B the same words in another order: s(w) is rounding's leftover (about 1e-17)
        (("rose daisy tulip", "wasp beetle ant", "love peace joy", "joy love peace"), "as near A as B"),
        (("rose rose", "rose", "love peace joy", "hate war"), "associated alike (X and Y hold the same"),
    ],
)
def test_an_association_that_varies_only_by_rounding_has_no_effect_size(glove, sets, says):
    """A and B the same words in another order gave an effect size of -1.18, p = 0 and an interval
    of [-2, -0.89]: Cohen's d of summation-order noise (a spread of 4e-17). And X and Y of one
    word were said to be "as near A as B". Found by 60 random tests against brute force."""
    x, y, a, b = sets
    s = weat_module.associations(
        glove, *[[glove.lookup(w) for w in words.split()] for words in (f"{x} {y}", a, b)]
    )
    assert float(np.std(s)) < 1e-15  # the oracle: nothing but rounding varies
    result = invoke([*M, "weat", "--x", x, "--y", y, "--a", a, "--b", b])
    assert result.exit_code == 3 and result.stdout == ""
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1
