"""Language models' token-embedding tables in local safetensors checkpoints.

The fixtures are built here with the real libraries: a byte-level BPE tokenizer trained by
``tokenizers`` on gensim's Lee corpus, and checkpoints written by ``safetensors``; safetensors'
own loader is the oracle for every row.
"""

from __future__ import annotations

import json
import pickle
import struct

import numpy as np
import pytest
import tokenizers
from conftest import invoke, train_tokenizer, tsv
from safetensors.numpy import load_file, save_file

import vecq

PADDING = 7  # rows past the vocabulary, as checkpoints pad their tables


@pytest.fixture(scope="module")
def bpe():
    """A byte-level BPE tokenizer trained on gensim's Lee corpus: (tokenizer.json text, vocab size)."""
    return train_tokenizer("byte-level BPE")


def checkpoint(folder, bpe, dtype: str = "float32", name: str = "wte.weight"):
    """A GPT-2-shaped checkpoint (table and one other tensor) with its tokenizer; the table in f32."""
    text, size = bpe
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.json").write_text(text)
    rng = np.random.default_rng(0)
    table = rng.standard_normal((size + PADDING, 24)).astype(np.float32)
    tensors = {name: table.astype(dtype), "h.0.mlp.c_fc.weight": rng.standard_normal((24, 96)).astype(dtype)}
    save_file(tensors, str(folder / "model.safetensors"))
    return folder / "model.safetensors"


def shown_as_tokenizers_decode(bpe, words: list[str]) -> int:
    """Every token that decodes to whole characters is shown as tokenizers' own decoder writes it,
    with ▁ for its space; returns how many were compared (the rest are partial UTF-8 bytes)."""
    tok = tokenizers.Tokenizer.from_str(bpe[0])
    compared = 0
    for i in range(tok.get_vocab_size()):
        text = tok.decode([i], skip_special_tokens=False)
        if "\ufffd" in text or any(ord(c) < 32 or ord(c) == 127 for c in text):
            assert words[i].startswith("<0x") or "<0x" in words[i], (i, text, words[i])
            continue
        assert words[i] == text.replace(" ", "▁"), (i, text, words[i])
        compared += 1
    return compared


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("name", ["wte.weight", "transformer.wte.weight", "model.embed_tokens.weight"])
def test_a_table_equals_safetensors_own_read(tmp_path, bpe, dtype, name):
    from vecq.sources import safetensors_table

    path = checkpoint(tmp_path / "m", bpe, dtype, name)
    oracle = load_file(str(path))[name].astype(np.float32)
    words, rows = safetensors_table.read(str(path))
    assert np.array_equal(rows, oracle)  # the read itself: exact, after the float32 conversion
    vocab = json.loads(bpe[0])["model"]["vocab"]
    assert shown_as_tokenizers_decode(bpe, words) > 400
    kv = vecq.load(str(path))  # through the cache: unit rows times their norms
    assert len(kv) == oracle.shape[0] and kv.vector_size == oracle.shape[1]
    for token, shown in [("Ġthe", "▁the"), ("Ġof", "▁of"), ("e", "e"), ("<|endoftext|>", "<|endoftext|>")]:
        i = vocab[token]
        assert kv.index_to_key[i] == shown
        assert np.allclose(kv[shown], oracle[i], rtol=1e-6, atol=1e-7)
    assert kv.index_to_key[bpe[1]] == f"<row {bpe[1]}>"  # a padding row, never a token


def test_bfloat16_is_converted_exactly(tmp_path, bpe):
    """BF16 is the high half of an f32: the table written by hand (numpy has no bfloat16)."""
    text, size = bpe
    folder = tmp_path / "bf16"
    folder.mkdir()
    (folder / "tokenizer.json").write_text(text)
    values = np.random.default_rng(1).standard_normal((size, 8)).astype(np.float32)
    halves = (values.view(np.uint32) >> 16).astype(np.uint16)
    expected = (halves.astype(np.uint32) << 16).view(np.float32)
    head = json.dumps(
        {
            "model.embed_tokens.weight": {
                "dtype": "BF16",
                "shape": [size, 8],
                "data_offsets": [0, halves.nbytes],
            }
        }
    )
    path = folder / "model.safetensors"
    path.write_bytes(struct.pack("<Q", len(head)) + head.encode() + halves.tobytes())
    from vecq.sources import safetensors_table

    words, rows = safetensors_table.read(str(path))
    assert np.array_equal(rows, expected) and len(words) == size
    assert np.allclose(np.asarray(vecq.load(str(path)).vectors), expected, rtol=1e-6, atol=1e-7)


def test_the_lecture_table_through_the_cli(tmp_path, bpe):
    path = checkpoint(tmp_path / "m", bpe)
    info = json.loads(invoke(["-m", str(path), "info", "-f", "json"]).stdout)[0]
    assert (info["vocabulary"], info["dimensions"]) == (bpe[1] + PADDING, 24)
    result = invoke(["-m", str(path), "neighbors", "Ġthe", "-n", "3"])
    assert result.exit_code == 0 and len(tsv(result.stdout)) == 3


def _forge(path, header: dict, data: bytes) -> None:
    head = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(head)) + head + data)


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("truncated", "lies outside the file"),
        ("overlap", "overlap"),
        ("rank", "two dimensions"),
        ("dtype", "reads F32, F16, BF16, F64 and I8"),
        ("dtype with a line break", "is 'F\\r32'; vecq reads F32"),
        ("size", "bytes for its shape"),
        ("no table", "no token-embedding table"),
    ],
)
def test_hostile_checkpoints_are_refused_in_one_line(tmp_path, bpe, case, says):
    folder = tmp_path / case
    path = checkpoint(folder, bpe)
    table = {"dtype": "F32", "shape": [bpe[1], 4], "data_offsets": [0, bpe[1] * 16]}
    data = bytes(bpe[1] * 16)
    if case == "truncated":
        path.write_bytes(path.read_bytes()[:-100])
    elif case == "overlap":
        _forge(
            path, {"wte.weight": table, "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}, data
        )
    elif case == "rank":
        _forge(path, {"wte.weight": {**table, "shape": [bpe[1] * 4]}}, data)
    elif case == "dtype":
        _forge(path, {"wte.weight": {**table, "dtype": "I64", "shape": [bpe[1], 2]}}, data)
    elif case == "dtype with a line break":  # found by tests/test_hostile_json.py: shown quoted
        _forge(path, {"wte.weight": {**table, "dtype": "F\r32"}}, data)
    elif case == "size":
        _forge(path, {"wte.weight": {**table, "shape": [bpe[1], 5]}}, data)
    else:
        _forge(path, {"lm_head.weight": table}, data)
    result = invoke(["-m", str(path), "info"])
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("vecq: error:")]
    assert result.exit_code == 4 and says in line


def test_a_tokenizer_larger_than_the_table_is_refused(tmp_path, bpe):
    folder = tmp_path / "small"
    folder.mkdir()
    (folder / "tokenizer.json").write_text(bpe[0])
    save_file({"wte.weight": np.zeros((10, 4), dtype=np.float32)}, str(folder / "model.safetensors"))
    result = invoke(["-m", str(folder / "model.safetensors"), "info"])
    assert result.exit_code == 4 and "beyond the table's 10 rows" in result.stderr


def test_a_table_without_its_tokenizer_says_so(tmp_path):
    (tmp_path / "t").mkdir()
    path = tmp_path / "t" / "model.safetensors"
    save_file({"wte.weight": np.zeros((10, 4), dtype=np.float32)}, str(path))
    result = invoke(["-m", str(path), "info"])
    assert result.exit_code == 4 and "no tokenizer.json beside it" in result.stderr


def test_a_changed_tokenizer_is_a_changed_model(tmp_path, bpe):
    path = checkpoint(tmp_path / "m", bpe)
    assert invoke(["-m", str(path), "info"]).exit_code == 0
    tokenizer = tmp_path / "m" / "tokenizer.json"
    spec = json.loads(tokenizer.read_text())
    spec["model"]["vocab"]["Ġrenamed"] = spec["model"]["vocab"].pop("Ġthe")
    tokenizer.write_text(json.dumps(spec))
    result = invoke(["-m", str(path), "vector", "Ġrenamed"])
    assert result.exit_code == 0 and "changed" in result.stderr


@pytest.mark.parametrize(("scale", "says"), [(1e39, "past float32's range"), (1e-46, "rounds them to 0")])
def test_an_f64_table_float32_cannot_hold_is_refused_not_called_damaged(tmp_path, bpe, scale, says):
    """An F64 row past float32's range became infinite ("the file is damaged", though it is not);
    one of values below float32's smallest became all zeros (a word with no neighbours)."""
    text, size = bpe
    folder = tmp_path / "f64"
    folder.mkdir()
    (folder / "tokenizer.json").write_text(text)
    table = np.random.default_rng(2).standard_normal((size, 8))
    table[5] *= scale
    save_file({"wte.weight": table}, str(folder / "model.safetensors"))
    result = invoke(["-m", str(folder), "vector", "--id", "1"])
    assert result.exit_code == 4 and says in result.stderr and "row 5" in result.stderr
    assert "damaged" not in result.stderr and "Traceback" not in result.stderr
    table[5] /= scale  # the same table within float32's reach: rounded to nearest, as numpy rounds
    save_file({"wte.weight": table}, str(folder / "model.safetensors"))
    fine = invoke(["-m", str(folder), "vector", "--id", "5", "-f", "jsonl"])
    assert fine.exit_code == 0, fine.stderr
    assert np.array_equal(np.float32(json.loads(fine.stdout)["vector"]), table[5].astype(np.float32))


def test_a_row_longer_than_float32_holds_is_named_so(tmp_path):
    """Every value finite, but the row's length past float32's range: the file is not damaged."""
    path = tmp_path / "long.txt"
    path.write_text("2 3\nbig 3e38 3e38 1\nsmall 0.1 0.2 0.3\n")
    result = invoke(["-m", str(path), "similar", "big", "small"])
    assert result.exit_code == 4 and "longer than float32 can hold" in result.stderr
    assert "damaged" not in result.stderr


def test_a_token_table_changed_in_memory_keeps_its_tokenizer_and_refuses_a_new_order(tmp_path, bpe):
    """A word added (``add_vectors``) kept the rows but dropped the tokenizer: a text was no longer
    embedded. Sorting by counts would give the token ids other rows: refused, nothing changed."""
    kv = vecq.load(str(checkpoint(tmp_path / "m", bpe)), pool="mean")
    text = "the government said"
    before = kv.vector(text)
    kv.add_vectors(["brandnew"], np.ones((1, kv.vector_size), np.float32))
    assert np.array_equal(kv.vector(text), before)
    kv.set_vecattr("brandnew", "count", 10**9)
    with pytest.raises(ValueError, match="token ids"):
        kv.sort_by_descending_frequency()
    assert kv.index_to_key[-1] == "brandnew" and np.array_equal(kv.vector(text), before)
    again = pickle.loads(pickle.dumps(kv))  # a changed model pickles whole: its tokenizer too
    assert np.array_equal(again.vector(text), before)
