"""The three questions as record producers: parse a line, answer many at once, build records.

A command-line query is a batch of one, so single answers and batch answers come from the same code
and cannot drift apart. Nothing here knows about click, rich or output formats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral
from typing import TypeGuard, cast

import numpy as np

from ..errors import QueryError, UnknownWordError, VecqError, counted, listed_with_and, shorten
from ..records import Similarity, Vector
from .expression import Term, parse_expression, zero_vector_error
from .model import Model
from .unit import direction
from .words import Match, cut_note, fold, respellings


class Outcome:
    """What one input line produced: records, or the error that stopped it."""

    __slots__ = ("records", "error", "notes", "built", "cut", "pooled", "respelled")

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.error: VecqError | None = None
        self.notes: list[str] = []
        self.built: list[str] = []  # the line's words built from subwords (fastText)
        self.cut: list[str] = []  # of its notes, those saying a text was longer than the model reads
        self.pooled: list[str] = []  # notes of texts pooled from several tokens (kept from ``notes``)
        self.respelled: list[str] = []  # of its notes, those of words read as the model spells them

    def check(self, matches: Sequence[Match | VecqError]) -> TypeGuard[Sequence[Match]]:
        """Note respellings and return True if every word matched; else keep the line's error."""
        error = first_error(matches)
        if error is not None:
            self.error = error
            return False
        found = cast("Sequence[Match]", matches)  # no error among them
        self.notes += respellings([m for m in found if not m.pooled])
        self.respelled += respellings([m for m in found if not (m.pooled or m.subwords)])
        self.pooled += respellings([m for m in found if m.pooled])  # a batch says how many, not each
        self.built += [w for m in matches if isinstance(m, Match) for w in m.subwords]
        self.cut += [cut_note(m) for m in matches if isinstance(m, Match) and m.cut]
        return True

    def said(self, query: Query, options: Callable[[str], str]) -> list[str]:
        """What is said beside one answered question's records: its notes, and why it has none, in
        which ``options`` names the options (``errors.in_flags``, ``in_arguments``). A batch pools
        its notes instead (``cli/batch.py``)."""
        why = [] if self.records else [f"no answer: {options(query.why_no_answer())}"]
        return self.notes + self.pooled + why


SUBWORDS_COLUMN = "subwords"  # in a fastText model's records: the query's words built from n-grams
# Queries of a search answered together (their directions multiply the matrix at once): more at a
# time measured no faster (4,000 GloVe words: 2.6 s in chunks of 256, 3.5 s in one), and the CLI
# streams its lines and the API's batches show their progress a chunk at a time.
QUERIES_A_CHUNK = 256
# ... and through an approximate index, whose probed lists are scored once a chunk for all the
# chunk's queries that probe them: bigger chunks answer faster.
APPROX_CHUNK = 2048


def columns_for(query: Query, model: Model) -> tuple[str, ...]:
    """The query's columns, and for a model that builds words from subwords, the column marking them."""
    return (*query.columns, SUBWORDS_COLUMN) if model.word_builder is not None else tuple(query.columns)


def mark_built(model: Model, outcomes: Sequence[Outcome]) -> None:
    """Each record of a fastText model names its query's words that were built from subwords."""
    if model.word_builder is not None:
        for outcome in outcomes:
            for record in outcome.records:
                record[SUBWORDS_COLUMN] = " ".join(outcome.built)


def first_error(matches: Sequence[Match | VecqError]) -> VecqError | None:
    """The error of a query's words: every unknown word in one error, or the first other error."""
    errors = [m for m in matches if isinstance(m, VecqError)]
    if not errors:
        return None
    unknown = [e for e in errors if isinstance(e, UnknownWordError)]
    return UnknownWordError.combine(unknown) if len(unknown) == len(errors) else errors[0]


def find_words(model: Model, words: Sequence[str], suggest: bool = True) -> list[Match | VecqError]:
    """Matches for many words: one vectorised search, then variants (and suggestions) for the misses."""
    tokens = getattr(model.vocab, "tokens", False)  # a typed word may name a token other than itself
    rows = model.vocab.indices(list(words)).tolist()
    out: list[Match | VecqError] = []
    for word, row in zip(words, rows):
        if row >= 0 and not tokens:
            out.append(Match(word, word, row))
            continue
        try:
            out.append(model.lookup(word, suggest))
        except VecqError as e:
            out.append(e)
    return out


def as_read(line: str, model: Model) -> str:
    """A line that is one word or text, as the model reads it: a static model's text as written
    (its tokenizer reads spaces: model2vec's vector of " the fire" is not that of "the fire"), a
    word without the spaces around it."""
    return line if model.text is not None and model.text.static else line.strip()


def split_fields(line: str, n: int, what: str, model: Model) -> list[str]:
    """Tab-separated if the line has a tab (so phrases may hold spaces; each field as the model
    reads it, ``as_read``), else whitespace-separated."""
    fields = [as_read(f, model) for f in line.split("\t")] if "\t" in line else line.split()
    if len(fields) != n:
        shown = line.rstrip("\r\n")[:80]
        why = _empty(fields) + _commas(line, n)
        raise QueryError(f"expected {n} {what}, got {len(fields)} in {shown!r}{why}")
    return fields


def _empty(fields: list[str]) -> str:
    """What to say of a tab-separated line with empty fields (a tab at its start or end, two tabs in
    a row, as a spreadsheet exports a blank column): which they are, and why."""
    empty = [i for i, field in enumerate(fields, 1) if not field.strip()]
    if not empty:
        return ""
    places = {1: "a tab at the start of the line", len(fields): "a tab at the end of the line"}
    why = " and ".join(dict.fromkeys(places.get(i, "two tabs in a row") for i in empty))
    if len(empty) == 1:
        return f" (field {empty[0]} is empty: {why}; remove it)"
    return f" (fields {listed_with_and([str(i) for i in empty])} are empty: {why}; remove them)"


def _commas(line: str, n: int) -> str:
    """What to say of a line that is ``n`` fields when read as CSV: vecq's are not."""
    import csv

    if "," not in line or len(next(csv.reader([line.strip()]), [])) != n:
        return ""
    return "; words are separated by spaces or a tab, not commas (for a CSV file: tr , '\\t' < FILE)"


class Query:
    """Base: the input columns, the output columns, and how to answer a chunk of parsed inputs."""

    inputs: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    titled = True  # a single query's title spells its input (a terminal shows no input columns)

    def parse(self, line: str, model: Model) -> list[str]:
        raise NotImplementedError

    def answer_chunk(self, model: Model, items: list[list[str]], suggest: bool = True) -> list[Outcome]:
        raise NotImplementedError

    def input_record(self, fields: list[str] | None, line: str) -> dict:
        """The input columns of a line's record: its parsed fields, or the line when it did not parse."""
        values = fields if fields is not None else [line.strip()]
        return dict(zip(self.inputs, values))

    def why_no_answer(self) -> str:
        """Why an answered query has no record to show (``none`` records and single queries say it)."""
        return "no word is left to answer (the model has no other words)"


class SimilarQuery(Query):
    inputs = ("word1", "word2")
    columns = Similarity._fields
    titled = False

    def parse(self, line: str, model: Model) -> list[str]:
        return split_fields(line, 2, "words", model)

    def answer_chunk(self, model: Model, items: list[list[str]], suggest: bool = True) -> list[Outcome]:
        flat = find_words(model, [w for pair in items for w in pair], suggest)
        out = [Outcome() for _ in items]
        good: list[int] = []
        for i in range(len(items)):
            if out[i].check(flat[2 * i : 2 * i + 2]):
                good.append(i)
        if good:
            found = cast("list[Match]", flat)  # the pairs in ``good`` matched
            rows_a = np.array([found[2 * i].row for i in good], dtype=np.int64)
            rows_b = np.array([found[2 * i + 1].row for i in good], dtype=np.int64)
            for i, score in zip(good, model.similarities(rows_a, rows_b).tolist()):
                out[i].records.append({"word1": items[i][0], "word2": items[i][1], "similarity": score})
        return out


class NeighborsQuery(Query):
    inputs = ("query",)
    columns: tuple[str, ...] = ("query", "rank", "word", "similarity")

    # --distinct asks the engine for this many candidates a row wanted, then folds variants away
    DISTINCT_SPARE = 4

    def __init__(
        self,
        top: int = 10,
        restrict: int | None = None,
        threshold: float | None = None,
        distinct: bool = False,
        skip: int = 0,
    ):
        self.top, self.restrict, self.threshold, self.distinct = top, restrict, threshold, distinct
        self.skip = skip  # the most frequent words that are never answers (--min-rank - 1)
        if distinct:
            self.columns = (*type(self).columns, "folded")

    def why_no_answer(self) -> str:
        if self.threshold is not None:
            return f"no neighbour scores at least ⟨threshold={self.threshold:g}⟩"
        if self.restrict is not None or self.skip:
            return f"no word {band(self.skip, self.restrict)} is an answer"
        return super().why_no_answer()

    def parse(self, line: str, model: Model) -> list[str]:
        text = as_read(line, model)
        self.check(text)
        return [text]

    @staticmethod
    def check(text: str) -> None:
        """Reject what is malformed whatever the vocabulary (before a model is opened); attached
        operators are judged with it."""
        parse_expression(text.strip(), known=lambda token: True)

    def answer_chunk(self, model: Model, items: list[list[str]], suggest: bool = True) -> list[Outcome]:
        out = [Outcome() for _ in items]
        queries: list[list[Term]] = []
        where: list[int] = []
        known = model.vocab.__contains__
        for i, (text,) in enumerate(items):
            try:
                terms = parse_expression(text, known)
            except QueryError as e:
                out[i].error = e
                continue
            matches = find_words(model, [w for _, w in terms], suggest)
            if not out[i].check(matches):
                continue
            queries.append(
                [Term(weight, m) for (weight, _), m in zip(terms, matches) if isinstance(m, Match)]
            )
            where.append(i)
        if queries:
            zero = [bool(z) for z in np.logical_not(model.directions(queries).any(axis=1)).tolist()]
            for j in [j for j, z in enumerate(zero) if z]:
                out[where[j]].error = zero_vector_error(items[where[j]][0])
            queries = [q for q, z in zip(queries, zero) if not z]
            where = [i for i, z in zip(where, zero) if not z]
        wanted = self.top * self.DISTINCT_SPARE + 10 if self.distinct else self.top
        results = model.neighbors_many(queries, top=wanted, restrict=self.restrict, skip=self.skip)
        for i, query, result in zip(where, queries, results):
            if self.distinct:
                self._folded(model, out[i], items[i][0], query, result, wanted)
                continue
            out[i].records += [
                n._asdict() for n in model.neighbor_records(items[i][0], result, self.threshold)
            ]
        return out

    def _folded(
        self, model: Model, outcome: Outcome, text: str, query: list[Term], result: list, wanted: int
    ) -> None:
        """``--distinct``: the answers with spelling variants folded into the query or a better answer.

        Invariant: ``top`` words are kept whenever the search has that many to give. A window of
        ``wanted`` answers that folds to fewer while it was full (a word with dozens of case forms)
        is searched again, four times wider, until it folds to ``top`` or holds every answer."""
        words = [t.match.word for t in query]
        kept, into_query = fold(words, result, model.vocab.word, self.top)
        while len(kept) < self.top and len(result) == wanted:
            wanted *= self.DISTINCT_SPARE
            (result,) = model.neighbors_many([query], top=wanted, restrict=self.restrict, skip=self.skip)
            kept, into_query = fold(words, result, model.vocab.word, self.top)
        records = model.neighbor_records(text, [(row, score) for row, score, _ in kept], self.threshold)
        for record, (_, _, folded) in zip(records, kept):
            outcome.records.append({**record._asdict(), "folded": " ".join(folded)})
        if into_query:
            outcome.notes.append(f"folded into {text!r}: {', '.join(into_query)}")


class VectorNeighborsQuery(NeighborsQuery):
    """The neighbours of a vector given as text: a JSON array, numbers separated by spaces, or a
    record of ``vecq vector`` (``labelled_vector``), whose word is then the query's name."""

    @staticmethod
    def is_header(line: str) -> bool:
        """Is ``line`` the header of ``vecq vector``'s TSV or CSV (not a query: cli/batch.py)?"""
        if line == "word\tvector":
            return True
        name, *rest = line.split(",")
        return name == "word" and rest == [f"vector{i}" for i in range(1, len(rest) + 1)] != []

    def parse(self, line: str, model: Model) -> list[str]:
        """[the query's name, its numbers' text] (the input record shows the name)."""
        name, numbers = labelled_vector(line, model.dims)
        parse_vector(numbers)
        return [name, numbers]

    def answer_chunk(self, model: Model, items: list[list[str]], suggest: bool = True) -> list[Outcome]:
        out = [Outcome() for _ in items]
        vectors, where = [], []
        for i, (name, numbers) in enumerate(items):
            values = parse_vector(numbers)
            if len(values) != model.dims:
                out[i].error = QueryError(
                    f"the vector has {counted(len(values), 'number')}; {model.info.name} has "
                    f"{counted(model.dims, 'dimension')}"
                )
            elif not any(values):
                out[i].error = zero_vector_error(name)
            else:
                vectors.append(values)
                where.append(i)
        if vectors:
            q = direction(vectors)  # 1e-50 or 1e300 in every component: still a direction
            results = model.neighbors_of_directions(q, top=self.top, restrict=self.restrict, skip=self.skip)
            for i, result in zip(where, results):
                records = model.neighbor_records(items[i][0], result, self.threshold)
                out[i].records += [n._asdict() for n in records]
        return out


def count(name: str, value: object, low: int = 1, high: int | None = None) -> int:
    """``value``, a whole number from ``low`` to ``high`` (no limit: None), as an int; else a
    QueryError naming the argument. The library's check of its counts (``top``, ``restrict``...):
    the CLI's options and the server's parameters declare the same ranges to click and to
    ``serve/params.py``, and the engine checks what only it knows (k-means' seeds)."""
    whole = isinstance(value, Integral) and not isinstance(value, bool)
    if not whole or value < low or (high is not None and value > high):  # type: ignore[operator]
        shown = int(value) if whole else repr(value)  # type: ignore[call-overload]
        limits = f"of at least {low}" if high is None else f"from {low} to {high}"
        raise QueryError(f"⟨{name}=N⟩ must be a whole number {limits} (got {shown})")
    return int(value)  # type: ignore[call-overload]


def skipped_rows(min_rank: int | None, restrict: int | None) -> int:
    """The rows before rank ``min_rank`` (rank R is row R - 1): a search answers from rows
    ``[skip, restrict)``. A band with no word in it is a QueryError."""
    if restrict is not None:
        count("restrict", restrict)
    if min_rank is None:
        return 0
    count("min_rank", min_rank)
    if restrict is not None and min_rank > restrict:
        raise QueryError(f"⟨min_rank={min_rank}⟩ is past ⟨restrict={restrict}⟩: the band holds no word")
    return min_rank - 1


def band(skip: int, restrict: int | None) -> str:
    """The words a search may answer with, in a message: by rank, as the options name them."""
    if not skip:
        return f"among the first ⟨restrict={restrict}⟩"
    if restrict is None:
        return f"from rank ⟨min_rank={skip + 1}⟩ on"
    return f"ranked ⟨min_rank={skip + 1}⟩ to ⟨restrict={restrict}⟩"


def labelled_vector(text: str, dims: int | None = None) -> tuple[str, str]:
    """A line's name and its numbers' text (for ``parse_vector``): a record of ``vecq vector``
    (``WORD<TAB>NUMBERS`` in TSV, ``WORD,N1,N2...`` in CSV, ``{"word": WORD, "vector": [...]}`` in
    JSON lines) is named by its word (a TSV record's ``2000`` too: its numbers are separated by
    spaces; a CSV record's when it holds ``dims`` numbers after it); other vectors by themselves."""
    body = text.strip()
    if body.startswith("{"):
        import json

        try:
            record = json.loads(body)
        except (ValueError, RecursionError):
            record = None
        vector = record.get("vector") if isinstance(record, dict) else None
        if not isinstance(vector, list):
            raise QueryError(
                f'{shorten(body)} is not a vector, nor a record of vecq vector -f jsonl (a "vector" list)'
            )
        word = record.get("word")
        return (word if isinstance(word, str) else body), json.dumps(vector)
    name, tab, rest = body.partition("\t")
    if tab and "\t" not in rest and (" " in rest.strip() or not _a_number(name)):
        return name, rest
    if "," in body and not tab and not body.startswith("["):  # -f csv: the word (quoted if need be), numbers
        import csv

        fields = next(csv.reader([body]), [])
        if len(fields) > 1 and (not _a_number(fields[0]) or len(fields) == (dims or 0) + 1):
            return fields[0], " ".join(fields[1:])
    return body, body


def _a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_vector(text: str) -> list[float]:
    """Numbers from ``[0.1, -0.2]`` or ``0.1 -0.2`` (commas allowed); a QueryError for anything else."""
    import json
    import math

    body = text.strip()
    try:
        if body.startswith("["):
            values = json.loads(body)
            if not isinstance(values, list) or any(isinstance(v, bool) for v in values):
                raise ValueError("not a list of numbers")
            values = [float(v) for v in values]
        else:
            values = [float(v) for v in body.replace(",", " ").split()]
    except (ValueError, TypeError, RecursionError) as e:  # RecursionError: [[[[...]]]] nested deep
        lines = " (a line at a time: for vecq vector's records give -f jsonl, not -f json)"
        raise QueryError(
            f"{shorten(body)} is not a vector; give a JSON array or numbers separated by spaces"
            + (lines if body in ("[", "]") else "")
        ) from e
    if not values:
        raise QueryError("an empty vector was given; give its numbers, e.g. '0.1 -0.2 0.3'")
    if not all(math.isfinite(v) for v in values):
        raise QueryError(f"{shorten(body)} holds NaN or an infinity; a direction needs finite numbers")
    return values


class VectorQuery(Query):
    """A word's vector: as stored in the model (``raw``; a static model's text as it embeds text,
    ``Model.embedded``), unit-length (``unit``), as the one-hot vector times the matrix
    (``product``: the row itself, by the lookup's other definition), or the one-hot vector itself
    (``one-hot``, sparse: ``ID:1``, every other of ``dimensions`` 0)."""

    inputs = ("word",)
    KINDS = ("raw", "unit", "product", "one-hot")

    def __init__(self, kind: str = "raw"):
        self.kind = kind
        self.columns = ("word", "id", "dimensions", "one_hot") if kind == "one-hot" else ("word", "vector")

    def parse(self, line: str, model: Model) -> list[str]:
        return [as_read(line, model)]

    def answer_chunk(self, model: Model, items: list[list[str]], suggest: bool = True) -> list[Outcome]:
        matches = find_words(model, [w for (w,) in items], suggest)
        out = [Outcome() for _ in items]
        for (typed,), m, outcome in zip(items, matches, out):
            if not (outcome.check([m]) and isinstance(m, Match)):
                continue
            if self.kind in ("one-hot", "product") and m.built:
                outcome.error = QueryError(
                    f"{typed} has no row of its own (its vector is built from subwords), so no one-hot vector"
                )
            elif self.kind == "one-hot":
                outcome.records.append(
                    {"word": typed, "id": m.row, "dimensions": len(model), "one_hot": f"{m.row}:1"}
                )
            else:
                if self.kind == "unit":
                    values = model.gather([m.row])[0]
                elif self.kind == "product":
                    values = model.one_hot_product(m.row)
                else:
                    values = model.embedded(m)
                outcome.records.append(
                    {"word": typed, "vector": Vector(np.asarray(values, dtype=np.float64).tolist())}
                )
        return out


class AnalogyQuery(Query):
    inputs = ("a", "b", "c")
    columns = ("a", "b", "c", "rank", "answer", "score")

    def __init__(self, top: int = 1, method: str = "add", restrict: int | None = None, skip: int = 0):
        self.top, self.method, self.restrict, self.skip = top, method, restrict, skip

    def why_no_answer(self) -> str:
        if self.restrict is not None or self.skip:
            return f"no word {band(self.skip, self.restrict)} is an answer (A, B and C never are)"
        return super().why_no_answer()

    def parse(self, line: str, model: Model) -> list[str]:
        return split_fields(line, 3, "words (A B C for A - B + C)", model)

    def answer_chunk(self, model: Model, items: list[list[str]], suggest: bool = True) -> list[Outcome]:
        flat = find_words(model, [w for triple in items for w in triple], suggest)
        out = [Outcome() for _ in items]
        triples, where = [], []
        for i in range(len(items)):
            ms = flat[3 * i : 3 * i + 3]
            if not out[i].check(ms):
                continue
            triples.append((ms[0], ms[1], ms[2]))
            where.append(i)
        results = model.analogies(
            triples, top=self.top, method=self.method, restrict=self.restrict, skip=self.skip
        )
        for i, result in zip(where, results):
            a, b, c = items[i]
            for rank, (row, score) in enumerate(result, 1):
                out[i].records.append(
                    {"a": a, "b": b, "c": c, "rank": rank, "answer": model.vocab.word(row), "score": score}
                )
        return out
