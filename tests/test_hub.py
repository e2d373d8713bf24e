"""Models on the Hugging Face Hub, from a Hub on 127.0.0.1 that these tests start.

Every repo is built here with the real libraries: gensim's ``KeyedVectors.save`` (as the fse repos
are), model2vec's ``StaticModel.save_pretrained``, safetensors' writer and Hugging Face's tokenizers.
The oracles are the same libraries' readers: gensim's ``KeyedVectors.load``, model2vec's
``StaticModel.from_pretrained`` and safetensors' loader.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import GLOVE, invoke, train_tokenizer, tsv
from hub_server import Hub
from safetensors.numpy import load_file, save_file

import vecq

DIMS = 32


def gpt2_repo(folder, tokenizer):
    """A GPT-2-shaped checkpoint: the table is a small part of the file, as in a real one."""
    text, size = tokenizer
    folder.mkdir(parents=True)
    (folder / "tokenizer.json").write_text(text)
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2", "n_embd": DIMS}))
    rng = np.random.default_rng(2)
    tensors = {
        "wte.weight": rng.standard_normal((size, DIMS)).astype(np.float32),
        "wpe.weight": rng.standard_normal((64, DIMS)).astype(np.float32),
        "h.0.mlp.c_fc.weight": rng.standard_normal((DIMS, 40_000)).astype(np.float32),  # 5 MB
    }
    save_file(tensors, str(folder / "model.safetensors"))
    return tensors["wte.weight"]


def llama_repo(folder, tokenizer):
    """A sharded bfloat16 Llama-shaped checkpoint: the table in the second shard, after big layers."""
    text, size = tokenizer
    folder.mkdir(parents=True)
    (folder / "tokenizer.json").write_text(text)
    rng = np.random.default_rng(3)
    values = rng.standard_normal((size, DIMS)).astype(np.float32)
    halves = (values.view(np.uint32) >> 16).astype(np.uint16)
    layers = rng.integers(0, 1 << 16, size=(1024, 2048), dtype=np.uint16)  # 4 MB of bf16 layers
    shards = {
        "model-00001-of-00002.safetensors": {"model.layers.0.mlp.up_proj.weight": layers},
        "model-00002-of-00002.safetensors": {
            "model.layers.1.mlp.up_proj.weight": layers,
            "model.embed_tokens.weight": halves,
            "model.norm.weight": np.ones(DIMS, dtype=np.uint16),
        },
    }
    weight_map = {}
    for shard, tensors in shards.items():
        header, at, blobs = {}, 0, []
        for name, array in tensors.items():
            header[name] = {
                "dtype": "BF16",
                "shape": list(array.shape),
                "data_offsets": [at, at + array.nbytes],
            }
            at += array.nbytes
            blobs.append(array.tobytes())
            weight_map[name] = shard
        raw = json.dumps(header).encode()
        (folder / shard).write_bytes(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": weight_map})
    )
    return (halves.astype(np.uint32) << 16).view(np.float32), halves.nbytes


def model2vec_repo(folder, tokenizer):
    """A model2vec model saved by model2vec itself, with per-token weights (as potion models have)."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    text, size = tokenizer
    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((size, DIMS)).astype(np.float32)
    weights = rng.uniform(0.5, 2.0, size).astype(np.float32)
    model = StaticModel(vectors, Tokenizer.from_str(text), normalize=True, weights=weights)
    model.save_pretrained(str(folder))


def static_st_repo(folder, tokenizer):
    """sentence-transformers' static-embedding layout, written as its StaticEmbedding.save does."""
    text, size = tokenizer
    module = folder / "0_StaticEmbedding"
    module.mkdir(parents=True)
    (module / "tokenizer.json").write_text(text)
    table = np.random.default_rng(5).standard_normal((size, DIMS)).astype(np.float32)
    save_file({"embedding.weight": table}, str(module / "model.safetensors"))
    modules = [
        {
            "idx": 0,
            "name": "0",
            "path": "0_StaticEmbedding",
            "type": "sentence_transformers.models.StaticEmbedding",
        }
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "config_sentence_transformers.json").write_text(json.dumps({"__version__": {}}))


class MakesAFile:
    """A pickle that would create a file when unpickled: what a hostile .model can hold."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture(scope="module")
def hub(tmp_path_factory, kv):
    root = tmp_path_factory.mktemp("hub")
    hub = Hub()
    fse = root / "fse-glove"
    fse.mkdir()
    kv.save(str(fse / f"{GLOVE}.model"))  # as the fse repos hold gensim-data's models
    hub.add(f"fse/{GLOVE}", fse)
    byte_level = train_tokenizer("byte-level BPE")
    hub.gpt2 = gpt2_repo(root / "gpt2", byte_level)
    hub.add("tiny/gpt2", root / "gpt2")
    hub.bpe = byte_level
    sentencepiece = train_tokenizer("SentencePiece")
    hub.llama, hub.llama_table_bytes = llama_repo(root / "llama", sentencepiece)
    hub.add("tiny/llama-sharded", root / "llama")
    wordpiece = hub.wordpiece = train_tokenizer("WordPiece")
    model2vec_repo(root / "potion", wordpiece)
    hub.add("tiny/potion", root / "potion")
    static_st_repo(root / "static", wordpiece)
    hub.add("tiny/static-st", root / "static")
    gated = root / "gated"
    gpt2_repo(gated, byte_level)
    hub.add("tiny/gated", gated, gated=True, token="hf_right")
    hub.add("tiny/private", gated, token="hf_right")
    evil = root / "evil"
    evil.mkdir()
    hub.marker = root / "pwned"
    (evil / "evil.model").write_bytes(pickle.dumps(MakesAFile(hub.marker)))
    np.save(evil / "evil.model.vectors.npy", np.zeros((3, 4), dtype=np.float32))
    hub.add("tiny/evil-fse", evil)
    torch_only = root / "torch"
    torch_only.mkdir()
    (torch_only / "pytorch_model.bin").write_bytes(pickle.dumps({"wte": [0.0]}))
    (torch_only / "config.json").write_text("{}")
    hub.add("tiny/torch-only", torch_only)
    fasttext = root / "fasttext"
    fasttext.mkdir()
    from gensim.test.utils import datapath

    shutil.copyfile(datapath("lee_fasttext.bin"), fasttext / "model.bin")  # as facebook/fasttext-* hold
    (fasttext / "README.md").write_text("fastText vectors")
    hub.add("tiny/fasttext", fasttext)
    several = root / "several"
    several.mkdir()
    for name in ("a.vec", "b.vec"):
        (several / name).write_text("2 3\nx 1 2 3\ny 4 5 6\n")
    hub.add("tiny/several", several)
    packed = root / "packed"
    packed.mkdir()
    import bz2

    (packed / "vectors.txt.bz2").write_bytes(bz2.compress(b"2 3\nx 1 2 3\ny 4 5 6\n"))
    hub.add("tiny/packed", packed)
    readme = root / "readme"
    readme.mkdir()
    (readme / "README.md").write_text("nothing here")
    (readme / "data.csv").write_text("a,b\n")
    hub.add("tiny/no-table", readme)
    with hub:
        yield hub


@pytest.fixture(autouse=True)
def hub_env(hub, tmp_path, monkeypatch):
    """Each test: the local Hub, a fresh vecq cache and huggingface_hub cache, no token, online."""
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    hub.reset_counts()


@pytest.mark.slow
def test_the_fse_glove_answers_as_the_catalogue_glove(hub, session_cache, monkeypatch):
    ours = invoke(["-m", f"hf:fse/{GLOVE}", "neighbors", "cat", "-n", "10"])
    assert ours.exit_code == 0, ours.stderr
    monkeypatch.setenv("VECQ_CACHE_DIR", str(session_cache))  # the catalogue GloVe, from kumo's package
    theirs = invoke(["-m", GLOVE, "neighbors", "cat", "-n", "10"])
    assert tsv(ours.stdout) == tsv(theirs.stdout) and len(tsv(ours.stdout)) == 10


@pytest.mark.slow
def test_the_fse_model_equals_gensims_own_load(hub, kv):
    from gensim.models import KeyedVectors

    model = vecq.load(f"hf:fse/{GLOVE}")
    path = model.model.info.source
    assert path.startswith(f"hf:fse/{GLOVE}@{hub.repos[f'fse/{GLOVE}'].commit}/")
    from huggingface_hub import hf_hub_download

    local = hf_hub_download(f"fse/{GLOVE}", f"{GLOVE}.model", endpoint=hub.url, cache_dir=str(hub_cache()))
    oracle = KeyedVectors.load(local, mmap="r")
    assert list(model.index_to_key) == oracle.index_to_key
    for word in ["the", "cat", "queen", oracle.index_to_key[-1]]:
        assert np.allclose(model[word], oracle[word], rtol=1e-6, atol=1e-7)


def hub_cache():
    import os

    return os.path.join(os.environ["HF_HOME"], "hub")


def test_a_cached_hub_model_never_asks_the_hub_again(hub):
    assert invoke(["-m", "tiny/gpt2", "info"]).exit_code == 0  # a bare OWNER/NAME is a Hub repo
    assert hub.requests
    hub.reset_counts()
    for args in (["info"], ["neighbors", "the", "-n", "2"], ["similar", "the", "of"]):
        assert invoke(["-m", "hf:tiny/gpt2", *args]).exit_code == 0
    assert invoke(["-m", "tiny/gpt2", "neighbors", "the"]).exit_code == 0
    assert hub.requests == []
    assert invoke(["cache", "clear", "hf:tiny/gpt2"]).exit_code == 0
    assert tsv(invoke(["cache", "list"]).stdout) == []


def test_info_shows_the_table_as_the_lecture_does(hub):
    info = json.loads(invoke(["-m", "hf:tiny/gpt2", "info", "-f", "json"]).stdout)[0]
    rows, dims = hub.gpt2.shape
    assert info["shape"] == [rows, dims] and info["tensor"] == "wte.weight"  # JSON: numbers
    assert (info["dtype"], info["tokenizer"]) == ("F32", "byte-level BPE")
    assert info["revision"] == hub.repos["tiny/gpt2"].commit
    listed = tsv(invoke(["cache", "list"]).stdout)
    assert [r["revision"] for r in listed] == [hub.repos["tiny/gpt2"].commit]


def test_only_the_table_is_fetched_from_a_checkpoint(hub):
    result = invoke(["-m", "hf:tiny/gpt2", "vector", "--id", "5", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert np.allclose(json.loads(result.stdout)[0]["vector"], hub.gpt2[5], rtol=1e-6, atol=1e-7)
    tokenizer = len(hub.bpe[0].encode())
    header = (
        8 + struct.unpack("<Q", (hub.repos["tiny/gpt2"].folder / "model.safetensors").read_bytes()[:8])[0]
    )
    assert hub.sent["tiny/gpt2"] <= hub.gpt2.nbytes + header + tokenizer + (1 << 20)
    assert hub.sent["tiny/gpt2"] >= hub.gpt2.nbytes
    file_size = (hub.repos["tiny/gpt2"].folder / "model.safetensors").stat().st_size
    assert file_size > 3 * hub.gpt2.nbytes  # the test means something: the file is mostly other tensors


def test_parts_a_killed_fetch_left_are_removed_by_the_next_fetch_and_by_cache_clear(hub, tmp_path):
    """A fetch killed by SIGKILL or the OOM killer left its table's parts (a gigabyte for a Llama
    table) in the cache's .hub-parts for ever: `cache list` did not show them, `cache clear --all`
    did not remove them. A live fetch's parts, and another machine's, are never touched."""
    import socket
    import subprocess
    import sys

    from vecq.sources.hub import STAGING

    staging = tmp_path / "cache" / STAGING
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process that no longer runs, as a killed fetch's
    host = socket.gethostname()
    killed, live, elsewhere = (
        staging / f"hub-parts-{gone.pid}@{host}-x1",
        staging / f"hub-parts-{os.getpid()}@{host}-x2",
        staging / f"hub-parts-{gone.pid}@another-machine-x3",
    )
    for folder in (killed, live, elsewhere):
        folder.mkdir(parents=True)
        (folder / "model.safetensors").write_bytes(b"parts")
    result = invoke(["-m", "hf:tiny/gpt2", "info"])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in staging.iterdir()) == sorted([live.name, elsewhere.name])
    shutil.rmtree(live)
    killed.mkdir()
    assert invoke(["cache", "clear", "--all"]).exit_code == 0
    assert [p.name for p in staging.iterdir()] == [elsewhere.name]


def test_the_sharded_bfloat16_checkpoint_costs_its_table(hub):
    kv = vecq.load("hf:tiny/llama-sharded")
    assert np.allclose(np.asarray(kv.vectors), hub.llama, rtol=1e-6, atol=1e-7)
    from vecq.sources import safetensors_table

    words, rows = safetensors_table.read(
        str(hub.repos["tiny/llama-sharded"].folder / "model.safetensors.index.json")
    )
    assert np.array_equal(rows, hub.llama)  # the read itself: exact
    folder = hub.repos["tiny/llama-sharded"].folder
    small = sum((folder / n).stat().st_size for n in ("tokenizer.json", "model.safetensors.index.json"))
    headers = sum(8 + struct.unpack("<Q", p.read_bytes()[:8])[0] for p in folder.glob("*.safetensors"))
    assert (
        hub.llama_table_bytes
        <= hub.sent["tiny/llama-sharded"]
        <= hub.llama_table_bytes + small + headers + (1 << 20)
    )
    assert sum(p.stat().st_size for p in folder.glob("*.safetensors")) > 4 * hub.llama_table_bytes
    info = json.loads(invoke(["-m", "hf:tiny/llama-sharded", "info", "-f", "json"]).stdout)[0]
    assert (info["dtype"], info["tokenizer"], info["tensor"]) == (
        "BF16",
        "SentencePiece",
        "model.embed_tokens.weight",
    )
    assert words[:3] == ["<unk>", "<s>", "</s>"]


def test_model2vec_rows_equal_model2vecs_own(hub):
    from model2vec import StaticModel

    oracle = StaticModel.from_pretrained(str(hub.repos["tiny/potion"].folder), force_download=False)
    ids = list(range(len(oracle.tokens)))
    expected = oracle._encode_helper(ids).astype(np.float32)
    kv = vecq.load("hf:tiny/potion")
    assert np.allclose(np.asarray(kv.vectors), expected, rtol=1e-6, atol=1e-7)
    from vecq.sources import safetensors_table

    _, rows = safetensors_table.read(str(hub.repos["tiny/potion"].folder / "model.safetensors"))
    assert np.array_equal(rows, expected)
    info = json.loads(invoke(["-m", "hf:tiny/potion", "info", "-f", "json"]).stdout)[0]
    assert (info["tensor"], info["tokenizer"]) == ("embeddings", "WordPiece")
    assert info["max_length"] == oracle.max_length == 512  # how much of a text the model reads
    lm = json.loads(invoke(["-m", "hf:tiny/gpt2", "info", "-f", "json"]).stdout)[0]
    assert "max_length" not in lm
    assert f"{len(kv)} tokens x {DIMS}" in repr(kv)  # a token table's rows are tokens (the lecture's)


def test_a_vocabulary_quantized_model2vec_model_equals_model2vecs_own(hub, tmp_path):
    """model2vec's vocabulary quantisation saves a few cluster rows, a ``mapping`` of each token to
    one, and per-token ``weights``: token i is ``embeddings[mapping[i]] * weights[i]``."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    text, size = hub.wordpiece
    rng = np.random.default_rng(8)
    clusters = rng.standard_normal((40, DIMS)).astype(np.float32)
    mapping, weights = rng.integers(0, 40, size), rng.uniform(0.5, 2.0, size).astype(np.float32)
    model = StaticModel(
        clusters, Tokenizer.from_str(text), normalize=True, weights=weights, token_mapping=mapping
    )
    model.save_pretrained(str(tmp_path / "quantized"))
    oracle = StaticModel.from_pretrained(str(tmp_path / "quantized"), force_download=False)
    kv = vecq.load(str(tmp_path / "quantized"))
    assert np.allclose(np.asarray(kv.vectors), oracle._encode_helper(list(range(size))), rtol=1e-6, atol=1e-7)
    for sentence in ["police officers said", "the fire was burning near Sydney"]:
        assert np.allclose(kv.vector(sentence), oracle.encode(sentence), rtol=1e-5, atol=1e-6)
    texts = ["police officers said", "police", "the fire was burning near Sydney", "fire"]
    together = kv.vector(texts)  # a list: every text as it is embedded alone, in one array
    assert together.view(np.int32).tolist() == np.stack([kv.vector(t) for t in texts]).view(np.int32).tolist()
    assert np.allclose(together, oracle.encode(texts), rtol=1e-5, atol=1e-6)


def test_sentence_transformers_static_rows_equal_model2vecs_read_of_them(hub):
    from model2vec import StaticModel

    oracle = StaticModel.from_pretrained(str(hub.repos["tiny/static-st"].folder), force_download=False)
    kv = vecq.load("hf:tiny/static-st")
    assert np.allclose(np.asarray(kv.vectors), oracle.embedding, rtol=1e-6, atol=1e-7)
    assert len(kv) == len(oracle.tokens)


def test_tokens_read_as_typed(hub):
    vocab = json.loads(hub.bpe[0])["model"]["vocab"]
    # a text that is two tokens: a word (after a space, Ġ) and a piece inside a word
    word = next(t for t in sorted(vocab, key=vocab.get) if t.isalpha() and len(t) > 2 and "Ġ" + t in vocab)
    result = invoke(["-m", "hf:tiny/gpt2", "vector", word, "-f", "json"])
    assert result.exit_code == 0
    record = json.loads(result.stdout)[0]
    assert record["word"] == word  # records carry what was typed; the note says which token answered
    assert np.allclose(record["vector"], hub.gpt2[vocab["Ġ" + word]], rtol=1e-6, atol=1e-7)
    assert f"using '▁{word}' for '{word}'" in result.stderr
    assert f"id:{vocab[word]}" in result.stderr  # the other token, without the space, and how to ask
    for typed in ["Ġ" + word, "▁" + word, " " + word]:
        again = json.loads(invoke(["-m", "hf:tiny/gpt2", "vector", typed, "-f", "json"]).stdout)[0]
        assert again["vector"] == record["vector"]
    bare = invoke(["-m", "hf:tiny/gpt2", "vector", f"id:{vocab[word]}", "-f", "json"])
    assert f"id:{vocab[word]} is '{word}'" in bare.stderr
    vector = json.loads(bare.stdout)[0]["vector"]
    assert np.allclose(vector, hub.gpt2[vocab[word]], rtol=1e-6, atol=1e-7)
    neighbours = tsv(invoke(["-m", "hf:tiny/gpt2", "neighbors", word, "-n", "3"]).stdout)
    assert len(neighbours) == 3 and all("Ġ" not in r["word"] for r in neighbours)
    assert any(
        r["word"].startswith("▁")
        for r in tsv(invoke(["-m", "hf:tiny/gpt2", "neighbors", word, "-n", "30"]).stdout)
    )


def test_a_row_beyond_the_table_is_reported(hub):
    result = invoke(["-m", "hf:tiny/gpt2", "vector", "--id", str(len(hub.gpt2))])
    assert result.exit_code == 3 and "beyond" in result.stderr


def test_a_pickle_that_runs_code_is_refused_and_runs_nothing(hub):
    result = invoke(["-m", "hf:tiny/evil-fse", "info"])
    assert result.exit_code == 4 and "open" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not hub.marker.exists()


def test_a_fasttext_file_in_a_repo_reads_as_the_same_file_here(hub):
    from gensim.test.utils import datapath

    ours = invoke(["-m", "hf:tiny/fasttext", "neighbors", "night", "-n", "5"])
    local = invoke(["-m", datapath("lee_fasttext.bin"), "neighbors", "night", "-n", "5"])
    assert ours.exit_code == 0 and tsv(ours.stdout) == tsv(local.stdout) and len(tsv(ours.stdout)) == 5


def test_a_repo_of_several_tables_names_them_and_a_path_picks_one(hub):
    result = invoke(["-m", "hf:tiny/several", "info"])
    assert (
        result.exit_code == 4 and "a.vec, b.vec" in result.stderr and "hf:tiny/several/a.vec" in result.stderr
    )
    vector = json.loads(invoke(["-m", "hf:tiny/several/b.vec", "vector", "y", "-f", "json"]).stdout)[0]
    assert np.allclose(vector["vector"], [4.0, 5.0, 6.0], rtol=1e-6)


def test_a_compressed_table_in_a_repo_is_found_and_read(hub):
    """A repo's word2vec file compressed as gensim reads it (.gz, .bz2, .xz) is its table."""
    vector = invoke(["-m", "hf:tiny/packed", "vector", "y", "-f", "json"])
    assert vector.exit_code == 0, vector.stderr
    assert np.allclose(json.loads(vector.stdout)[0]["vector"], [4.0, 5.0, 6.0], rtol=1e-6)


def test_local_folders_open_as_their_layout_says(hub):
    from model2vec import StaticModel

    folder = hub.repos["tiny/potion"].folder
    oracle = StaticModel.from_pretrained(str(folder), force_download=False)
    expected = oracle._encode_helper(list(range(len(oracle.tokens)))).astype(np.float32)
    assert np.allclose(np.asarray(vecq.load(str(folder)).vectors), expected, rtol=1e-6, atol=1e-7)
    sharded = vecq.load(str(hub.repos["tiny/llama-sharded"].folder))
    assert np.allclose(np.asarray(sharded.vectors), hub.llama, rtol=1e-6, atol=1e-7)
    assert hub.requests == []  # local: the Hub was not asked


@pytest.mark.parametrize(
    ("repo", "says"),
    [
        ("tiny/nope", "no model repo tiny/nope"),
        ("tiny/torch-only", "PyTorch pickles"),
        ("tiny/no-table", "README.md, data.csv"),
        ("tiny/gated", "gated"),
        ("tiny/private", "no model repo tiny/private"),
        ("tiny/gpt2@v9", "no revision 'v9'"),
    ],
)
def test_hub_errors_are_one_line_exit_4(hub, repo, says):
    result = invoke(["-m", f"hf:{repo}", "info"])
    (line,) = result.stderr.splitlines()
    assert result.exit_code == 4 and says in line, line


def test_a_gated_repo_opens_with_a_token_that_has_access(hub, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_wrong")
    result = invoke(["-m", "hf:tiny/gated", "info"])
    assert result.exit_code == 4 and "is gated: ask for access" in result.stderr
    monkeypatch.setenv("HF_TOKEN", "hf_right")
    assert invoke(["-m", "hf:tiny/gated", "info"]).exit_code == 0


def test_offline_answers_from_what_was_downloaded_and_says_what_is_missing(hub, monkeypatch, tmp_path):
    assert invoke(["-m", "hf:tiny/potion", "info"]).exit_code == 0  # downloaded whole: in HF's cache
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "another-cache"))  # vecq's cache gone
    hub.reset_counts()
    assert invoke(["-m", "hf:tiny/potion", "info"]).exit_code == 0
    assert hub.requests == []
    result = invoke(["-m", "hf:tiny/llama-sharded", "info"])
    assert result.exit_code == 4 and "HF_HUB_OFFLINE" in result.stderr and hub.requests == []


def test_an_unreachable_hub_is_one_line(monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    result = invoke(["-m", "hf:tiny/gpt2", "info"])
    (line,) = result.stderr.splitlines()
    assert result.exit_code == 6 and "cannot reach the Hub" in line  # the network: try again


def test_a_revision_that_moves_during_the_download_is_not_mixed(hub, tmp_path):
    folder = tmp_path / "moving"
    static_st_repo(folder, hub.wordpiece)
    hub.add("tiny/moving", folder)

    def push(repo: str) -> None:  # a new commit lands between the listing and the downloads
        (folder / "README.md").write_text("pushed meanwhile")
        hub.add("tiny/moving", folder)

    hub.after_listing = push
    try:
        result = invoke(["-m", "hf:tiny/moving", "info"])
    finally:
        hub.after_listing = None
    (line,) = result.stderr.splitlines()
    assert result.exit_code == 4 and "moved to a new commit while it was downloaded" in line


def test_download_refreshes_when_the_revision_moves(hub):
    assert invoke(["-m", "hf:tiny/static-st", "info"]).exit_code == 0
    result = invoke(["download", "hf:tiny/static-st"])
    assert result.exit_code == 0 and "up to date" in result.stderr
    repo = hub.repos["tiny/static-st"]
    (repo.folder / "README.md").write_text("a new commit")
    hub.add("tiny/static-st", repo.folder)
    new = hub.repos["tiny/static-st"].commit
    assert new != repo.commit
    result = invoke(["download", "hf:tiny/static-st"])
    assert result.exit_code == 0 and new in result.stderr
    info = json.loads(invoke(["-m", "hf:tiny/static-st", "info", "-f", "json"]).stdout)[0]
    assert info["revision"] == new


def test_a_folder_inside_a_repo(hub):
    info = json.loads(invoke(["-m", "hf:tiny/static-st/0_StaticEmbedding", "info", "-f", "json"]).stdout)[0]
    assert info["tensor"] == "embedding.weight" and info["vocabulary"] == hub.wordpiece[1]


def test_a_table_by_its_name_with_tensor(hub, tmp_path):
    folder = tmp_path / "odd"
    table = gpt2_repo(folder, hub.bpe)
    tensors = load_file(str(folder / "model.safetensors"))
    tensors["transformer.token_table"] = tensors.pop("wte.weight")
    save_file(tensors, str(folder / "model.safetensors"))
    hub.add("tiny/odd-name", folder)
    result = invoke(["-m", "hf:tiny/odd-name", "info"])
    assert result.exit_code == 4 and "name it with --tensor" in result.stderr
    kv = vecq.load("hf:tiny/odd-name#transformer.token_table")
    assert np.allclose(np.asarray(kv.vectors), table, rtol=1e-6, atol=1e-7)
    info = json.loads(
        invoke(["-m", "hf:tiny/odd-name", "--tensor", "transformer.token_table", "info", "-f", "json"]).stdout
    )[0]
    assert info["tensor"] == "transformer.token_table" and info["shape"] == list(table.shape)


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("overlap", "overlap"),
        ("truncated", "lies outside the file"),
        ("rank", "two dimensions"),
        ("dtype", "is 'I64'"),
        ("header", "cannot be true of this file"),
    ],
)
@pytest.mark.slow
def test_hostile_safetensors_in_a_repo(hub, tmp_path, case, says):
    """Fetched by range requests, checked as a local file is: one line, exit 4, nothing cached."""
    folder = tmp_path / case
    gpt2_repo(folder, hub.bpe)
    path = folder / "model.safetensors"
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    table = header["wte.weight"]
    if case == "overlap":
        table["data_offsets"][1] += 4096
    elif case == "truncated":
        raw = raw[: len(raw) // 2]  # the table lies past the end of what the Hub holds
    elif case == "rank":
        table["shape"] = [table["shape"][0] * table["shape"][1]]
    elif case == "dtype":
        table["dtype"], table["shape"] = "I64", [table["shape"][0], table["shape"][1] // 2]
    forged = json.dumps(header).encode()
    head = struct.pack("<Q", len(forged) if case != "header" else 1 << 40)
    path.write_bytes(head + forged + raw[8 + length :])
    hub.add(f"tiny/hostile-{case}", folder)
    result = invoke(["-m", f"hf:tiny/hostile-{case}", "info"])
    (line,) = result.stderr.splitlines()
    assert result.exit_code == 4 and says in line, line
    cache = tmp_path / "cache"
    assert not [p for p in cache.glob("*") if p.is_dir() and not p.name.startswith(".")]
    assert not list(cache.glob(".hub-parts/*"))  # the fetched parts are removed


def test_a_tokenizer_that_disagrees_with_the_table(hub, tmp_path):
    folder = tmp_path / "mismatch"
    gpt2_repo(folder, hub.bpe)
    save_file(
        {"wte.weight": np.zeros((10, 4), dtype=np.float32), "big": np.zeros((4, 100_000), dtype=np.float32)},
        str(folder / "model.safetensors"),
    )
    hub.add("tiny/mismatch", folder)
    result = invoke(["-m", "hf:tiny/mismatch", "info"])
    assert result.exit_code == 4 and "beyond the table's 10 rows" in result.stderr


def test_safetensors_own_loader_agrees_on_the_gpt2_fixture(hub):
    oracle = load_file(str(hub.repos["tiny/gpt2"].folder / "model.safetensors"))["wte.weight"]
    assert np.array_equal(oracle, hub.gpt2)
    kv = vecq.load("hf:tiny/gpt2")
    assert np.allclose(np.asarray(kv.vectors), oracle, rtol=1e-6, atol=1e-7)


def test_text_through_a_static_model_equals_model2vecs_encode(hub):
    """A phrase or a sentence is embedded as model2vec embeds it."""
    from model2vec import StaticModel

    oracle = StaticModel.from_pretrained(str(hub.repos["tiny/potion"].folder), force_download=False)
    texts = ["the government", "police officers said", "The fire was burning near Sydney on Sunday."]
    for a, b in [(texts[0], texts[1]), (texts[1], texts[2])]:
        result = invoke(["-m", "hf:tiny/potion", "similar", a, b])
        assert result.exit_code == 0, result.stderr
        ea, eb = oracle.encode([a, b])
        expected = float(ea @ eb / (np.linalg.norm(ea) * np.linalg.norm(eb)))
        assert float(tsv(result.stdout)[0]["similarity"]) == pytest.approx(expected, abs=1e-6)
        assert "pooled as the model does" in result.stderr
    batch = invoke(["-m", "hf:tiny/potion", "vector", "-", "-f", "jsonl"], input="\n".join(texts) + "\n")
    vectors = [json.loads(line)["vector"] for line in batch.stdout.splitlines()]
    assert np.allclose(vectors, oracle.encode(texts), rtol=1e-5, atol=1e-6)


def test_a_text_longer_than_the_model_reads_is_cut_as_model2vec_cuts_it(hub, tmp_path):
    """model2vec reads a text's first max_length x (median token length) characters, then its first
    max_length tokens: a longer text's vector is those tokens' (it was every token's), and
    ``tokens`` shows the rest as one record, so no text goes unshown."""
    from model2vec import StaticModel

    folder = hub.repos["tiny/potion"].folder
    default = StaticModel.from_pretrained(str(folder), force_download=False)
    short = StaticModel(default.embedding, default.tokenizer, normalize=True, max_length=6)
    short.save_pretrained(str(tmp_path / "short"))
    long_words = sorted((t for t in default.tokens if t.isalpha()), key=len)[-40:]
    rng = np.random.default_rng(0)
    texts = [
        " ".join(rng.choice(long_words, 700)),  # 700 tokens, cut by the characters first
        "police officers said the fire was burning near Sydney on Sunday",
        "The fire was burning",
    ]
    for oracle, model in [(default, str(folder)), (short, str(tmp_path / "short"))]:
        kv = vecq.load(model)
        for text in texts:
            expected = oracle.encode(text)
            with warnings.catch_warnings(record=True) as said:
                warnings.simplefilter("always")
                got = kv.vector(text)
                kv.neighbors([text, "fire"], top=1)  # a batch from Python warns of each text cut
            cut_warned = [w.category for w in said].count(vecq.TextCutWarning)
            assert np.allclose(got / np.linalg.norm(got), expected / np.linalg.norm(expected), atol=1e-6)
            result = invoke(["-m", model, "tokens", text, "-f", "json"])
            records = json.loads(result.stdout)
            kept = oracle.tokenize([text[: oracle.max_length * oracle.median_token_length]])[0]
            assert [r["id"] for r in records if r["status"] == "token"] == kept
            cut = [r for r in records if r["status"] == "cut"]
            whole = oracle.encode_as_sequence(text)  # every token: no max_length here
            if len(text) > oracle.max_length * oracle.median_token_length or len(whole) > oracle.max_length:
                assert len(cut) == 1 and text.endswith(cut[0]["text"]) and cut[0]["text"]
                said = invoke(["-m", model, "vector", text]).stderr
                assert "is longer than the model reads" in said and f"first {len(kept)} tokens" in said
                assert cut_warned == 2
            else:
                assert cut == [] and not cut_warned
    # the median token length is measured once, at conversion (0.5 s on a 500,000-token vocabulary)
    manifests = [json.loads(p.read_text()) for p in (tmp_path / "cache").glob("*/manifest.json")]
    kept = {m["text"]["median_token_length"] for m in manifests if m.get("text")}
    assert len(manifests) == 2 and kept == {default.median_token_length}


def test_text_through_a_sentence_transformers_static_model_keeps_every_token(hub, tmp_path):
    """sentence-transformers' ``StaticEmbedding`` averages every token of a text, the unknown one
    included, with the tokenizer as saved (its truncation too): its ``preprocess`` and
    ``EmbeddingBag`` written out here, as sentence-transformers needs PyTorch."""
    import tokenizers

    folder = hub.repos["tiny/static-st"].folder
    table = load_file(str(folder / "0_StaticEmbedding" / "model.safetensors"))["embedding.weight"]
    cut = tmp_path / "cut"
    shutil.copytree(folder, cut)
    saved = tokenizers.Tokenizer.from_file(str(cut / "0_StaticEmbedding" / "tokenizer.json"))
    saved.enable_truncation(5)
    saved.save(str(cut / "0_StaticEmbedding" / "tokenizer.json"))
    texts = ["the fire ☃ was burning", "☃ police ☃", "police officers said the fire was burning near"]
    for model in (folder, cut):
        tokenizer = tokenizers.Tokenizer.from_file(str(model / "0_StaticEmbedding" / "tokenizer.json"))
        tokenizer.no_padding()
        unknown = tokenizer.token_to_id("[UNK]")
        kv = vecq.load(str(model))
        for text in texts:
            ids = tokenizer.encode(text, add_special_tokens=False).ids
            assert ("☃" in text) == (unknown in ids) and (model == folder or len(ids) <= 5)
            expected = table[ids].mean(axis=0)
            assert np.allclose(kv.vector(text), expected, rtol=1e-5, atol=1e-6)
            shown = json.loads(invoke(["-m", str(model), "tokens", text, "-f", "json"]).stdout)
            assert [r["id"] for r in shown if r["status"] == "token"] == ids


def test_a_static_models_text_is_read_as_written_in_every_path(hub, tmp_path):
    """A byte-level tokenizer reads spaces (model2vec's vector of "the fire " is not that of "the
    fire"): a batch line, an argument, the API and the server's query give model2vec's vector."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    rows = np.random.default_rng(6).standard_normal((hub.bpe[1], DIMS)).astype(np.float32)
    StaticModel(rows, Tokenizer.from_str(hub.bpe[0]), normalize=True).save_pretrained(str(tmp_path / "m"))
    model = str(tmp_path / "m")
    oracle = StaticModel.from_pretrained(model, force_download=False)
    texts = ["the fire ", " police officers", "  the fire  ", "near\tSydney"]
    assert len({tuple(oracle.tokenize([t])[0]) for t in [*texts, "the fire"]}) == 5
    kv = vecq.load(model)
    batch = invoke(["-m", model, "vector", "-", "-f", "jsonl"], input="\n".join(texts) + "\n")
    near = invoke(["-m", model, "neighbors", "-", "-f", "jsonl", "-n", "3"], input="\n".join(texts) + "\n")
    for number, (text, line) in enumerate(zip(texts, batch.stdout.splitlines()), 1):
        record = json.loads(line)
        assert record["word"] == text
        assert np.allclose(record["vector"], oracle.encode(text), atol=1e-6)
        expected = [n.word for n in kv.neighbors(text, 3)]
        found = [json.loads(x) for x in near.stdout.splitlines()]
        assert [r["word"] for r in found if r["line"] == number] == expected
        one = invoke(["-m", model, "neighbors", "-n", "3", "-f", "json", "--", text])
        assert [r["word"] for r in json.loads(one.stdout)] == expected
    pair = invoke(["-m", model, "similar", "-", "-f", "json"], input=f"{texts[0]}\t{texts[1]}\n")
    alone = invoke(["-m", model, "similar", "-f", "json", "--", texts[0], texts[1]])
    a, b = oracle.encode(texts[:2])
    assert json.loads(pair.stdout)[0]["similarity"] == json.loads(alone.stdout)[0]["similarity"]
    assert json.loads(alone.stdout)[0]["similarity"] == pytest.approx(float(a @ b), abs=1e-6)


def test_a_static_models_line_starting_with_a_hash_is_text_not_a_comment(hub, tmp_path):
    """'# A title' is a comment in a batch of words, but a static model embeds text, as model2vec's
    encode does: every line but a blank one is a record and a row of ``vector -o``, in order."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    rows = np.random.default_rng(7).standard_normal((hub.bpe[1], DIMS)).astype(np.float32)
    StaticModel(rows, Tokenizer.from_str(hub.bpe[0]), normalize=True).save_pretrained(str(tmp_path / "m"))
    model = str(tmp_path / "m")
    oracle = StaticModel.from_pretrained(model, force_download=False)
    lines = ["# the fire", "the police", "", "#", "# "]
    texts = [t for t in lines if t.strip()]
    given = "\n".join(lines) + "\n"
    batch = invoke(["-m", model, "vector", "-", "-f", "jsonl"], input=given)
    assert batch.exit_code == 0 and "comment" not in batch.stderr, batch.stderr
    records = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [(r["line"], r["word"]) for r in records] == [
        (1, "# the fire"),
        (2, "the police"),
        (4, "#"),
        (5, "# "),
    ]
    for record in records:
        assert np.allclose(record["vector"], oracle.encode(record["word"]), atol=1e-6)
    written = invoke(["-m", model, "vector", "-", "-o", str(tmp_path / "v.npy")], input=given)
    assert written.exit_code == 0, written.stderr
    assert np.allclose(np.load(tmp_path / "v.npy"), oracle.encode(texts), atol=1e-6)
    tokens = json.loads(invoke(["-m", model, "tokens", "-", "-f", "json"], input=given).stdout)
    assert sorted({r["line"] for r in tokens}) == [1, 2, 4, 5]


def test_a_static_models_text_of_one_token_is_embedded_as_a_text_and_its_token_stays_a_row(hub, tmp_path):
    """model2vec's encode of "the" is a unit vector, as its encode of "the fire" is: a batch of texts
    whose lines are one word gave rows of norm 2 to 5 among unit vectors. Asked as a token (its
    form in the answers, or id:N) it is still the row as stored."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    rows = 3 * np.random.default_rng(8).standard_normal((hub.bpe[1], DIMS)).astype(np.float32)
    StaticModel(rows, Tokenizer.from_str(hub.bpe[0]), normalize=True).save_pretrained(str(tmp_path / "m"))
    model = str(tmp_path / "m")
    oracle = StaticModel.from_pretrained(model, force_download=False)
    kv = vecq.load(model)
    singles = [t for t in ("the", "fire", ",", "a", ".", "e", "s", "t") if len(oracle.tokenize([t])[0]) == 1]
    assert len(singles) >= 3
    texts = [*singles, "the fire"]
    batch = invoke(["-m", model, "vector", "-", "-f", "jsonl"], input="\n".join(texts) + "\n")
    for text, line in zip(texts, batch.stdout.splitlines()):
        assert np.allclose(json.loads(line)["vector"], oracle.encode(text), atol=1e-6), text
        assert np.allclose(kv.vector(text), oracle.encode(text), atol=1e-6), text
    ids = [oracle.tokenize([t])[0][0] for t in singles]
    word_start = next(
        k for k in kv.index_to_key if k.startswith("\u2581") and len(k) > 1
    )  # as answers show it
    for asked, row in [*((f"id:{i}", i) for i in ids), (word_start, kv.key_to_index[word_start])]:
        shown = json.loads(invoke(["-m", model, "vector", asked, "-f", "json"]).stdout)[0]["vector"]
        assert np.allclose(shown, rows[row], atol=1e-6), asked
    for text, row in zip(singles, ids):
        assert kv.index_to_key[row] not in [n.word for n in kv.neighbors(text, top=3)]  # searched as its row


def test_a_text_whose_tokens_lie_beyond_the_limit_is_one_line_or_one_record(hub):
    """``--limit N`` on a token table: the tokenizer still gives ids past N, which failed as "a
    defect of vecq's" (an IndexError) in vector, neighbors and tokens."""
    model = str(hub.repos["tiny/potion"].folder)
    text = "police officers said"
    for command in (["vector"], ["neighbors"], ["similar", "fire"]):
        result = invoke(["-m", model, "--limit", "50", *command, text])
        (line,) = result.stderr.strip().splitlines()[-1:]
        assert result.exit_code == 3 and "holds tokens beyond --limit 50" in line, result.stderr
    batch = invoke(["-m", model, "--limit", "50", "vector", "-", "-f", "jsonl"], input=f"{text}\n,\n")
    records = [json.loads(x) for x in batch.stdout.splitlines()]
    assert [r["status"] for r in records] == ["error", "ok"] and batch.exit_code == 5
    with pytest.raises(vecq.QueryError, match="beyond limit=50"):
        vecq.load(model, limit=50).vector(text)
    shown = json.loads(invoke(["-m", model, "--limit", "50", "tokens", text, "-f", "json"]).stdout)
    full = json.loads(invoke(["-m", model, "tokens", text, "-f", "json"]).stdout)
    assert [r["id"] for r in shown] == [r["id"] for r in full]
    assert [r["status"] for r in shown] == ["token" if r["id"] < 50 else "beyond-limit" for r in full]
    assert "beyond-limit" in [r["status"] for r in shown]


def test_eval_of_a_token_table_scores_its_words_as_gensim_scores_them(hub, tmp_path):
    """An evaluation file names words: in a token table those are its word-start tokens. vecq read
    "king" as the piece inside a word that the key ``king`` names (or found no such key), and
    ranked pieces among the answers. The oracle: gensim's KeyedVectors of the table's words alone."""
    import random

    from gensim.models import KeyedVectors

    kv = vecq.load(str(hub.repos["tiny/potion"].folder))
    keys = list(kv.index_to_key)
    words = [(row, key[1:]) for row, key in enumerate(keys) if key.startswith("▁") and len(key) > 1]
    pieces_only = [k for k in keys if k.isalpha() and "▁" + k not in kv.key_to_index]
    assert len(words) > 100 and pieces_only
    oracle = KeyedVectors(kv.vector_size)
    oracle.add_vectors([w for _, w in words], np.asarray(kv.vectors)[[row for row, _ in words]])
    rng = random.Random(0)
    texts = [w for _, w in words if w.isalpha()]
    lines = [": words"]
    for n in range(400):  # half of them with the oracle's own answer: right, if ranked as gensim ranks
        a, b, c, d = rng.sample(texts, 4)
        d = oracle.most_similar(positive=[b, c], negative=[a], topn=1)[0][0] if n % 2 else d
        lines.append(f"{a} {b} {c} {d}")
    lines += [": a piece"] + [" ".join([*rng.sample(texts, 3), rng.choice(pieces_only)]) for _ in range(20)]
    questions = tmp_path / "questions.txt"
    questions.write_text("\n".join(lines) + "\n")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("".join(f"{a}\t{b}\t{rng.random() * 10:.2f}\n" for a, b in zip(texts, reversed(texts))))
    expected = oracle.evaluate_word_analogies(str(questions), restrict_vocab=len(keys))
    assert kv.evaluate_word_analogies(str(questions), restrict_vocab=len(keys)) == expected
    assert len(expected[1][-1]["correct"]) + len(expected[1][-1]["incorrect"]) == 400
    assert len(expected[1][-1]["correct"]) > 100
    # gensim's evaluation answers with 3CosAdd whatever its similarity_function; vecq's 3CosMul
    # over the table's words is its 3CosMul over a word model of those words alone
    oracle.save_word2vec_format(str(tmp_path / "words.txt"))
    alone = vecq.load(str(tmp_path / "words.txt"))
    cosmul = {"restrict_vocab": len(keys), "similarity_function": "most_similar_cosmul"}
    assert kv.evaluate_word_analogies(str(questions), **cosmul) == alone.evaluate_word_analogies(
        str(questions), **cosmul
    )
    expected_pairs = oracle.evaluate_word_pairs(str(pairs), restrict_vocab=len(keys))
    mine_pairs = kv.evaluate_word_pairs(str(pairs), restrict_vocab=len(keys))
    assert np.allclose([mine_pairs[0][0], mine_pairs[1][0]], [expected_pairs[0][0], expected_pairs[1][0]])
    assert mine_pairs[2] == expected_pairs[2]


def test_a_word_start_token_as_an_answer_shows_it_is_asked_again_as_that_token(hub):
    """A static model embedded every text, so ``▁fire`` (a word as answers show it) went through
    the tokenizer, which knows no ``▁``: "holds no token the model knows" (exit 3)."""
    first = json.loads(invoke(["-m", "hf:tiny/potion", "neighbors", "police", "-f", "json"]).stdout)
    shown = [r["word"] for r in first if r["word"].startswith("▁")]
    assert shown
    kv = vecq.load("hf:tiny/potion")
    for word in shown:
        again = invoke(["-m", "hf:tiny/potion", "vector", word, "-f", "json"])
        assert again.exit_code == 0, again.stderr
        assert np.allclose(json.loads(again.stdout)[0]["vector"], kv[word], rtol=1e-6, atol=1e-7)
        assert np.array_equal(kv.vector(word), kv[word])


def test_a_batch_of_texts_says_how_many_were_pooled_not_each(hub):
    """A static model pools every text of several tokens: a batch of 300 said 300 notes."""
    lines = [f"{n} police officers said" for n in range(300)]
    result = invoke(["-m", "hf:tiny/potion", "vector", "-", "-f", "jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 300
    said = [x for x in result.stderr.splitlines() if "pooled as the model does" in x]
    assert (
        len(said) == 2
        and said[-1] == "vecq: (and 299 more lines of several tokens, pooled as the model does)"
    )
    one = invoke(["-m", "hf:tiny/potion", "vector", lines[7]])
    assert f"{lines[7]!r} is" in one.stderr and "pooled as the model does" in one.stderr


def test_vecqs_vector_method_finds_a_token_as_the_cli_does(hub):
    """In a token table the key ``ab`` is the piece inside a word; ``vecq vector ab``, ``neighbors``
    and ``kv.vector`` mean the word ab (the token ``▁ab``), as model2vec's encode reads the text;
    gensim's ``kv["ab"]`` is the key as written."""
    from model2vec import StaticModel

    oracle = StaticModel.from_pretrained(str(hub.repos["tiny/potion"].folder), force_download=False)
    kv = vecq.load("hf:tiny/potion")
    both = [k[1:] for k in kv.index_to_key if k.startswith("▁") and k[1:] in kv.key_to_index]
    assert len(both) > 10
    for text in both[:20]:
        (expected,) = oracle.tokenize([text])
        with pytest.warns(vecq.RespelledWarning):
            mine = kv.vector(text)
        assert expected == [kv.get_index("▁" + text)]  # the word's token, embedded as the text
        assert np.allclose(mine, oracle.encode(text), atol=1e-6)
        cli = json.loads(invoke(["-m", "hf:tiny/potion", "vector", text, "-f", "json"]).stdout)[0]
        assert np.allclose(cli["vector"], mine, rtol=1e-6, atol=1e-7)
        assert np.array_equal(kv[text], kv.vectors[kv.get_index(text)])


def test_the_neighbours_of_a_sentence_are_its_nearest_tokens(hub):
    from model2vec import StaticModel

    oracle = StaticModel.from_pretrained(str(hub.repos["tiny/potion"].folder), force_download=False)
    sentence = "police officers said the fire was burning"
    rows = oracle._encode_helper(list(range(len(oracle.tokens)))).astype(np.float64)
    q = oracle.encode(sentence).astype(np.float64)
    cosines = rows @ q / (np.linalg.norm(rows, axis=1) * np.linalg.norm(q))
    expected = np.argsort(-cosines, kind="stable")[:5]
    ours = tsv(invoke(["-m", "hf:tiny/potion", "neighbors", sentence, "-n", "5"]).stdout)
    kv = vecq.load("hf:tiny/potion")
    assert [kv.get_index(r["word"]) for r in ours] == expected.tolist()
    assert np.allclose([float(r["similarity"]) for r in ours], cosines[expected], atol=1e-6)


def test_a_word_of_several_tokens_of_a_language_model(hub):
    vocab = json.loads(hub.bpe[0])["model"]["vocab"]
    word = "zzyzxqq"  # no such token: the byte-level BPE splits it
    result = invoke(["-m", "hf:tiny/gpt2", "vector", word])
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("vecq: error:")]
    assert result.exit_code == 3 and "tokens of" in line and "--pool mean" in line
    pooled = invoke(["-m", "hf:tiny/gpt2", "--pool", "mean", "vector", word, "-f", "json"])
    assert pooled.exit_code == 0, pooled.stderr
    import tokenizers

    ids = tokenizers.Tokenizer.from_str(hub.bpe[0]).encode(word, add_special_tokens=False).ids
    assert len(ids) > 1 and all(i < len(vocab) for i in ids)
    expected = hub.gpt2[ids].mean(axis=0)
    assert np.allclose(json.loads(pooled.stdout)[0]["vector"], expected, rtol=1e-5, atol=1e-6)


def test_similarity_of_two_lists_gives_a_pair_of_several_tokens_its_nan_and_answers_the_rest(hub, caplog):
    """``kv.similarity(list, list)`` on a language model's table: a word of several tokens raised a
    QueryError for the whole list; it is that pair's NaN (its reason logged), as an unknown word's."""
    kv = vecq.load("hf:tiny/gpt2")
    word = "zzyzxqq"  # several tokens
    tokens = [k for k in kv.index_to_key[300:320] if k.isalpha()][:3]
    scores = kv.similarity([tokens[0], word, tokens[1]], [tokens[2], tokens[0], tokens[0]])
    assert np.isnan(scores[1]) and not np.isnan(scores[[0, 2]]).any()
    assert scores[0] == kv.similarity(tokens[0], tokens[2]) and scores[2] == kv.similarity(
        tokens[1], tokens[0]
    )
    assert f"NaN for 1 pair: {word!r} is" in caplog.text and "tokens of" in caplog.text


def test_tokens_shows_text_to_tokens_to_ids(hub):
    """The lecture's first step, as the model's own tokenizer does it."""
    import tokenizers

    text = "The fire was burning near Sydney"
    result = invoke(["-m", "hf:tiny/gpt2", "tokens", text, "--vectors", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    encoding = tokenizers.Tokenizer.from_str(hub.bpe[0]).encode(text, add_special_tokens=False)
    assert [r["id"] for r in records] == encoding.ids
    assert "".join(r["text"] for r in records) == text
    kv = vecq.load("hf:tiny/gpt2")
    assert [r["token"] for r in records] == [kv.index_to_key[i] for i in encoding.ids]
    assert any(r["token"].startswith("▁") for r in records)  # " fire": a token that starts a word
    for r in records:
        assert np.allclose(r["vector"], hub.gpt2[r["id"]], rtol=1e-6, atol=1e-7)


def test_tokens_of_each_line_through_the_models_tokenizer(hub):
    """``tokens -`` through model2vec's tokenizer: each line's records are that text's alone."""
    lines = ["The fire was burning", "☃☃", "near Sydney"]
    result = invoke(["-m", "hf:tiny/potion", "tokens", "-", "-f", "json"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert {r["line"] for r in records} == {1, 2, 3}
    for number, text in enumerate(lines, 1):
        mine = [{k: v for k, v in r.items() if k != "line"} for r in records if r["line"] == number]
        assert mine == json.loads(invoke(["-m", "hf:tiny/potion", "tokens", text, "-f", "json"]).stdout)


# -- a hostile or failing Hub: every case one line, within a bounded time, nothing wrong kept ------


def faulty(hub, monkeypatch, what: str, fault: str, stall: float = 2) -> None:
    """The local Hub misbehaves on ``what`` (undone after the test); the stall window is short."""
    monkeypatch.setitem(hub.faults, what, fault)
    monkeypatch.setenv("VECQ_HUB_STALL_SECONDS", str(stall))


def one_line_within(args, seconds: float):
    import time

    start = time.perf_counter()
    result = invoke(args)
    elapsed = time.perf_counter() - start
    lines = [x for x in result.stderr.splitlines() if x.startswith("vecq: error:")]
    assert len(result.stderr.strip().splitlines()) == 1 and len(lines) == 1, result.stderr
    assert elapsed < seconds, elapsed
    return result, lines[0]


@pytest.mark.parametrize(
    ("what", "fault", "code", "says"),
    [
        ("listing", "slow", 6, "stalled"),
        ("model.safetensors", "slow", 6, "stalled"),
        ("tokenizer.json", "slow", 6, "stalled"),
        ("model.safetensors", "short", 6, "stalled"),
        ("tokenizer.json", "short", 6, "stalled"),
        ("listing", "gzip", 4, "gzip-compressed body"),
        ("model.safetensors", "gzip", 4, "gzip-compressed body"),
        ("tokenizer.json", "500", 6, "HTTP 500"),
        ("listing", "500", 6, "HTTP 500"),
        ("tokenizer.json", "429", 6, "HTTP 429"),
        ("tokenizer.json", "403", 4, "HTTP 403"),
        ("tokenizer.json", "404", 4, "is not on the Hub"),
    ],
)
@pytest.mark.slow
def test_a_misbehaving_hub_is_one_line_in_bounded_time(hub, monkeypatch, what, fault, code, says):
    faulty(hub, monkeypatch, what, fault)
    result, line = one_line_within(["-m", "hf:tiny/gpt2", "info"], 20)
    assert result.exit_code == code and says in line, line
    assert "Retrying" not in result.stderr and "Traceback" not in result.stderr
    monkeypatch.delitem(hub.faults, what)  # the Hub mends: nothing bad was kept, it answers
    again = invoke(["-m", "hf:tiny/gpt2", "info", "-f", "json"])
    assert again.exit_code == 0, again.stderr


@pytest.mark.slow
def test_a_download_that_does_not_match_its_hash_is_deleted_and_never_answered(hub, monkeypatch):
    """A file whose bytes differ from the sha256 the listing gives: refused and forgotten, so the
    mended Hub's file is downloaded and answered next time (the bad copy was once kept for ever)."""
    from vecq.sources import hub as hub_source

    faulty(hub, monkeypatch, "model.safetensors", "corrupt")
    monkeypatch.setattr(hub_source, "WHOLE_FILE_SHARE", 0.0)  # download the checkpoint whole
    result, line = one_line_within(["-m", "hf:tiny/gpt2", "info"], 20)
    assert result.exit_code == 4 and "does not match the sha256" in line and "deleted" in line
    hf = list((Path(os.environ["HF_HOME"]) / "hub").rglob("model.safetensors"))
    assert [p for p in hf if p.exists()] == []
    monkeypatch.delitem(hub.faults, "model.safetensors")
    again = invoke(["-m", "hf:tiny/gpt2", "vector", "--id", "5", "-f", "json"])
    assert again.exit_code == 0, again.stderr
    assert np.array_equal(np.array(json.loads(again.stdout)[0]["vector"], np.float32), hub.gpt2[5])


def test_a_small_file_that_does_not_match_its_git_hash_is_refused(hub, monkeypatch):
    faulty(hub, monkeypatch, "tokenizer.json", "corrupt")
    result, line = one_line_within(["-m", "hf:tiny/gpt2", "info"], 20)
    assert result.exit_code == 4 and "does not match the" in line


def test_a_file_larger_than_the_free_space_is_refused_before_it_is_fetched(hub, monkeypatch):
    import shutil as shutil_module

    real = shutil_module.disk_usage

    def tiny_disk(path):
        return real(path)._replace(free=1000)

    monkeypatch.setattr(shutil_module, "disk_usage", tiny_disk)
    result, line = one_line_within(["-m", "hf:tiny/gpt2", "info"], 20)
    assert result.exit_code == 1 and "free" in line
    assert hub.sent.get("tiny/gpt2", 0) == 0  # nothing of the repo's files was sent


@pytest.mark.parametrize(
    ("repo", "questions"),
    [
        (
            "tiny/fasttext",
            [["neighbors", "governmentx", "-n", "3"], ["similar", "governmentx", "government"]],
        ),
        ("tiny/gpt2", [["neighbors", "the", "-n", "3"], ["info"], ["tokens", "the cat"]]),
        ("tiny/potion", [["neighbors", "the cat sat", "-n", "3"], ["vector", "the", "-f", "json"], ["info"]]),
        ("tiny/static-st", [["similar", "the cat", "a dog"], ["info"]]),
    ],
)
def test_a_model_answered_from_memory_answers_as_from_its_cache(hub, repo, questions, tmp_path, monkeypatch):
    """With the cache's folder unwritable, a model (the repo's files, local) is answered from
    memory: a fastText model lost its subwords there (a word outside the vocabulary was unknown), a
    token table its tokenizer and its tokens' rules (typed `the` was another token, a text no text)."""
    folder = hub.repos[repo].folder
    model = str(folder / "model.bin") if (folder / "model.bin").exists() else str(folder)
    cached = [invoke(["-m", model, *q]) for q in questions]
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VECQ_CACHE_DIR", str(blocker / "cache"))
    memory = [invoke(["-m", model, *q]) for q in questions]
    for question, a, b in zip(questions, cached, memory):
        assert a.exit_code == 0, (question, a.stderr)
        assert "answering from memory" in b.stderr
        assert (b.exit_code, b.stdout) == (0, a.stdout), (question, b.stderr)


def test_a_hub_table_is_answered_from_memory_when_the_cache_cannot_be_written(tmp_path, monkeypatch):
    """Its parts wait in the system's temporary folder: it was "…/cache: Not a directory", exit 1."""
    cached = invoke(["-m", "hf:tiny/gpt2", "neighbors", "the", "-n", "3"])
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VECQ_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-again"))  # fetched again, not from the Hub's cache
    memory = invoke(["-m", "hf:tiny/gpt2", "neighbors", "the", "-n", "3"])
    assert cached.exit_code == 0 and "answering from memory" in memory.stderr
    assert (memory.exit_code, memory.stdout) == (0, cached.stdout), memory.stderr


def test_a_hub_name_without_its_owner_says_where_to_find_it(monkeypatch):
    """``hf:gpt2`` (a name the Hub redirects to openai-community/gpt2) was "not a Hub model name":
    it is one, without the owner vecq needs; the error says so and where its full name is."""
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    result = invoke(["-m", "hf:gpt2", "info"])
    assert result.exit_code == 4 and len(result.stderr.splitlines()) == 1
    assert "'hf:gpt2' names no owner" in result.stderr and "http://127.0.0.1:9/gpt2" in result.stderr
    assert "is not a Hub model name" in invoke(["-m", "hf:", "info"]).stderr
