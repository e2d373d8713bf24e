"""Semantic axes (Kozlowski, Taddy and Evans 2019, "The Geometry of Culture"): a direction from two
sets of pole words, words placed along it, and the vectors with it taken out (Bolukbasi et al.
2016's neutralise step).

The axis is the difference of the poles' mean unit vectors, made unit length: with paired poles
(man/woman, he/she, him/her) that is the mean of the pairs' differences. It is built as a 3CosAdd
expression (weights 1/|A| and -1/|B|) through ``Model.directions``, so that the ends of the
vocabulary along it come from the engine's exact ranking, with the bits ``neighbors`` gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..errors import QueryError
from .expression import Term
from .model import Model
from .ranking import cosine_slack, float32_rounded
from .words import Match

# A unit row with less than this left once the axis is taken out lies along it: what is left is
# the rows' rounding, with no direction, so it is no neighbour (as a row of zeros is none).
NO_DIRECTION = 1e-6
NOTHING_LEFT = -2.0  # the score of such a row: below every cosine, so ranked last, then dropped


class Axis(NamedTuple):
    a: list[Match]
    b: list[Match]
    direction: np.ndarray  # unit, float32: from the mean of b towards the mean of a

    @property
    def label(self) -> str:
        return " ".join(m.typed for m in self.a) + " <-> " + " ".join(m.typed for m in self.b)

    @property
    def sides(self) -> tuple[str, str]:
        """Each pole by its first word, as the records name the end a word leans to."""
        return self.a[0].typed, self.b[0].typed

    def toward(self, score: float) -> str:
        """The pole a score leans to: pole a from 0 up, pole b below."""
        return self.sides[0] if score >= 0 else self.sides[1]

    @property
    def rows(self) -> list[int]:
        return [m.row for m in (*self.a, *self.b)]


def build(model: Model, a: Sequence[Match], b: Sequence[Match]) -> Axis:
    """The axis from pole ``b`` to pole ``a``; a QueryError when a pole is empty or the two cancel."""
    if not a or not b:
        raise QueryError("an axis needs words at both poles, e.g. 'man he him' and 'woman she her'")
    model.refuse_zero_rows([m.row for m in (*a, *b)], "be a pole (it would shrink its pole's mean)")
    terms = [Term(1.0 / len(a), m) for m in a] + [Term(-1.0 / len(b), m) for m in b]
    (direction,) = model.directions([terms])
    if not direction.any():
        raise QueryError("the two poles have the same mean vector, so no direction: give different words")
    return Axis(list(a), list(b), direction)


def positions(model: Model, axis: Axis, matches: Sequence[Match]) -> np.ndarray:
    """Each word's cosine with the axis (positive: towards pole a), summed as the engine's exact
    scores are (float64, rounded to float32), so a word has the score the vocabulary's ends give it."""
    rows = model.gather([m.row for m in matches])
    return np.einsum("ij,j->i", rows, axis.direction, dtype=np.float64).astype(np.float32)


def ends(model: Model, axis: Axis, top: int, restrict: int | None = None) -> tuple[list, list]:
    """The ``top`` words nearest each end of the axis, (row, cosine) pairs, the pole words left out:
    pole a's end first (highest cosine), then pole b's (lowest).

    Invariant: a word is at one end only. Where fewer than ``2 * top`` words count (a small
    ``restrict``) or ties run through the middle, pole b's end is what remains after pole a's,
    lowest first: its best ``2 * top`` hold ``top`` words that pole a's end lacks."""
    q = np.stack([axis.direction, -axis.direction])
    exclude = [axis.rows, axis.rows]
    towards_a, towards_b = model.neighbors_of_directions(q, 2 * top, restrict, exclude)
    towards_a = towards_a[:top]
    at_a = {row for row, _ in towards_a}
    # 0.0 - score: a score of exactly 0 stays 0.0 rather than printing as -0.0
    return towards_a, [(row, 0.0 - score) for row, score in towards_b if row not in at_a][:top]


def neighbors_away(
    model: Model, axis: Axis, query: np.ndarray, exclude: Sequence[int], top: int, restrict: int | None = None
) -> list[tuple[int, float]]:
    """The nearest rows to the unit direction ``query`` once the axis is taken out of every vector
    (each row and the query minus their part along it, then made unit length again): the cosine
    (q'.r) / |r'| with q' the query taken away and made unit. Candidates from float32 products,
    then scored in float64 and ranked by (score, row), through the engine's ``best_rows``. A row
    that lies along the axis (a one-word pole's own) has nothing left and is no neighbour."""
    d = axis.direction.astype(np.float64)
    q = query.astype(np.float64)
    q_away = q - (q @ d) * d
    q_norm = float(np.linalg.norm(q_away))
    if q_norm < NO_DIRECTION:
        raise QueryError("the query lies along the axis: with the axis taken out, nothing is left of it")
    q_away /= q_norm
    both = np.stack([q_away, d]).astype(np.float32)
    bound = _AwayBound(model.dims, float(d @ q_away), float(d @ d))

    def scores(block: np.ndarray, *which: np.ndarray) -> np.ndarray:
        products = np.asarray(block) @ both.T
        return bound.above(products[:, 0], products[:, 1])[None, :]

    def exact(which: np.ndarray, rows: np.ndarray) -> np.ndarray:
        vectors = model.gather(rows).astype(np.float64)
        away = vectors - np.outer(vectors @ d, d)
        norms = np.linalg.norm(away, axis=1)
        cosines = (away @ q_away) / np.where(norms >= NO_DIRECTION, norms, 1.0)
        return np.where(norms >= NO_DIRECTION, cosines, NOTHING_LEFT).astype(np.float32)

    (found,) = model.best_rows(scores, 1, [list(exclude)], top, restrict, exact, upper=True)
    return [(row, score) for row, score in found if score > NOTHING_LEFT]


class _AwayBound(NamedTuple):
    """A bound from above on ``neighbors_away``'s exact score of a unit row r from the search's
    float32 products with q' (``toward``) and with the axis d (``along``), each within its slack
    of the exact (``cosine_slack``; q' rounded to float32 is in it). The exact score is
    (r'.q') / |r'| in float64, r' = r - (r.d) d: r'.q' = r.q' - (r.d) kappa, kappa = d.q' (not 0:
    d is float32's unit vector), and |r'|^2 = |r|^2 - (r.d)^2 (2 - |d|^2), |r|^2 within 2**-19
    of 1 (a unit row), each widened for float64's sums. The largest quotient: r'.q' at its
    greatest over |r'| at its least when that may be >= 0; when not, over |r'| at its greatest,
    at most 1 + 2**-19. Where |r'| may be under ``NO_DIRECTION`` (the exact score may be any
    number, or NOTHING_LEFT) it is inf; at least NOTHING_LEFT, such a row's exact score.

    In float32 over the rows, its constants widened for each step's rounding (|r.q'|, |r.d| <=
    1.01: a step is off by at most a roundoff or two of numbers near 1) and the quotient by 4
    float32 steps (its square root's, its division's, and the exact score's own rounding)."""

    dims: int
    kappa: float
    d_squared: float

    def above(self, toward: np.ndarray, along: np.ndarray) -> np.ndarray:
        u, slack = 2.0**-24, cosine_slack(self.dims)
        # r.q' - (r.d) kappa at its greatest; float64's sums in the exact score: dims * 2**-50
        lift = slack + abs(self.kappa) * (1.01 + slack) + self.dims * 2.0**-50 + 4 * u
        top = np.add(toward, float32_rounded(lift, up=True), dtype=np.float32)
        reach = np.abs(along, dtype=np.float32)
        reach += float32_rounded(slack, up=True)
        # |r'|^2 at its least: |r|^2, (2 - |d|^2) and float64's sums (2**-45) at their worst, and
        # 10 roundoffs for the float32 steps
        shrink = abs(1 - self.d_squared) * 1.03
        least = float32_rounded(1 - 2.0**-19 - 2.0**-45 - shrink - 10 * u, up=False)
        left = np.subtract(least, np.square(reach, out=reach), out=reach)
        nothing = left < np.float32((1.01 * NO_DIRECTION) ** 2)
        most = float32_rounded(1 + 2.0**-19 + 2.0**-45, up=True)
        with np.errstate(invalid="ignore", divide="ignore"):  # |r'| may be 0 or less: ``nothing``
            bound = np.divide(top, np.sqrt(np.where(top >= 0, left, most)), out=top)
        bound += np.abs(bound) * np.float32(2.0**-21)
        bound[nothing] = np.inf
        return np.maximum(bound, np.float32(NOTHING_LEFT), out=bound)


def similarity_away(model: Model, axis: Axis, matches: Sequence[Match]) -> np.ndarray:
    """The cosine of every pair of words once the axis is taken out of both (float64)."""
    d = axis.direction.astype(np.float64)
    vectors = model.gather([m.row for m in matches]).astype(np.float64)
    away = vectors - np.outer(vectors @ d, d)
    norms = np.linalg.norm(away, axis=1)
    if (norms < NO_DIRECTION).any():
        lost = matches[int(np.argmin(norms))].typed
        raise QueryError(f"{lost} lies along the axis: with the axis taken out, nothing is left of it")
    away /= norms[:, None]
    return away @ away.T
