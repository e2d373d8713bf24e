"""Two models aligned: a model rotated by a random orthogonal matrix aligns back to it (a case with
a known answer); scipy's orthogonal_procrustes on gensim's unit vectors is the oracle of the map;
two word2vec models trained by gensim on the two halves of gensim's own corpus align with a measured
overlap."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
from gensim.test.utils import datapath
from scipy.linalg import orthogonal_procrustes
from scipy.stats import ortho_group

from tests.conftest import invoke, tsv, write_text_model

N = 20_000


@pytest.fixture(scope="module")
def pair(tmp_path_factory, glove_raw):
    """GloVe's first 20,000 words, and the same rotated by a random orthogonal matrix (and their
    order shuffled: the map must come from the words, not the rows)."""
    words, vectors = glove_raw
    folder = tmp_path_factory.mktemp("align")
    q = ortho_group.rvs(50, random_state=7)
    order = np.random.default_rng(7).permutation(N)
    a = write_text_model(folder / "a.txt", words[:N], vectors[:N])
    rotated = (vectors[:N].astype(np.float64) @ q)[order]
    b = write_text_model(folder / "b.txt", [words[i] for i in order], rotated.astype(np.float32))
    return str(a), str(b), q


def test_a_rotated_model_aligns_back_to_it(pair):
    a, b, q = pair
    result = invoke(["-m", a, "-m", b, "align", "cat", "king", "paris", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["word"] for r in rows] == ["cat", "king", "paris"]
    piped = invoke(["-m", a, "-m", b, "align", "-", "-f", "json"], input="cat\nking\nparis\n")
    assert json.loads(piped.stdout) == rows  # '-': the words of standard input (it was the word "-")
    assert all(abs(r["similarity"] - 1) < 1e-5 and r["overlap"] == 1.0 for r in rows)
    from vecq.core import align
    from vecq.sources.loader import open_model

    ma, mb = open_model(a), open_model(b)
    rows_a, rows_b = align.shared_rows(ma, mb, N)
    assert len(rows_a) == N
    assert np.allclose(align.fit(ma, mb, rows_a, rows_b).w, q, atol=1e-5)  # the rotation itself


def test_the_map_is_scipys_on_the_shared_words(pair, tmp_path):
    from gensim.models import KeyedVectors

    a, b, _ = pair
    ka, kb = (KeyedVectors.load_word2vec_format(p) for p in (a, b))
    shared = [w for w in ka.index_to_key[:5000] if w in kb.key_to_index]
    expected, _ = orthogonal_procrustes(
        np.array([ka.get_vector(w, norm=True) for w in shared], dtype=np.float64),
        np.array([kb.get_vector(w, norm=True) for w in shared], dtype=np.float64),
    )
    from vecq.core import align
    from vecq.sources.loader import open_model

    ma, mb = open_model(a), open_model(b)
    found = align.fit(ma, mb, *align.shared_rows(ma, mb, 5000))
    assert np.allclose(found.w, expected, atol=1e-5)


def test_neighbours_through_the_map_are_the_models_own(pair):
    a, b, _ = pair
    through = tsv(invoke(["-m", a, "neighbors", "cat", "--in", b, "-n", "5"]).stdout)
    own = tsv(invoke(["-m", a, "neighbors", "cat", "-n", "6"]).stdout)
    # cat itself is B's nearest word to A's cat; the rest are A's own neighbours, in order
    assert [r["word"] for r in through] == ["cat"] + [r["word"] for r in own][:4]


@pytest.fixture(scope="module")
def halves(tmp_path_factory):
    """word2vec trained by gensim on each half of gensim's Lee corpus (same settings and seed)."""
    lines = Path(datapath("lee_background.cor")).read_text(encoding="utf-8").splitlines()
    folder = tmp_path_factory.mktemp("halves")
    paths = []
    for name, part in (("first", lines[: len(lines) // 2]), ("second", lines[len(lines) // 2 :])):
        corpus = folder / f"{name}.txt"
        corpus.write_text("\n".join(part) + "\n", encoding="utf-8")
        model = Word2Vec(LineSentence(str(corpus)), vector_size=50, min_count=3, epochs=40, seed=1, workers=1)
        path = folder / f"{name}.bin"
        model.wv.save_word2vec_format(str(path), binary=True)
        paths.append(str(path))
    return paths


def test_two_halves_of_a_corpus_align_with_a_measured_overlap(halves):
    first, second = halves
    changed = invoke(["-m", first, "-m", second, "align", "-n", "5", "-f", "json"])
    assert changed.exit_code == 0, changed.stderr
    rows = json.loads(changed.stdout)
    assert len(rows) == 5 and [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows == sorted(rows, key=lambda r: r["similarity"])  # the most changed first
    common = invoke(["-m", first, "-m", second, "align", "the", "said", "police", "government", "-f", "json"])
    steady = json.loads(common.stdout)
    # frequent words keep their place across the halves better than the most changed do
    assert min(r["similarity"] for r in steady) > max(r["similarity"] for r in rows)
    assert all(0 <= r["overlap"] <= 1 for r in steady)


@pytest.mark.parametrize(
    "args, code, says",
    [
        (["align", "cat"], 2, "two models"),
        (["neighbors", "cat", "--in", "{b}", "--restrict", "5"], 2, "--in takes one word"),
    ],
)
def test_bad_alignments_are_one_line(pair, args, code, says):
    a, b, _ = pair
    result = invoke(["-m", a, *[x.format(b=b) for x in args]])
    assert result.exit_code == code, result.stderr
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_api_aligns_and_translates_as_the_cli(pair):
    import vecq

    a, b, _ = pair
    ka, kb = vecq.load(a), vecq.load(b)
    cli = plain(json.loads(invoke(["-m", a, "-m", b, "align", "cat", "king", "-f", "json"]).stdout))
    got = ka.align(kb, ["cat", "king"])
    assert [r._asdict() for r in got] == cli
    changed = plain(json.loads(invoke(["-m", a, "-m", b, "align", "-n", "5", "-f", "json"]).stdout))
    assert [r._asdict() for r in ka.align(kb, top=5)] == changed
    translated = plain(
        json.loads(invoke(["-m", a, "neighbors", "cat", "--in", b, "-n", "5", "-f", "json"]).stdout)
    )
    assert [r._asdict() for r in ka.neighbors_in(kb, "cat", top=5)] == translated
    with pytest.raises(KeyError, match="did you mean"):
        ka.align(kb, ["kitteh"])


def plain(records: list[dict]) -> list[dict]:
    """JSON records without the model each names (the API's records are the query's alone)."""
    return [{k: v for k, v in r.items() if k != "model"} for r in records]


def test_a_word_all_zeros_in_one_model_is_not_a_word_that_moved(glove_raw, tmp_path):
    """Its cosine across the models is 0, so it headed 'the words that changed most'; it has no
    direction to compare: left out of that list, refused when named."""
    words, vectors = glove_raw
    n = 2000
    q = ortho_group.rvs(50, random_state=3)
    zeroed = vectors[:n].copy()
    zeroed[100] = 0  # words[100], all zeros in A only
    a = write_text_model(tmp_path / "a.txt", words[:n], zeroed)
    b = write_text_model(
        tmp_path / "b.txt", words[:n], (vectors[:n].astype(np.float64) @ q).astype(np.float32)
    )
    result = invoke(["-m", str(a), "-m", str(b), "align", "-n", "5", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    listed = [r["word"] for r in json.loads(result.stdout)]
    assert words[100] not in listed and len(listed) == 5
    refused = invoke(["-m", str(a), "-m", str(b), "align", words[100], words[5]])
    assert refused.exit_code == 3 and len(refused.stderr.strip().splitlines()) == 1
    assert (
        f"'{words[100]}': a vector of all zeros has no direction" in refused.stderr
        and "a.txt" in refused.stderr
    )


def test_shared_words_that_do_not_fix_the_map_are_refused(glove_raw, tmp_path):
    """Enough shared words but all on one line (one vector repeated, scaled): the rotation of the
    other dimensions would be arbitrary, and so every answer for a word off that line."""
    words, vectors = glove_raw
    n, dims = 200, 50
    line = np.outer(np.linspace(1, 2, n), vectors[0]).astype(np.float32)
    a = write_text_model(tmp_path / "a.txt", words[:n], line)
    b = write_text_model(tmp_path / "b.txt", words[:n], vectors[:n])
    refused = invoke(["-m", str(a), "-m", str(b), "align", "-f", "json"])
    assert refused.exit_code == 3 and refused.stdout == "" and refused.stderr.count("vecq: error") == 1
    assert f"the {n} shared words fix only 1 of the map's {dims} dimensions" in refused.stderr
    # the same words, spread: the map is fixed, and the command answers
    spread = write_text_model(tmp_path / "spread.txt", words[:n], vectors[:n] * 2)
    assert invoke(["-m", str(spread), "-m", str(b), "align", "-f", "json"]).exit_code == 0


def test_a_changed_model_file_gets_a_new_map_not_the_kept_one(glove_raw, tmp_path):
    """The map is kept between runs; a model file changed in place (retrained, replaced) is
    converted again into the same cache folder, and must not be answered through the old map
    (it was: cosines of -0.47 where the new rotation gives 1)."""
    words, vectors = glove_raw
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    first, second = (ortho_group.rvs(50, random_state=seed) for seed in (1, 2))
    write_text_model(a, words[:2000], vectors[:2000])
    write_text_model(b, words[:2000], (vectors[:2000].astype(np.float64) @ first).astype(np.float32))
    asked = ["-m", str(a), "-m", str(b), "align", "city", "king", "--shared", "2000", "-f", "json"]
    before = invoke(asked)
    assert before.exit_code == 0, before.stderr
    assert all(abs(r["similarity"] - 1) < 1e-5 for r in json.loads(before.stdout))
    rotated = (vectors[:2000].astype(np.float64) @ first @ second.T).astype(np.float32)
    write_text_model(a, words[:2000], rotated)  # A is now B rotated by another map
    after = invoke(asked)
    assert after.exit_code == 0, after.stderr
    assert "aligned" in after.stderr  # fitted again, for the new A
    assert all(abs(r["similarity"] - 1) < 1e-4 for r in json.loads(after.stdout))


def test_a_word_model_aligns_with_a_token_tables_words_not_its_pieces(glove_raw, tmp_path):
    """A token table's ``cat`` is the word-start token ``▁cat``; its key ``cat`` is the piece inside
    a word. Aligning GloVe with a table whose word-start rows are GloVe's rotated paired GloVe's
    words with those pieces (a map from noise). The table here holds GloVe's rows for its word-start
    tokens, rotated, and random rows for its pieces."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    from tests.conftest import train_tokenizer

    words, vectors = glove_raw
    row_of = {w: i for i, w in enumerate(words[:N])}
    text, size = train_tokenizer("WordPiece")
    tokenizer = Tokenizer.from_str(text)
    q = ortho_group.rvs(50, random_state=3)
    table = np.random.default_rng(3).standard_normal((size, 50)).astype(np.float32)
    starts = [t for t in tokenizer.get_vocab() if not t.startswith("##") and t in row_of]
    for token in starts:
        rotated = vectors[row_of[token]].astype(np.float64) @ q
        table[tokenizer.token_to_id(token)] = rotated.astype(np.float32)
    assert len(starts) > 100 and any(t.startswith("##") and t[2:] in row_of for t in tokenizer.get_vocab())
    StaticModel(table, tokenizer, normalize=False).save_pretrained(str(tmp_path / "table"))
    glove = write_text_model(tmp_path / "glove.txt", words[:N], vectors[:N])
    for a, b in [(str(glove), str(tmp_path / "table")), (str(tmp_path / "table"), str(glove))]:
        result = invoke(["-m", a, "-m", b, "align", "-n", "20", "--shared", str(N), "-f", "json"])
        assert result.exit_code == 0, result.stderr
        rows = json.loads(result.stdout)
        assert len(rows) == 20 and all(abs(r["similarity"] - 1) < 1e-4 for r in rows)
        assert all(r["word"].lstrip("▁") in starts for r in rows)
    found = invoke(["-m", str(glove), "neighbors", "said", "--in", str(tmp_path / "table"), "-f", "json"])
    assert json.loads(found.stdout)[0]["word"] == "▁said"
