"""A model folder whose JSON lies about its types, its depth or its numbers is one line and exit 4,
within a second, never a traceback: for every layout that brings JSON (a checkpoint, a sharded one,
model2vec, sentence-transformers' static embeddings), hypothesis puts arbitrary JSON values, and
JSON nested 100,000 levels deep, in the place of each field vecq reads. (A gensim KeyedVectors
folder, the fse layout, brings no JSON: its pickle's fields are tried with wrong types below.)"""

from __future__ import annotations

import json
import pickle
import shutil
import struct
import time

import numpy as np
import pytest
from conftest import invoke, train_tokenizer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hub import model2vec_repo, static_st_repo

DIMS = 8
DEEP = ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000, "9" * 5000]


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer("byte-level BPE", 300)


def _safetensors(path, tensors: dict) -> None:
    header, at, blobs = {}, 0, []
    for name, (dtype, array) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [at, at + array.nbytes]}
        at += array.nbytes
        blobs.append(array.tobytes())
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def checkpoint(folder, tokenizer) -> None:
    text, size = tokenizer
    folder.mkdir(parents=True)
    (folder / "tokenizer.json").write_text(text)
    table = np.random.default_rng(0).standard_normal((size, DIMS)).astype(np.float32)
    _safetensors(folder / "model.safetensors", {"wte.weight": ("F32", table)})


def sharded(folder, tokenizer) -> None:
    text, size = tokenizer
    folder.mkdir(parents=True)
    (folder / "tokenizer.json").write_text(text)
    table = np.random.default_rng(1).standard_normal((size, DIMS)).astype(np.float32)
    _safetensors(folder / "model-00001-of-00001.safetensors", {"model.embed_tokens.weight": ("F32", table)})
    index = {"metadata": {}, "weight_map": {"model.embed_tokens.weight": "model-00001-of-00001.safetensors"}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))


def model2vec(folder, tokenizer) -> None:
    model2vec_repo(folder, tokenizer)  # saved by model2vec itself


def static_st(folder, tokenizer) -> None:
    static_st_repo(folder, tokenizer)  # as sentence-transformers' StaticEmbedding saves one


LAYOUTS = {"checkpoint": checkpoint, "sharded": sharded, "model2vec": model2vec, "static": static_st}
# The JSON fields vecq reads, per file (a path of keys; "*" is each tensor of a safetensors header).
FIELDS = {
    "tokenizer.json": [
        (),
        ("model",),
        ("model", "type"),
        ("model", "vocab"),
        ("model", "unk_token"),
        ("pre_tokenizer",),
        ("decoder",),
        ("added_tokens",),
    ],
    "config.json": [(), ("normalize",), ("max_length",)],
    "modules.json": [()],
    "model.safetensors.index.json": [(), ("weight_map",)],
    "safetensors": [(), ("*",), ("*", "shape"), ("*", "dtype"), ("*", "data_offsets")],
}
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def templates(tmp_path_factory, tokenizer):
    root = tmp_path_factory.mktemp("layouts")
    for name, make in LAYOUTS.items():
        make(root / name, tokenizer)
    return root


# The settings files a layout is read with (model2vec saves a modules.json that nothing reads).
SETTINGS = {"model2vec": "config.json", "static": "modules.json"}


def _targets(folder):
    """(file, field) pairs of a layout's folder: the fields of every JSON file it is read with."""
    out = []
    for path in sorted(folder.rglob("*")):
        kind = "safetensors" if path.suffix == ".safetensors" else path.name
        if kind in ("config.json", "modules.json") and SETTINGS.get(folder.name) != kind:
            continue
        out += [(path, field) for field in FIELDS.get(kind, [])]
    return out


def _replace(document, field: tuple, raw_value: str) -> str:
    """``document`` (JSON text) with the value at ``field`` replaced by the JSON text ``raw_value``."""
    if not field:
        return raw_value
    marker = "\u0000REPLACED\u0000"
    node = document
    for key in field[:-1]:
        node = next(iter(node.values())) if key == "*" else node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return raw_value
    last = field[-1]
    if last == "*":
        last = next(iter(node))
    node[last] = marker
    return json.dumps(document).replace(json.dumps(marker), raw_value)


def _write(path, field, raw_value: str) -> None:
    if path.suffix == ".safetensors":
        data = path.read_bytes()
        (length,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + length])
        raw = _replace(header, field, raw_value).encode()
        path.write_bytes(struct.pack("<Q", len(raw)) + raw + data[8 + length :])
    else:
        path.write_text(_replace(json.loads(path.read_text()), field, raw_value))


def _one_line_or_an_answer(folder) -> None:
    start = time.perf_counter()
    result = invoke(["-m", str(folder), "info", "-f", "json"])
    elapsed = time.perf_counter() - start
    lines = [x for x in result.stderr.splitlines() if not x.startswith("vecq: converting")]
    assert result.exit_code in (0, 4), (result.exit_code, result.stderr)
    if result.exit_code == 4:
        assert len(lines) == 1 and lines[0].startswith("vecq: error: "), result.stderr
    assert elapsed < 2, elapsed  # "within a second", with room for a loaded CI machine


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
@pytest.mark.slow
def test_any_json_value_in_any_field_is_one_line(layout, templates, tmp_path_factory, monkeypatch, data):
    folder = tmp_path_factory.mktemp("hostile") / layout
    shutil.copytree(templates / layout, folder)
    monkeypatch.setenv("VECQ_CACHE_DIR", str(folder.parent / "cache"))
    path, field = data.draw(st.sampled_from(_targets(folder)))
    raw = data.draw(st.sampled_from(DEEP) | json_values.map(json.dumps))
    _write(path, field, raw)
    _one_line_or_an_answer(folder)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_json_nested_deep_or_with_a_huge_number_is_one_line_in_every_file(
    layout, templates, tmp_path, monkeypatch
):
    for i, (path, field) in enumerate(_targets(templates / layout)):
        for j, raw in enumerate(DEEP):
            folder = tmp_path / f"{i}-{j}" / layout
            shutil.copytree(templates / layout, folder)
            monkeypatch.setenv("VECQ_CACHE_DIR", str(folder.parent / "cache"))
            _write(folder / path.relative_to(templates / layout), field, raw)
            result = invoke(["-m", str(folder), "info"])
            assert result.exit_code == 4, (path.name, field, result.stderr)
            assert result.stderr.strip().count("\n") <= 1 and path.name in result.stderr


class _State:
    pass


@pytest.mark.parametrize(
    "state",
    [
        {"index_to_key": {"a": 1}, "vectors": np.zeros((1, 2), np.float32)},
        {"index_to_key": ["a", 2], "vectors": np.zeros((2, 2), np.float32)},
        {"index_to_key": ["a"], "vectors": "not an array"},
        {"index_to_key": ["a"], "vectors": np.zeros((3, 2), np.float32)},
        {"index_to_key": ["a"], "vectors": np.array([["x", "y"]])},
        {"index_to_key": None, "vectors": None},
    ],
)
def test_a_keyedvectors_file_whose_fields_lie_is_one_line(state, tmp_path, monkeypatch):
    from gensim.models import KeyedVectors

    monkeypatch.setenv("VECQ_CACHE_DIR", str(tmp_path / "cache"))
    kv = KeyedVectors(2)
    kv.add_vectors(["a"], np.ones((1, 2), np.float32))
    kv.__dict__.update(state)
    path = tmp_path / "hostile.model"
    with open(path, "wb") as f:
        pickle.dump(kv, f, protocol=4)
    result = invoke(["-m", str(path), "info"])
    assert result.exit_code == 4 and result.stderr.strip().count("\n") == 0, result.stderr
