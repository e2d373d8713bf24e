"""--distinct: neighbour lists without the query's spelling variants or each other's, the folded
words named; the plain list (gensim's order) is the oracle of what is kept."""

from __future__ import annotations

import pytest

from tests.conftest import M, invoke, tsv
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
