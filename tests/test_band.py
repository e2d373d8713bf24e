"""--min-rank/--max-rank: answers from a frequency band only. gensim's most_similar with clip_start
and clip_end is the oracle (same words, same order, same scores); the whole list, filtered to the
band, is the oracle of the engine's band search for any band and batch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vecq
from tests.conftest import GLOVE, M, invoke, tsv
from vecq.core.expression import Term
from vecq.core.ranking import exact_dots
from vecq.core.words import Match

BANDS = [(1000, None), (3000, 20000), (50000, 100000), (1, 500)]


def band_args(low: int, high: int | None) -> list[str]:
    return ["--min-rank", str(low)] + ([] if high is None else ["--max-rank", str(high)])


@pytest.mark.parametrize("low, high", BANDS)
@pytest.mark.parametrize(
    "query, positive, negative",
    [("cat", ["cat"], []), ("king - man + woman", ["king", "woman"], ["man"])],
)
def test_a_band_answers_as_gensims_clip(glove, kv, low, high, query, positive, negative):
    result = invoke([*M, "neighbors", query, "-n", "10", *band_args(low, high)])
    assert result.exit_code == 0, result.stderr
    rows = tsv(result.stdout)
    expected = kv.most_similar(
        positive=positive, negative=negative, topn=10, clip_start=low - 1, clip_end=high
    )
    assert [r["word"] for r in rows] == [w for w, _ in expected]
    assert [float(r["similarity"]) for r in rows] == pytest.approx([s for _, s in expected], abs=1e-6)
    ranks = [kv.key_to_index[r["word"]] + 1 for r in rows]
    assert all(low <= rank <= (high or len(kv)) for rank in ranks)


def test_an_analogy_in_a_band_is_gensims(glove, kv):
    result = invoke([*M, "analogy", "king", "man", "woman", "-n", "5", *band_args(5000, 60000)])
    assert result.exit_code == 0, result.stderr
    expected = kv.most_similar(
        positive=["king", "woman"], negative=["man"], topn=5, clip_start=4999, clip_end=60000
    )
    assert [r["answer"] for r in tsv(result.stdout)] == [w for w, _ in expected]
    cosmul = invoke(
        [*M, "analogy", "king", "man", "woman", "-n", "5", "--method", "cosmul", "--min-rank", "5000"]
    )
    assert cosmul.exit_code == 0, cosmul.stderr
    # gensim's most_similar_cosmul has no clip: its whole list, kept to the band, is the oracle
    whole = kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=400)
    banded = [w for w, _ in whole if kv.key_to_index[w] >= 4999][:5]
    assert [r["answer"] for r in tsv(cosmul.stdout)] == banded


def test_a_batch_in_a_band_answers_each_line_as_alone(glove):
    lines = ["cat", "paris", "qqzzyyx", "king - man + woman"]
    batch = invoke([*M, "neighbors", "-", "-n", "5", *band_args(2000, 80000)], input="\n".join(lines) + "\n")
    assert batch.exit_code == 5  # one line failed; the others answered
    got = tsv(batch.stdout)
    for line in lines[:2] + lines[3:]:
        alone = tsv(invoke([*M, "neighbors", line, "-n", "5", *band_args(2000, 80000)]).stdout)
        assert [(r["word"], r["similarity"]) for r in got if r["query"] == line] == [
            (r["word"], r["similarity"]) for r in alone
        ]
    assert "qqzzyyx" in batch.stderr


def test_a_vector_query_keeps_to_the_band(glove, kv):
    vector = " ".join(str(x) for x in kv["cat"].tolist())
    result = invoke([*M, "neighbors", "--vector", vector, "-n", "5", "--min-rank", "6000"])
    assert result.exit_code == 0, result.stderr
    expected = kv.similar_by_vector(kv["cat"], topn=400)
    assert [r["word"] for r in tsv(result.stdout)] == [w for w, _ in expected if kv.key_to_index[w] >= 5999][
        :5
    ]


def test_an_empty_band_is_a_usage_error(glove):
    result = invoke([*M, "neighbors", "cat", "--min-rank", "1000", "--max-rank", "200"])
    assert result.exit_code == 2
    assert "--min-rank 1000 is past --restrict 200" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_band_past_the_vocabulary_says_why_there_is_no_answer(glove):
    result = invoke([*M, "neighbors", "cat", "--min-rank", "400001"])
    assert tsv(result.stdout) == []
    assert "from rank --min-rank 400001 on" in result.stderr


def test_the_api_takes_the_band(glove, kv):
    model = vecq.load(GLOVE)
    got = model.neighbors("cat", top=5, min_rank=3000, restrict=90000)
    expected = kv.most_similar("cat", topn=5, clip_start=2999, clip_end=90000)
    assert [(n.word, n.similarity) for n in got] == [(w, pytest.approx(s, abs=1e-6)) for w, s in expected]
    # one question, one number: most_similar's clip is the same search as neighbors' band
    assert model.most_similar("cat", topn=5, clip_start=2999, clip_end=90000) == [
        (n.word, n.similarity) for n in got
    ]
    batch = model.neighbors(["cat", "dog"], top=5, min_rank=3000, restrict=90000)
    assert [n.word for n in batch[0]] == [n.word for n in got]
    answer = model.analogy("king", "man", "woman", top=3, min_rank=5000)
    assert all(model.key_to_index[a.answer] >= 4999 for a in answer)
    with pytest.raises(ValueError, match="min_rank=10 is past restrict=5"):
        model.neighbors("cat", min_rank=10, restrict=5)


@settings(max_examples=40, deadline=None)
@given(
    low=st.integers(0, 30000),
    width=st.integers(1, 40000),
    rows=st.lists(st.integers(0, 50000), min_size=1, max_size=6),
    top=st.integers(1, 15),
)
def test_a_band_is_the_whole_list_kept_to_the_band(glove, low, width, rows, top):
    high = low + width
    queries = [[Term(1.0, Match(str(r), str(r), r))] for r in rows]
    banded = glove.neighbors_many(queries, top=top, restrict=high, skip=low)
    # the oracle: every row of the band scored exactly, ranked by (score, row)
    directions = glove.directions(queries)
    for j, (row, got) in enumerate(zip(rows, banded)):
        band = np.arange(low, min(high, len(glove)), dtype=np.int64)
        band = band[(band != row) & ~np.isin(band, glove.zero_rows)]
        scores = exact_dots(np.repeat(directions[j : j + 1], len(band), axis=0), glove.vectors, band)
        order = np.lexsort((band, -scores))[:top]
        assert got == list(zip(band[order].tolist(), scores[order].tolist()))
