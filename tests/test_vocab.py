"""The vocabulary structure, property-tested, and shell completion of words from it."""

from __future__ import annotations

import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from vecq.core.vocab import Vocab, build_arrays
from vecq.core.words import find_word, variants

word = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs")), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(word, min_size=1, max_size=300, unique=True), st.lists(word, max_size=20))
def test_every_word_is_found_at_its_row_and_absent_words_are_not(words, others):
    vocab = Vocab.from_words(words)
    assert len(vocab) == len(words)
    assert [vocab.index(w) for w in words] == list(range(len(words)))
    assert vocab.indices(words).tolist() == list(range(len(words)))
    assert vocab.words(range(len(words))) == words
    for other in others:
        expected = words.index(other) if other in words else None
        assert vocab.index(other) == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(word, min_size=1, max_size=200, unique=True), word)
def test_prefix_search_finds_exactly_the_words_with_that_prefix(words, prefix):
    vocab = Vocab.from_words(words)
    expected = sorted((w for w in words if w.encode().startswith(prefix.encode())), key=str.encode)
    assert vocab.complete(prefix, limit=10_000) == expected


def test_long_words_sharing_sixteen_bytes_sort_and_resolve():
    words = [f"International_Association_{i}" for i in range(50)] + ["International_Association"]
    arrays = build_arrays(words)
    assert [words[i].encode() for i in arrays["order"]] == sorted(w.encode() for w in words)
    vocab = Vocab.from_words(words)
    assert all(vocab.index(w) == i for i, w in enumerate(words))


def test_variants_cover_case_and_phrases():
    assert variants("paris")[0] == "paris" and "Paris" in variants("paris")
    assert "New_York" in variants("new york") and "new_york" in variants("new york")
    vocab = Vocab.from_words(["Paris", "New_York", "cat"])
    assert find_word(vocab, "paris").word == "Paris"
    assert find_word(vocab, "new york").word == "New_York"
    assert find_word(vocab, "CAT").word == "cat"


def test_shell_completion_offers_vocabulary_words(glove, session_cache):
    env = {
        **os.environ,
        "VECQ_CACHE_DIR": str(session_cache),
        "COMP_WORDS": "vecq -m glove-wiki-gigaword-50 neighbors kitt",
        "COMP_CWORD": "4",
        "_VECQ_COMPLETE": "bash_complete",
    }
    out = subprocess.run([sys.executable, "-m", "vecq"], env=env, capture_output=True, text=True, timeout=60)
    words = [line.split(",", 1)[1] for line in out.stdout.splitlines()]
    assert "kitten" in words and "kittens" in words
    assert all(w.startswith("kitt") for w in words)
    rows = [glove.vocab.index(w) for w in words]
    assert rows == sorted(rows)  # the most frequent first: the model's order


def test_completion_of_commands_and_options(session_cache):
    env = {**os.environ, "COMP_WORDS": "vecq neigh", "COMP_CWORD": "1", "_VECQ_COMPLETE": "bash_complete"}
    out = subprocess.run([sys.executable, "-m", "vecq"], env=env, capture_output=True, text=True, timeout=60)
    assert "plain,neighbors" in out.stdout.splitlines()


def test_a_zero_width_space_or_soft_hyphen_pasted_with_a_word_is_said_and_left_out(glove):
    """Text copied from a web page carries characters that show as nothing: ``\u200bcat`` was "not
    in the vocabulary" with no suggestion. The word without them is used, and said; a zero-width
    joiner (Persian, Indic letters, emoji) is kept."""
    from conftest import M, invoke, tsv

    for pasted, meant in [
        ("\u200bcat", "cat"),
        ("kit\u00adten", "kitten"),
        ("dog\u2060", "dog"),
        ("\ufeffCat ", "cat"),
    ]:
        assert meant in variants(pasted)
        assert find_word(glove.vocab, pasted).row == glove.vocab.index(meant)
        result = invoke([*M, "similar", pasted, "dog"])
        assert result.exit_code == 0, result.stderr
        assert f"using '{meant}' for {pasted!r}" in result.stderr
        assert (
            tsv(result.stdout)[0]["similarity"]
            == tsv(invoke([*M, "similar", meant, "dog"]).stdout)[0]["similarity"]
        )
    assert "ab" not in variants("a\u200db")


def test_typographers_dashes_and_quotes_are_read_as_what_was_meant(glove):
    """Copied from a word processor or a rendered page, ``king – man + woman`` (an en dash) and
    ``“cat”`` were unknown words with no useful suggestion: the dash's term suggests the expression
    with vecq's minus, and a quoted word is used without its quotes, said (a CSV's "cat" too)."""
    from conftest import M, invoke, tsv

    for dash in ("\u2013", "\u2014", "\u2212"):
        result = invoke([*M, "neighbors", f"king {dash} man + woman"])
        assert result.exit_code == 3
        assert "did you mean: king - man," in result.stderr
    for quoted in ("\u201ccat\u201d", '"cat"', "'cat'", "\u00abcat\u00bb"):
        result = invoke([*M, "similar", quoted, "dog"])
        assert result.exit_code == 0, result.stderr
        assert f"using 'cat' for {quoted!r}" in result.stderr
        assert (
            tsv(result.stdout)[0]["similarity"]
            == tsv(invoke([*M, "similar", "cat", "dog"]).stdout)[0]["similarity"]
        )
    assert find_word(glove.vocab, "'s").word == "'s"  # a word of quote marks stays itself


def test_a_word_in_another_unicode_form_is_the_same_word(glove):
    """``café`` typed decomposed (e + a combining accent, as macOS writes names) is GloVe's
    precomposed ``café``: found, with a note saying so, in the CLI, the numpy-free pair reader and
    the API alike. Before, it was "not in the vocabulary" without even suggesting café."""
    import warnings

    from conftest import M, invoke, tsv

    import vecq

    decomposed, composed = "cafe\u0301", "caf\u00e9"
    assert decomposed != composed and composed in variants(decomposed)
    row = glove.vocab.index(composed)
    assert find_word(glove.vocab, decomposed).row == row
    alone = invoke([*M, "neighbors", decomposed, "-n", "3"])
    assert alone.exit_code == 0 and "the same text in another Unicode form" in alone.stderr
    assert tsv(alone.stdout) == tsv(
        invoke([*M, "neighbors", composed, "-n", "3"]).stdout.replace(composed, decomposed)
    )
    pair = invoke([*M, "similar", decomposed, composed])
    assert pair.exit_code == 0 and tsv(pair.stdout)[0]["similarity"] == "1.000000"
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        kv = vecq.load("glove-wiki-gigaword-50")
        assert (kv[decomposed] == kv[composed]).all()
