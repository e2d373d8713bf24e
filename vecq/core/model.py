"""The query engine: plain numpy over unit-normalised float32 rows, with gensim's semantics.

Every score comes from matrix products over row blocks of the (usually memory-mapped) matrix, and the
top k is kept per query while the blocks stream past, so no temporary is ever as large as the matrix
and a batch of queries costs one pass over it. A single query is a batch of one: the two can never
disagree.

Semantics follow gensim's ``KeyedVectors``: ``most_similar`` (3CosAdd: the unit mean of the weighted
unit vectors) and ``most_similar_cosmul`` (Levy and Goldberg's 3CosMul with scores shifted to [0, 1]);
the query's own words are never among the answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np

from ..errors import BeyondLimitError, DamagedModelError, QueryError, UnknownWordError, first_few, shorten
from ..records import AnalogyAnswer, ModelInfo, Neighbor, Similarity
from . import int8, memory
from .built import BuiltRows
from .expression import Term, describe, expression_terms, zero_vector_error
from .ranking import (
    RESCORE_MARGIN,
    Exact,
    cosine_slack,
    dot_rounding,
    exact_dots,
    exact_matrix,
    exactly_ranked,
    near_kth,
    within_reach,
)
from .topk import spread_top_k, top_k
from .unit import StoredFloats, einsum, residuals, unholdable_error, unholdable_row, unit, unit_rows
from .vocab import Vocab
from .words import WORD_START, Match, find_word, past_limit

if TYPE_CHECKING:
    from .subwords import Subwords

CANCELLED = 1e-5  # per term: a sum of unit vectors shorter than this is taken for the zero vector
METHODS = ("add", "cosmul")


# A cosine beyond this is no rounding error: only a damaged row gives one (check_scores).
COSINE_LIMIT = 1 + 1e-4


class Tokenized(NamedTuple):
    """A text as a model reads it: its tokens, and whether the model left the rest of the text out
    (model2vec reads a text's first ``max_length`` tokens only)."""

    tokens: list  # token ids (``TextEncoder.ids``), or (id, start, end) of the text each covers (``pieces``)
    cut: bool


class TextEncoder(Protocol):
    """A token table's tokenizer: text -> token ids (``sources.text.Encoder`` is one)."""

    static: bool  # the model embeds any text (model2vec, static sentence-transformers)
    normalize: bool  # a static model's pooled vector is made unit length

    def ids(self, text: str) -> Tokenized: ...

    def pieces(self, text: str) -> Tokenized: ...


class SearchIndex(Protocol):
    """An approximate index the model asks for candidates (``ann.index.Index`` is one): the engine
    never imports ``ann``."""

    @property
    def rows(self) -> np.ndarray: ...  # the rows the index was built on, list after list
    @property
    def nprobe(self) -> int: ...

    def search(
        self, matrix: np.ndarray, q: np.ndarray, exclude: list[list[int]], k: int, **options: Any
    ) -> list[list[tuple[int, float]]]: ...


def _quiet(note: str) -> None:
    """The model's note by default: nothing is said."""


# Up to this many queries, an int8 copy is scanned once per query (SimSIMD's kernel); more are
# multiplied with it together (onnxruntime's int8 product: docs/benchmarks-int8.md). On 3M x 300
# one by one against together: 6 queries 0.195 s against 0.202, 7 queries 0.23 against 0.19,
# 8 queries 0.26 against 0.18.
INT8_QUERIES = 6

# Per query, a score below its k-th best (``neighbors_of_directions``), or how to compute it.
Floor = np.ndarray | Callable[[], np.ndarray]

# Up to this many rows or scores of an answer are checked in Python: numpy's cost per call is
# most of it for a list of ten (Model._check, Model.check_scores, BlockChecker).
FEW_IN_PYTHON = 32
RAW_BLOCK = 1 << 16  # rows of a whole matrix made at a time (``raw_rows``)
FEW_QUERIES = 512  # up to this many queries, a block's scores are block @ q.T (neighbors_of_directions)
# One query over at most this many numbers (rows x dims) is one float32 product of every row and
# its near-best rows scored exactly (``Model._every_row_ranked``), which costs less there than the
# blocked search's fixed cost (docs/benchmarks-api.md: restrict_vocab).
EVERY_ROW_NUMBERS = 1 << 22


def _read_only(array: np.ndarray) -> np.ndarray:
    """``array``, or a read-only view of it when it is writable (the caller's stays writable)."""
    if not array.flags.writeable:
        return array
    view = array.view()
    view.setflags(write=False)
    return view


class Building(NamedTuple):
    """How a model builds the words it does not hold: fastText's n-grams (``use_subwords``: on),
    a token table's tokenizer (``text``) and pooling of a word's tokens (``pool``)."""

    subwords: Subwords | None
    use_subwords: bool
    text: TextEncoder | None
    pool: str | None


class Model:
    """An opened model: unit rows, their original norms, and the vocabulary; the cache folder, the
    fastText n-grams and the tokenizer it was opened with; and how it answers (``index``, ``pool``,
    ``use_subwords``), which the opener sets from the model options."""

    def __init__(
        self,
        vectors: np.ndarray,
        norms: np.ndarray,
        vocab: Vocab,
        info: ModelInfo,
        stored: StoredFloats | None = None,
        checker: Callable[[str, np.ndarray | Sequence[int]], None] | None = None,
        *,
        folder: str | None = None,
        subwords: Subwords | None = None,
        text: TextEncoder | None = None,
    ):
        # held in memory: read-only as a cache's mapped rows are (what is handed out is never the
        # way to change the model)
        self.vectors = _read_only(vectors)
        self.norms = _read_only(norms)
        # The file's own floats from the unit rows (None: a cache of an older vecq, rows within a
        # float32 rounding of the file's).
        self.stored = stored
        # checker(file, rows): raises when a block of a cache file holding one of ``rows`` is not as
        # written (cache.reader.BlockChecker); None for a model held in memory.
        self.checker = checker
        self.vocab = vocab
        self.info = info
        self._zero_rows: np.ndarray | None = None
        self.folder = folder  # the cache folder, when opened from the cache
        self.limited = False  # the first rows of a larger cache (--limit served from a full cache)
        self.index: SearchIndex | None = None  # when set, neighbour searches are approximate
        self.int8: int8.Int8Copy | None = None  # when set, exact searches scan it (core/int8.py)
        self.note: Callable[[str], None] = _quiet  # what --verbose prints of how a search went
        self.subwords = subwords  # vectors for words outside the vocabulary (fastText)
        self.counts: np.ndarray | None = None  # each word's count, when the file holds them (fastText)
        self.use_subwords = True  # --no-subwords turns them off
        self.text = text  # a token table's tokenizer: text -> token ids
        self.pool: str | None = None  # "mean": a language model's word of several tokens is their mean
        # Words built from subwords get rows after the vocabulary's (``len(self)`` on): they can be
        # asked about and compared, and are never among the rows searched for answers.
        self.built = BuiltRows()

    @property
    def building(self) -> Building:
        """How this model builds the words it does not hold (``building_as`` gives it to another)."""
        return Building(self.subwords, self.use_subwords, self.text, self.pool)

    def building_as(self, other: Building, *, same_rows: bool) -> Model:
        """This model (made from another, held in memory), building the words it does not hold as
        ``other`` (that model's ``building``) says: fastText's subwords, on or off (n-grams are
        found by the word's letters, whatever the rows), and, when every row of that model kept its
        number (``same_rows``), a token table's tokenizer and pooling (a token id is a row number).
        Returns this model."""
        self.subwords, self.use_subwords = other.subwords, other.use_subwords
        if same_rows:
            self.text, self.pool = other.text, other.pool
        return self

    @classmethod
    def from_arrays(
        cls, words: Sequence[str], raw: np.ndarray, name: str = "model", source: str = ""
    ) -> Model:
        """A model held in memory: normalises ``raw`` the way the cache does."""
        raw = np.asarray(raw, dtype=np.float32)
        unit, norms = unit_rows(raw)
        bad = unholdable_row(raw, norms)  # as the cache's writer refuses it
        if bad is not None:
            raise unholdable_error(source or name, words[bad[0]], *bad)
        residual, far = residuals(raw, unit, norms)
        info = ModelInfo(name=name, source=source, rows=raw.shape[0], dimensions=raw.shape[1])
        return cls(unit, norms, Vocab.from_words(words), info, StoredFloats(residual, far, raw[far]))

    def normalised(self, unit_vectors: np.ndarray) -> Model:
        """A copy held in memory whose rows are ``unit_vectors`` themselves, each of norm 1 (0 for
        an all-zero row): the file's floats are now these (gensim's ``unit_normalize_all``)."""
        n, dims = unit_vectors.shape
        norms = np.asarray(unit_vectors.any(axis=1), dtype=np.float32)
        stored = StoredFloats(
            np.zeros((n, dims), np.int8), np.empty(0, np.int64), np.empty((0, dims), np.float32)
        )
        return Model(unit_vectors, norms, self.vocab, self.info, stored).building_as(
            self.building, same_rows=True
        )

    def changed(
        self, replaced: np.ndarray, replaced_raw: np.ndarray, added: Sequence[str], added_raw: np.ndarray
    ) -> Model:
        """A copy held in memory with rows ``replaced`` given new floats and the words ``added``
        appended (gensim's ``add_vectors``); this model is unchanged. Only the changed rows are
        normalised: the others' unit rows, norms and residuals are copied as they are."""
        n = len(self)
        every = np.arange(n)
        for name in ("vectors.npy", "norms.npy", *(("residuals.npy",) if self.stored is not None else ())):
            self._check(name, every)
        new_raw = np.concatenate([replaced_raw, added_raw]).astype(np.float32).reshape(-1, self.dims)
        new_unit, new_norms = unit_rows(new_raw)
        new_residual, new_far = residuals(new_raw, new_unit, new_norms)
        at = np.concatenate([np.asarray(replaced, dtype=np.int64), n + np.arange(len(added))])
        vectors = np.concatenate([np.asarray(self.vectors[:n]), new_unit[len(replaced) :]])
        vectors[at] = new_unit
        norms = np.concatenate([np.asarray(self.norms[:n]), new_norms[len(replaced) :]])
        norms[at] = new_norms
        old = self.stored or StoredFloats(np.zeros((n, self.dims), np.int8), np.empty(0), np.empty(0))
        residual = np.concatenate([np.asarray(old.residual[:n]), new_residual[len(replaced) :]])
        residual[at] = new_residual
        kept = ~np.isin(old.far_rows, at) & (old.far_rows < n)
        far_rows = np.concatenate([old.far_rows[kept], at[new_far]])
        far_vectors = np.concatenate(
            [np.asarray(old.far_vectors, np.float32).reshape(-1, self.dims)[kept], new_raw[new_far]]
        )
        order = np.argsort(far_rows, kind="stable")
        words = [*self.vocab.words(range(n)), *added]
        info = ModelInfo(name=self.info.name, source=self.info.source, rows=len(words), dimensions=self.dims)
        stored = StoredFloats(residual, far_rows[order], far_vectors[order])
        return Model(vectors, norms, Vocab.from_words(words), info, stored).building_as(
            self.building, same_rows=True
        )

    def __len__(self) -> int:
        return self.vectors.shape[0]

    @property
    def zero_rows(self) -> np.ndarray:
        """Rows whose vector is all zeros: legal in real models, never a neighbour."""
        if self._zero_rows is None:
            self._zero_rows = np.flatnonzero(np.asarray(self.norms) == 0)
        return self._zero_rows

    @zero_rows.setter
    def zero_rows(self, rows: np.ndarray) -> None:
        self._zero_rows = rows

    def refuse_zero_rows(self, rows: Sequence[int] | np.ndarray, cannot: str) -> None:
        """A QueryError naming the words of ``rows`` whose vector is all zeros: without a direction
        such a word ``cannot`` (be clustered, be a pole, ...) without skewing the answer."""
        if not len(self.zero_rows):  # most models: no set arithmetic for a question of three words
            return
        zero = np.intersect1d(np.asarray(rows, dtype=np.int64), self.zero_rows)
        if len(zero):
            named = first_few([shorten(self.vocab.word(int(r))) for r in zero], 3)
            raise QueryError(
                f"{named}: a vector of all zeros has no direction, so it cannot {cannot}; leave it out"
            )

    # -- words ------------------------------------------------------------------------------------

    @property
    def reads_text(self) -> bool:
        """Is a line a text the model embeds whole (a static model; a token table pooling tokens)?
        A batch then has no comment lines: '# A title' is a text like any other."""
        return self.text is not None and (self.text.static or self.pool == "mean")

    def lookup(self, typed: str, suggest: bool = True, literal: bool = False) -> Match:
        """The row of ``typed`` (``words.find_word``), else a quoted expression's direction, else
        fastText's vector built from its n-grams, else UnknownWordError (with suggestions when
        ``suggest``). ``literal`` (the Python API's gensim methods) puts the n-grams before the
        expression: gensim's ``FastTextKeyedVectors`` builds ``"a - b"`` as one word, where the
        command line reads an expression.

        A model that builds words from n-grams answers the word as typed before any respelling of
        it (``Night`` is fastText's and gensim's n-gram vector, not ``night``'s row); other models
        respell first, as they have no vector of their own for the typed form."""
        if self.text is not None and self.text.static and not typed.startswith(("id:", WORD_START)):
            # A static model embeds any text as its library does; a word-start token as shown
            # (``▁fire``, as an answer names it) is that token, as ``id:N`` is row N.
            return self.encode(typed)
        builds = self.word_builder is not None
        try:
            return find_word(
                self.vocab, typed, self.info.name, suggest=False, respell=not builds, limit_error=not builds
            )
        except BeyondLimitError:
            raise  # a word of the model, past the limit: neither respelled nor built
        except UnknownWordError:
            if builds and not literal and typed != typed.strip():
                # No fastText word ends in whitespace (fastText splits text there): the command
                # line reads the word inside, respelled, as it reads a batch line's fields.
                return self.lookup(typed.strip(), suggest)._replace(typed=typed)
            subwords = self.from_subwords(typed) if literal else None
            built = (
                subwords
                or self.from_expression(typed, suggest)
                or self.from_subwords(typed)
                or self.from_tokens(typed)
            )
            if built is not None:
                return built
            if not (suggest or builds):
                raise
        return find_word(self.vocab, typed, self.info.name, suggest=suggest)  # respelled, or raises

    def from_expression(self, typed: str, suggest: bool = True) -> Match | None:
        """``typed`` as an expression of two or more words (``"good - bad"``): its 3CosAdd direction
        (unit length), so that similar, vector and odd take expressions as neighbors does; None
        when it is not one. A word of it that is unknown is that word's error (with suggestions)."""
        terms = expression_terms(typed, known=lambda t: self.vocab.index(t) is not None)
        if terms is None:
            return None
        query = [Term(weight, self.lookup(word, suggest)) for weight, word in terms]
        direction = self.directions([query])[0]
        if not direction.any():
            raise zero_vector_error(describe(query))
        built = tuple(w for t in query for w in t.match.subwords)  # said, as a word's would be
        # The direction is the row, as neighbors uses it: normalised again it moved by a last bit.
        return self._built_match(typed, direction, built, unit=True)._replace(expression=True)

    def encode(self, typed: str) -> Match:
        """A static model's text: its tokens' rows averaged, then normalised if the model says so
        (model2vec's ``StaticModel.encode``); one token is that token's row."""
        assert self.text is not None  # lookup sends text here only for a static model
        ids, cut = self.token_ids(typed)
        if not ids:
            raise QueryError(f"{shorten(typed)} holds no token {self.info.name} knows")
        if len(ids) == 1:
            return Match(typed, self.vocab.word(ids[0]), ids[0], text=True)
        vector = self._as_text(self.raw_rows(ids).mean(axis=0, dtype=np.float32))
        return self._built_match(typed, vector, tuple(self.vocab.words(ids)))._replace(cut=cut)

    def from_tokens(self, typed: str) -> Match | None:
        """A language model's table: ``typed`` through its tokenizer. One token is its row; several
        are a QueryError listing them, unless ``pool`` is "mean" (their rows' mean, a rough tool)."""
        if self.text is None:
            return None
        ids = self.token_ids(typed).tokens
        if not ids:
            return None
        pieces = tuple(self.vocab.words(ids))
        if len(ids) == 1:
            return Match(typed, pieces[0], ids[0])
        if self.pool != "mean":
            raise QueryError(
                f"{shorten(typed)} is {len(ids)} tokens of {self.info.name}: {' '.join(pieces[:12])}; "
                "ask for one of them, or embed their mean with ⟨pool=mean⟩"
            )
        return self._built_match(typed, self.raw_rows(ids).mean(axis=0, dtype=np.float32), pieces)

    def token_ids(self, typed: str) -> Tokenized:
        """``typed`` through the model's tokenizer; a QueryError for a token past ``--limit`` (the
        tokenizer knows the whole table)."""
        assert self.text is not None  # only a token table's text comes here
        read = self.text.ids(typed)
        beyond = [i for i in read.tokens if i >= len(self)]
        if beyond:
            raise QueryError(
                f"{shorten(typed)} holds tokens beyond ⟨limit={len(self)}⟩ (ids "
                f"{first_few([str(i) for i in beyond], 3)}); raise the limit to {max(beyond) + 1} or "
                "more, or leave it out"
            )
        return read

    def raw_rows(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """Rows as the model file holds them, bit for bit (read-only: a change would be lost).
        Made ``RAW_BLOCK`` rows at a time: a whole matrix (``kv.vectors``) takes its own memory and
        a block's, not the three or four copies its steps would take at once."""
        ids = np.asarray(rows, dtype=np.int64)
        if len(ids) <= RAW_BLOCK:
            out = self._raw_block(ids)
        else:
            out = np.empty((len(ids), self.dims), dtype=np.float32)
            for start in range(0, len(ids), RAW_BLOCK):
                out[start : start + RAW_BLOCK] = self._raw_block(ids[start : start + RAW_BLOCK])
        out.setflags(write=False)
        return out

    def _raw_block(self, ids: np.ndarray) -> np.ndarray:
        out = self.gather(ids)  # a new array, scaled in place
        out *= self.gather_norms(ids)[:, None]
        inside = ids < len(self)
        if self.stored is not None and inside.any():
            self._check("residuals.npy", ids[inside])
            out[inside] = self.stored.restore(out[inside], ids[inside])
        if not inside.all():
            out[~inside] = self.built.raws(ids[~inside] - len(self))
        return out

    def _built_match(self, typed: str, vector: np.ndarray, pieces: tuple = (), unit: bool = False) -> Match:
        """A row for ``vector`` built from ``typed`` (``unit``: it is a unit direction already)."""
        raw = np.asarray(vector, dtype=np.float32)
        unit_row, norm = (raw[None, :], np.ones(1)) if unit else unit_rows(raw[None, :])
        row = len(self) + self.built.add(typed, unit_row[0], float(norm[0]), raw)
        return Match(typed, typed, row, built=True, pieces=pieces)

    @property
    def word_builder(self) -> Subwords | None:
        """What builds words the model never saw from their n-grams: fastText's subwords, unless
        --no-subwords; None for other models."""
        return self.subwords if self.use_subwords else None

    def from_subwords(self, typed: str) -> Match | None:
        """``typed`` as fastText builds a word it never saw (its n-grams' mean), if the model can."""
        subwords = self.word_builder
        if subwords is None:
            return None
        offset = self.built.offset_of(typed)
        if offset is not None:
            built: Match | None = Match(typed, typed, len(self) + offset, built=True)
        else:
            vector = subwords.vector(typed)
            built = None if vector is None else self._built_match(typed, vector)
        row = past_limit(self.vocab, [typed]) if built is not None else None
        return built if row is None else built._replace(beyond=row)  # type: ignore[union-attr]

    def name_of(self, row: int) -> str:
        """What row ``row`` holds: its word, or for a row past the vocabulary the text built there
        (a fastText word, an expression, pooled tokens), as typed."""
        n = len(self)
        return self.vocab.word(row) if row < n else self.built.texts([row - n])[0]

    def gather(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """The unit rows ``rows`` (float32), those built from subwords included."""
        rows = np.asarray(rows, dtype=np.int64)
        n = len(self)
        self._check("vectors.npy", rows)
        if not len(self.built) or rows.size == 0 or rows.max() < n:
            # np.take copies rows about twice as fast as indexing by an array (1,000,000 rows of 50:
            # 53 against 95 ms, measured): the same floats
            return np.asarray(np.take(self.vectors, rows, axis=0), dtype=np.float32)
        out = np.empty((*rows.shape, self.dims), dtype=np.float32)
        inside = rows < n
        out[inside] = np.take(self.vectors, rows[inside], axis=0)
        out[~inside] = self.built.units(rows[~inside] - n)
        return out

    def unit_row(self, row: int) -> np.ndarray:
        """``gather([row])[0]`` without its array steps for a row of the file (a notebook asks many
        words one by one): the same float32 numbers, read-only (a view of the row: no copy)."""
        vectors = self.vectors
        if 0 <= row < vectors.shape[0]:
            if self.checker is not None:
                self.checker("vectors.npy", (row,))
            return vectors[row]
        out = self.gather([row])[0]
        out.setflags(write=False)
        return out

    def gather_norms(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        n = len(self)
        self._check("norms.npy", rows)
        if not len(self.built) or rows.size == 0 or rows.max() < n:
            return np.asarray(self.norms[rows], dtype=np.float32)
        out = np.empty(rows.shape, dtype=np.float32)
        inside = rows < n
        out[inside] = self.norms[rows[inside]]
        out[~inside] = self.built.norms(rows[~inside] - n)
        return out

    def one_hot_product(self, row: int, block: int = 1 << 16) -> np.ndarray:
        """The one-hot vector of ``row`` times the matrix as the file holds it (``x @ E``, the
        embedding layer's lookup written as a product), computed block of rows by block and summed.

        Invariant: equal to ``raw_vector(row)`` as numbers (0 x e is a zero and 1 x e is e, exactly,
        in IEEE arithmetic); a -0.0 in the row comes out +0.0, as the sum of zeros makes it.
        """
        n = len(self)
        if not 0 <= row < n:
            raise QueryError(
                f"row {row} is not in the vocabulary (0 to {n - 1}), so it has no one-hot vector"
            )
        out = np.zeros(self.dims, dtype=np.float32)
        for start in range(0, n, block):
            stop = min(n, start + block)
            x = np.zeros(stop - start, dtype=np.float32)
            if start <= row < stop:
                x[row - start] = 1.0
            out += x @ self.raw_rows(np.arange(start, stop))
        return out

    def embedded(self, match: Match) -> np.ndarray:
        """The vector of what ``match`` found, as ``vecq vector`` gives it: the row as the model file
        holds it; for a static model's text of one token, that row as the model embeds a text
        (normalised when the model says so: model2vec's ``encode`` of "the" is a unit vector, as
        its encode of "the cat" is), so that a batch of texts gives vectors of one kind."""
        vector = self.raw_vector(match.row)
        return self._as_text(vector) if match.text else vector

    def _as_text(self, pooled: np.ndarray) -> np.ndarray:
        """A static model's pooled rows as it embeds a text: normalised if the model says so, as
        model2vec's ``encode`` divides by the norm plus 1e-32."""
        if self.text is None or not self.text.normalize:
            return pooled
        return pooled / (np.linalg.norm(pooled) + np.float32(1e-32))

    def raw_vector(self, row: int) -> np.ndarray:
        """The vector as the model file holds it, bit for bit (read-only): ``raw_rows([row])[0]``,
        by the same float32 product, without its array steps (a notebook asks for many, one by one)."""
        if not 0 <= row < len(self):
            return self.raw_rows([row])[0]
        if self.checker is not None:
            for name in (
                "vectors.npy",
                "norms.npy",
                *(("residuals.npy",) if self.stored is not None else ()),
            ):
                self.checker(name, (row,))
        out = self.vectors[row] * self.norms[row]
        if self.stored is not None:
            out = self.stored.restore_row(out, row)
        out.setflags(write=False)
        return out

    # -- the three questions ----------------------------------------------------------------------

    def similarity(self, a: Match, b: Match) -> Similarity:
        """One pair's cosine: ``similarities`` of the pair (the same arithmetic, so the same bits),
        without its array steps when both are rows of the file (a notebook asks many, one by one)."""
        score = self.pair_of_rows(a.row, b.row)
        if score is None:
            score = float(self.similarities(np.array([a.row]), np.array([b.row]))[0])
        return Similarity(a.word, b.word, score)

    def pair_of_rows(self, a: int, b: int) -> float | None:
        """The cosine of two different rows of the file as ``similarities`` gives it, in Python and
        one einsum; None for a pair that takes its array steps (one row twice, a built row)."""
        vectors = self.vectors
        if a != b and 0 <= a < vectors.shape[0] and 0 <= b < vectors.shape[0]:
            if self.checker is not None:
                self.checker("vectors.npy", (a, b))
            score = float(np.float32(einsum("i,i->", vectors[a], vectors[b], dtype=np.float64)))
            if not -COSINE_LIMIT <= score <= COSINE_LIMIT:
                self.check_scores([score], cosines=True)
            return score
        return None

    def similarities(self, rows_a: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
        """Cosine of many pairs at once: one gather and one row-wise dot product.

        The products are summed in float64 and rounded to float32: the exact cosine of the stored
        rows, so it does not depend on the summation order (``cache/pair_reader.py`` sums them another way).
        A word against itself is exactly 1 (0 for an all-zero vector), not 1 minus a rounding error.
        """
        rows_a, rows_b = np.asarray(rows_a), np.asarray(rows_b)
        va, vb = self.gather(rows_a), self.gather(rows_b)
        out = np.einsum("ij,ij->i", va, vb, dtype=np.float64).astype(np.float32)
        same = rows_a == rows_b
        if same.any():
            out[same] = self._itself(rows_a[same])
        self.check_scores(out, cosines=True)
        return out

    def _itself(self, rows: np.ndarray) -> np.ndarray:
        """Each row's cosine with itself: exactly 1, or 0 for an all-zero vector (not 1 minus a
        rounding error)."""
        return (self.gather_norms(rows) > 0).astype(np.float32)

    def similarity_matrix(self, matches: Sequence[Match]) -> np.ndarray:
        """Cosines of every pair of words, each ``similarities``' number for that pair (a word
        against itself, the diagonal, exactly 1, or 0 for an all-zero vector)."""
        rows = np.array([m.row for m in matches], dtype=np.int64)
        memory.check_fits(
            len(rows) ** 2 * 4,
            f"a similarity matrix of {len(rows):,} words",
            "ask for fewer words (or each word's neighbours)",
        )
        units = self.gather(rows)
        out = exact_matrix(units, units)
        ones = self._itself(rows)
        np.fill_diagonal(out, ones)
        order = np.argsort(rows, kind="stable")
        for same in np.split(order, np.flatnonzero(np.diff(rows[order])) + 1):
            if len(same) > 1:  # a word asked twice (or two spellings of one row): the diagonal's rule
                out[np.ix_(same, same)] = ones[same[0]]
        self.check_scores(out, cosines=True)
        return out

    def neighbors(
        self,
        terms: Sequence[Term],
        top: int = 10,
        restrict: int | None = None,
        threshold: float | None = None,
        label: str | None = None,
        skip: int = 0,
    ) -> list[Neighbor]:
        """Nearest words to one word, or to the 3CosAdd mean of an expression's terms.

        An expression whose terms cancel out (``king - king``) is a QueryError: it has no direction.
        """
        if not self.directions([terms]).any():  # named as asked (``label``), as a batch names it
            raise zero_vector_error(label if label is not None else describe(terms))
        (result,) = self.neighbors_many([terms], top=top, restrict=restrict, skip=skip)
        return self.neighbor_records(label if label is not None else describe(terms), result, threshold)

    def neighbor_records(
        self, query: str, result: list[tuple[int, float]], threshold: float | None = None
    ) -> list[Neighbor]:
        """The records of one query's (row, score) answers, ranked, those under ``threshold`` left
        out: the one place a neighbour record is made (the CLI's, the batches' and the API's)."""
        return [
            Neighbor(query, rank, self.vocab.word(row), score)
            for rank, (row, score) in enumerate(result, 1)
            if threshold is None or score >= threshold
        ]

    def neighbors_many(
        self,
        queries: Sequence[Sequence[Term]],
        top: int = 10,
        restrict: int | None = None,
        skip: int = 0,
    ) -> list[list[tuple[int, float]]]:
        """(row, score) lists for many queries, from one pass over the matrix (a query whose terms
        cancel out has no direction, and no answers)."""
        q = self.directions(queries)
        exclude = [[t.match.row for t in terms] for terms in queries]
        return self.neighbors_of_directions(q, top, restrict, exclude, skip=skip)

    def neighbors_of_directions(
        self,
        q: np.ndarray,
        top: int = 10,
        restrict: int | None = None,
        exclude: list | None = None,
        floor: Floor | None = None,
        skip: int = 0,
    ) -> list[list[tuple[int, float]]]:
        """(row, score) lists for unit query directions ``q`` (one a row), ``exclude``d rows left out.

        ``floor`` (per query, optional) is a score known to be below each query's ``top``-th best:
        rows scoring under it are never candidates, which spares the search most of its work for
        queries whose best rows come late in the matrix (``core/graph.py``). The answers are the same.
        Given as a function, it is computed only when the float32 matrix is scanned.
        """
        exclude = exclude if exclude is not None else [[] for _ in range(len(q))]
        # OpenBLAS multiplies up to a few hundred queries faster with the block on the left, and
        # top_k reads the transposed view as it lies (docs/design.md). Measured on 3M x 300 (2
        # cores): 8 queries 0.33 s against 0.48 s, 64 queries 0.81 against 1.03, 512 queries 5.3
        # against 5.6; at 1,000 they are level. The scores only pick candidates (they are scored
        # exactly after), so the answers are the same either way.
        few = len(q) <= FEW_QUERIES

        def scores(block: np.ndarray) -> np.ndarray:
            if few:
                return (block @ q.T).T
            return q @ block.T

        n = self._searched(restrict)
        if len(q) == 1 and floor is None and (n - skip) * self.dims <= EVERY_ROW_NUMBERS:
            if self.int8 is not None:
                self.note(
                    f"every one of {max(0, n - skip):,} rows scored exactly (too few for the int8 copy)"
                )
            return self._checked([self._every_row_ranked(q[0], exclude[0], top, n, skip)])
        exact = self._exact_dots(q)
        return self.best_rows(scores, len(q), exclude, top, restrict, exact, probe=q, floor=floor, skip=skip)

    def _searched(self, restrict: int | None) -> int:
        """How many rows a search of the first ``restrict`` (None: all) reads."""
        return len(self) if restrict is None else max(0, min(int(restrict), len(self)))

    def _every_row_ranked(
        self, direction: np.ndarray, exclude: Sequence[int], top: int, n: int, skip: int
    ) -> list[tuple[int, float]]:
        """The best ``top`` rows of ``[skip, n)`` for one unit ``direction``, ranked by (exact
        score, row): the search's answer, from one float32 product of every row.

        The proof is ``ranking.near_kth``'s: the ``top`` best float32 scores, K the lowest of them,
        belong to rows whose exact scores are at least K less a product's rounding, so a row whose
        float32 score lies below ``within_reach(K, twice that)`` scores exactly below the ``top``-th
        best; every other row is scored exactly (``exact_dots``). Excluded and zero rows never
        answer; a score that is not a number is kept, for ``_checked`` to refuse."""
        scores = float32_scores(self.vectors[skip:n], direction)
        left_out = self._left_out([r for r in exclude if skip <= r < n])
        scores[left_out[(left_out >= skip) & (left_out < n)] - skip] = -np.inf
        kth = -np.inf
        if len(scores) > top:
            kth = float(np.partition(scores, len(scores) - top)[len(scores) - top])
        reach = within_reach(kth, 2.0 * dot_rounding(self.dims)) if kth > -np.inf else -np.inf
        rows = np.flatnonzero(~(scores < reach) & (scores != -np.inf))
        exact = exact_dots(np.broadcast_to(direction, (len(rows), self.dims)), self.vectors, rows + skip)
        order = np.lexsort((rows, -exact))[:top]
        return list(zip((rows[order] + skip).tolist(), exact[order].tolist()))

    def analogy(
        self,
        a: Match,
        b: Match,
        c: Match,
        top: int = 1,
        method: str = "add",
        restrict: int | None = None,
        skip: int = 0,
    ) -> list[AnalogyAnswer]:
        """A - B + C: ``a`` is to ``b`` as ``?`` is to ``c``, i.e. gensim's positive=[A, C], negative=[B]."""
        (result,) = self.analogies([(a, b, c)], top=top, method=method, restrict=restrict, skip=skip)
        return [
            AnalogyAnswer(a.word, b.word, c.word, rank, self.vocab.word(row), score)
            for rank, (row, score) in enumerate(result, 1)
        ]

    def analogies(
        self,
        triples: Sequence[tuple[Match, Match, Match]],
        top: int = 1,
        method: str = "add",
        restrict: int | None = None,
        exact_scores: bool = True,
        skip: int = 0,
    ) -> list[list[tuple[int, float]]]:
        """(row, score) lists for many A - B + C questions, from one pass over the matrix.

        ``exact_scores=False`` keeps BLAS's scores and ranking (an evaluation needs only the ranking;
        it skips the re-scoring that makes printed scores independent of the batch).
        """
        if method == "add" and self.index is None and _few_shared_parts(triples):
            return self._analogies_by_parts(triples, top, restrict, exact_scores, skip)
        if method == "add":
            return self.neighbors_many(
                [[Term(1.0, a), Term(-1.0, b), Term(1.0, c)] for a, b, c in triples], top, restrict, skip
            )
        if method != "cosmul":
            raise QueryError(f"unknown analogy method {method!r}; use one of: {', '.join(METHODS)}")
        from .cosmul import cosmul, cosmul_upper  # here: no other query loads it (tests/test_startup.py)

        m = len(triples)
        rows = np.array([[a.row, c.row, b.row] for a, b, c in triples], dtype=np.int64).reshape(m, 3)
        q = self.gather(rows.reshape(-1))  # (3m, d): A, C, B per triple

        slack = cosine_slack(self.dims)

        def scores(block: np.ndarray, which: np.ndarray | None = None) -> np.ndarray:
            qq = q if which is None else q.reshape(m, 3, -1)[which].reshape(-1, q.shape[1])
            cos = (qq @ block.T).reshape(-1, 3, block.shape[0]).transpose(1, 0, 2)  # A, C, B
            return cosmul_upper(cos[:2], cos[2:], np.full(2, slack), np.full(1, slack))

        def exact(which: np.ndarray, candidates: np.ndarray) -> np.ndarray:
            cos = [exact_dots(q[3 * which + i], self.vectors, candidates) for i in range(3)]  # A, C, B
            return cosmul(np.stack(cos[:2]), np.stack(cos[2:]))

        # Always exact: the index's lists follow the 3CosAdd direction, and 3CosMul's best answers
        # often lie outside them (the top answer matched exact search in 73% of analogies).
        return self.best_rows(scores, m, rows.tolist(), top, restrict, exact, skip=skip, upper=True)

    def _analogies_by_parts(
        self,
        triples: Sequence[tuple[Match, Match, Match]],
        top: int,
        restrict: int | None,
        exact_scores: bool,
        skip: int = 0,
    ) -> list[list[tuple[int, float]]]:
        """3CosAdd for questions that share their (A, B) pairs and their Cs, as analogy test sets do.

        x . (a - b + c) = x . (a - b) + x . c: a block of rows is multiplied with the distinct pairs
        and the distinct Cs only (about 1,000 vectors for the Google set's 19,544 questions). The
        sum of a pair's and a C's best scores in the block bounds every question made of them, so
        once a question has its top k, a block of rarer words whose bound is lower is skipped
        without scoring it; only the questions a block could improve are summed and ranked.
        """
        m = len(triples)
        by_pair, by_c, diff, third, inverse = self._parts(triples)
        parts: dict = {}

        def products(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            if parts.get("block") is not block:
                parts.update(block=block, pair=diff @ block.T, c=third @ block.T)
            return parts["pair"], parts["c"]

        def bound(block: np.ndarray) -> np.ndarray:
            pair, c = products(block)
            return (pair.max(axis=1)[by_pair] + c.max(axis=1)[by_c]) * inverse

        def scores(block: np.ndarray, live: np.ndarray) -> np.ndarray:
            pair, c = products(block)
            out = np.take(pair, by_pair[live], axis=0)
            out += np.take(c, by_c[live], axis=0)
            out *= inverse[live, None]
            return out

        exclude = [[a.row, b.row, c.row] for a, b, c in triples]
        exact, directions = None, None
        if exact_scores:
            directions = self.directions([[Term(1.0, a), Term(-1.0, b), Term(1.0, c)] for a, b, c in triples])
            exact = self._exact_dots(directions)
        rounding = _by_parts_rounding(inverse, self.dims)
        return self.best_rows(
            scores,
            m,
            exclude,
            top,
            restrict,
            exact,
            bound=bound,
            skip=skip,
            rounding=rounding,
            settle=directions,
        )

    def _parts(
        self, triples: Sequence[tuple[Match, Match, Match]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``_analogies_by_parts``' vectors: (each question's pair, each question's C, the distinct
        pairs' A - B, the distinct Cs, each question's float32 1 / norm, 0 for a zero query)."""
        keys = np.array([(a.row, b.row) for a, b, _ in triples], dtype=np.int64).reshape(len(triples), 2)
        pairs, by_pair = np.unique(keys, axis=0, return_inverse=True)
        cs, by_c = np.unique(np.array([c.row for _, _, c in triples], dtype=np.int64), return_inverse=True)
        by_pair, by_c = by_pair.reshape(-1), by_c.reshape(-1)
        diff = self.gather(pairs[:, 0])
        diff -= self.gather(pairs[:, 1])
        third = self.gather(cs)
        norm = np.linalg.norm(diff[by_pair] + third[by_c], axis=1)
        inverse = (1.0 / np.where(norm > 0, norm, np.inf)).astype(np.float32)
        return by_pair, by_c, diff, third, inverse

    def odd_one_out(self, matches: Sequence[Match], at_least: int = 2) -> list[tuple[Match, float]]:
        """Each word with its cosine to the group's unit mean, least similar (the odd one) first.

        gensim's ``doesnt_match``: the mean of the unit vectors, normalised. Fewer than ``at_least``
        words are a QueryError (gensim's API answers one word; a question about one word does not).
        """
        if len(matches) < at_least:
            raise QueryError("give at least two words to find the one that does not belong")
        self.refuse_zero_rows([m.row for m in matches if m.row < len(self)], "be weighed against the others")
        rows = self.gather([m.row for m in matches])
        # rows.mean(axis=0) without its Python steps: numpy divides the float32 sums in float64 and
        # rounds to float32, which is the float32 quotient (53 >= 2 * 24 + 2 bits: double rounding
        # of a quotient is innocuous)
        scores = rows @ unit(np.add.reduce(rows, axis=0) / np.float32(len(rows)))
        self.check_scores(scores, cosines=True)
        return sorted(zip(matches, scores.tolist()), key=lambda pair: (pair[1], pair[0].word))

    # -- machinery --------------------------------------------------------------------------------

    @property
    def dims(self) -> int:
        return self.vectors.shape[1]

    def directions(self, queries: Sequence[Sequence[Term]]) -> np.ndarray:
        """The unit 3CosAdd direction of each query (all zeros when its terms cancel out): one gather
        per number of terms, not per query."""
        if len(queries) == 1 and len(queries[0]) == 1:  # one word (a notebook's most_similar(w))
            (term,) = queries[0]
            return (self.unit_row(term.match.row) * np.float32(np.sign(term.weight)))[None]
        q = np.empty((len(queries), self.dims), dtype=np.float32)
        sizes = np.array([len(terms) for terms in queries], dtype=np.int64)
        for size in sorted(set(sizes.tolist())):  # not np.unique: it would load numpy.ma into every query
            which = np.flatnonzero(sizes == size)
            rows = np.array([[t.match.row for t in queries[j]] for j in which.tolist()], dtype=np.int64)
            weights = np.array([[t.weight for t in queries[j]] for j in which.tolist()], dtype=np.float32)
            vectors = self.gather(rows.ravel()).reshape(len(which), size, -1)
            if size == 1:
                # One term's direction is its unit row as stored (negated by a negative weight):
                # divided by its own float32 length again it moved by a last bit in a third of the
                # rows, and `neighbors w` scored a word otherwise than `similar w word` did.
                q[which] = vectors[:, 0, :] * np.sign(weights)
                continue
            mean = np.einsum("qt,qtd->qd", weights, vectors)
            # Terms that cancel out leave rounding residue, not a direction: it counts as zero.
            mean[np.linalg.norm(mean, axis=1) < CANCELLED * size] = 0
            q[which] = unit(mean)
        return q

    def _exact_dots(self, directions: np.ndarray) -> Exact:
        """``exact(which, rows)``: the cosines of queries ``which`` with ``rows``, by ``exact_dots``."""

        def exact(which: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return exact_dots(directions[which], self.vectors, rows)

        return exact

    def best_rows(
        self,
        score_block: Callable[..., np.ndarray],
        m: int,
        exclude: list[list[int]],
        top: int,
        restrict: int | None,
        exact: Exact | None,
        probe: np.ndarray | None = None,
        bound: Callable[..., np.ndarray] | None = None,
        floor: Floor | None = None,
        skip: int = 0,
        rounding: np.ndarray | None = None,
        upper: bool = False,
        settle: np.ndarray | None = None,
    ) -> list[list[tuple[int, float]]]:
        """Each query's best ``top`` rows of ``[skip, restrict)``, ranked and scored by ``exact``.

        The search (blocked products, or the index) finds ``top + RESCORE_MARGIN`` candidates with
        BLAS, whose rounding depends on how many queries share a product; the candidates are then
        scored exactly and ranked by (score, row). So a query answers with the same rows, order and
        bits alone and in a batch of any size (tests/test_properties.py::
        test_batch_answers_equal_single_answers, tests/test_batch.py::test_a_batch_scores_as_single_queries).
        ``upper``: ``score_block``'s scores are bounds from above on the exact ones (3CosMul's
        ``cosmul_upper``, ``--away``'s), not float32 products off them by ``rounding``.
        ``settle``: the queries' unit directions, when the search's scores are not a ``probe``'s
        products (analogies by parts): a query settled from every row scans with them.
        """
        n = self._searched(restrict)
        exclude = [[r for r in rows if r < len(self)] for rows in exclude]  # built rows are never searched
        # A floor only spares the float32 scan rows that cannot answer; the int8 copy and the index
        # need none, so a floor given as a function is computed only for that scan.
        if probe is not None and exact is not None and self.int8 is not None:
            from_copy = self._from_int8(probe, exact, exclude, top, n, skip)
            if from_copy is not None:
                return self._checked(from_copy)
        wanted = top + (RESCORE_MARGIN if exact is not None else 0)
        found, scored = self._candidates(score_block, m, exclude, wanted, n, probe, bound, floor, skip)
        if exact is None:
            return found
        ranked = found if scored else exactly_ranked(found, exact, wanted)
        if upper:
            self._settle_bounded(found, ranked, score_block, exact, top, wanted, exclude, n, skip)
        else:
            probe = probe if probe is not None else settle
            self._settle_crowded(ranked, exact, top, wanted, exclude, n, skip, probe, rounding)
        return self._checked([candidates[:top] for candidates in ranked])

    def _candidates(
        self,
        score_block: Callable[..., np.ndarray],
        m: int,
        exclude: list[list[int]],
        wanted: int,
        n: int,
        probe: np.ndarray | None,
        bound: Callable[..., np.ndarray] | None,
        floor: Floor | None,
        skip: int,
    ) -> tuple[list[list[tuple[int, float]]], bool]:
        """``best_rows``' search: each query's ``wanted`` candidates from the index or the blocked
        scan, and whether their scores are already the exact ones, ranked by them (the index's)."""
        if self.index is not None and skip == 0 and self.approximate(n) and probe is not None:
            return self._from_index(self.index, probe, exclude, wanted, n)
        found = spread_top_k(
            score_block,
            self.vectors,
            n,
            m,
            exclude,
            k=wanted,
            zero_rows=self.zero_rows,
            bound=bound,
            floor=floor() if callable(floor) else floor,
            first=skip,
        )
        return found, False

    def _settle_crowded(
        self,
        ranked: list[list[tuple[int, float]]],
        exact: Exact,
        top: int,
        wanted: int,
        exclude: list[list[int]],
        n: int,
        skip: int,
        probe: np.ndarray | None,
        rounding: np.ndarray | None,
    ) -> None:
        """Each query of ``ranked`` whose rows beyond the candidates may score its k-th exactly
        (``near_kth``: ties, near-duplicates crowd it) answered from every row (``_all_tied``), in
        place. ``rounding``: how far a query's search scores may lie from its exact ones; a unit
        ``probe``'s product's bound when not given (one of the two is)."""
        if rounding is None:
            assert probe is not None, "a search with neither a unit probe nor its rounding proves nothing"
            rounding = np.full(len(ranked), dot_rounding(self.dims))
        for j, candidates in enumerate(ranked):
            if top < len(candidates) == wanted and near_kth(candidates, top, float(rounding[j])):
                kth = candidates[top - 1][1]
                within = None if probe is None else _probe_reaches(probe[j], kth, self.dims)
                ranked[j] = self._all_tied(j, exact, kth, exclude[j], n, top, skip, within)

    def _settle_bounded(
        self,
        found: list[list[tuple[int, float]]],
        ranked: list[list[tuple[int, float]]],
        score_block: Callable[..., np.ndarray],
        exact: Exact,
        top: int,
        wanted: int,
        exclude: list[list[int]],
        n: int,
        skip: int,
    ) -> None:
        """``_settle_crowded`` for a search whose scores bound the exact ones from above: a row left
        out is bounded by the last candidate's bound, so a query is settled when that is below its
        k-th exact score; else every row whose bound reaches the k-th is scored exactly."""
        for j, candidates in enumerate(ranked):
            if top < len(candidates) == wanted and found[j][-1][1] >= candidates[top - 1][1]:
                kth = candidates[top - 1][1]
                within = _bound_reaches(score_block, j, kth)
                ranked[j] = self._all_tied(j, exact, kth, exclude[j], n, top, skip, within)

    def _checked(self, answers: list[list[tuple[int, float]]]) -> list[list[tuple[int, float]]]:
        """``answers``, once their scores are numbers and their rows' cache blocks are as written."""
        self.check_scores([score for candidates in answers for _, score in candidates])
        answered = [row for candidates in answers for row, _ in candidates]
        self._check("vectors.npy", answered)
        self._check("words.bin", answered)
        return answers

    def _from_int8(
        self, probe: np.ndarray, exact: Exact, exclude: list[list[int]], top: int, n: int, skip: int
    ) -> list[list[tuple[int, float]]] | None:
        """Each query's best ``top`` of rows ``[skip, n)`` from the int8 copy (``core/int8.py``: the
        same answers as the scan), or None when there is no copy, an approximate index answers, the
        batch kernel is missing, or a query has too many candidates (then the float32 scan answers,
        and the note says why). Up to ``INT8_QUERIES`` queries scan the copy one by one; a larger
        batch multiplies it with all of them, and a query the batch cannot settle is asked alone."""
        copy = self.int8
        if copy is None or (self.index is not None and skip == 0 and self.approximate(n)):
            return None
        if skip >= n:  # a band past the vocabulary: no rows to scan (SimSIMD refuses an empty matrix)
            return [[] for _ in probe]
        found: list[np.ndarray | None]
        if len(probe) <= INT8_QUERIES:
            found = [None] * len(probe)
        else:
            batch = int8.candidates_many(copy, probe, top, exclude, self.zero_rows, skip, n)
            if batch is None:
                why = int8.batch_refused(copy, skip, n, len(probe))
                self.note(f"a batch scans the float32 matrix, not the int8 copy ({why})")
                return None
            found = batch
        alone = 0
        answers = []
        for j, q in enumerate(probe):
            rows = found[j]
            if rows is None:
                alone += 1
                rows = int8.candidates(copy, q, top, self._left_out(exclude[j]), skip, n)
            if rows is None:
                self.note("the int8 copy left too many candidates (or SimSIMD is missing): scanned float32")
                return None
            answers.append(int8.ranked(exact, j, rows, top))
        if answers and len(probe) <= INT8_QUERIES:  # none: nothing was asked, nothing to say
            asked = "1 query" if len(answers) == 1 else f"{len(answers)} queries"
            self.note(f"answered from the int8 copy ({asked}, one by one)")
        elif answers:
            self.note(
                f"answered from the int8 copy ({len(answers) - alone} queries together, {alone} one by one)"
            )
        return answers

    def _from_index(
        self, index: SearchIndex, probe: np.ndarray, exclude: list[list[int]], wanted: int, n: int
    ) -> tuple[list[list[tuple[int, float]]], bool]:
        """Each query's ``wanted`` candidates from the approximate index, and whether they are
        scored and ranked exactly already."""
        found = index.search(
            self.vectors, probe.astype(np.float32), exclude, wanted, zero_rows=self.zero_rows, limit=n
        )
        # Never fewer answers than asked: a query whose probed lists held too few rows is
        # answered exactly (tests/test_index.py::test_approx_never_returns_fewer_than_asked).
        short = [j for j, f in enumerate(found) if len(f) < min(wanted, n - len(exclude[j]))]
        if short:
            for j, f in zip(short, self._exact_top(probe, short, exclude, wanted, n)):
                found[j] = f
        # The index scores its candidates with exact_dots of ``probe``, which ``exact`` is (only
        # neighbors_of_directions passes a probe): ranked already, to the bit.
        return found, not short and probe.dtype == np.float32

    def _check(self, name: str, rows: Sequence[int] | np.ndarray) -> None:
        """The cache blocks holding ``rows`` (of the vocabulary) are as written, or an error."""
        if self.checker is not None:
            n = len(self)
            if type(rows) is list and len(rows) <= FEW_IN_PYTHON:  # an answer's rows (ints)
                self.checker(name, tuple(r for r in rows if r < n))
                return
            rows = np.asarray(rows, dtype=np.int64)
            if rows.size <= 8:  # a few rows: the checker's Python path
                self.checker(name, tuple(r for r in rows.ravel().tolist() if r < n))
            else:
                self.checker(name, rows[rows < n])

    def check_scores(self, scores: Sequence[float] | np.ndarray, cosines: bool = False) -> None:
        """Never answer with a score that is not a number (or, for ``cosines``, one beyond [-1, 1]):
        only damaged rows give one, so the error says to verify the cache."""
        listed: list | None = None  # a few, told in Python: numpy's cost per call is most of it
        if type(scores) is list:  # float32 numbers already (an answer's)
            listed = scores if len(scores) <= FEW_IN_PYTHON else None
        else:
            scores = np.asarray(scores, dtype=np.float32)
            listed = scores.ravel().tolist() if scores.size <= 8 else None
        if listed is not None and (
            all(-COSINE_LIMIT <= s <= COSINE_LIMIT for s in listed)
            if cosines
            else all(map(math.isfinite, listed))
        ):
            return
        scores = np.asarray(scores, dtype=np.float32)
        if scores.size == 0:
            return
        # two reductions, no array as large as the scores (a matrix's are hundreds of MB); NaN
        # carries through min and max, and fails every comparison
        lo, hi = float(scores.min()), float(scores.max())
        limit = COSINE_LIMIT if cosines else math.inf
        if -limit <= lo and hi <= limit and math.isfinite(lo) and math.isfinite(hi):
            return
        bad = ~np.isfinite(scores)
        if cosines:
            bad |= np.abs(scores) > COSINE_LIMIT
        raise DamagedModelError(self.info.name, float(scores[bad][0]))

    def exactly(self) -> Model:
        """This model with every search exact: its approximate index set aside (the same arrays).
        What is kept for later questions (CSLS's r) and what is said to be exact is found so."""
        if self.index is None:
            return self
        import copy

        exact = copy.copy(self)
        exact.index = None
        return exact

    def approximate(self, searched: int | None = None) -> bool:
        """Does a search of the first ``searched`` rows (all of them by default) use the index?

        Only a search of every row of the model the index was built on: a --restrict or --limit
        search is exact (an index's lists lose most of their rows to a restriction).
        """
        if self.index is None:
            return False
        return (len(self) if searched is None else searched) == len(self.index.rows)

    def _left_out(self, exclude: Sequence[int]) -> np.ndarray:
        """The rows a query never answers with, ascending: its excluded rows and the zero rows (not
        np.union1d: through np.unique it would load numpy.ma, 7 ms, into a single query)."""
        return np.array(sorted({*exclude, *self.zero_rows.tolist()}), dtype=np.int64)

    def _all_tied(
        self,
        j: int,
        exact: Exact,
        kth: float,
        exclude: list[int],
        n: int,
        top: int,
        skip: int = 0,
        within: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> list[tuple[int, float]]:
        """Query ``j``'s best ``top`` of rows ``[skip, n)`` scored exactly (every row at least
        ``kth``), ranked by (score, row): a rare pass over the matrix, in blocks. Given ``within``
        (a block of rows -> which of them may score ``kth``: a unit probe's float32 product within
        its rounding, a bound from above), only those are scored exactly: one more BLAS pass, not
        a float64 pass over every row."""
        left_out = self._left_out(exclude)
        kept_rows, kept_scores = [], []
        for start in range(skip, n, 1 << 16):
            stop = min(n, start + (1 << 16))
            rows = np.arange(start, stop, dtype=np.int64)
            if within is not None:
                rows = rows[np.asarray(within(np.asarray(self.vectors[start:stop])), dtype=bool)]
            rows = rows[~np.isin(rows, left_out)]
            scores = np.asarray(exact(np.full(len(rows), j, dtype=np.int64), rows), dtype=np.float32)
            keep = scores >= kth
            kept_rows.append(rows[keep])
            kept_scores.append(scores[keep])
        rows, scores = np.concatenate(kept_rows), np.concatenate(kept_scores)
        order = np.lexsort((rows, -scores))[:top]
        return list(zip(rows[order].tolist(), scores[order].tolist()))

    def _exact_top(
        self, probe: np.ndarray, which: list[int], exclude: list[list[int]], k: int, n: int
    ) -> list[list[tuple[int, float]]]:
        """Exact top ``k`` of the first ``n`` rows for the queries ``which`` of a batch of unit ``probe``s."""
        q = probe[np.array(which, dtype=np.int64)]
        subset = [exclude[j] for j in which]
        return top_k(
            lambda block: q @ block.T, self.vectors, n, len(q), subset, k=k, zero_rows=self.zero_rows
        )


def float32_scores(rows: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """One float32 BLAS product of ``rows`` with ``direction``: scores within ``dot_rounding`` of
    the exact ones, which only pick the rows to score exactly (``Model._every_row_ranked``)."""
    return np.asarray(rows @ direction, dtype=np.float32)


def _by_parts_rounding(inverse: np.ndarray, dims: int) -> np.ndarray:
    """How far an analogy's score summed by parts may lie from its exact score: (A - B) . x + C . x,
    each a float32 product (A - B of length up to 2, its difference rounded), summed and scaled by
    a float32 1 / norm (``inverse``), is off by at most 3 products' bounds and 4 roundings, scaled,
    and a unit product's bound and 4 roundings for the norm's own rounding and the exact
    direction's."""
    gamma, u = dot_rounding(dims), 2.0**-24
    return inverse.astype(np.float64) * (3 * gamma + 4 * u) + 2 * gamma + 4 * u


def _probe_reaches(probe: np.ndarray, kth: float, dims: int) -> Callable[[np.ndarray], np.ndarray]:
    """A block's rows whose float32 product with the unit ``probe`` may still be ``kth`` exactly
    (within a product's rounding and two float32 steps: ``within_reach``)."""
    q, reach = np.asarray(probe, dtype=np.float32), within_reach(kth, dot_rounding(dims))
    return lambda block: block @ q >= reach


def _bound_reaches(
    score_block: Callable[..., np.ndarray], j: int, kth: float
) -> Callable[[np.ndarray], np.ndarray]:
    """A block's rows whose bound from above (query ``j``'s ``score_block``) reaches ``kth``."""
    which = np.array([j], dtype=np.int64)
    return lambda block: score_block(block, which)[0] >= kth


def _few_shared_parts(triples: Sequence[tuple[Match, Match, Match]]) -> bool:
    """Do the questions share few enough pairs and Cs for ``_analogies_by_parts`` to be cheaper?"""
    if len(triples) < 64:
        return False
    parts = len({(a.row, b.row) for a, b, _ in triples}) + len({c.row for _, _, c in triples})
    return parts * 4 <= len(triples)
