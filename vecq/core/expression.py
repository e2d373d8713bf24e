"""Expressions such as ``king - man + woman`` or ``2*king - man``: parsed into weighted terms, and
spelled back."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from ..errors import QueryError, shorten
from .words import Match

_WEIGHT = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\*(.*)$")  # 2*king, 0.5*, 2*
MAX_WEIGHT = 1e6
# man:king::woman (or man:king::woman:queen, or man:king::woman:?), the notation of analogy tests
_PROPORTION = re.compile(r"([^:\s]+):([^:\s]+)::([^:\s]+)(?::[^:\s]*)?")


def proportion(text: str) -> tuple[str, str, str] | None:
    """``a:b::c`` (a is to b as c is to ?) as analogy's A, B, C for A - B + C: (b, a, c), so that
    ``man:king::woman`` is ``king - man + woman``; None when ``text`` is not written so."""
    written = _PROPORTION.fullmatch(text.strip())
    if written is None:
        return None
    a, b, c = written.groups()
    return b, a, c


class Term(NamedTuple):
    """One word of an expression with its weight (its sign times its factor: 1, -1, 2, -0.5)."""

    weight: float
    match: Match


def parse_expression(text: str, known: Callable[[str], bool] | None = None) -> list[tuple[float, str]]:
    """``"king - man + woman"`` (or ``"king -man +woman"``) -> ``[(1, 'king'), (-1, 'man'), (1, 'woman')]``.

    Operators are ``+`` and ``-`` standing alone, or written against the word they sign (``-man``,
    ``+woman``); inside a word they are part of it (``e-mail``). A term may carry a factor:
    ``2*king``, ``2 * king``, ``-0.5*man`` (gensim's ``(word, weight)`` keys). A token that is a word
    of the model as written (``known``: GloVe's ``-lrb-``) stays a word. Words with no operator
    between them form a phrase (``new york - ...``). An operator alone is a word of the model that
    holds it (GloVe's ``-`` and ``+``), as it cannot be an expression.
    """
    alone = text.strip()
    if alone in ("+", "-") and known is not None and known(alone):
        return [(1.0, alone)]
    terms: list[tuple[float, str]] = []
    sign, factor = 1.0, None
    words: list[str] = []
    for token, is_factor in _tokens(text, known):
        if token in ("+", "-"):  # a factor is a number, never an operator
            if words:
                terms.append((sign * (factor or 1.0), " ".join(words)))
                words, factor = [], None
            elif terms or factor is not None:
                raise QueryError(f"{text!r} has two operators in a row; put a word between them")
            sign = -1.0 if token == "-" else 1.0
        elif is_factor:  # 2*, before its word
            if words:
                raise QueryError(f"{text!r}: put + or - before the factor, as in king - 2*man")
            if factor is not None:
                raise QueryError(f"{text!r} has two factors in a row; write one, as in 2*king")
            factor = float(token)
            if not 0 < factor <= MAX_WEIGHT:
                raise QueryError(f"{text!r}: a factor must be above 0 and at most {MAX_WEIGHT:g}")
        elif token == "*" and words and len(words) == 1 and is_number(words[0]) and factor is None:
            factor = float(words.pop())  # "2 * king"
            if not 0 < factor <= MAX_WEIGHT:
                raise QueryError(f"{text!r}: a factor must be above 0 and at most {MAX_WEIGHT:g}")
        else:
            words.append(token)
    if words:
        terms.append((sign * (factor or 1.0), " ".join(words)))
    elif factor is not None:
        raise QueryError(f"{text!r} ends with a factor; put a word after it, as in 2*king")
    elif terms or text.strip():
        raise QueryError(f"{text!r} ends with an operator; put a word after it")
    if not terms:
        raise QueryError("an empty query was given; give a word such as 'cat'")
    return terms


def expression_terms(text: str, known: Callable[[str], bool] | None = None) -> list[tuple[float, str]] | None:
    """The terms of ``text`` if it reads as an expression of two or more words, else None: the one
    test of whether a word someone typed stands for an expression (``Model.from_expression``, and
    the numpy-free ``similar``, which leaves expressions to the engine)."""
    if not any(op in text for op in "+-*"):
        return None
    try:
        terms = parse_expression(text, known)
    except QueryError:
        return None
    return terms if len(terms) >= 2 else None


def _tokens(text: str, known: Callable[[str], bool] | None) -> list[tuple[str, bool]]:
    """``text``'s tokens, each with whether it is a factor (the ``2`` of ``2*king``): operators
    written against a word are split off it (``-man``), factors off their word; a word of the model
    as written stays whole. A word is never taken for a factor (``*cat`` is a word, not ``*`` and
    ``cat``)."""
    tokens: list[tuple[str, bool]] = []
    for token in text.split():
        is_word = known is not None and known(token)
        attached = len(token) > 1 and token[0] in "+-" and token[1] not in "+-"
        if attached and not is_word:
            tokens.append((token[0], False))
            token = token[1:]
            is_word = known is not None and known(token)
        weighted = None if is_word else _WEIGHT.match(token)
        while weighted:  # 2*king -> the factor 2, then king (2*3*king: two factors, refused by the caller)
            tokens.append((weighted.group(1), True))
            token = weighted.group(2)
            weighted = None if not token or (known is not None and known(token)) else _WEIGHT.match(token)
        if token:
            tokens.append((token, False))
    return tokens


def is_number(token: str | bytes) -> bool:
    """Does ``token`` read as a number (as Python's ``float`` reads one)?"""
    try:
        float(token)
    except ValueError:
        return False
    return True


def zero_vector_error(text: str) -> QueryError:
    """The error of a query without a direction: its terms cancel out, or its word is all zeros."""
    return QueryError(
        f"{shorten(text)} is the zero vector (its terms cancel out, or its word is all zeros), "
        "which has no neighbours"
    )


def describe(terms: Sequence[Term]) -> str:
    """The query as the model spells it: ``king - man + woman``."""
    out = ""
    for i, t in enumerate(terms):
        sign = "-" if t.weight < 0 else "+"
        factor = "" if abs(t.weight) == 1 else f"{abs(t.weight):g}*"
        out += (f"{sign} " if i or t.weight < 0 else "") + factor + t.match.word + " "
    return out.strip()
