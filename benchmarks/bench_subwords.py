"""fastText subwords at cc.en.300's shape: converting the model, and answering for an unseen word.

    python benchmarks/bench_subwords.py [--dir ~/.cache/vecq-bench] [--words 2000000] [--buckets 2000000]

Generates, outside the repository, a fastText ``.bin`` in Facebook's format shaped as cc.en.300 (2M
words and 2M n-gram buckets x 300 float32, minn = maxn = 5; the output layer a sparse file, which
gensim's ``load_facebook_vectors`` does not read), then times with vecq installed from a wheel
(bench.py's venv): the conversion (gensim reads the file; vecq writes the words' rows and the n-gram
matrix, the latter straight from gensim's array), and whole ``similar`` commands in fresh processes
with one word outside the vocabulary and with two words inside it. Writes docs/benchmarks-subwords.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import bench_folder, log, machine, measure, repeat  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-subwords.md"
DIMS, MINN, MAXN = 300, 5, 5  # cc.en.300's


def make_model(path: Path, words: int, buckets: int) -> None:
    """Facebook's .bin layout (gensim's _fasttext_bin.py reads it): header, dictionary, input matrix
    (words' rows, then the buckets'), output matrix."""
    rng = np.random.default_rng(0)
    with open(path, "wb") as f:
        f.write(struct.pack("@2i", 793712314, 12))  # magic, version
        # dim ws epoch min_count neg word_ngrams loss model bucket minn maxn lr_update_rate t
        f.write(struct.pack("@12i", DIMS, 5, 5, 5, 10, 1, 1, 2, buckets, MINN, MAXN, 100))
        f.write(struct.pack("@d", 1e-4))
        f.write(struct.pack("@3i", words, words, 0))  # size, words, labels
        f.write(struct.pack("@q", words * 10) + struct.pack("@q", -1))  # tokens, no pruning index
        for i in range(words):
            f.write(f"w{i}".encode() + b"\0" + struct.pack("@qb", words - i, 0))
        f.write(struct.pack("@?", False))  # not quantised
        f.write(struct.pack("@2q", words + buckets, DIMS))
        for start in range(0, words + buckets, 65536):
            n = min(65536, words + buckets - start)
            f.write((rng.standard_normal((n, DIMS), dtype=np.float32) * 0.1).tobytes())
        f.write(struct.pack("@?", False))
        f.write(struct.pack("@2q", words, DIMS))
        f.truncate(f.tell() + words * DIMS * 4)  # the output layer: sparse, never read


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("~/.cache/vecq-bench").expanduser())
    ap.add_argument("--words", type=int, default=2_000_000)
    ap.add_argument("--buckets", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    folder, py = bench_folder(args.dir, "subwords")
    vecq = [py, "-m", "vecq"]
    model = folder / f"cc-shaped-{args.words // 1000}k-{args.buckets // 1000}k.bin"
    if not model.exists():
        log(f"generating {model.name}")
        make_model(model, args.words, args.buckets)
    env = {**os.environ, "VECQ_CACHE_DIR": str(folder / "cache"), "VECQ_MODEL": str(model)}
    shutil.rmtree(folder / "cache", ignore_errors=True)
    conversion = measure([*vecq, "cache", "build"], env)
    log(f"conversion {conversion[0]:.1f}s {conversion[1]:.0f}MB")
    gensim = measure(
        [py, "-c", f"from gensim.models.fasttext import load_facebook_vectors as l; l({str(model)!r})"], env
    )
    log(f"gensim load {gensim[0]:.1f}s {gensim[1]:.0f}MB")
    unseen = repeat([*vecq, "similar", "unseenword", "w5"], env, args.runs)
    seen = repeat([*vecq, "similar", "w7", "w5"], env, args.runs)
    neighbors = repeat([*vecq, "neighbors", "unseenword"], env, max(5, args.runs // 3))
    floor = repeat([py, "-c", "pass"], env, args.runs)
    cache_bytes = sum(p.stat().st_size for p in (folder / "cache").rglob("*") if p.is_file())
    DOCS.write_text(
        f"""# Benchmarks: fastText subwords

Written by `python benchmarks/bench_subwords.py` on {machine()}, vecq installed from a wheel.
The model is generated in cc.en.300's shape: a fastText `.bin` of {args.words:,} words and
{args.buckets:,} n-gram buckets x {DIMS} float32 (minn = maxn = {MINN}), {model.stat().st_size / 2**30:.1f} GiB.

| | time | peak memory |
|---|---|---|
| `vecq cache build` (gensim's `load_facebook_vectors`, then the words' unit rows and the n-gram matrix written) | {conversion[0]:.1f} s | {conversion[1]:,.0f} MB |
| gensim's `load_facebook_vectors` alone, for comparison | {gensim[0]:.1f} s | {gensim[1]:,.0f} MB |
| `vecq similar unseenword w5` (one word outside the vocabulary, built from its n-grams; whole command) | **{unseen[0]:.3f} s** | {unseen[1]:.0f} MB |
| `vecq similar w7 w5` (both words in the vocabulary; whole command) | {seen[0]:.3f} s | {seen[1]:.0f} MB |
| `vecq neighbors unseenword` (an exact scan of the {args.words:,} rows; whole command) | {neighbors[0]:.3f} s | {neighbors[1]:.0f} MB |
| `python -c pass`, the floor under every command | {floor[0]:.3f} s | |

The cache holds {cache_bytes / 2**30:.2f} GiB. The conversion's peak is gensim's: it holds the
whole input matrix (words and buckets) and computes the words' vectors from it; vecq writes the
n-gram matrix from gensim's own array (`np.save` of it, no copy), so its peak is gensim's load plus
the vocabulary. `similar` with an unseen word hashes its n-grams and reads their rows from the
cache with the standard library (no numpy), as `similar` does for words in the vocabulary.
Times are medians of {args.runs} runs after a warm-up ({max(5, args.runs // 3)} for `neighbors`);
the conversion is one run from an empty cache.
"""
    )
    log(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
