"""Expressions such as ``king - man + woman``: parsed into signed terms, and spelled back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..errors import QueryError
from .words import Match


class Term(NamedTuple):
    """One word of an expression with its sign (+1 or -1)."""

    weight: float
    match: Match


def parse_expression(text: str) -> list[tuple[float, str]]:
    """``"king - man + woman"`` -> ``[(1, 'king'), (-1, 'man'), (1, 'woman')]``.

    Operators are ``+`` and ``-`` standing alone between spaces, so hyphenated words (``e-mail``) stay
    whole; words with no operator between them form a phrase (``new york - ...``).
    """
    terms: list[tuple[float, str]] = []
    sign, words = 1.0, []
    for token in text.split():
        if token in ("+", "-"):
            if words:
                terms.append((sign, " ".join(words)))
                words = []
            elif terms:
                raise QueryError(f"{text!r} has two operators in a row; put a word between them")
            sign = -1.0 if token == "-" else 1.0
        else:
            words.append(token)
    if words:
        terms.append((sign, " ".join(words)))
    elif terms or text.strip():
        raise QueryError(f"{text!r} ends with an operator; put a word after it")
    if not terms:
        raise QueryError("an empty query was given; give a word such as 'cat'")
    return terms


def describe(terms: Sequence[Term]) -> str:
    """The query as the model spells it: ``king - man + woman``."""
    out = ""
    for i, t in enumerate(terms):
        sign = "-" if t.weight < 0 else "+"
        out += (f"{sign} " if i or t.weight < 0 else "") + t.match.word + " "
    return out.strip()
