"""From what a user typed to a row: exact first, then the spellings models really use.

GoogleNews keeps case (``Paris``) and joins phrases with underscores (``New_York``); GloVe is all lower
case. A user types ``paris`` or ``"new york"`` and expects an answer, so after an exact miss we try a
short, fixed list of variants, and report the form used whenever it differs from the form typed.
Text in another Unicode normal form is the same text (``café`` typed with a combining accent, as
macOS writes it, and GloVe's precomposed ``café``): its NFC and NFD forms are variants too.

A token table (``vocab.tokens``) shows a word's start as ``▁`` (``sources/tokens.py``): there a typed
``cat`` is the word cat, the token ``▁cat``, before the token ``cat`` (a piece inside a word), and
the note says how to ask for the other; ``Ġcat``, ``" cat"`` and WordPiece's ``##at`` are read as
the forms they stand for. ``id:N`` is row N of any model (a token's id, a word's rank).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol, cast

from ..errors import BeyondLimitError, NotAWordError, QueryError, UnknownWordError, shorten

if TYPE_CHECKING:  # a two-word 'similar' resolves words without numpy (cache/pair_reader.py)
    from .vocab import Vocab


class Words(Protocol):
    """What finding a word needs of a vocabulary: ``vocab.Vocab``, or the numpy-free reader of
    ``cache/pair_reader.py``."""

    tokens: bool  # the vocabulary is a token table's (a word's start marked)

    def __len__(self) -> int: ...

    def word(self, row: int) -> str: ...

    def index(self, word: str) -> int | None: ...


_SPACES = re.compile(r"[\s_]+")
_SUGGEST_POOL = 5000
_ROW = re.compile(r"id:(\d{1,12})")
WORD_START = "\u2581"  # ▁, SentencePiece's mark for the space before a word (sources/tokens.py)


class Match(NamedTuple):
    """A typed word and the vocabulary entry it resolved to (a tuple: batches make millions)."""

    typed: str
    word: str
    row: int
    other: int | None = None  # a token table's other token for the typed text (``cat`` for ``▁cat``)
    built: bool = False  # not in the vocabulary: built from subwords (fastText), row past the vocabulary
    pieces: tuple = ()  # built from these tokens, by the model's tokenizer (a phrase, a sentence)
    expression: bool = False  # built as an expression's direction ("good - bad"), as typed
    cut: bool = False  # pooled from the text's first tokens only: the model reads no more (max_length)
    text: bool = False  # a static model's text of one token: searched as its row, embedded as a text
    beyond: int | None = None  # built, though the model holds it at this row, past ``--limit``

    @property
    def changed(self) -> bool:
        return self.typed != self.word

    @property
    def pooled(self) -> bool:
        """A text the model's tokenizer made several tokens, whose rows were pooled."""
        return self.built and bool(self.pieces) and not self.expression

    @property
    def subwords(self) -> tuple[str, ...]:
        """The words typed that were built from fastText's n-grams, what a fastText model's
        ``subwords`` column names: an expression's terms (its ``pieces``), or this word when it was
        built and not from a tokenizer's pieces."""
        if self.expression:
            return self.pieces
        return (self.typed,) if self.built and not self.pieces else ()


def word_of(entry: str, tokens: bool) -> str | None:
    """What a word list (an evaluation file) calls a vocabulary entry: the entry itself; in a token
    table, a word-start token's word (``▁cat`` is cat), and None for a piece inside a word, which
    no word list names."""
    if not tokens:
        return entry
    return entry[1:] if entry.startswith(WORD_START) and len(entry) > 1 else None


# Characters that show as nothing and mean nothing inside a word, which text copied from a web page
# carries: zero-width space, word joiner, zero-width no-break space (a byte-order mark), soft
# hyphen. (Zero-width joiners are left: they join Persian and Indic letters and emoji.)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"))


# A quotation's opening mark and its closing one: a word quoted is tried without them.
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u201e": "\u201c", "\u00ab": "\u00bb"}

# What a word processor or a web page types for the minus of ``king - man + woman``: en dash, em
# dash, minus sign.
_DASHES = dict.fromkeys(map(ord, "\u2013\u2014\u2212"), "-")


def variants(typed: str) -> list[str]:
    """Spellings to try, in order, after ``typed`` itself."""
    forms: list[str] = []
    bases = [typed]
    if not typed.isascii():  # canonically equivalent spellings: the same text in another normal form
        import unicodedata

        bases += [unicodedata.normalize(form, typed) for form in ("NFC", "NFD")]
        visible = typed.translate(_INVISIBLE)
        if visible != typed:  # a zero-width space or soft hyphen pasted with the word
            bases.append(visible)
            typed = visible
    stripped = typed.strip()
    if _SPACES.search(stripped):
        parts = [p for p in _SPACES.split(stripped) if p]
        bases.append("_".join(parts))
        bases.append("_".join(p[:1].upper() + p[1:] for p in parts))
    elif stripped != typed:
        bases.append(stripped)
    closing = _QUOTES.get(stripped[:1])
    if closing and len(stripped) > 2 and stripped.endswith(closing):  # "cat" from a CSV, “cat” from a page
        bases.append(stripped[1:-1].strip())
    for base in bases:
        forms += [base, base.lower(), base[:1].upper() + base[1:], base.title(), base.upper()]
    return list(dict.fromkeys(forms))  # each form once, in order


def check_typed(typed: str) -> None:
    """Refuse input that cannot be a word, before searching for it."""
    if not typed.strip():
        raise NotAWordError("an empty word was given; give a word such as 'cat'")
    if any(ord(ch) < 32 and ch not in "\t" for ch in typed):
        wide = (  # every other byte NUL: a UTF-16 line read as UTF-8
            "; NUL bytes between its letters are UTF-16 without a byte-order mark: convert it, "
            "e.g. iconv -f utf-16le -t utf-8"
            if "\x00" in typed
            else ""
        )
        raise NotAWordError(f"{typed[:40]!r} contains control characters; give a plain word{wide}")
    bad = (
        None if typed.isascii() else next((i for i, c in enumerate(typed) if "\ud800" <= c <= "\udfff"), None)
    )
    if bad is not None:  # Python keeps an argument's bytes that are not UTF-8 as lone surrogates
        what = f"the byte 0x{ord(typed[bad]) - 0xDC00:02X}" if typed[bad] >= "\udc80" else "a lone surrogate"
        where = f"after {typed[:bad][-20:]!r}" if bad else "first"
        raise NotAWordError(
            f"the word is not valid UTF-8 ({what} {where}); vecq reads UTF-8: set the terminal to "
            "UTF-8, or convert the text, e.g. iconv -f latin1 -t utf-8"
        )


def find_word(
    vocab: Words,
    typed: str,
    model: str | None = None,
    suggest: bool = True,
    respell: bool = True,
    limit_error: bool = True,
) -> Match:
    """The row for ``typed``, trying its variants (unless not ``respell``: then only as typed, or
    an id); UnknownWordError with suggestions otherwise. A word the vocabulary holds as typed is
    found even if it is blank to Python (fastText keeps ``\u3000``), as ``find_words`` finds it.
    A word past ``--limit`` is a BeyondLimitError (a KeyError) saying so, unless not
    ``limit_error`` (a model that builds words from n-grams builds it, as it would with only the
    first rows converted)."""
    tokens = getattr(vocab, "tokens", False)
    row = None if tokens else vocab.index(typed)
    if row is not None:
        return Match(typed, typed, row)
    check_typed(typed)
    if tokens:
        found = _token(vocab, typed)
        if found is not None:
            return found
        row = vocab.index(typed)
        if row is not None:
            return Match(typed, typed, row)
    by_id = _ROW.fullmatch(typed)
    if by_id:
        row = int(by_id.group(1))
        if row >= len(vocab):
            if past_limit(vocab, [typed]) is not None:
                raise QueryError(
                    f"{typed} is beyond ⟨limit={len(vocab)}⟩ (ids 0 to {len(vocab) - 1:,}); raise the "
                    f"limit to {row + 1} or more, or leave it out"
                )
            rows = _rows_held(vocab)
            raise QueryError(f"{typed} is beyond the model's {rows:,} rows (ids 0 to {rows - 1:,})")
        return Match(typed, vocab.word(row), row)
    forms = variants(typed) if respell else [typed]
    for form in forms[1:]:
        row = vocab.index(form)
        if row is not None:
            return Match(typed, form, row)
    row = past_limit(vocab, forms) if limit_error else None
    if row is not None:
        raise BeyondLimitError(typed, row, len(vocab), model)
    # Suggestions search the sorted vocabulary (numpy): only ``Vocab`` is asked for them.
    raise UnknownWordError(typed, suggestions(cast("Vocab", vocab), typed) if suggest else [], model)


def past_limit(vocab: Words, forms: Iterable[str]) -> int | None:
    """The model's row of the first of ``forms`` that it holds past ``--limit``; None when none
    does, or when ``vocab`` does not know (no limit, or only the first rows were converted)."""
    beyond_limit = getattr(vocab, "beyond_limit", None)  # the numpy-free reader has no limit
    if not callable(beyond_limit):
        return None
    held = _rows_held(vocab)
    for form in forms:
        by_id = _ROW.fullmatch(form)  # id:N, a row past the limit but within the model
        row = int(by_id.group(1)) if by_id else beyond_limit(form)
        if row is not None and len(vocab) <= row < held:
            return row
    return None


def _rows_held(vocab: Words) -> int:
    """The rows of the model ``vocab`` is a view of, past its limit too (its own when it knows no
    other: the numpy-free reader, a cache of the first rows only)."""
    held = getattr(vocab, "rows_held", None)
    return held() if callable(held) else len(vocab)


def _token(vocab: Words, typed: str) -> Match | None:
    """A token table's reading of ``typed``: the word-start token first (see the module's note)."""
    if typed.startswith(("Ġ", " ")) and len(typed) > 1:
        form = WORD_START + typed[1:]
    elif typed.startswith("##") and len(typed) > 2 and vocab.index(typed) is None:
        form = typed[2:]
    elif not typed.startswith(WORD_START):
        start, inside = vocab.index(WORD_START + typed), vocab.index(typed)
        if start is not None:
            return Match(typed, WORD_START + typed, start, inside)
        return None
    else:
        return None
    row = vocab.index(form)
    return Match(typed, form, row) if row is not None else None


def _same_text(a: str, b: str) -> bool:
    """Are ``a`` and ``b`` canonically equivalent (one text, in different Unicode normal forms)?"""
    import unicodedata

    return unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b)


def cut_note(m: Match) -> str:
    """What is said of a text longer than the model reads (``Match.cut``)."""
    return (
        f"{shorten(m.typed)} is longer than the model reads (its max_length): its first "
        f"{len(m.pieces)} tokens are pooled and the rest is left out, as model2vec does"
    )


def respellings(matches: Iterable[Match]) -> list[str]:
    """A note for each word found under another spelling: "using 'Paris' for 'paris'"; for a token
    table, how to ask for the other token of the same text."""
    notes = []
    for m in matches:
        notes += [
            f"{w!r} is not in the vocabulary: its vector is built from its character n-grams"
            if m.beyond is None or m.expression
            else f"{w!r} is word {m.beyond + 1:,} of the model, beyond the limit: its vector is built "
            "from its character n-grams, not the model's own"
            for w in m.subwords
        ]
        if m.expression or m.subwords:
            continue  # an expression is used as typed
        if m.pooled:
            shown = " ".join(m.pieces[:12]) + (" ..." if len(m.pieces) > 12 else "")
            notes.append(f"{shorten(m.typed)} is {len(m.pieces)} tokens ({shown}), pooled as the model does")
            if m.cut:
                notes.append(cut_note(m))
        elif m.other is not None:
            notes.append(
                f"using {m.word!r} for {m.typed!r}; the token {m.typed!r} inside a word is id:{m.other}"
            )
        elif _ROW.fullmatch(m.typed):
            notes.append(f"{m.typed} is {m.word!r}")
        elif m.changed and _same_text(m.word, m.typed):
            notes.append(
                f"using the model's {m.word!r} for {m.typed!r}: the same text in another Unicode form"
            )
        elif m.changed:
            notes.append(f"using {m.word!r} for {m.typed!r}")
    return notes


def suggestions(vocab: Vocab, typed: str, n: int = 5) -> list[str]:
    """Up to ``n`` close spellings, preferring frequent words (low rows) among those sharing a prefix."""
    import difflib

    import numpy as np

    typed = typed.strip()
    if not typed or len(typed) > 100:
        return []
    spaced = _spaced_expression(vocab, typed)  # king-man+woman: an expression without its spaces
    pool: set[int] = set()
    for form in {typed, typed.lower(), typed[:1].upper() + typed[1:].lower()}:
        for width in (2, 1):
            rows = vocab.prefix_rows(form[:width])
            if len(rows) > _SUGGEST_POOL:
                rows = np.sort(rows)[:_SUGGEST_POOL]
            pool.update(rows.tolist())
            if len(rows) >= n:
                break
    candidates = vocab.words(sorted(pool))
    by_lower = difflib.get_close_matches(typed.lower(), [c.lower() for c in candidates], n=n * 3, cutoff=0.6)
    out: list[str] = []
    lowered = {c.lower(): c for c in reversed(candidates)}  # the most frequent spelling wins
    for low in by_lower:
        word = lowered[low]
        if word not in out and word != typed:
            out.append(word)
    return ([spaced] if spaced is not None else []) + out[: n - (spaced is not None)]


def _spaced_expression(vocab: Vocab, typed: str) -> str | None:
    """``typed`` as an expression with spaces around its operators, when every term is a word of
    the model, as typed or in lower case (``king-man+woman``: ``king - man + woman``; ``king – man``
    with an en dash, em dash or minus sign: ``king - man``; words with no operator between them,
    ``cat dog``, as their sum ``cat + dog``); else None."""
    parts = [part.strip() for part in re.split(r"([+-])", typed.translate(_DASHES))]
    if len(parts) == 1:
        parts = " + ".join(typed.split()).split(" ")
    terms = parts[::2]
    if len(terms) < 2 or not all(t and (t in vocab or t.lower() in vocab) for t in terms):
        return None
    return " ".join(parts)


def fold_key(word: str) -> str:
    """What spelling variants of one word share (``--distinct``): case folded, Unicode's compatible
    forms made one (NFKC), a final possessive or plural s taken off (cats, CAT's, Cities -> city)."""
    import unicodedata

    key = unicodedata.normalize("NFKC", word).casefold()
    for end in ("'s", "\u2019s"):
        key = key.removesuffix(end)
    if len(key) > 4 and key.endswith("ies"):
        return key[:-3] + "y"
    if len(key) > 3 and key.endswith("es") and key[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return key[:-2]
    # not the s of a word that is no plural: class, bus, axis, physics, news, famous, perhaps
    if len(key) > 3 and key.endswith("s") and not key.endswith(("ss", "us", "is", "ics", "ews", "aps")):
        return key[:-1]
    return key


def fold(
    query_words: Sequence[str], answers: Sequence[tuple[int, float]], word_of: Callable[[int], str], top: int
) -> tuple[list[tuple[int, float, list[str]]], list[str]]:
    """``answers`` (row, score), best first, with each answer whose ``fold_key`` is a query word's
    or a better answer's left out: ([(row, score, [the words folded into it])], [words folded into
    the query]), at most ``top`` rows."""
    into_query: list[str] = []
    kept: list[tuple[int, float, list[str]]] = []
    owner: dict[str, int] = {fold_key(w): -1 for w in query_words}
    for row, score in answers:
        word = word_of(row)
        key = fold_key(word)
        if key in owner:
            (into_query if owner[key] < 0 else kept[owner[key]][2]).append(word)
        elif len(kept) < top:
            owner[key] = len(kept)
            kept.append((row, score, []))
    return kept, into_query
