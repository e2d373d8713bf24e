"""--distinct: neighbour lists without the query's spelling variants or each other's, the folded
words named; the plain list (gensim's order) is the oracle of what is kept."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.conftest import M, invoke, tsv, write_text_model
from vecq.core.words import fold_key


@pytest.mark.parametrize(
    "words",
    [("cat", "Cat", "CAT", "cats", "Cats", "cat's"), ("city", "cities"), ("box", "boxes"), ("café", "CAFÉ")],
)
def test_variants_share_a_key(words):
    assert len({fold_key(w) for w in words}) == 1


@pytest.mark.parametrize(
    "a, b", [("class", "clas"), ("news", "new"), ("physics", "physic"), ("famous", "famou")]
)
def test_words_that_only_end_in_s_keep_it(a, b):
    assert fold_key(a) != fold_key(b)


@pytest.mark.parametrize("query", ["cat", "city", "king - man + woman"])
def test_distinct_is_the_plain_list_with_variants_folded(glove, kv, query):
    plain = [r["word"] for r in tsv(invoke([*M, "neighbors", query, "-n", "60"]).stdout)]
    result = invoke([*M, "neighbors", query, "-n", "10", "--distinct"])
    assert result.exit_code == 0, result.stderr
    rows = tsv(result.stdout)
    kept = [r["word"] for r in rows]
    asked = [w for w in query.split() if w not in "+-"]
    # the oracle: walk the plain list, keeping each word whose key is new
    seen = {fold_key(w) for w in asked}
    expected, folded_into_query = [], []
    for w in plain:
        if fold_key(w) in seen:
            if fold_key(w) in {fold_key(a) for a in asked}:
                folded_into_query.append(w)
            continue
        seen.add(fold_key(w))
        expected.append(w)
    assert kept == expected[:10]
    for r in rows:
        for w in r["folded"].split():
            assert fold_key(w) == fold_key(r["word"]) and plain.index(w) > plain.index(r["word"])
    for w in folded_into_query[:1]:
        assert w in result.stderr and "folded into" in result.stderr
    assert [r["similarity"] for r in rows] == [
        r["similarity"] for r in tsv(invoke([*M, "neighbors", query, "-n", "60"]).stdout) if r["word"] in kept
    ]


def test_a_word_with_more_variants_than_the_window_still_gets_its_answers(kv, tmp_path):
    """22 case forms of cat and cats at the top of cat's list fill the window ``--distinct -n 3``
    asks the engine for (22 answers): the list was empty, "no word is left to answer". The window
    widens until it folds to 3 words; they are the plain list's first three other words."""
    words = [*kv.index_to_key[:2000], "cat"]
    forms = sorted(
        {"".join(p) for base in ("cat", "cats") for p in itertools.product(*[(c, c.upper()) for c in base])}
        - {"cat", "cats"}
    )
    near_cat = kv["cat"] + np.random.default_rng(0).normal(0, 0.01, (len(forms), kv.vector_size))
    model = [
        "-m",
        str(write_text_model(tmp_path / "forms.txt", [*words, *forms], np.vstack([kv[words], near_cat]))),
    ]
    result = invoke([*model, "neighbors", "cat", "--distinct", "-n", "3"])
    assert result.exit_code == 0, result.stderr
    kept = tsv(result.stdout)
    plain = tsv(invoke([*model, "neighbors", "cat", "-n", "40"]).stdout)
    others = [r for r in plain if fold_key(r["word"]) != "cat"]
    assert len(plain) - len(others) == len(forms)  # every form ahead of the others
    assert [(r["word"], r["similarity"]) for r in kept] == [(r["word"], r["similarity"]) for r in others[:3]]
    assert all(f in result.stderr for f in forms)
