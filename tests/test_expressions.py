"""Weighted expressions: ``2*king - man + woman`` on the command line, equal to
gensim's ``most_similar`` with ``(word, weight)`` keys."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import glove_invoke as invoke
from conftest import tsv
from hypothesis import given, settings
from hypothesis import strategies as st

from vecq.core.expression import parse_expression
from vecq.errors import QueryError


@pytest.mark.parametrize(
    ("text", "gensim_positive", "gensim_negative"),
    [
        ("2*king - man + woman", [("king", 2.0), "woman"], ["man"]),
        ("2 * king - 0.5*man + woman", [("king", 2.0), "woman"], [("man", -0.5)]),
        ("king -1.5*man +woman", ["king", "woman"], [("man", -1.5)]),
    ],
)
def test_weighted_expressions_answer_as_gensim(glove, kv, text, gensim_positive, gensim_negative):
    result = invoke(["neighbors", text, "-n", "5"])
    assert result.exit_code == 0, result.stderr
    ours = tsv(result.stdout)
    theirs = kv.most_similar(positive=gensim_positive, negative=gensim_negative, topn=5)
    assert [r["word"] for r in ours] == [w for w, _ in theirs]
    assert np.allclose([float(r["similarity"]) for r in ours], [s for _, s in theirs], atol=1e-6)
    assert ours[0]["query"] == text


def test_a_weight_of_one_is_the_plain_expression(glove):
    weighted = tsv(invoke(["neighbors", "1*king - 1*man + woman", "-n", "5"]).stdout)
    plain = tsv(invoke(["neighbors", "king - man + woman", "-n", "5"]).stdout)
    assert [(r["word"], r["similarity"]) for r in weighted] == [(r["word"], r["similarity"]) for r in plain]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2*", "ends with a factor"),
        ("king 2*man", "put + or - before the factor"),
        ("0*king", "must be above 0"),
        ("2*3*king", "two factors"),
    ],
)
def test_bad_factors_are_one_line(glove, text, says):
    with pytest.raises(QueryError, match=re.escape(says)):
        parse_expression(text)
    result = invoke(["neighbors", text])
    assert result.exit_code in (2, 3) and says in result.stderr and len(result.stderr.splitlines()) == 1


def test_similar_vector_and_odd_take_an_expression_as_neighbors_does(glove):
    """`vecq similar "good - bad" wonderful`: the cosine of the expression's direction with the word
    (a student tries it there; it was "not in the vocabulary")."""
    result = invoke(["similar", "good - bad", "wonderful", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # nothing to note: what was typed is what was used
    (record,) = json.loads(result.stdout)
    unit = {
        w: glove.gather([glove.vocab.index(w)])[0].astype(np.float64) for w in ("good", "bad", "wonderful")
    }
    direction = unit["good"] - unit["bad"]
    expected = direction @ unit["wonderful"] / np.linalg.norm(direction)
    assert record["similarity"] == pytest.approx(expected, abs=1e-6)
    misspelt = invoke(["similar", "good - bdaq", "wonderful"])
    assert misspelt.exit_code == 3 and "'bdaq'" in misspelt.stderr and "did you mean" in misspelt.stderr
    ranked = json.loads(invoke(["odd", "king - man + woman", "queen", "car", "-f", "json"]).stdout)
    assert ranked[0]["word"] == "car"
    assert invoke(["similar", "e-mail", "mail"]).exit_code == 0  # an operator inside a word is the word's


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["+", "-", "*", "2*", "*2", "0.5*", "2", "*cat", "cat", "-cat"]), st.text()
        ),
        max_size=6,
    ).map(" ".join)
)
def test_any_text_parses_or_is_a_query_error(text):
    """``*cat`` was taken for a factor and failed in float() (a ValueError out of a batch, which
    the whole command died of). Whatever the text, the parser answers terms or a QueryError."""
    try:
        terms = parse_expression(text)
    except QueryError:
        return
    assert terms and all(word.strip() and weight != 0 for weight, word in terms)


def test_random_bytes_give_one_record_per_line(glove, tmp_path):
    """Any line of bytes is a record (ok, none or error), the stream goes on: nothing is lost."""
    data = np.random.default_rng(7).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    lines = data.split(b"\n")
    asked = [
        n
        for n, raw in enumerate(lines[:-1] if lines[-1] == b"" else lines, 1)
        if (text := raw.decode("utf-8", "replace").removesuffix("\r").strip())
        and text != "#"
        and not text.startswith("# ")
    ]
    result = invoke(["neighbors", "-", "-n", "1"], input=data)
    assert result.exit_code in (0, 5), result.stderr
    assert sorted({int(line.split("\t", 1)[0]) for line in result.stdout.splitlines()[1:]}) == asked


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("king-man+woman", "king - man + woman"),
        ("Paris-France+Italy", "Paris - France + Italy"),
        ("cat dog", "cat + dog"),  # two words with no operator (catdog was the first suggestion)
        ("new  york", "new + york"),
    ],
)
def test_an_expression_typed_without_spaces_is_suggested_with_them(glove, typed, suggested):
    """A hyphenated word stays a word (GloVe's well-known), so king-man+woman is looked up as one;
    when every term of it is a word, the expression with its spaces is what the error suggests,
    and asking that answers."""
    result = invoke(["neighbors", typed, "-n", "1"])
    assert result.exit_code == 3 and f"did you mean: {suggested}" in result.stderr  # first
    asked = invoke(["neighbors", suggested, "-n", "1"])
    assert asked.exit_code == 0, asked.stderr
    misspelt = invoke(["neighbors", "well-knwn"])
    assert misspelt.exit_code == 3 and "well-known" in misspelt.stderr  # not an expression: spellings


def test_a_word_that_starts_with_an_operator_is_that_word_everywhere(kv):
    """GloVe holds `-1`, `+1`, `-` and `+`. The API read `kv.neighbors("-1")` as minus the word `1`
    (lionizes, rw97) where the command line and gensim answer `-1`'s neighbours; a batch line `-`
    was "ends with an operator" where gensim answers `-`."""
    import vecq

    model = vecq.load("glove-wiki-gigaword-50")
    for word in ["-1", "+1", "-", "+"]:
        theirs = [w for w, _ in kv.most_similar(word, topn=5)]
        assert [n.word for n in model.neighbors(word, top=5)] == theirs, word
        batch = tsv(invoke(["neighbors", "-", "-n", "5"], input=f"{word}\n").stdout)
        assert [r["word"] for r in batch] == theirs, word
    with pytest.raises(QueryError, match="ends with an operator"):
        parse_expression("-", known=lambda t: False)  # a model without the word: still an error
