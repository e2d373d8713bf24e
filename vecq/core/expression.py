"""Expressions such as ``king - man + woman``: parsed into signed terms, and spelled back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from ..errors import QueryError, shorten
from .words import Match


class Term(NamedTuple):
    """One word of an expression with its sign (+1 or -1)."""

    weight: float
    match: Match


def parse_expression(text: str, known: Callable[[str], bool] | None = None) -> list[tuple[float, str]]:
    """``"king - man + woman"`` (or ``"king -man +woman"``) -> ``[(1, 'king'), (-1, 'man'), (1, 'woman')]``.

    Operators are ``+`` and ``-`` standing alone, or written against the word they sign (``-man``,
    ``+woman``); inside a word they are part of it (``e-mail``). A token that is a word of the model
    as written (``known``: GloVe's ``-lrb-``) stays a word. Words with no operator between them form
    a phrase (``new york - ...``).
    """
    terms: list[tuple[float, str]] = []
    sign, words = 1.0, []
    tokens: list[str] = []
    for token in text.split():
        attached = len(token) > 1 and token[0] in "+-" and token[1] not in "+-"
        if attached and not (known is not None and known(token)):
            tokens += [token[0], token[1:]]
        else:
            tokens.append(token)
    for token in tokens:
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
        out += (f"{sign} " if i or t.weight < 0 else "") + t.match.word + " "
    return out.strip()
