"""``vecq train``: word vectors learned from a corpus by gensim, kept epoch by epoch when asked."""

from __future__ import annotations

import os
from dataclasses import replace

import click

from ..errors import counted
from .session import Session


@click.command()
@click.argument("corpus", metavar="CORPUS")
@click.option("-o", "--output", metavar="MODEL", required=True, help="The model file: .bin, .txt or .vec.")
@click.option(
    "--fasttext",
    "algorithm",
    flag_value="fasttext",
    default=None,
    help="Train fastText (words and their character n-grams; written as fastText's .bin).",
)
@click.option("--word2vec", "algorithm", flag_value="word2vec", help="Train word2vec (the default).")
@click.option("--skip-gram", "sg", is_flag=True, help="Predict the context from a word (default: CBOW).")
@click.option("--dimensions", type=click.IntRange(1, 10_000), default=100, show_default=True)
@click.option(
    "--window", type=click.IntRange(1, 1_000), default=5, show_default=True, help="Context words each side."
)
@click.option(
    "--min-count", type=click.IntRange(1), default=5, show_default=True, help="Drop words seen fewer times."
)
@click.option(
    "--epochs", type=click.IntRange(1, 10_000), default=5, show_default=True, help="Passes over the corpus."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="Training threads; with more than one the result varies from run to run.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="The random start (gensim's seed).")
@click.option(
    "--preprocess",
    is_flag=True,
    help="Lowercase and keep words of letters only (gensim's simple_preprocess), instead of splitting "
    "on spaces.",
)
@click.option(
    "--snapshots",
    is_flag=True,
    help="Keep the vectors after the random start and after each epoch, in MODEL.epochs/ "
    "(for plot --epochs and similar --epochs).",
)
@click.pass_obj
def train(
    session: Session,
    corpus: str,
    output: str,
    algorithm: str | None,
    sg: bool,
    dimensions: int,
    window: int,
    min_count: int,
    epochs: int,
    workers: int,
    seed: int,
    preprocess: bool,
    snapshots: bool,
) -> None:
    """Learn word vectors from CORPUS with gensim's Word2Vec (or FastText) and write them to MODEL.

    CORPUS is a text file (one sentence or document a line, .gz and .bz2 read
    through), a folder of them, - for standard input, lee (gensim's own test
    corpus: 300 news stories, installed with gensim) or text8 (gensim-data's
    100 MB of Wikipedia, downloaded).

    The vectors start random and move a little with each epoch; --snapshots
    keeps each step so that `vecq plot ... -m MODEL --epochs` can show the
    words finding their places. The model is converted into the cache at once:
    `vecq -m MODEL neighbors WORD` answers straight away. With --workers 1 and
    a seed, the same command gives the same vectors (gensim's).
    """
    from ..opening import open_with
    from ..sources import training
    from .progress_bars import reporter_for

    settings = training.Settings(
        algorithm=algorithm or "word2vec",
        vector_size=dimensions,
        window=window,
        min_count=min_count,
        epochs=epochs,
        workers=workers,
        seed=seed,
        sg=int(sg),
        preprocess=preprocess,
    )
    reporter = reporter_for(session.env)
    if corpus == "-":
        session.say_when_reading_the_terminal()
    with training.corpus(corpus, preprocess, reporter) as sentences:
        model = training.train(sentences, output, settings, snapshots, reporter)
    if output == "-":
        return
    words = len(model.wv)
    # Converted now, so the first question is fast (quietly: this line says so).
    open_with(replace(session.options(), spec=os.path.abspath(output)))
    if snapshots:
        session.epoch_models(output, quiet=True)
    kept = f", snapshots in {training.snapshots_folder(output)}" if snapshots else ""
    what = f"{counted(words, 'word')} x {dimensions} ({settings.algorithm}, {counted(epochs, 'epoch')})"
    session.warn(f"wrote {output}: {what}, converted into the cache{kept}")
