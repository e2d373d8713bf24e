"""Word vectors trained on a corpus by gensim's ``Word2Vec`` or ``FastText`` (``vecq train``), with
the vectors after initialisation and after each epoch kept as snapshots when asked.

gensim does the training, so a model trained here is the model gensim trains from the same
sentences with the same settings (identical vectors with one worker and a seed: the tests compare).
vecq reads the corpus itself, one line a sentence split on whitespace as gensim's ``LineSentence``
does (long lines cut every 10,000 words, as there), so that a line that is not UTF-8 is one error
naming the file and line rather than an exception inside gensim.

The model is written as word2vec's binary file (``.bin``; ``.txt``/``.vec``: its text file) or, for
FastText, as fastText's own ``.bin`` (with its subwords): formats every word2vec, fastText and gensim
tool opens. Snapshots go into ``MODEL.epochs/`` beside it: ``epoch-000.bin`` (the random start),
``epoch-001.bin`` ... (after each epoch), each a word2vec binary file of the same words in the same
order, and ``snapshots.json`` saying what made them. The folder is written whole beside its place
and renamed into it, so it never holds the epochs of two trainings.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..cache.files import (
    STDOUT,
    output_file,
    reading,
    reading_standard_input,
    refuse_an_input,
    rmtree,
    swap_in,
    sweep_dead,
    temporary_beside,
)
from ..core.compressed import decompression_failure
from ..core.text_lines import utf8_lines
from ..errors import ModelError, UsageError
from ..progress import NULL_REPORTER, Reporter
from . import export

ALGORITHMS = ("word2vec", "fasttext")
# gensim-data's corpora vecq downloads by name: (file size in bytes of the .gz, description).
CORPORA = {"text8": (33182058, "the first 100 MB of English Wikipedia, cleaned (Matt Mahoney)")}
# Corpora installed with gensim (gensim.test.utils.datapath), by a short name: no download.
BUNDLED = {"lee": "lee_background.cor"}  # 300 Australian news stories, 60,000 words
SNAPSHOTS_SUFFIX = ".epochs"
MARKER = "snapshots.json"
MAX_SENTENCE = 10_000  # gensim's MAX_WORDS_IN_BATCH: its Cython routines take no longer sentence


class CorpusError(UsageError):
    """A corpus that cannot be read as text."""


@dataclass(frozen=True)
class Settings:
    """The knobs of a training, by gensim's names where it has one."""

    algorithm: str = "word2vec"
    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    epochs: int = 5
    workers: int = 1
    seed: int = 1
    sg: int = 0  # 1: skip-gram, 0: CBOW (gensim's default)
    preprocess: bool = False  # gensim's simple_preprocess: lowercase, letters only, 2-15 characters

    def gensim_kwargs(self) -> dict[str, Any]:
        return {
            "vector_size": self.vector_size,
            "window": self.window,
            "min_count": self.min_count,
            "epochs": self.epochs,
            "workers": self.workers,
            "seed": self.seed,
            "sg": self.sg,
        }


class Sentences:
    """The sentences of a corpus, read again on each pass: a file (``.gz``/``.bz2`` read through),
    every file of a folder in name order, or a seekable stream (standard input spooled)."""

    def __init__(self, files: list[str], stream: IO[bytes] | None = None, preprocess: bool = False):
        self.files, self.stream, self.preprocess = files, stream, preprocess
        for name in files:
            reading(name, "the corpus")  # never the model's -o

    def __iter__(self) -> Iterator[list[str]]:
        if self.stream is not None:
            self.stream.seek(0)
            yield from self._sentences(self.stream, "standard input")
            return
        from gensim import utils

        for name in self.files:
            with utils.open(name, "rb") as f:
                try:
                    yield from self._sentences(f, name)
                except Exception as e:  # a compressed corpus cut short: its decompressor's error
                    failed = decompression_failure(name, e)
                    if failed is None:
                        raise
                    raise CorpusError(failed.message) from e

    def _sentences(self, lines: IO[bytes], name: str) -> Iterator[list[str]]:
        split = _simple if self.preprocess else str.split
        for n, line in enumerate(utf8_lines(lines, name), 1):  # a UTF-16 corpus read as such
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as e:
                raise CorpusError(
                    f"{name}: line {n} is not UTF-8 (byte {e.start + 1}); convert the corpus to UTF-8 "
                    "(iconv -f LATIN1 -t UTF-8, for one)"
                ) from None
            words = split(text)
            for i in range(0, len(words), MAX_SENTENCE):
                yield words[i : i + MAX_SENTENCE]


def _simple(text: str) -> list[str]:
    from gensim.utils import simple_preprocess

    return simple_preprocess(text)


@contextlib.contextmanager
def corpus(source: str, preprocess: bool, reporter: Reporter = NULL_REPORTER) -> Iterator[Any]:
    """The sentences of ``source``: a text file, a folder of them, ``-`` (standard input, kept in a
    temporary file for the passes training makes), a corpus installed with gensim by its short name
    (``lee``) or a gensim-data corpus by name (``text8``, downloaded)."""
    import sys

    if source == STDOUT:
        with tempfile.TemporaryFile() as spool:
            stdin: IO[bytes] | None = getattr(sys.stdin, "buffer", None)
            if stdin is None:
                raise CorpusError("standard input is closed; give the corpus as a file")
            reading_standard_input()  # train - -o corpus.txt < corpus.txt
            while block := stdin.read(1 << 20):
                spool.write(block)
            yield Sentences([], spool, preprocess)
        return
    path = Path(source)
    if path.is_dir():
        files = sorted(str(p) for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise CorpusError(f"{source} holds no files; give a folder of text files, or a file")
        yield Sentences(files, None, preprocess)
    elif path.exists():
        if not os.access(path, os.R_OK):
            raise CorpusError(f"cannot read {source}: permission denied")
        yield Sentences([source], None, preprocess)
    elif source in BUNDLED:
        from gensim.test.utils import datapath

        yield Sentences([datapath(BUNDLED[source])], None, preprocess)
    elif source in CORPORA:
        from gensim.models.word2vec import Text8Corpus

        from .download import download

        found = download(source, CORPORA[source][0], reporter)
        yield Text8Corpus(found) if not preprocess else Sentences([found], None, True)
    else:
        raise CorpusError(
            f"{source}: no such file or folder, nor a corpus vecq knows ({', '.join([*BUNDLED, *CORPORA])}); "
            "give a text file, a folder, - for standard input, lee (installed with gensim) or text8"
        )


def snapshots_folder(model_path: str | os.PathLike) -> Path:
    """Where the snapshots of the model at ``model_path`` are kept."""
    return Path(os.fspath(model_path) + SNAPSHOTS_SUFFIX)


def snapshot_files(model_path: str | os.PathLike) -> list[tuple[int, Path]]:
    """(epoch, file) of each snapshot of the model at ``model_path``, from the random start; a
    UsageError when it has none."""
    folder = snapshots_folder(model_path)
    marker = folder / MARKER
    if not marker.is_file():
        raise UsageError(
            f"{model_path} has no snapshots ({folder} is missing); train it with "
            "vecq train CORPUS -o MODEL ⟨snapshots⟩"
        )
    try:
        epochs = int(json.loads(marker.read_text(encoding="utf-8"))["epochs"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelError(f"{marker} is damaged ({e}); train the model again with ⟨snapshots⟩") from e
    found = [(e, folder / snapshot_name(e)) for e in range(epochs + 1)]
    missing = [str(p) for _, p in found if not p.is_file()]
    if missing:
        raise ModelError(f"{missing[0]} is missing; train the model again with ⟨snapshots⟩")
    return found


def snapshot_name(epoch: int) -> str:
    return f"epoch-{epoch:03d}.bin"


class _Snapshots:
    """gensim's callback: the vectors after initialisation and each epoch, written into a folder
    that takes its place only once the training is done."""

    def __init__(self, target: Path, settings: Settings):
        self.target, self.settings = target, settings
        sweep_dead(target.parent, f".tmp-{target.name}-")  # a killed training's snapshots (GBs, hidden)
        self.folder = temporary_beside(target)

    def write(self, model: Any, epoch: int) -> None:
        wv = model.wv
        if self.settings.algorithm == "fasttext":
            wv.adjust_vectors()  # a word's vector from its own row and its n-grams', as after training
        words = list(wv.index_to_key)
        vectors = np.asarray(wv.vectors, dtype=np.float32)
        path = str(self.folder / snapshot_name(epoch))
        export.write(path, "word2vec-bin", words, [vectors], vectors.shape[1])

    def finish(self) -> None:
        marker = {"epochs": self.settings.epochs, "settings": asdict(self.settings)}
        (self.folder / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        swap_in(self.folder, self.target)

    def discard(self) -> None:
        rmtree(self.folder, ignore_errors=True)


def train(
    sentences: Any,
    output: str,
    settings: Settings,
    snapshots: bool = False,
    reporter: Reporter = NULL_REPORTER,
) -> Any:
    """Train on ``sentences``, write the model to ``output`` (and its snapshots beside it); the
    gensim model."""
    from gensim.models import FastText, Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    fmt = _writable(output, settings, snapshots)
    kind = FastText if settings.algorithm == "fasttext" else Word2Vec
    model = kind(**settings.gensim_kwargs())
    with reporter.task("reading the corpus", None):
        model.build_vocab(sentences)
    if not model.corpus_total_words:
        raise CorpusError("the corpus holds no words (an empty file, or only blank lines); give it text")
    if len(model.wv) == 0:
        raise CorpusError(
            f"no word occurs {settings.min_count} times in the corpus; "
            "give a lower ⟨min_count=N⟩ or more text"
        )
    kept = _Snapshots(snapshots_folder(output), settings) if snapshots else None
    task = reporter.task(f"training {settings.algorithm}: {len(model.wv):,} words", settings.epochs)

    class Epochs(CallbackAny2Vec):
        done = 0

        def on_epoch_end(self, m: Any) -> None:
            self.done += 1
            task.update(self.done)
            if kept is not None:
                kept.write(m, self.done)

    try:
        if kept is not None:
            kept.write(model, 0)
        with task:
            model.train(
                sentences, total_examples=model.corpus_count, epochs=model.epochs, callbacks=[Epochs()]
            )
        _write_model(model, output, fmt)  # first: a full disk leaves the older model and its snapshots
    except BaseException:
        if kept is not None:
            kept.discard()
        raise
    if kept is not None:
        kept.finish()
    elif output != STDOUT and snapshots_folder(output).is_dir():  # an older training's (checked before)
        stale = snapshots_folder(output)
        if stale.is_symlink():
            stale.unlink()
        else:
            rmtree(stale)
    return model


def _writable(output: str, settings: Settings, snapshots: bool) -> str:
    """How the model goes to ``output``, once what would stop it there is said: before the
    training, never after it."""
    if snapshots and output == STDOUT:
        raise UsageError("⟨snapshots⟩ keeps files beside the model: give -o a file, not -")
    fmt = model_format(output, settings.algorithm)
    if output != STDOUT:
        folder = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(folder):
            raise UsageError(
                f"cannot write {output}: {folder} is not a folder; create it, or choose another -o"
            )
        _refuse_in_the_way(snapshots_folder(output))
        refuse_an_input(output)
    return fmt


def _refuse_in_the_way(folder: Path) -> None:
    """``MODEL.epochs`` is replaced (with --snapshots) or removed (without) by a training: only
    when it holds vecq's snapshots, never a folder or file of someone else's."""
    if (folder.exists() or folder.is_symlink()) and not (folder.is_dir() and (folder / MARKER).is_file()):
        raise UsageError(f"{folder} is in the way and is not vecq's snapshots; move it, or choose another -o")


def model_format(output: str, algorithm: str) -> str:
    """How the model goes to ``output``: fastText's ``.bin`` for FastText (its subwords kept);
    word2vec's binary (``.bin``) or text (``.txt``, ``.vec``, ``-``) otherwise."""
    if algorithm == "fasttext":
        if output == STDOUT or not output.lower().endswith(".bin"):
            raise UsageError(
                "a FastText model is written as fastText's .bin (with its subwords): name -o MODEL.bin"
            )
        return "fasttext-bin"
    suffix = os.path.splitext(output)[1].lower()
    fmt = export.format_for(output) if output == STDOUT or suffix in export.FORMATS else None
    if fmt not in ("word2vec-bin", "word2vec-text"):
        raise UsageError(f"{output}: a trained model is written as .bin (word2vec binary), .txt or .vec")
    return fmt


def _write_model(model: Any, output: str, fmt: str) -> None:
    if fmt == "fasttext-bin":
        from gensim.models.fasttext import save_facebook_model

        with output_file(output) as f:
            save_facebook_model(model, f)
        return
    words = list(model.wv.index_to_key)
    vectors = np.asarray(model.wv.vectors, dtype=np.float32)
    export.write(output, fmt, words, [vectors], vectors.shape[1])
