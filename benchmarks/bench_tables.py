"""Language models' token tables: a Llama-sized bfloat16 table converted, fetched from a Hub, answered.

    python benchmarks/bench_tables.py [--dir ~/.cache/vecq-bench] [--runs 5]

Generates, outside the repository, a sharded checkpoint shaped as Llama 3's (a 128,256 x 4,096
bfloat16 ``model.embed_tokens.weight`` in the second of two shards, behind 2 GB of other tensors, a
byte-level BPE ``tokenizer.json`` of 128,256 tokens), and the same table as a word2vec binary file.
Times, with vecq installed from a wheel (bench.py's venv):

- converting the local checkpoint (``vecq -m FOLDER cache build``);
- opening it from a Hub on 127.0.0.1 (tests/hub_server.py, the Hub's URL layout): the header and
  table fetched by range requests, then converted; the bytes the server sent, against the repo's;
- ``neighbors`` answered from the Hub model's cache and from the word2vec file's cache.

Writes docs/benchmarks-tables.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import struct
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from bench import bench_folder, log, machine, measure, repeat  # noqa: E402
from hub_server import Hub  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-tables.md"
ROWS, DIMS = 128_256, 4_096  # Llama 3's vocabulary and hidden size
OTHER_BYTES = 2 << 30  # the rest of the checkpoint, a sparse file: never read by vecq


def token(i: int) -> str:
    return f"Ġt{i}" if i % 2 == 0 else f"t{i}"  # byte-level BPE: Ġ is the space before a word


def make_checkpoint(folder: Path) -> None:
    folder.mkdir(parents=True)
    vocab = {token(i): i for i in range(ROWS)}
    spec = {
        "version": "1.0",
        "added_tokens": [],
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True},
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "vocab": vocab, "merges": []},
    }
    (folder / "tokenizer.json").write_text(json.dumps(spec))
    table = {"dtype": "BF16", "shape": [ROWS, DIMS], "data_offsets": [0, ROWS * DIMS * 2]}
    layers = {"dtype": "BF16", "shape": [OTHER_BYTES // 2], "data_offsets": [0, OTHER_BYTES]}
    shards = {
        "model-00001-of-00002.safetensors": {"model.layers.0.mlp.up_proj.weight": layers},
        "model-00002-of-00002.safetensors": {"model.embed_tokens.weight": table},
    }
    rng = np.random.default_rng(0)
    for shard, header in shards.items():
        raw = json.dumps(header).encode()
        with open(folder / shard, "wb") as f:
            f.write(struct.pack("<Q", len(raw)) + raw)
            if "model.embed_tokens.weight" in header:
                for start in range(0, ROWS, 8192):
                    n = min(8192, ROWS - start)
                    values = rng.standard_normal((n, DIMS), dtype=np.float32)
                    f.write((values.view(np.uint32) >> 16).astype(np.uint16).tobytes())
            else:
                f.truncate(8 + len(raw) + OTHER_BYTES)  # sparse: costs no disk
    weight_map = {name: shard for shard, header in shards.items() for name in header}
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))


def make_word2vec(checkpoint: Path, path: Path) -> None:
    """The same table (bfloat16 widened to float32) as a word2vec binary file, words as vecq shows them."""
    shard = checkpoint / "model-00002-of-00002.safetensors"
    (length,) = struct.unpack("<Q", shard.read_bytes()[:8])
    halves = np.memmap(shard, dtype="<u2", mode="r", offset=8 + length, shape=(ROWS, DIMS))
    with open(path, "wb") as f:
        f.write(f"{ROWS} {DIMS}\n".encode())
        for start in range(0, ROWS, 8192):
            block = (np.asarray(halves[start : start + 8192], dtype=np.uint32) << 16).view(np.float32)
            for i, row in enumerate(block, start):
                word = ("▁" + token(i)[1:]) if i % 2 == 0 else token(i)
                f.write(word.encode() + b" " + row.astype("<f4").tobytes())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("~/.cache/vecq-bench").expanduser())
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    folder, py = bench_folder(args.dir, "tables")
    vecq = [py, "-m", "vecq"]
    checkpoint = folder / "llama-shaped"
    if not checkpoint.exists():
        log("generating the checkpoint")
        make_checkpoint(checkpoint)
    w2v = folder / "llama-shaped.bin"
    if not w2v.exists():
        log("writing the same table as a word2vec file")
        make_word2vec(checkpoint, w2v)
    env = {**os.environ, "VECQ_CACHE_DIR": str(folder / "cache"), "HF_HOME": str(folder / "hf")}

    local = []
    for _ in range(max(1, min(args.runs, 3))):
        shutil.rmtree(folder / "cache", ignore_errors=True)
        local.append(measure([*vecq, "-m", str(checkpoint), "cache", "build"], env))
    log(f"local conversion {statistics.median(t for t, _ in local):.1f}s")

    hub = Hub()
    hub.add("bench/llama-shaped", checkpoint)
    repo_bytes = sum(p.stat().st_size for p in checkpoint.iterdir())
    fetched = []
    with hub:
        env_hub = {**env, "HF_ENDPOINT": hub.url}
        for _ in range(max(1, min(args.runs, 3))):
            shutil.rmtree(folder / "cache", ignore_errors=True)
            shutil.rmtree(folder / "hf", ignore_errors=True)
            hub.reset_counts()
            seconds, memory = measure([*vecq, "-m", "hf:bench/llama-shaped", "cache", "build"], env_hub)
            fetched.append((seconds, memory, hub.sent["bench/llama-shaped"]))
        log(f"hub conversion {statistics.median(f[0] for f in fetched):.1f}s")
        hub.reset_counts()
        answer_hub = repeat([*vecq, "-m", "hf:bench/llama-shaped", "neighbors", "t5"], env_hub, 15)
        asked = len(hub.requests)
    measure([*vecq, "-m", str(w2v), "cache", "build"], env)
    answer_w2v = repeat([*vecq, "-m", str(w2v), "neighbors", "t5"], env, 15)
    table_bytes = ROWS * DIMS * 2
    sent = statistics.median(f[2] for f in fetched)
    DOCS.write_text(
        f"""# Benchmarks: language models' token tables

Written by `python benchmarks/bench_tables.py` on {machine()}, vecq installed from a wheel.
The checkpoint is generated in Llama 3's shape: a {ROWS:,} x {DIMS:,} bfloat16
`model.embed_tokens.weight` ({table_bytes / 2**30:.2f} GiB) in the second of two shards, behind
{OTHER_BYTES / 2**30:.0f} GiB of other tensors, with a byte-level BPE `tokenizer.json` of {ROWS:,} tokens.

| | time | peak memory |
|---|---|---|
| `vecq -m FOLDER cache build` (the local checkpoint: bfloat16 widened exactly, unit rows written) | {statistics.median(t for t, _ in local):.1f} s | {max(m for _, m in local):.0f} MB |
| `vecq -m hf:bench/llama-shaped cache build` (a Hub on 127.0.0.1: header and table by range requests, then the same conversion) | {statistics.median(f[0] for f in fetched):.1f} s | {max(f[1] for f in fetched):.0f} MB |
| `vecq -m hf:bench/llama-shaped neighbors t5` (whole command, cached) | {answer_hub[0]:.3f} s | {answer_hub[1]:.0f} MB |
| `vecq -m llama-shaped.bin neighbors t5`: the same table as a word2vec file (whole command, cached) | {answer_w2v[0]:.3f} s | {answer_w2v[1]:.0f} MB |

Bytes the Hub sent to open the model: {sent / 2**20:,.1f} MiB, of a {repo_bytes / 2**30:.2f} GiB repo
(the table is {table_bytes / 2**20:,.1f} MiB; the rest is the index, the tokenizer and the shard's
header). Requests to the Hub by the 16 cached `neighbors` commands: {asked}.
Times are medians (conversions: of {len(local)} runs from an empty cache; answers: of 15 runs after
a warm-up), memory the largest peak RSS.
"""
    )
    log(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
