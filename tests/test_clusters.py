"""vecq cluster: scikit-learn's KMeans on the unit vectors is the oracle of the partition; the
ranking within a cluster is each word's cosine with the unit centre, checked with numpy; groups of
real words that any reader can sort come out as those groups."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans

import vecq
from tests.conftest import GLOVE, M, invoke, tsv, write_text_model

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


def test_a_word_whose_vector_is_all_zeros_belongs_to_no_cluster(kv, tmp_path, caplog):
    """A zero row has no direction: --first leaves it out and says so (the clusters are then
    scikit-learn's of the other words), a word given by name is refused in one line."""
    words = kv.index_to_key[:60] + ["nothing"]
    vectors = np.vstack([kv.vectors[:60], np.zeros((1, kv.vector_size), dtype=np.float32)])
    path = write_text_model(tmp_path / "with-zero.txt", words, vectors)
    model = ["-m", str(path)]
    result = invoke([*model, "cluster", "--first", "61", "-k", "3", "-n", "100"])
    assert result.exit_code == 0, result.stderr
    assert "left out 1 word whose vector is all zeros" in result.stderr and "'nothing'" in result.stderr
    rows = tsv(result.stdout)
    assert "nothing" not in {r["word"] for r in rows} and len(rows) == 60
    unit = kv.get_normed_vectors()[:60].astype(np.float64)
    oracle = KMeans(n_clusters=3, n_init=10, random_state=0).fit(unit)
    expected = {frozenset(words[i] for i in np.flatnonzero(oracle.labels_ == c)) for c in range(3)}
    assert partition(rows) == expected
    refused = invoke([*model, "cluster", "the", "nothing", "of", "-k", "2"])
    assert refused.exit_code == 3 and len(refused.stderr.strip().splitlines()) == 1
    assert "'nothing': a vector of all zeros has no direction" in refused.stderr
    loaded = vecq.load(str(path))
    with caplog.at_level("WARNING", logger="vecq"):
        answers = loaded.cluster(first=61, clusters=3)
    assert "nothing" not in {a.word for a in answers} and "all zeros" in caplog.text
    with pytest.raises(ValueError, match="no direction"):
        loaded.cluster(["the", "nothing", "of"], clusters=2)


def test_words_sharing_a_vector_and_words_built_for_the_question_cluster_or_say_why(kv, tmp_path):
    """Fewer different vectors than clusters left k-means a cluster empty ("a defect": min() of
    nothing); an expression or a fastText word built from n-grams has a row past the vocabulary,
    which clustering could not name (IndexError). Both are answered or refused in one line."""
    words = kv.index_to_key[:6] + ["twin"]
    vectors = np.vstack([kv.vectors[:6], kv.vectors[5:6]])  # "twin" is word 5 again
    path = write_text_model(tmp_path / "twins.txt", words, vectors)
    result = invoke(["-m", str(path), "cluster", words[5], "twin", words[0], "-k", "3"])
    error = [line for line in result.stderr.splitlines() if "converting" not in line]
    assert result.exit_code == 3 and len(error) == 1, result.stderr
    assert "the 3 words hold only 2 different vectors" in error[0]
    built = ["cat", "dog", "king - man + woman", "queen", "france"]
    cli = tsv(invoke([*M, "cluster", *built, "-k", "2"]).stdout)
    assert sorted(r["word"] for r in cli) == sorted(built)
    direction = kv.get_mean_vector(["king", "man", "woman"], weights=[1, -1, 1])  # unit rows, summed
    direction /= np.linalg.norm(direction)
    unit = np.vstack([kv.get_vector(w, norm=True) if " " not in w else direction for w in built])
    oracle = KMeans(n_clusters=2, n_init=10, random_state=0).fit(unit.astype(np.float64))
    expected = {frozenset(built[i] for i in np.flatnonzero(oracle.labels_ == c)) for c in range(2)}
    assert partition(cli) == expected
    api = vecq.load(GLOVE).cluster(built, clusters=2)
    assert sorted(a.word for a in api) == sorted(built)
