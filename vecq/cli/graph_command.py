"""``vecq graph``: the k nearest neighbours of every word (a k-NN graph), resumable.

The job is cut into blocks of queries. Each finished block is written to ``OUT.parts/`` (a temporary
name, then a rename: a block file exists whole or not at all) beside a manifest of what the job is
(model, words, k, block size, search). Started again with the same command after a kill, the job
answers only the blocks that are missing, then writes the output from the blocks in order: the same
bytes as an uninterrupted run, nothing lost, nothing twice. The parts are removed once the output is
complete. A block's answers do not depend on the block size or the threads (``core/graph.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

import click

from .. import jsondata
from ..cache.files import STDOUT, claimed, output_file, refuse_an_input
from ..cache.layout import content_key
from ..errors import OutputError, UsageError, counted, first_few
from ..sources.word_list import check_listable, write_words
from .env import Env
from .options import approx_option, dask_option, session_options, top_option
from .render import Renderer
from .session import Session

OUTPUTS = (".tsv", ".jsonl", ".parquet", ".npy")
JOB_VERSION = 3
GRAPH_COLUMNS = ("word", "neighbour", "rank", "score")
STDOUT_PARTS = "graph-stdout"  # -o -: the parts folder, graph-stdout.parts, in the current folder


@click.command()
@click.option("-o", "--output", metavar="FILE", required=True, help="FILE.tsv, .jsonl, .parquet or .npy.")
@top_option(10, high=1000, help="Neighbours per word.", aliases=("-k",))
@click.option("--first", type=click.IntRange(min=1), default=None, help="The model's first N words only.")
@click.option("--words", "words_file", metavar="FILE", default=None, help="These words only, one a line.")
@click.option(
    "--block",
    "block_rows",
    type=click.IntRange(min=1),
    default=2048,
    show_default=True,
    help="Words per block: how often the job saves its progress (the output does not depend on it).",
)
@approx_option
@dask_option
@session_options
def graph(session: Session, output, top, first, words_file, block_rows) -> None:
    """The k nearest neighbours of every word of the model (or of its first N words, or of a word
    list): edges word, neighbour, rank, score. Killed and started again with the same command, it
    goes on where it was. With --dask the blocks run on a Dask cluster's workers: the same output."""
    import numpy as np

    from ..core.graph import neighbours_block

    k = top
    out = _output_path(output)
    model, chosen, words = session.chosen_words(first, words_file)
    _check_outputs(out, output, words)
    rows = np.array(chosen, dtype=np.int64)
    parts = out.with_name((STDOUT_PARTS if output == STDOUT else out.name) + ".parts")
    job = {
        "version": JOB_VERSION,
        "model": model.info.name,
        "shape": [len(model), model.dims],
        "cache": content_key(model.folder) if model.folder else None,  # the same model's blocks only
        "rows": len(rows),
        "rows_crc32": zlib.crc32(rows.tobytes()),
        "k": k,
        "block": block_rows,
        "approx": model.index is not None,
        "nprobe": model.index.nprobe if model.index is not None else None,
    }
    blocks = range(0, len(rows), block_rows)
    from .progress_bars import reporter_for

    with contextlib.ExitStack() as stack:
        stack.enter_context(_running(parts, output))
        done = _start(parts, job, session)
        todo = [s for s in blocks if s not in done]
        workers = _workers(session, model, len(todo), stack)
        if workers is not None:
            answered = workers.blocks(rows, todo, block_rows, k)
        else:
            answered = ((s, neighbours_block(model, rows[s : s + block_rows], k)) for s in todo)
        task = stack.enter_context(reporter_for(session.env).task(f"graph of {len(rows):,} words", len(rows)))
        finished = len(rows) - sum(min(block_rows, len(rows) - s) for s in todo)
        task.update(finished)
        try:
            for start, (ids, scores) in answered:
                _save_block(parts, start, ids, scores)
                finished += len(ids)
                task.update(finished)
        except KeyboardInterrupt:
            session.warn(
                f"stopped: {finished:,} of {len(rows):,} words are saved in {parts}; "
                "run the same command again to go on from there"
            )
            raise
        _assemble_and_clean(out, parts, model, words, blocks, k, to_stdout=output == STDOUT)
    where = "standard output" if output == STDOUT else out
    of = f"{len(rows):,} word" + ("" if len(rows) == 1 else "s")
    if len(model) > k:
        session.warn(f"wrote the {k} nearest neighbours of {of} to {where}")
    else:  # each word's list holds every other word, padded (ids -1) to k
        session.warn(f"wrote the neighbours of {of} to {where}: the model has only {len(model):,} (-k {k})")
    _say_zero_rows(session, model, rows, words)


def _say_zero_rows(session: Session, model, rows, words: list[str]) -> None:
    """Names the words whose vectors are all zeros: no direction, so no neighbours (no edges in a
    file of edges, ids -1 in a matrix), and no word's neighbour."""
    import numpy as np

    zero = np.flatnonzero(np.isin(rows, model.zero_rows))
    if zero.size:
        names = first_few([repr(words[i]) for i in zero.tolist()], 5)
        session.warn(
            f"{counted(zero.size, 'word')} ({names}) {'has' if zero.size == 1 else 'have'} a vector of all "
            "zeros, which has no direction: left out of the graph, as a word and as a neighbour"
        )


def _check_outputs(out: Path, output: str, words: list[str]) -> None:
    """What would fail in writing the graph, said before the job rather than after it: a word a
    words file cannot hold, an output that is a file the command reads (the model's words)."""
    if out.name.endswith(".npy"):
        check_listable(words)
        written = list(_npy_outputs(out))
    else:
        written = [out]
    for path in written if output != STDOUT else []:
        refuse_an_input(path)


def _npy_outputs(out: Path) -> tuple[Path, Path, Path]:
    """The files ``-o NAME.npy`` writes: ``NAME.words.txt``, ``NAME.scores.npy``, ``NAME.ids.npy``."""
    stem = out.name[: -len(".npy")]
    return (
        out.with_name(f"{stem}.words.txt"),
        out.with_name(f"{stem}.scores.npy"),
        out.with_name(f"{stem}.ids.npy"),
    )


def _output_path(output: str) -> Path:
    """The output file ``-o`` names: its suffix says its format (``-``: TSV on standard output)."""
    if output != STDOUT and not Path(output).name.endswith(OUTPUTS):
        raise UsageError(f"{output}: name the output .tsv, .jsonl, .parquet or .npy, or '-' (TSV)")
    return Path(output)


def _assemble_and_clean(out, parts, model, words, blocks, k: int, to_stdout: bool) -> None:
    """The graph from its parts; the parts go once assembled, or when standard output's reader
    went away (| head): nothing is left behind."""
    import shutil

    try:
        _assemble(out, parts, model, words, blocks, k)
    except BrokenPipeError:
        if to_stdout:
            shutil.rmtree(parts, ignore_errors=True)
        raise
    shutil.rmtree(parts, ignore_errors=True)


def _workers(session: Session, model, blocks: int, stack: contextlib.ExitStack):
    """Who answers the blocks: the Dask cluster of --dask; else worker processes, one a core (for a
    job of several blocks of a model with a cache they can open); else this process."""
    from . import cluster, workers

    if session.dask:
        return stack.enter_context(cluster.connect(session.dask, session.options(), model))
    processes = min(os.cpu_count() or 1, blocks)
    if processes > 1 and model.folder is not None:
        job = workers.model_job(session.options(), model)
        return stack.enter_context(workers.LocalWorkers(job, processes))
    return None


@contextlib.contextmanager
def _running(parts: Path, output: str) -> Iterator[None]:
    """This job's claim on its parts folder, held until the output is written: a second run of
    it (another terminal, a retry while the first still runs) is refused at once, never waited
    for; it would answer the same blocks again and fail when the first removed the folder."""
    if _foreign(parts):  # removed once the output is written: never a folder of someone else's
        raise UsageError(
            f"{parts} is in the way and is not a graph job's blocks; move it, or choose another -o"
        )
    held = contextlib.ExitStack()
    try:
        parts.mkdir(parents=True, exist_ok=True)
        mine = held.enter_context(claimed(parts / "job.lock"))
    except OSError as e:
        raise OutputError(f"cannot write {parts}: {e.strerror or e}") from e
    with held:
        if not mine:
            raise OutputError(
                f"another vecq is writing the graph to {output} (its blocks are in {parts}); wait "
                "for it to finish, or stop it and run this command again to go on from its blocks"
            )
        yield


def _foreign(parts: Path) -> bool:
    """Is ``parts`` something other than a graph job's folder (a link, a file, a folder holding
    anything but the job's description, lock and blocks)?"""
    import re

    if parts.is_symlink() or (parts.exists() and not parts.is_dir()):
        return True
    ours = re.compile(r"(job\.json(\.tmp)?|job\.lock|(block|tmp)-\d{12}\.npz)")
    return parts.is_dir() and any(not ours.fullmatch(p.name) for p in parts.iterdir())


def _start(parts: Path, job: dict, session: Session) -> set[int]:
    """The blocks already done by an earlier run of the same job (none for a new job)."""
    manifest = parts / "job.json"
    if manifest.exists():
        try:
            earlier = jsondata.load(str(manifest), "job description", error=UsageError)
        except UsageError:
            earlier = None  # unreadable: another job's, as far as this one can tell
        if earlier != job:
            raise UsageError(
                f"{parts} holds an unfinished job with other settings (model, words, -k, --block, "
                "--approx or --nprobe); run it with the same ones to finish it, or remove that folder"
            )
        done = {int(p.name.split("-")[1].split(".")[0]) for p in parts.glob("block-*.npz")}
        session.warn(f"going on with an unfinished job: {counted(len(done), 'block')} already done")
        return done
    parts.mkdir(parents=True, exist_ok=True)
    tmp = parts / "job.json.tmp"
    tmp.write_text(json.dumps(job))
    os.replace(tmp, manifest)
    return set()


def _save_block(parts: Path, start: int, ids, scores) -> None:
    import numpy as np

    tmp = parts / f"tmp-{start:012d}.npz"
    with open(tmp, "wb") as f:
        np.savez(f, ids=ids, scores=scores)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, parts / f"block-{start:012d}.npz")


def _blocks(parts: Path, blocks):
    import numpy as np

    for start in blocks:
        with np.load(parts / f"block-{start:012d}.npz", allow_pickle=False) as data:
            yield start, data["ids"], data["scores"]


def _assemble(out: Path, parts: Path, model, words: list[str], blocks, k: int) -> None:
    """The output from the blocks, in order (``words``: each query's word, in block order), written
    by the rule for every file a user names (``cache.files.output_file``: ``-`` is standard output)."""
    import numpy as np

    vocab = model.vocab
    if out.name.endswith(".npy"):
        loaded = list(_blocks(parts, blocks))  # each block read once
        ids = np.concatenate([b[1] for b in loaded]) if loaded else np.zeros((0, k), np.int64)
        scores = np.concatenate([b[2] for b in loaded]) if loaded else np.zeros((0, k), np.float32)
        words_file, scores_file, ids_file = _npy_outputs(out)
        with contextlib.ExitStack() as files:  # the three change together: all written, then renamed
            write_words(files.enter_context(output_file(words_file, text=True)), words)
            for path, array in ((scores_file, scores), (ids_file, ids)):
                np.save(files.enter_context(output_file(path)), array, allow_pickle=False)
        return
    if out.name.endswith(".parquet"):
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as e:
            raise UsageError("writing Parquet needs pyarrow: pip install pyarrow (or write .tsv)") from e
        schema = pa.schema(
            [("word", pa.string()), ("neighbour", pa.string()), ("rank", pa.int64()), ("score", pa.float32())]
        )
        with output_file(out) as f, pq.ParquetWriter(f, schema) as writer:  # a row group a block
            for start, ids, scores in _blocks(parts, blocks):
                found = ids >= 0
                at = np.nonzero(found)
                columns = [
                    pa.array(np.array(words[start : start + len(ids)], dtype=object)[at[0]], pa.string()),
                    pa.array(vocab.words(ids[found].tolist()), pa.string()),
                    pa.array(at[1] + 1, pa.int64()),
                    pa.array(scores[found], pa.float32()),
                ]
                writer.write_table(pa.Table.from_arrays(columns, schema=schema))
        return
    # TSV and JSON lines as every command writes them (the renderer's escaping and number forms).
    fmt = "jsonl" if out.name.endswith(".jsonl") else "tsv"
    with output_file(out, text=True) as f, Renderer(Env(stdout=f), fmt, GRAPH_COLUMNS) as renderer:
        for start, ids, scores in _blocks(parts, blocks):
            renderer.write(
                {"word": words[start + i], "neighbour": vocab.word(n), "rank": rank, "score": s}
                for i, (line_ids, line_scores) in enumerate(zip(ids.tolist(), scores.tolist()))
                for rank, (n, s) in enumerate(zip(line_ids, line_scores), 1)
                if n >= 0
            )
