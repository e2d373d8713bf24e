"""t-SNE and UMAP beside PCA: scikit-learn's TSNE and umap-learn's UMAP are the oracles (the same
rows, parameters and seed give the same points), in the engine, the CLI and the server; a missing
library is one line."""

from __future__ import annotations

import sys

import numpy as np

from tests.conftest import M, invoke
from vecq.cli.env import Env

WORDS = ["cat", "kitten", "dog", "puppy", "car", "truck"]


def oracle(model, words: list[str]) -> np.ndarray:
    """scikit-learn's t-SNE of the words' unit rows as the cache holds them (t-SNE is chaotic: rows
    that differ in the last bit, as gensim's own normalisation may, can give another picture)."""
    from sklearn.manifold import TSNE

    rows = np.asarray(model.gather([model.vocab.index(w) for w in words]), dtype=np.float64)
    perplexity = max(1.0, min(30.0, (len(words) - 1) / 3))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=0).fit_transform(rows)


def test_the_engines_tsne_is_scikit_learns(glove, kv):
    from vecq.core.projection import points
    from vecq.core.words import find_word

    placed = points(glove, [find_word(glove.vocab, w) for w in WORDS], 0, "tsne")
    assert placed.projection == "tsne" and placed.labels == WORDS
    assert np.allclose(placed.xy, oracle(glove, WORDS), atol=1e-4)


def test_the_server_places_by_tsne_when_asked(glove, kv):
    from starlette.testclient import TestClient

    from vecq.serve.app import make_app

    with TestClient(make_app({"glove": glove}, port=80, host="testserver")) as client:
        query = "&".join(f"words={w}" for w in WORDS)
        answer = client.get(f"/api/plot?{query}&projection=tsne")
        assert answer.status_code == 200, answer.text
        xy = np.array([[p["x"], p["y"]] for p in answer.json()])
        assert np.allclose(xy, oracle(glove, WORDS), atol=1e-4)
        bad = client.get(f"/api/plot?{query}&projection=mds")
        assert bad.status_code == 400 and "projection" in bad.json()["error"]


def test_the_cli_draws_tsne_and_says_what_it_is(glove, tmp_path):
    svg = tmp_path / "t.svg"
    assert invoke([*M, "plot", *WORDS, "--projection", "tsne", "-o", str(svg)]).exit_code == 0
    text = svg.read_text()
    assert "t-SNE" in text and "PC 1" not in text and "the axes" in text
    shown = invoke([*M, "plot", *WORDS, "--projection", "tsne"], obj=Env(stdout_isatty=True))
    assert shown.exit_code == 0 and "t-SNE" in shown.stdout
    refused = invoke(["-m", "x.bin", "plot", "a", "b", "--epochs", "--projection", "tsne", "-o", "x.gif"])
    assert refused.exit_code == 2 and "principal axes" in refused.stderr


def test_without_scikit_learn_tsne_is_one_line(glove, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.manifold", None)
    result = invoke([*M, "plot", *WORDS, "--projection", "tsne", "-o", "-"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "vecq: error: t-SNE needs scikit-learn: pip install 'vecq[projections]'"
    ]
    assert invoke([*M, "plot", *WORDS, "-o", "-"]).exit_code == 0  # PCA needs nothing more


def umap_oracle(model, words: list[str]) -> np.ndarray:
    """umap-learn's UMAP of the words' unit rows: cosine, 15 neighbours (fewer for a few words),
    spectral start, seed 0 (one thread: a seeded UMAP is reproducible)."""
    import warnings

    from umap import UMAP

    rows = np.asarray(model.gather([model.vocab.index(w) for w in words]), dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reducer = UMAP(n_neighbors=min(15, len(words) - 1), metric="cosine", init="spectral", random_state=0)
        return reducer.fit_transform(rows)


def test_umap_is_umap_learns_in_the_engine_the_cli_and_the_server(glove, tmp_path):
    from starlette.testclient import TestClient

    from vecq.core.projection import points
    from vecq.core.words import find_word
    from vecq.serve.app import make_app

    words = WORDS + ["bus", "train", "horse", "cow", "paris", "london"]
    expected = umap_oracle(glove, words)
    placed = points(glove, [find_word(glove.vocab, w) for w in words], 0, "umap")
    assert placed.projection == "umap" and placed.labels == words
    assert np.allclose(placed.xy, expected, atol=1e-4)
    with TestClient(make_app({"glove": glove}, port=80, host="testserver")) as client:
        answer = client.get("/api/plot?" + "&".join(f"words={w}" for w in words) + "&projection=umap")
        assert answer.status_code == 200, answer.text
        assert np.allclose([[p["x"], p["y"]] for p in answer.json()], expected, atol=1e-4)
    svg = tmp_path / "u.svg"
    drawn = invoke([*M, "plot", *words, "--method", "umap", "-o", str(svg)])
    assert drawn.exit_code == 0, drawn.stderr
    text = svg.read_text()
    assert "UMAP" in text and "11 neighbours by cosine, seed 0" in text and "PC 1" not in text
    few = invoke([*M, "plot", "cat", "dog", "--method", "umap", "-o", "-"])
    assert few.exit_code == 3 and "three words or more" in few.stderr


def test_without_umap_learn_umap_is_one_line(glove, monkeypatch):
    monkeypatch.setitem(sys.modules, "umap", None)
    result = invoke([*M, "plot", *WORDS, "--projection", "umap", "-o", "-"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "vecq: error: UMAP needs umap-learn: pip install 'vecq[projections]'"
    ]


SAME_DIRECTION = (
    "vecq: error: a_word and {} have the same direction: nothing to place apart; "
    "give words that differ (or --top K, their neighbours)\n"
)


def test_points_that_are_one_point_are_refused_before_any_projection(kv, tmp_path, session_cache):
    """Two words of one direction (a copy, or its double): scikit-learn's t-SNE of identical rows
    crashed the process with a segfault, so one request (``/api/plot?words=a&words=b&
    projection=tsne``) stopped the server; PCA stacked them at the origin. A double written in
    decimals differs in its last digits: the same direction still. Refused in one line everywhere;
    each case runs in its own interpreter, so that a crash fails the test, not the run. A word
    asked for twice is one point."""
    import os
    import subprocess

    from tests.conftest import write_text_model

    words = [*kv.index_to_key[:300], "a_word", "its_copy", "its_double"]
    vectors = np.vstack([kv.vectors[:300], kv["cat"], kv["cat"], 2 * kv["cat"]])
    model = str(write_text_model(tmp_path / "doubles.txt", words, vectors))
    env = {**os.environ, "VECQ_CACHE_DIR": str(session_cache)}
    vecq = [sys.executable, "-m", "vecq", "-m", model]
    subprocess.run([*vecq, "cache", "build"], env=env, check=True, capture_output=True)
    for other in ("its_copy", "its_double"):
        for projection in ("pca", "tsne"):
            image = str(tmp_path / "x.png")
            args = [*vecq, "plot", "a_word", other, "--projection", projection, "-o", image]
            result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
            assert result.returncode == 3, (other, projection, result.returncode, result.stderr)
            assert result.stderr == SAME_DIRECTION.format(other)
    server = (
        "from starlette.testclient import TestClient\n"
        "from vecq.serve.app import make_app\n"
        "from vecq.sources.loader import open_model\n"
        f"model = open_model({model!r})\n"
        "with TestClient(make_app({'m': model}, port=80, host='testserver')) as client:\n"
        "    bad = client.get('/api/plot?words=a_word&words=its_copy&projection=tsne')\n"
        "    good = client.get('/api/plot?words=a_word&words=the&projection=tsne')\n"
        "    print(bad.status_code, bad.json()['error'], good.status_code)\n"
    )
    served = subprocess.run(
        [sys.executable, "-c", server], env=env, capture_output=True, text=True, timeout=120
    )
    assert served.returncode == 0, (served.returncode, served.stderr[-500:])
    assert served.stdout.startswith("400 a_word and its_copy have the same direction")
    assert served.stdout.endswith(" 200\n")
    twice = invoke(["-m", model, "plot", "the", "the", "-o", str(tmp_path / "y.png")])
    assert twice.exit_code == 3 and "give at least two different words" in twice.stderr


def test_a_word_a_projection_gives_no_place_is_not_left_out_of_the_picture(kv, tmp_path):
    """UMAP of three words, two of one direction and the third their opposite, gives the third
    NaN coordinates: the picture showed two of the three words without a word of it. Refused."""
    from tests.conftest import write_text_model

    words = [*kv.index_to_key[:300], "a_word", "its_copy", "its_opposite"]
    vectors = np.vstack([kv.vectors[:300], kv["cat"], kv["cat"], -kv["cat"]])
    model = str(write_text_model(tmp_path / "opposites.txt", words, vectors))
    args = ["-m", model, "plot", "a_word", "its_copy", "its_opposite", "--projection", "umap"]
    result = invoke([*args, "-o", str(tmp_path / "u.png")])
    assert result.exit_code == 3, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "vecq: error: UMAP gave no place to its_opposite (a few words, some of one direction): give "
        "more words (or --top K), or --projection pca"
    )
    assert not (tmp_path / "u.png").exists()


def test_tsne_of_one_dimension_starts_at_random_and_says_so():
    """A PCA start needs two dimensions (t-SNE of a one-dimensional model was a defect of
    vecq's); the caption names the start the picture had."""
    from vecq.cli.plot import caption
    from vecq.core.model import Model
    from vecq.core.projection import points
    from vecq.core.words import find_word

    raw = np.array([[1.0], [-2.0], [0.5], [3.0], [-1.0]], dtype=np.float32)
    model = Model.from_arrays(["a", "b", "c", "d", "e"], raw)
    placed = points(model, [find_word(model.vocab, w) for w in ("a", "b", "c")], 0, "tsne")
    assert placed.dims == 1 and np.isfinite(placed.xy).all()
    assert "random start" in caption(placed)
