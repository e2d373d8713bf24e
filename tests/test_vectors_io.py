"""Vectors in and out: the neighbours of a vector, many vectors to .npy, and
``vecq export`` read back by gensim, numpy and safetensors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import glove_invoke as invoke
from conftest import invoke as any_model
from conftest import tsv


def test_the_neighbours_of_a_vector_equal_gensims(glove, kv):
    vector = kv["king"] - kv["man"] + kv["woman"]
    for text in (json.dumps(vector.tolist()), " ".join(repr(float(v)) for v in vector)):
        result = invoke(["neighbors", "--vector", text, "-n", "5"])
        assert result.exit_code == 0, result.stderr
        theirs = kv.most_similar(positive=[vector], topn=5)
        ours = tsv(result.stdout)
        assert [r["word"] for r in ours] == [w for w, _ in theirs]
        assert np.allclose([float(r["similarity"]) for r in ours], [s for _, s in theirs], atol=1e-6)


def test_vectors_read_one_a_line_keep_one_record_per_line(glove, kv):
    lines = [
        " ".join(str(v) for v in kv["cat"]),
        "[1, 2, 3]",
        "not numbers",
        json.dumps(kv["paris"].tolist()),
        " ".join(["0"] * 50),
    ]
    result = invoke(["neighbors", "--vector", "-", "-n", "1"], input="\n".join(lines) + "\n")
    records = tsv(result.stdout)
    assert [r["line"] for r in records] == ["1", "2", "3", "4", "5"]
    assert [r["status"] for r in records] == ["ok", "error", "error", "ok", "error"]
    assert records[0]["word"] == "cat" and records[3]["word"] == "paris"
    assert "has 3 numbers" in records[1]["error"] and "50 dimensions" in records[1]["error"]
    assert "not a vector" in records[2]["error"] and "zero vector" in records[4]["error"]
    assert result.exit_code == 5


@pytest.mark.parametrize("fmt", ["tsv", "csv", "jsonl"])
def test_vecqs_own_vectors_pipe_back_named_by_their_words(glove, kv, fmt):
    """``vecq vector cat | vecq neighbors --vector -`` failed on every line: the TSV's header and
    its records (WORD<TAB>numbers), and each CSV and JSON record, were "not a vector". A record is
    now its vector, named by its word (a numeral too: in CSV a record of the model's dimensions
    after it; a comma, quoted), the header left out and said; the answers are gensim's for the same
    vectors."""
    words = ["cat", "2000", "paris", *([","] if fmt == "csv" else [])]
    printed = invoke(["vector", *words, "-f", fmt])
    assert printed.exit_code == 0, printed.stderr
    result = invoke(["neighbors", "--vector", "-", "-n", "3", "-f", "jsonl"], input=printed.stdout)
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in records] == [w for w in words for _ in range(3)]
    import vecq

    model = vecq.load("glove-wiki-gigaword-50")
    for word in words:
        theirs = kv.most_similar(positive=[kv[word]], topn=3)
        ours = [r for r in records if r["query"] == word]
        assert [r["word"] for r in ours] == [w for w, _ in theirs]
        assert np.allclose([r["similarity"] for r in ours], [s for _, s in theirs], atol=1e-6)
        # a word's own vector is its row to the bit: its neighbours score as the word's do
        assert [(r["word"], r["similarity"]) for r in ours[1:]] == [
            (n.word, n.similarity) for n in model.neighbors(word, top=2)
        ]
    header = "vecq: left out 1 line of standard input as vecq's header (line 1)"
    assert result.stderr.splitlines() == ([header] if fmt != "jsonl" else [])


def test_a_words_own_vector_is_its_row_and_its_neighbours_score_as_the_words():
    """A vector given back (``vecq vector w | vecq neighbors --vector -``, ``kv.neighbors(array)``)
    was divided by its float32 length where the word's row was made by ``unit_rows``: the two
    lists differed in a last bit for 82% of GloVe words, in the sixth decimal for 19%. A unit row
    or an expression's direction given back was normalised again, which moved it a last bit."""
    import random

    import vecq

    kv = vecq.load("glove-wiki-gigaword-50")
    rng = random.Random(4)
    words = [kv.index_to_key[rng.randrange(100_000)] for _ in range(100)]
    by_word = kv.neighbors(words, top=5)
    for vectors in ([kv[w] for w in words], [kv.get_vector(w, norm=True) for w in words]):
        by_vector = kv.neighbors(np.array(vectors), top=6)
        for word, answer, asked in zip(words, by_vector, by_word):
            assert answer[0].word == word
            assert [(n.word, n.similarity) for n in answer[1:]] == [(n.word, n.similarity) for n in asked]
    # an expression's vector (a unit direction) given back is that direction, not normalised again
    expressions = [f"{w} - man + woman" for w in words]
    by_vector = kv.neighbors(np.array([kv.vector(e) for e in expressions]), top=15)
    asked = kv.neighbors(expressions, top=8)  # its words are left out: the vector's list has them
    for by_itself, answer in zip(asked, by_vector):
        scored = {n.word: n.similarity for n in answer}
        assert all(scored[n.word] == n.similarity for n in by_itself if n.word in scored)


def test_a_model_stored_at_unit_length_keeps_its_rows_and_scores_its_own_vectors_as_its_words(
    glove, tmp_path
):
    """A model whose vectors are unit length already (``vecq export --unit``, gensim's
    ``unit_normalize_all`` saved): its unit rows were its rows multiplied by their reciprocal
    lengths, a last bit off in 27% of them, so ``kv[w]`` given back (``most_similar(positive=[kv[w]])``,
    ``vecq vector w | vecq neighbors --vector -``) scored otherwise than ``w``. ``unit_rows`` keeps
    a row of unit length to float32's precision as it is, so it is idempotent."""
    import vecq
    from vecq.core.unit import unit_rows

    path = tmp_path / "unit.bin"
    assert invoke(["export", "--first", "5000", "--unit", "-o", str(path)]).exit_code == 0
    kv = vecq.load(str(path))
    words = kv.index_to_key[::50]
    assert all(np.array_equal(kv[w], kv.get_vector(w, norm=True)) for w in words)
    for w in words:
        assert kv.most_similar(positive=[kv[w]], topn=6)[1:] == kv.most_similar(w, topn=5)
    rows = np.asarray(glove.vectors[:20_000])
    once = unit_rows(rows)[0]
    assert np.array_equal(unit_rows(once)[0], once)
    given = any_model(["-m", str(path), "vector", *words[:20]]).stdout
    piped = any_model(["-m", str(path), "neighbors", "--vector", "-", "-n", "4", "-f", "jsonl"], input=given)
    asked = any_model(["-m", str(path), "neighbors", *words[:1], "-n", "3", "-f", "jsonl"])
    by_vector = [json.loads(line) for line in piped.stdout.splitlines()]
    assert [(r["word"], r["similarity"]) for r in by_vector[1:4]] == [
        (r["word"], r["similarity"]) for r in map(json.loads, asked.stdout.splitlines())
    ]


def test_a_row_whose_length_lies_just_past_a_power_of_two_scores_its_own_vector_as_its_word():
    """A row of length 2.0000002 whose largest value is 1.73 is halved by ``direction``'s power of
    two to a length of 1.0000001, which was kept as a unit vector: ``kv[w]`` given back was a last
    bit off ``w``'s unit row, and scored its neighbours otherwise than ``w``."""
    import vecq

    rng = np.random.default_rng(8)
    odd = [[1.0, 0.0, 0.0, np.sqrt(4.0 * (1 + k * 2.0**-23) - 1)] for k in range(1, 9)]
    rows = np.vstack([np.array(odd, dtype=np.float32), rng.standard_normal((40, 4)).astype(np.float32)])
    kv = vecq.KeyedVectors(4)
    kv.add_vectors([f"w{i}" for i in range(len(rows))], rows)
    halving_differs = [
        w for w in kv.index_to_key[:8] if kv.get_vector(w, norm=True).tobytes() != (kv[w] / 2).tobytes()
    ]
    assert len(halving_differs) >= 3
    for w in kv.index_to_key[:8]:
        by_vector = kv.most_similar(positive=[kv[w]], topn=10)
        assert [p for p in by_vector if p[0] != w][:8] == kv.most_similar(w, topn=8)


def test_numbers_separated_by_tabs_stay_one_vector_and_a_json_document_points_to_jsonl(glove, kv):
    numbers = "\t".join(str(v) for v in kv["cat"])
    result = invoke(["neighbors", "--vector", "-", "-n", "1"], input=numbers + "\n")
    assert result.exit_code == 0, result.stderr
    (record,) = tsv(result.stdout)
    assert record["word"] == "cat" and record["query"] == numbers.replace("\t", "\\t")  # TSV's escape
    document = invoke(["vector", "cat", "-f", "json"]).stdout
    result = invoke(["neighbors", "--vector", "-", "-n", "1"], input=document)
    assert result.exit_code == 5
    assert [r["status"] for r in tsv(result.stdout)] == ["error", "ok", "error"]
    assert "give -f jsonl, not -f json" in tsv(result.stdout)[0]["error"]


@pytest.mark.parametrize("how", ["-", "--input"])
def test_tokens_of_each_line_of_a_file_or_stdin_carry_their_line(glove, kv, tmp_path, how):
    """``vecq tokens -`` tokenised the text "-" (GloVe's row 11) where every other command reads
    standard input: each line is now a text, its records its line's, by the batch's line rules for
    text ('# a comment' is text to tokenise, as any other)."""
    lines = ["The cat sat", "", "# a comment", "qqzzyx Cat\r", "\ufeffnot first", "-"]
    text = "\n".join(lines) + "\n"
    if how == "-":
        result = invoke(["tokens", "-f", "json", "-"], input=text)
    else:
        (tmp_path / "lines.txt").write_text(text, encoding="utf-8")
        result = invoke(["tokens", "-f", "json", "--input", str(tmp_path / "lines.txt")])
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert sorted({r["line"] for r in records}) == [1, 3, 4, 5, 6]
    for number in (1, 3, 4, 5):
        alone = json.loads(invoke(["tokens", "-f", "json", lines[number - 1].strip()]).stdout)
        mine = [{k: v for k, v in r.items() if k != "line"} for r in records if r["line"] == number]
        assert mine == alone
    assert [r["status"] for r in records if r["line"] == 4] == ["unknown", "respelled"]
    assert [(r["token"], r["id"]) for r in records if r["line"] == 6] == [("-", kv.get_index("-"))]


def test_tokens_of_a_line_that_is_not_utf8_or_holds_control_characters_is_a_record_not_the_end():
    """A line whose bytes are not UTF-8 was tokenised as U+FFFD without a word, and a word holding a
    control character ended the whole batch (exit 3, the later lines never read)."""
    stream = b"the cat\nna\xefve cat\nthe\x01cat dog\nsat\n"
    result = invoke(["tokens", "-f", "json", "-"], input=stream)
    records = json.loads(result.stdout)
    assert sorted({r["line"] for r in records}) == [1, 2, 3, 4]
    assert [r["status"] for r in records if r["line"] == 2] == ["not-utf8"]
    assert [r["status"] for r in records if r["line"] == 3] == ["not-a-word", "found"]
    assert result.exit_code == 5 and "line 2: the line is not valid UTF-8" in result.stderr
    alone = invoke(["tokens", "-f", "json", "the\x01cat", "dog"])
    assert alone.exit_code == 0 and [r["status"] for r in json.loads(alone.stdout)] == ["not-a-word", "found"]


@pytest.mark.parametrize(
    "command", [["odd"], ["axis", "he", "she"], ["cluster", "-k", "2"], ["plot", "-o", "PNG"]]
)
def test_words_read_from_stdin_for_a_dash_answer_as_the_same_words_given(glove, tmp_path, command):
    """``vecq axis he she -`` placed the word "-" on the axis (exit 0), and odd, cluster and plot
    counted it as a word: '-' is now the words of standard input, one a line, by the batch's rules."""
    words = ["cat", "dog", "car", "bus"]
    lines = "\ufeffcat\n# a comment\n\ndog\ncar\r\nbus\n"
    if command[0] == "plot":
        piped = invoke(["plot", "-o", str(tmp_path / "piped.png"), "-"], input=lines)
        given = invoke(["plot", "-o", str(tmp_path / "given.png"), *words])
        assert piped.exit_code == given.exit_code == 0, piped.stderr
        assert (tmp_path / "piped.png").read_bytes() == (tmp_path / "given.png").read_bytes()
        return
    piped = invoke([*command, "-f", "json", "-"], input=lines)
    given = invoke([*command, "-f", "json", *words])
    assert piped.exit_code == given.exit_code == 0, piped.stderr
    assert piped.stdout == given.stdout and len(json.loads(piped.stdout)) >= len(words)


def test_a_dash_with_nothing_on_stdin_is_a_usage_error(glove):
    result = invoke(["odd", "-"], input="\n# nothing\n")
    assert result.exit_code == 2 and "standard input holds no words" in result.stderr


@pytest.mark.parametrize("each", ["1e38", "1e-45"])
def test_the_neighbours_of_a_huge_or_tiny_vector_are_those_of_its_direction(glove, each):
    """Its float32 length overflowed or underflowed: the direction became zeros, and 'the' and ','
    were answered with a score of 0."""
    ones = tsv(invoke(["neighbors", "--vector", " ".join(["1"] * 50), "-n", "3"]).stdout)
    scaled = tsv(invoke(["neighbors", "--vector", " ".join([each] * 50), "-n", "3"]).stdout)
    assert [(r["word"], r["similarity"]) for r in scaled] == [(r["word"], r["similarity"]) for r in ones]
    assert float(ones[0]["similarity"]) > 0.5


@pytest.mark.parametrize("power", [-200, -1000, 1000])
def test_numbers_float32_cannot_hold_keep_their_direction_to_the_bit(glove, kv, power):
    """cat's vector times 2^-200 (1e-61s) became all zeros in float32, and 'the', ',' and '.' were
    answered with a score of 0; times 2^1000 (1e300s) it was refused as past float32's range. Only
    its direction counts: scaled back by a power of two first, its answers are the same bits."""
    vector = np.asarray(kv["cat"], dtype=np.float64)
    scaled = [repr(float(x)) for x in np.ldexp(vector, power)]
    assert scaled != [repr(float(x)) for x in vector]
    asked = invoke(["neighbors", "--vector", " ".join(scaled), "-n", "4", "-f", "json"])
    plain = invoke(["neighbors", "--vector", json.dumps(vector.tolist()), "-n", "4", "-f", "json"])
    assert asked.exit_code == 0, asked.stderr
    pairs = [(r["word"], r["similarity"]) for r in json.loads(asked.stdout)]
    assert pairs == [(r["word"], r["similarity"]) for r in json.loads(plain.stdout)]
    assert pairs[0][0] == "cat" and pairs[1][0] == "dog"


def test_many_words_to_npy_with_their_words_beside(glove, kv, tmp_path):
    out = tmp_path / "v.npy"
    result = invoke(["vector", "-", "-o", str(out)], input="cat\nqqzzyyx\nParis\n# a comment\ndog\n")
    assert result.exit_code == 5 and "qqzzyyx" in result.stderr
    matrix = np.load(out)
    assert matrix.shape == (4, 50) and matrix.dtype == np.float32
    assert (tmp_path / "v.words.txt").read_text().splitlines() == ["cat", "qqzzyyx", "Paris", "dog"]
    for i, word in [(0, "cat"), (2, "paris"), (3, "dog")]:
        assert np.allclose(matrix[i], kv[word], rtol=1e-6, atol=1e-7)
    assert np.isnan(matrix[1]).all()


@pytest.mark.parametrize("suffix", [".bin", ".txt", ".npy", ".safetensors"])
def test_export_is_read_back_by_the_libraries(glove, kv, tmp_path, suffix):
    out = tmp_path / f"first{suffix}"
    result = invoke(["export", "--first", "2000", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    words, vectors = kv.index_to_key[:2000], kv.vectors[:2000]
    if suffix in (".bin", ".txt"):
        from gensim.models import KeyedVectors

        back = KeyedVectors.load_word2vec_format(str(out), binary=suffix == ".bin")
        assert back.index_to_key == words
        got = back.vectors
    else:
        assert (tmp_path / "first.words.txt").read_text().splitlines() == words
        if suffix == ".npy":
            got = np.load(out)
        else:
            from safetensors.numpy import load_file

            got = load_file(str(out))["vectors"]
    assert got.shape == (2000, 50) and np.array_equal(got, vectors)  # the model's floats, each bit
    if suffix == ".txt":  # each float in the fewest digits that read back as itself: GloVe's own
        line = out.read_text(encoding="utf-8").splitlines()[1]
        assert line.split(" ")[:3] == [words[0], *[str(v) for v in vectors[0, :2]]]
        assert len(line.split(" ")[1]) <= 9


@pytest.mark.parametrize(
    "name, to", [("m.txt.gz", None), ("m.bin.bz2", None), ("m.vec.xz", None), ("m.gz", "word2vec-bin")]
)
def test_export_to_a_compressed_name_writes_it_compressed_as_gensim_reads_it(glove, kv, tmp_path, name, to):
    """`-o vectors.txt.gz --to word2vec-text` wrote plain text under a .gz name, which gensim (that
    decompresses by the name) could not read; now the name's compression is the file's."""
    import bz2
    import gzip
    import lzma

    from gensim.models import KeyedVectors

    out = tmp_path / name
    result = invoke(["export", "--first", "500", "-o", str(out), *(["--to", to] if to else [])])
    assert result.exit_code == 0, result.stderr
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[out.suffix]
    with opener(out, "rb") as f:
        assert f.read(4)  # compressed as its name says
    binary = ".bin" in name or to == "word2vec-bin"
    back = KeyedVectors.load_word2vec_format(str(out), binary=binary)
    assert back.index_to_key == kv.index_to_key[:500]
    assert np.array_equal(back.vectors, kv.vectors[:500])
    if out.suffix == ".gz":
        assert out.read_bytes()[3] & 0x08 == 0  # no file name in the gzip header (the temporary one was)
    again = any_model(["-m", str(out), "similar", "the", "of"])  # and vecq reads it as a model
    assert again.exit_code == 0, again.stderr
    assert float(tsv(again.stdout)[0]["similarity"]) == pytest.approx(
        float(kv.similarity("the", "of")), abs=1e-6
    )


def test_a_matrix_is_not_written_compressed(glove, tmp_path):
    result = invoke(["export", "--first", "5", "-o", str(tmp_path / "m.npy.gz")])
    assert result.exit_code == 2 and not (tmp_path / "m.npy.gz").exists()
    assert "read uncompressed" in result.stderr and "(m.txt.gz)" in result.stderr


def test_export_of_a_word_list_writes_each_word_once(glove, kv, tmp_path):
    """A word listed twice (or as two spellings of one word) was written twice: gensim read the
    file back as ['cat', 'dog', None, None]."""
    from gensim.models import KeyedVectors

    out = tmp_path / "pets.txt"
    result = invoke(["export", "--words", "-", "-o", str(out)], input="cat\ndog\ncat\nCat\nbus\n")
    assert result.exit_code == 0, result.stderr
    assert "left out 2 repeats" in result.stderr and "standard input" in result.stderr
    back = KeyedVectors.load_word2vec_format(str(out))
    assert back.index_to_key == ["cat", "dog", "bus"]
    assert np.array_equal(back.vectors, kv[["cat", "dog", "bus"]])
    graph_args = ["graph", "--words", "-", "-k", "2", "-o", str(tmp_path / "g.npy")]
    graph = invoke(graph_args, input="cat\ndog\ncat\n")
    assert graph.exit_code == 0, graph.stderr
    assert (tmp_path / "g.words.txt").read_text().splitlines() == ["cat", "dog"]


def test_export_a_word_list_unit_length(glove, kv, tmp_path):
    wordlist = tmp_path / "words.txt"
    wordlist.write_text("queen\nking\nParis\n")
    out = tmp_path / "royal.txt"
    result = invoke(["export", "--words", str(wordlist), "--unit", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    from gensim.models import KeyedVectors

    back = KeyedVectors.load_word2vec_format(str(out))
    assert back.index_to_key == ["queen", "king", "paris"]  # the model's spellings
    for word in back.index_to_key:
        assert np.allclose(back[word], kv.get_vector(word, norm=True), rtol=1e-6, atol=1e-7)
    bad = invoke(["export", "--words", "-", "-o", str(tmp_path / "x.npy")], input="cat\nqqzzyyx\n")
    assert bad.exit_code == 3 and "qqzzyyx" in bad.stderr and not (tmp_path / "x.npy").exists()
    unknown = invoke(["export", "-o", str(tmp_path / "x.zip")])
    assert unknown.exit_code == 2 and "suffix" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["tokens", ""], 2, "give some text"),
        (["neighbors", "--vector", ""], 2, "give a vector"),
        (["export", "--words", "/no/such/file", "-o", "x.npy"], 2, "check the path given to --words"),
        (["vector", "-o", "x.bin", "cat"], 2, "writes .npy or .safetensors"),
        (["export", "--words", "-", "-o", "x.npy"], 2, "holds no words"),
    ],
)
def test_new_commands_answer_bad_input_in_one_line(glove, args, code, says):
    result = invoke(args)
    (line,) = result.stderr.splitlines()
    assert result.exit_code == code and says in line, line


def test_a_vector_printed_as_text_reads_back_as_the_same_float32s(tmp_path):
    """TSV, CSV and the table printed 6 decimals: 1e-30 and 2.5e-07 came out as 0.000000, and a
    GoogleNews value such as 0.0123291 lost its last digit. Each component now prints the shortest
    digits that read back as the same float32 (numpy's), as JSON carries them exactly."""
    from conftest import invoke as any_invoke
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(5)
    values = rng.standard_normal((3, 8)).astype(np.float32) * np.float32([[1e-30], [1e-3], [1e5]])
    values[0, 0] = np.float32(0.0123291)
    kv = KeyedVectors(8)
    kv.add_vectors(["tiny", "small", "large"], values)
    path = tmp_path / "m.bin"
    kv.save_word2vec_format(str(path), binary=True)
    words = ["tiny", "small", "large"]
    result = any_invoke(["-m", str(path), "vector", *words, "-f", "tsv"])
    assert result.exit_code == 0, result.stderr
    printed = np.array([r["vector"].split(" ") for r in tsv(result.stdout)], dtype=np.float32)
    assert np.array_equal(printed, values)
    assert tsv(result.stdout)[0]["vector"].split(" ")[0] == "0.0123291"  # the shortest, not 9 digits
    csv_lines = any_invoke(["-m", str(path), "vector", *words, "-f", "csv"]).stdout.splitlines()[1:]
    assert np.array_equal(np.array([line.split(",")[1:] for line in csv_lines], dtype=np.float32), values)
    listed = any_invoke(["-m", str(path), "vector", *words, "-f", "jsonl"]).stdout.splitlines()
    assert np.array_equal(np.array([json.loads(line)["vector"] for line in listed], dtype=np.float32), values)
    tokens = any_invoke(["-m", str(path), "tokens", "tiny large", "--vectors"])
    assert tokens.exit_code == 0, tokens.stderr
    shown = np.array([r["vector"].split(" ") for r in tsv(tokens.stdout)], dtype=np.float32)
    assert np.array_equal(shown, values[[0, 2]])


@pytest.mark.parametrize("suffix", [".npy", ".safetensors"])
def test_what_export_writes_vecq_reads_back_as_a_model(glove, kv, tmp_path, suffix):
    """`vecq export -o FILE.npy` (or .safetensors) and FILE.words.txt beside it: a model vecq now
    opens, the same words, floats and neighbours (gensim on the same rows the oracle)."""
    from conftest import invoke as any_invoke
    from gensim.models import KeyedVectors

    out = tmp_path / f"first{suffix}"
    assert invoke(["export", "--first", "8000", "-o", str(out)]).exit_code == 0
    oracle = KeyedVectors(50)
    oracle.add_vectors(kv.index_to_key[:8000], kv.vectors[:8000])
    listed = any_invoke(["-m", str(out), "vector", "cat", "king", "-f", "jsonl"])
    assert listed.exit_code == 0, listed.stderr
    got = np.array([json.loads(line)["vector"] for line in listed.stdout.splitlines()], dtype=np.float32)
    assert np.array_equal(got, oracle[["cat", "king"]])
    near = any_invoke(["-m", str(out), "neighbors", "king", "-n", "10"])
    assert near.exit_code == 0, near.stderr
    assert [r["word"] for r in tsv(near.stdout)] == [w for w, _ in oracle.most_similar("king", topn=10)]
    words = out.with_suffix(".words.txt")
    words.write_text(words.read_text().replace("\nking\n", "\nmonarch\n", 1))  # a changed list: anew
    renamed = any_invoke(["-m", str(out), "neighbors", "monarch", "-n", "1"])
    assert renamed.exit_code == 0, renamed.stderr


@pytest.mark.parametrize("dtype", ["float16", "float64", ">f4", ">f8"])
def test_a_matrix_of_another_float_type_is_read_as_numpy_rounds_it(tmp_path, dtype):
    from conftest import invoke as any_invoke

    values = np.random.default_rng(4).standard_normal((40, 6)).astype(dtype)
    np.save(tmp_path / "m.npy", values)
    (tmp_path / "m.words.txt").write_text("".join(f"w{i}\n" for i in range(40)))
    result = any_invoke(["-m", str(tmp_path / "m.npy"), "vector", "w7", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert np.array_equal(np.float32(json.loads(result.stdout)["vector"]), values[7].astype(np.float32))


@pytest.mark.parametrize(
    ("words", "says"),
    [
        (None, "with no words: put them in m.words.txt"),
        ("a\nb\n", "lists 2 words for the 3 rows of m.npy"),
        ("a\n\nc\n", "line 2 is empty"),
        ("a\nb\na\n", "line 3 repeats 'a' of line 1"),
    ],
)
def test_a_matrix_whose_words_do_not_fit_is_refused_naming_the_line(tmp_path, words, says):
    from conftest import invoke as any_invoke

    np.save(tmp_path / "m.npy", np.ones((3, 4), dtype=np.float32))
    if words is not None:
        (tmp_path / "m.words.txt").write_text(words)
    result = any_invoke(["-m", str(tmp_path / "m.npy"), "similar", "a", "b"])
    assert result.exit_code == 4 and says in result.stderr and "Traceback" not in result.stderr


def test_export_refuses_a_word_that_holds_a_line_break(tmp_path):
    from vecq.errors import ModelError
    from vecq.sources import export

    with pytest.raises(ModelError, match="line break"):
        export.write(str(tmp_path / "m.npy"), "npy", ["a\nb"], [np.zeros((1, 2), np.float32)], 2)
    assert not (tmp_path / "m.npy").exists()


# Every character but a space and a line end (which end a word and a text row in word2vec's formats)
ODD_CHARACTERS = [chr(c) for c in range(0x20) if c != 0x0A] + [
    "\x7f",
    "\x85",
    "\xa0",
    "\u2028",
    "\u3000",
    "\ufeff",
]


@pytest.mark.parametrize("suffix", [".txt", ".bin"])
def test_words_holding_tabs_and_other_spaces_go_through_word2vecs_formats_and_back(tmp_path, suffix):
    """gensim writes and reads back a word holding any character but a space and a line end (a tab,
    a CR, U+00A0, a control character), at its start, middle or end, or alone. vecq read such a
    binary file as "neither word2vec text nor word2vec binary" (its words were checked for control
    characters) and refused to export such words to word2vec's formats ("holds whitespace"): both
    ways now, every word and every bit as gensim reads them."""
    from gensim.models import KeyedVectors as GensimKeyedVectors

    import vecq

    words = ["cat"] + [w for c in ODD_CHARACTERS for w in (c + "ab", "a" + c + "b", "ab" + c, c)]
    values = np.random.default_rng(5).standard_normal((len(words), 4)).astype(np.float32)
    theirs = GensimKeyedVectors(4)
    theirs.add_vectors(words, values)
    source = tmp_path / f"source{suffix}"
    theirs.save_word2vec_format(str(source), binary=suffix == ".bin")
    ours = vecq.load(str(source))
    assert list(ours.index_to_key) == words and np.array_equal(ours.vectors, values)
    out = tmp_path / f"out{suffix}"
    result = any_model(["-m", str(source), "export", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    back = GensimKeyedVectors.load_word2vec_format(str(out), binary=suffix == ".bin")
    assert back.index_to_key == words and np.array_equal(back.vectors, values)
    again = vecq.load(str(out))
    assert list(again.index_to_key) == words and np.array_equal(again.vectors, values)


@pytest.mark.parametrize("fmt", ["word2vec-bin", "word2vec-text"])
@pytest.mark.parametrize("word", ["a b", "a\nb", "\nab", " "])
def test_a_word_holding_a_space_or_a_line_end_is_refused_by_word2vecs_formats(tmp_path, fmt, word):
    """A space ends a word and a line end a text row (gensim's binary reader drops a word's leading
    line end): such a word would be read back as another, so it is refused, named, before writing."""
    from vecq.errors import ModelError
    from vecq.sources import export

    with pytest.raises(ModelError, match="holds a space or a line end") as refused:
        export.write(str(tmp_path / "m.bin"), fmt, ["cat", word], [np.zeros((2, 2), np.float32)], 2)
    assert repr(word) in str(refused.value) and not (tmp_path / "m.bin").exists()


@pytest.mark.parametrize("suffix", [".npy", ".safetensors", ".txt", ".bin"])
def test_export_of_a_model_with_an_empty_word_is_refused_before_writing(tmp_path, suffix):
    """gensim's ``add_vectors`` takes the word '': exported to .npy, its words file had an empty
    line that vecq then refused to read ("line 2 is empty"), a file written that vecq could not
    read back; to word2vec's formats it was "'' holds whitespace". Refused first, the row named."""
    from conftest import invoke as any_invoke
    from gensim.models import KeyedVectors as GensimKeyedVectors

    theirs = GensimKeyedVectors(3)
    theirs.add_vectors(["cat", "", "dog"], np.eye(3, dtype=np.float32))
    theirs.save(str(tmp_path / "m.kv"))
    out = tmp_path / f"out{suffix}"
    result = any_invoke(["-m", str(tmp_path / "m.kv"), "--trust", "export", "-o", str(out)])
    assert result.exit_code == 4 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("vecq: error: the word of row 2 is empty")
    assert "write the other words only" in result.stderr and "holds a space" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.kv"]
    graph = any_invoke(
        ["-m", str(tmp_path / "m.kv"), "--trust", "graph", "-k", "1", "-o", str(tmp_path / "g.npy")]
    )
    assert graph.exit_code == 4 and "row 2 is empty" in graph.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.kv"]


@pytest.mark.parametrize("suffix", [".npy", ".safetensors"])
def test_what_export_writes_in_a_words_file_vecq_reads_back_word_for_word(tmp_path, suffix):
    """A word of spaces (U+3000, a tab, U+00A0) was written, then refused on reading as "blank"; a
    first word starting with U+FEFF lost it (taken for the file's mark) though the bare word was
    another row's: a second 'the'. Found by 40 random models exported and read back."""
    from conftest import invoke as any_invoke

    words = ["\ufeffthe", "\u3000", "\t", "\xa0", "a\u2028b", "\x85", "\x0b", "the", " "]
    raw = np.random.default_rng(3).standard_normal((len(words), 3)).astype(np.float32)
    np.save(tmp_path / "src.npy", raw)
    with open(tmp_path / "src.words.txt", "w", encoding="utf-8", newline="") as f:
        f.write("\ufeff" + "".join(w + "\n" for w in words))  # a byte-order mark, then the words
    out = tmp_path / f"out{suffix}"
    result = any_invoke(["-m", str(tmp_path / "src.npy"), "export", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    listed = (tmp_path / "out.words.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert listed == words  # as Python reads it
    back = any_invoke(["-m", str(out), "vector", "-f", "json", "-"], input="the\n")
    assert back.exit_code == 0, back.stderr
    import vecq

    again = vecq.load(str(out))
    assert list(again.index_to_key) == words
    assert np.array_equal(again.vectors, raw)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_words_file_saved_as_utf16_is_read_as_its_words(tmp_path, encoding):
    """A NAME.words.txt saved by Notepad as "Unicode" (UTF-16, its mark first) was "line 1 is not
    UTF-8": read in the encoding its mark names, the same words as its UTF-8 twin's."""
    import vecq

    words = ["the", "caf\u00e9", "\u65e5\u672c"]
    raw = np.random.default_rng(4).standard_normal((3, 4)).astype(np.float32)
    np.save(tmp_path / "wide.npy", raw)
    (tmp_path / "wide.words.txt").write_bytes("".join(w + "\n" for w in words).encode(encoding))
    kv = vecq.load(str(tmp_path / "wide.npy"))
    assert list(kv.index_to_key) == words and np.array_equal(kv.vectors, raw)
    (tmp_path / "broken.words.txt").write_bytes("the\n".encode(encoding)[:-1])
    np.save(tmp_path / "broken.npy", raw[:1])
    with pytest.raises(vecq.ModelError, match="byte-order mark but is not"):
        vecq.load(str(tmp_path / "broken.npy"))


def test_a_graph_to_npy_lists_its_words_by_the_words_file_rule(tmp_path):
    """The graph's NAME.words.txt is written by ``word_list.write_words`` (it wrote a word holding a
    line break as two lines, putting every later word beside the wrong row)."""
    from conftest import invoke as any_invoke

    from vecq.errors import ModelError
    from vecq.sources import word_list

    np.save(tmp_path / "m.npy", np.eye(3, dtype=np.float32))
    (tmp_path / "m.words.txt").write_text("\ufeff\ufeffa\n\u3000\n\ufeffa\n", encoding="utf-8")
    result = any_invoke(["-m", str(tmp_path / "m.npy"), "graph", "-o", str(tmp_path / "g.npy"), "-k", "1"])
    assert result.exit_code == 0, result.stderr
    assert word_list.read_words(str(tmp_path / "g.words.txt"), 3, "g") == [
        "\ufeff\ufeffa",
        "\u3000",
        "\ufeffa",
    ]
    with pytest.raises(ModelError, match="line break"):
        word_list.check_listable(["a", "x\ny"])


@pytest.mark.parametrize("suffix", [".npy", ".safetensors"])
def test_a_matrix_of_vector_o_with_a_lost_word_names_it(glove, tmp_path, suffix):
    from conftest import invoke as any_invoke

    out = tmp_path / f"pets{suffix}"
    assert invoke(["vector", "-", "-o", str(out)], input="cat\nqqzzyyx\ndog\n").exit_code == 5
    result = any_invoke(["-m", str(out), "similar", "cat", "dog"])
    assert result.exit_code == 4 and "row 1 ('qqzzyyx')" in result.stderr and "damaged" not in result.stderr


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: p.write_bytes(b"\x93NUMPY" + bytes(range(256)) * 4), "as a .npy matrix"),
        (
            lambda p: np.save(p, np.array([{"a": 1}, None, 2], dtype=object), allow_pickle=True),
            "Python objects",
        ),
        (lambda p: np.save(p, np.arange(12).reshape(3, 4)), "holds int64 numbers"),
        (lambda p: np.save(p, np.zeros(3, np.float32)), "a model is a matrix"),
        (
            lambda p: p.write_bytes(
                np.lib.format.magic(1, 0) + b"\x46\x00{'descr': '<f4', 'fortran_order': False, "
                b"'shape': (1000000000000, 300), }        \n"
            ),
            "as a .npy matrix",
        ),
    ],
)
def test_a_hostile_npy_is_refused_in_one_line_without_being_unpickled(tmp_path, make, says):
    from conftest import invoke as any_invoke

    path = tmp_path / "m.npy"
    make(path)
    (tmp_path / "m.words.txt").write_text("a\nb\nc\n")
    result = any_invoke(["-m", str(path), "info"])
    assert result.exit_code == 4 and says in result.stderr and "Traceback" not in result.stderr


def test_a_word_list_says_which_lines_it_took_for_comments_and_lists_the_word_hash_with_a_tab(
    glove, tmp_path
):
    """`export --words` left out a listed '#' (GloVe's word) without a word: '#' alone is a comment
    by the batch's rule. The lines taken for comments are named, and '#<TAB>' lists the word."""
    listed = tmp_path / "words.txt"
    listed.write_text("cat\n#\ndog\n# a note\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    result = invoke(["export", "--words", str(listed), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "left out 2 lines of" in result.stderr and "line 2, 4" in result.stderr
    assert [line.split(" ")[0] for line in out.read_text(encoding="utf-8").splitlines()[1:]] == ["cat", "dog"]
    listed.write_text("cat\n#\t\n", encoding="utf-8")
    result = invoke(["export", "--words", str(listed), "-o", str(out)])
    assert result.exit_code == 0 and "comment" not in result.stderr, result.stderr
    assert [line.split(" ")[0] for line in out.read_text(encoding="utf-8").splitlines()[1:]] == ["cat", "#"]


@pytest.mark.parametrize("command", [["export", "-o", "OUT"], ["cluster", "-k", "2"], ["graph", "-o", "OUT"]])
def test_an_unknown_word_of_a_word_list_is_named_with_its_line(glove, tmp_path, command):
    """A word list of 20,000 lines with a misspelt word named the word only: the user searched the
    file for it. The message names the lines of the unknown words, first lines first."""
    listed = tmp_path / "words.txt"
    listed.write_text("cat\n\ndog\nkitteh\nfish\nqqzzyx\nkitteh\n", encoding="utf-8")
    args = [str(tmp_path / "out.npy") if a == "OUT" else a for a in command]
    result = invoke([*args, "--words", str(listed)])
    assert result.exit_code == 3, result.stderr
    assert f"{listed}, lines 4, 6: 'kitteh'" in result.stderr and "'qqzzyx'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out.npy").exists()


def test_an_unknown_word_read_from_standard_input_is_named_with_its_line(glove):
    result = invoke(["plot", "-", "-o", "unused.png"], input="cat\ndog\n# note\nkitteh\n")
    assert result.exit_code == 3, result.stderr
    assert "standard input, line 4: 'kitteh' is not in the vocabulary" in result.stderr
    result = invoke(["plot", "cat", "kitteh", "-o", "unused.png"])
    assert "line" not in result.stderr and "'kitteh' is not in the vocabulary" in result.stderr
