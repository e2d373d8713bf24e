"""The Session: one run's options, and what the commands do with them (open the model, look words
up, print answers, stream a batch). The options themselves are in ``options.py``, the error edge in
``group.py``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, cast

import click

from ..cache import files
from ..cache.layout import companions, index_dir
from ..core.words import Match, respellings
from ..errors import (
    ExitCode,
    QueryError,
    UnknownWordError,
    UsageError,
    counted,
    first_few,
    in_flags,
    one_line,
    shorten,
)
from ..opening import ModelOptions
from ..records import Similarity
from .env import Env
from .render import Output, Renderer

if TYPE_CHECKING:  # queries and batch bring numpy: a two-word 'similar' never needs them
    from ..core.model import Model
    from ..core.queries import Query


BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


class RepeatedNotes:
    """--verbose's notes: a note the same as the one before it is counted, not said again (a graph,
    a batch or CSLS's table says one for each block of queries), and the count is said when
    another note comes, or when the command ends (``flush``)."""

    def __init__(self, say: Callable[[str], None]):
        self.say, self.last, self.repeats = say, "", 0

    def __call__(self, message: str) -> None:
        if message == self.last:
            self.repeats += 1
            return
        self.flush()
        self.last = message
        self.say(message)

    def flush(self) -> None:
        """Say how many times the last note came again, and forget it (an answer is complete)."""
        if self.repeats:
            self.say(f"(the same for {self.repeats:,} more)")
        self.last, self.repeats = "", 0


@dataclass
class Session:
    """The options every command shares, and the objects built from them."""

    env: Env
    model_spec: str | None = None
    trust: bool = False
    limit: int | None = None
    fmt: str | None = None
    header: bool = True
    approx: bool = False
    nprobe: int | None = None  # --approx: lists probed per query (default: the index's own)
    subwords: bool = True  # build fastText vectors for words outside the vocabulary
    pool: str | None = None  # "mean": a language model's word of several tokens is their mean
    models: tuple[str, ...] = ()  # -m given several times: each model answers in turn
    dask: str | None = None  # a Dask scheduler's address: batches and graphs run on its workers
    verbose: bool = False  # --verbose: how each search went (the int8 copy or the float32 scan)
    # Several models answering into one output (pipes): the one renderer they share, and the
    # standard input read once for all of them.
    shared: dict | None = None
    notes: RepeatedNotes = field(init=False)  # --verbose's notes (the repl flushes them after each answer)
    # The last word list read (``listed_words``): where it came from, and each word's first line, so
    # an unknown word of it is named with its line.
    listed: tuple[str, dict[str, int]] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.notes = RepeatedNotes(self.warn)

    def open_input(self, source: str, option: str = "--input") -> contextlib.AbstractContextManager[BinaryIO]:
        """``open_input``, or, when several models answer, the standard input read once for all."""
        if source == "-":
            self.say_when_reading_the_terminal()
        if source == "-" and self.shared is not None:
            if "stdin" not in self.shared:
                with open_input("-", option) as stream:
                    self.shared["stdin"] = stream.read()
            import io

            return contextlib.nullcontext(io.BytesIO(self.shared["stdin"]))
        return open_input(source, option)

    def warn(self, message: str) -> None:
        """One note on stderr (lost, not fatal, when stderr is closed: the answer still goes out)."""
        with contextlib.suppress(OSError, ValueError):
            self.env.stderr.write(f"vecq: {one_line(message)}\n")
            self.env.stderr.flush()

    def say_when_reading_the_terminal(self) -> None:
        """'-' typed at a prompt: without a word the command would seem to hang."""
        if self.env.stdin_isatty and self.env.stderr_isatty:
            self.warn_of_input("reading standard input, one a line, from the terminal: Ctrl-D ends it")

    def warn_failed(self, failed: int, status: str) -> None:
        """Says how many input lines failed, and the status their records carry."""
        carry = "its record carries" if failed == 1 else "their records carry"
        self.warn(f"{counted(failed, 'line')} failed; {carry} status '{status}'")

    def warn_of_input(self, message: str) -> None:
        """``warn`` of the input, once for all the models of ``-m A -m B`` (they read one input)."""
        said = self.shared.setdefault("said of the input", set()) if self.shared is not None else set()
        if message not in said:
            said.add(message)
            self.warn(message)

    def options(self) -> ModelOptions:
        """The model options of this run, as the one value every opener takes."""
        return ModelOptions(
            self.model_spec, self.trust, self.limit, self.subwords, self.pool, self.approx, self.nprobe
        )

    def open(self, spec: str | None = None, *, root: str | None = None) -> Model:
        """The model of ``spec`` (a command's own MODEL argument) or of the --model option; ``root``:
        the cache folder (default VECQ_CACHE_DIR's)."""
        from ..opening import open_with
        from .progress_bars import reporter_for

        if spec:
            self.model_spec = spec
        model = open_with(self.options(), reporter=reporter_for(self.env), warn=self.warn, root=root)
        if model.info.source and os.path.exists(model.info.source):
            files.reading(model.info.source, "the model", companions)  # never an -o of this command
        if self.verbose:
            model.note = self.notes
            with contextlib.suppress(RuntimeError):  # outside a command (a test's session): unflushed
                click.get_current_context().call_on_close(self.notes.flush)
        return model

    def epoch_models(self, trained: str | None = None, quiet: bool = False) -> list[tuple[int, Model]]:
        """(epoch, model) of each snapshot of the model ``vecq train --snapshots`` wrote (``trained``,
        or the --model), from the random start (0) on; ``quiet``: their first conversion into the
        cache is not noted."""
        from dataclasses import replace

        from ..opening import open_with
        from ..sources.training import snapshot_files
        from .progress_bars import reporter_for

        trained = trained or self.model_spec
        if not trained or not os.path.isfile(trained):
            raise UsageError("--epochs needs -m MODEL, a file written by vecq train --snapshots")
        warn = (lambda _: None) if quiet else self.warn
        reporter = reporter_for(self.env)
        snapshots = snapshot_files(trained)
        for _, path in snapshots:
            files.reading(path, "a snapshot of the model")
        return [
            (epoch, open_with(replace(self.options(), spec=str(path)), reporter=reporter, warn=warn))
            for epoch, path in snapshots
        ]

    def single_blas_thread_for_one_approx_answer(self) -> None:
        """Call before numpy loads when this process answers one query: with --approx and an index,
        numpy's OpenBLAS starts with one thread.

        OpenBLAS's worker threads spin while numpy imports (a tenth of a second of the second
        core) and a query that scores a few lists has no work for them. Exact search and batches
        keep them: one thread makes an exact neighbours query on 3M rows 40% slower. A thread count
        the user set (OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS, OMP_NUM_THREADS) is left alone.
        """
        if not self.approx or "numpy" in sys.modules or any(v in os.environ for v in BLAS_THREAD_VARS):
            return
        from ..sources.loader import ready

        found = ready(self.model_spec, limit=self.limit)
        if found is not None and found.limit is None and os.path.isdir(index_dir(found.folder)):
            os.environ["OPENBLAS_NUM_THREADS"] = "1"

    def answered_exactly(self, because: str) -> None:
        """Say that --approx does not apply to this question, and why (it is answered exactly)."""
        if self.approx:
            self.warn(
                f"--approx with {because} is answered exactly (the index's lists hold too few of those rows)"
            )

    def lookup(self, model: Model, words: Sequence[str]) -> list[Match]:
        """The rows of ``words``, each respelling noted on stderr; every unknown word in one error."""
        from ..core.queries import find_words, first_error

        found = find_words(model, words)
        error = first_error(found)
        if isinstance(error, UnknownWordError) and self.listed is not None:
            where, lines = self.listed
            numbers = [lines[w] for w, _ in error.unknown if w in lines]
            if numbers:
                at = first_few([f"{n:,}" for n in numbers], 5)
                error.message = f"{where}, {'line' if len(numbers) == 1 else 'lines'} {at}: {error.message}"
        if error is not None:
            raise error
        matches = [m for m in found if isinstance(m, Match)]  # all of them: no error among them
        self.note_respellings(matches)
        return matches

    def expression(self, model: Model, text: str) -> list:
        """The terms of a word or an expression typed as one argument (``king - man + woman``), each
        word found as ``lookup`` finds it."""
        from ..core.expression import Term, parse_expression

        parsed = parse_expression(text, known=model.vocab.__contains__)
        return [Term(w, m) for (w, _), m in zip(parsed, self.lookup(model, [t for _, t in parsed]))]

    def print_neighbours(
        self,
        records: list[dict],
        title: str,
        model: Model,
        extra: tuple[str, ...] = (),
        restrict: int | None = None,
        threshold: float | None = None,
    ) -> None:
        """One query's neighbour records (``extra``: columns after the similarity): on a terminal
        the query is the title, not a column repeated on every row (as ``print_answers``). No
        record is said on stderr, with why (``restrict``, ``threshold``: the search's limits)."""
        from ..core.queries import NeighborsQuery

        if not records:
            why = NeighborsQuery(restrict=restrict, threshold=threshold).why_no_answer()
            self.warn(f"no answer: {in_flags(why)}")
        columns: tuple[str, ...] = ("query", "rank", "word", "similarity", *extra)
        with self.renderer(columns[1:] if self.format == "table" else columns, title, model) as out:
            out.write(records)

    def chosen_words(self, first: int | None, words_file: str | None) -> tuple[Model, list[int], list[str]]:
        """The model, and the rows and words a job covers: ``--first N``, ``--words FILE`` or every
        word; a listed word as the model spells it, or as typed when built from subwords."""
        if first is not None and words_file is not None:
            raise UsageError("give --first or --words, not both")
        model = self.open()
        if words_file is None:
            count = len(model) if first is None else min(first, len(model))
            return model, list(range(count)), model.vocab.words(range(count))
        matches = self.lookup(model, self.listed_words(words_file, "--words"))
        rows: list[int] = []
        words: list[str] = []
        seen: set[str] = set()
        repeated: list[str] = []
        for m in matches:  # each word once: a model, a graph or a clustering holds a word once
            word = m.typed if m.built else m.word
            if word in seen:
                repeated.append(m.typed)
                continue
            seen.add(word)
            rows.append(m.row)
            words.append(word)
        if repeated:
            shown = first_few([shorten(w) for w in repeated], 3)
            from .batch import input_name

            self.warn(
                f"left out {counted(len(repeated), 'repeat')} of words listed before in "
                f"{input_name(words_file)} ({shown})"
            )
        return model, rows, words

    def words_of(self, words: Sequence[str]) -> list[str]:
        """WORDS as given, or for '-' alone the words of standard input, one a line, as every
        command reads '-' (a word "-" is asked for within other words, or as "- " quoted)."""
        return self.listed_words("-", "-") if list(words) == ["-"] else list(words)

    def listed_words(self, source: str, option: str) -> list[str]:
        """The words of ``source`` (a file, or '-'), one a line, by the batch's line rules (blank and
        comment lines skipped, a byte-order mark dropped, a line that is not UTF-8 refused)."""
        from .batch import chunks, comments_note, input_name, utf8_line

        where = input_name(source)
        lines: dict[str, int] = {}  # each word's first line
        typed: list[str] = []
        comments: list[int] = []
        with self.open_input(source, option) as stream:
            for chunk in chunks(stream, 1 << 16, comments):
                for number, line in chunk:
                    try:
                        word = utf8_line(line).strip()
                    except QueryError as e:
                        raise QueryError(f"{where}, line {number}: {e.message}") from None
                    if word:
                        typed.append(word)
                        lines.setdefault(word, number)
        self.listed = (where, lines)
        if comments:  # a word list may hold the word '#': say what was taken for a comment
            self.warn_of_input(comments_note(comments, source))
        if not typed:
            raise UsageError(f"{where} holds no words; give one a line")
        return typed

    def note_respellings(self, matches: Sequence[Match]) -> None:
        for note in respellings(matches):
            self.warn(note)

    @property
    def format(self) -> str:
        """The output format: the one asked for, or the guess (a table on a terminal, TSV in a pipe)."""
        return self.fmt or self.env.default_format()

    def renderer(
        self,
        columns: Sequence[str],
        title: str = "",
        model=None,
        info=None,
        labels: Sequence[str] | None = None,
        heatmap: bool = False,
        droppable: Sequence[str] = (),
    ) -> Renderer | SharedOutput:
        """A renderer for this session's format; ``model`` (or just its ``info``) labels JSON records;
        ``labels`` are the headers shown for ``columns`` when they differ from the keys."""
        info = info if info is not None else (model.info if model else None)
        if self.shared is not None and self.format != "table":  # one output, a model column
            if "renderer" not in self.shared:
                self.shared["renderer"] = Renderer(
                    self.env, self.fmt, ("model", *columns), title, info, self.header, None
                )
            return SharedOutput(self.shared["renderer"], info)
        return Renderer(self.env, self.fmt, columns, title, info, self.header, labels, heatmap, droppable)

    def print_answers(
        self, query: Query, items: list[list[str]], title: str, model: Model | None = None
    ) -> None:
        """Answer queries given as arguments (or a REPL line): the first error stops them."""
        from ..core.queries import columns_for, mark_built

        model = model or self.open()
        outcomes = query.answer_chunk(model, items)
        mark_built(model, outcomes)
        for outcome in outcomes:
            if outcome.error is not None:
                raise outcome.error
            for note in outcome.said(query, in_flags):
                self.warn(note)
        columns = columns_for(query, model)
        if self.format == "table" and len(items) == 1 and query.titled:
            # One query on a terminal: it is the title, not a column repeated on every row.
            columns = tuple(c for c in columns if c not in query.inputs)
        with self.renderer(columns, title, model) as out:
            out.write(r for o in outcomes for r in o.records)

    def print_record(self, record: dict, title: str, terminal_title: str, model: Model | None = None) -> None:
        """One record: on a terminal one field a line under ``terminal_title`` (a wide record never
        loses columns to the width); elsewhere one record as every format writes it."""
        if self.format == "table":
            from dataclasses import replace

            with replace(self, header=False).renderer(("field", "value"), terminal_title) as out:
                out.write(
                    {"field": k, "value": f"{v:,}" if isinstance(v, int) else v} for k, v in record.items()
                )
            return
        with self.renderer(tuple(record), title, model) as out:
            out.write([record])

    def similar(self, a: str, b: str) -> None:
        """Two words: read straight from the cache when it is ready and both are found (no numpy)."""
        from ..cache.pair_reader import similarity
        from ..sources.loader import ready

        cache = ready(self.model_spec, limit=self.limit, warn=self.warn)
        found = (
            similarity(cache.folder, cache.manifest, a, b, cache.limit, cache.name, self.subwords)
            if cache
            else None
        )
        if found is None:  # the ordinary path converts, suggests spellings, reports errors
            from ..core.queries import SimilarQuery

            self.print_answers(SimilarQuery(), [[a, b]], "similarity")
            return
        matches, score, info = found
        self.note_respellings(matches)
        record = Similarity(a, b, score)._asdict()
        columns: tuple[str, ...] = Similarity._fields
        if (
            self.subwords and cache is not None and cache.manifest.get("subwords")
        ):  # as queries.columns_for, without numpy
            columns = (*columns, "subwords")
            record["subwords"] = " ".join(w for m in matches for w in m.subwords)
        with self.renderer(columns, "similarity", info=info) as out:
            out.write([record])

    def stream(self, query: Query, source: str, strict: bool, chunk: int) -> int:
        """Answer one query a line from ``source`` (a path, or - for stdin); the exit code."""
        from ..core.queries import APPROX_CHUNK, columns_for
        from . import batch

        model = self.open()
        if model.index is not None:
            chunk = max(chunk, APPROX_CHUNK)

        columns = (batch.LINE_COLUMN, *columns_for(query, model), *batch.STATUS_COLUMNS)
        with contextlib.ExitStack() as stack:
            stream = stack.enter_context(self.open_input(source))
            from .cluster import BATCH_CHUNK, answered_lines

            if self.dask:
                chunk = max(chunk, BATCH_CHUNK)  # a task a chunk: each costs the scheduler a millisecond
            comments: list[int] = []
            headers: list[int] = []
            header = getattr(query, "is_header", None)
            lines = batch.chunks(stream, chunk, comments, model.reads_text, header, headers)
            answered = answered_lines(stack, self.dask, self.options(), model, query, lines)
            out = cast(Output, stack.enter_context(self.renderer(columns, "", model)))
            failed = batch.run(model, query, answered, out, self.warn, strict)
        if comments:
            self.warn_of_input(batch.comments_note(comments, source))
        if headers:
            self.warn_of_input(batch.headers_note(headers, source))
        if failed:
            self.warn_failed(failed, "error")
            return int(ExitCode.PARTIAL)
        return int(ExitCode.OK)


class SharedOutput:
    """One model's view of the output several models share: each record names its model; the
    output is closed once, after the last model (``options.answer_with_each_model``)."""

    def __init__(self, renderer: Renderer, info):
        self.renderer, self.info = renderer, info

    def __enter__(self) -> SharedOutput:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def write(self, records) -> None:
        self.renderer.model = self.info
        name = self.info.name if self.info is not None else ""
        self.renderer.write({"model": name, **r} for r in records)


def _refuse_compressed(stdin: object) -> None:
    """Standard input that is gzip, bzip2 or xz (its first bytes peeked, not taken): a UsageError
    before any output, saying how to decompress it; a file given by name is read decompressed."""
    peek = getattr(stdin, "peek", None)
    if peek is None:
        return
    from ..core.compressed import COMPRESSED, compression

    suffix = compression(peek(8)[:8])
    if suffix:
        kind = COMPRESSED[suffix]
        raise UsageError(
            f"standard input is {kind.name}-compressed; decompress it first ({kind.cat} FILE | vecq ...) "
            "or give the file by name"
        )


def open_input(source: str, option: str = "--input") -> contextlib.AbstractContextManager[BinaryIO]:
    """The lines of ``source`` as bytes: a file (decompressed when it is gzip, bzip2 or xz, as
    gensim reads its files), or standard input for '-'; a UsageError if unreadable (naming
    ``option``, the option that gave the file)."""
    if source == "-":
        stdin = sys.stdin
        if stdin is None or getattr(stdin, "closed", False):
            raise UsageError(f"standard input is closed; give the lines in a file with {option} FILE")
        buffer = getattr(stdin, "buffer", stdin)
        _refuse_compressed(buffer)
        files.reading_standard_input()  # < words.txt: never the -o words file
        return contextlib.nullcontext(cast(BinaryIO, buffer))
    from ..core.compressed import open_file

    files.reading(source, f"the {option} file")
    try:
        return open_file(source)
    except OSError as e:
        raise UsageError(f"cannot read {source}: {e.strerror or e}; check the path given to {option}") from e
