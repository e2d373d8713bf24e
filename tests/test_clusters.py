"""vecq cluster: scikit-learn's KMeans on the unit vectors is the oracle of the partition; the
ranking within a cluster is each word's cosine with the unit centre, checked with numpy; groups of
real words that any reader can sort come out as those groups."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans

import vecq
from tests.conftest import GLOVE, M, invoke, tsv

GROUPS = [
    ["cat", "dog", "horse", "cow", "sheep"],
    ["france", "germany", "italy", "spain", "portugal"],
    ["one", "two", "three", "four", "five"],
    ["red", "green", "blue", "yellow", "purple"],
]


def partition(records: list[dict]) -> set[frozenset[str]]:
    by_cluster: dict[str, set[str]] = {}
    for r in records:
        by_cluster.setdefault(str(r["cluster"]), set()).add(r["word"])
    return {frozenset(words) for words in by_cluster.values()}


def test_groups_of_real_words_come_out_as_those_groups(glove):
    words = [w for group in GROUPS for w in group]
    result = invoke([*M, "cluster", *words, "-k", "4"])
    assert result.exit_code == 0, result.stderr
    assert partition(tsv(result.stdout)) == {frozenset(g) for g in GROUPS}


@pytest.mark.parametrize("seed", [0, 7])
def test_the_first_words_are_scikit_learns_clusters_ranked_by_their_centre(glove, kv, seed):
    n, k = 3000, 12
    result = invoke([*M, "cluster", "--first", str(n), "-k", str(k), "-n", "100000", "--seed", str(seed)])
    assert result.exit_code == 0, result.stderr
    rows = tsv(result.stdout)
    assert len(rows) == n
    unit = kv.get_normed_vectors()[:n].astype(np.float64)
    oracle = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(unit)
    expected = {frozenset(kv.index_to_key[i] for i in np.flatnonzero(oracle.labels_ == c)) for c in range(k)}
    assert partition(rows) == expected
    sizes = [int(r["size"]) for r in rows if r["rank"] == "1"]
    assert sizes == sorted(sizes, reverse=True)  # numbered largest first
    for c in {r["cluster"] for r in rows}:
        members = [r for r in rows if r["cluster"] == c]
        vectors = kv.get_normed_vectors()[[kv.key_to_index[r["word"]] for r in members]]
        centre = vectors.astype(np.float64).mean(axis=0)
        cosines = vectors @ (centre / np.linalg.norm(centre))
        assert [float(r["similarity"]) for r in members] == pytest.approx(cosines.tolist(), abs=1e-5)
        scores = [float(r["similarity"]) for r in members]
        assert scores == sorted(scores, reverse=True)
        assert [int(r["rank"]) for r in members] == list(range(1, len(members) + 1))


def test_top_shows_each_clusters_central_words(glove):
    whole = tsv(invoke([*M, "cluster", "--first", "1000", "-k", "5", "-n", "1000"]).stdout)
    shown = tsv(invoke([*M, "cluster", "--first", "1000", "-k", "5", "-n", "3"]).stdout)
    assert shown == [r for r in whole if int(r["rank"]) <= 3]


def test_words_from_a_file_and_from_arguments_agree(glove, tmp_path):
    words = [w for group in GROUPS for w in group]
    listed = tmp_path / "words.txt"
    listed.write_text("\n".join(words) + "\n")
    from_file = invoke([*M, "cluster", "--words", str(listed), "-k", "4"])
    assert from_file.exit_code == 0, from_file.stderr
    assert from_file.stdout == invoke([*M, "cluster", *words, "-k", "4"]).stdout


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["cat", "dog", "-k", "3"], 3, "2 words cannot make 3 clusters"),
        (["cat", "kitteh", "dog"], 3, "did you mean"),
        (["cat", "cat", "dog", "-k", "2"], 3, "'cat' is given twice"),
        ([], 2, "give words to cluster"),
        (["cat", "--first", "100"], 2, "one of them"),
    ],
)
def test_bad_input_is_one_line(glove, args, code, message):
    result = invoke([*M, "cluster", *args])
    assert result.exit_code == code
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_api_answers_as_the_cli(glove):
    model = vecq.load(GLOVE)
    words = [w for group in GROUPS for w in group]
    answers = model.cluster(words, clusters=4)
    cli = tsv(invoke([*M, "cluster", *words, "-k", "4", "-f", "tsv"]).stdout)
    assert [(a.cluster, a.word, a.similarity) for a in answers] == [
        (int(r["cluster"]), r["word"], pytest.approx(float(r["similarity"]), abs=1e-6)) for r in cli
    ]
    assert list(answers.to_pandas().columns) == ["cluster", "size", "rank", "word", "similarity"]
    with pytest.raises(ValueError, match="one of the two"):
        model.cluster()
