"""3CosMul (Levy and Goldberg; gensim's ``most_similar_cosmul``): its scores, and bounds from above
on them that a search can rank by and leave no row out unproven.

The exact score of a row is ``cosmul`` of its exact cosines (``ranking.exact_dots``: float64 sums
rounded to float32). A search has float32 products instead, each within a known slack of the exact
cosine (``ranking.cosine_slack`` for unit vectors, scaled by a term's length). ``cosmul_upper``
turns the search's cosines and their slacks into a bound no exact score exceeds: the largest value
the quotient takes over every cosine within its slack, widened by the roundings of ``cosmul``'s own
float32 steps and of the bound's. A row left out of a search ranked by it is bounded by the last
candidate's bound (``Model.best_rows``' ``upper``); that is the proof.
"""

from __future__ import annotations

import numpy as np

from .ranking import float32_above, float32_rounded

COSMUL_EPS = 1e-6  # gensim's most_similar_cosmul: keeps the quotient finite

_U = 2.0**-24  # float32's unit roundoff
# Rows and unit terms are unit length within this (``unit.unit_rows`` keeps a row within 2**-22 of
# it, and makes others unit within a few roundoffs): their exact cosines lie within its square,
# (1 + 2**-21)**2, so a shifted cosine (1 + c) / 2 is at least -(2**-21 + 2**-43), above
# -_LEAST_FACTOR.
UNIT_LENGTH = 1 + 2.0**-21
_LEAST_FACTOR = 2.0**-21 + 2.0**-40
# float32's COSMUL_EPS: numpy adds a Python float to a float32 array as a float32
_EPS = float(np.float32(COSMUL_EPS))


def cosmul(positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """3CosMul (gensim's most_similar_cosmul) of cosines ``positive`` (p, ..., n), ``negative`` (q, ..., n).

    Each cosine is shifted to [0, 1]; the product over the positive words is divided by the product
    over the negative ones plus ``COSMUL_EPS``. The engine's analogies and the API both score here.
    """
    return np.prod((1 + positive) / 2, axis=0) / (np.prod((1 + negative) / 2, axis=0) + COSMUL_EPS)


def cosmul_upper(
    positive: np.ndarray,
    negative: np.ndarray,
    slack_positive: np.ndarray,
    slack_negative: np.ndarray,
    unit_terms: bool = True,
) -> np.ndarray:
    """A float32 bound from above on ``cosmul`` of exact cosines each within its slack of the
    search's: ``positive`` (p, ..., n) and ``negative`` (q, ..., n) float32 cosines, one slack a
    term ((p,) and (q,)). ``unit_terms``: every term is unit length within ``UNIT_LENGTH`` (a
    word's row), so no shifted cosine is below -``_LEAST_FACTOR`` and the bound takes float32
    steps over the rows; else (a vector a user gave) intervals in float64.

    ``cosmul`` of exact cosines rounds once a step, 2 (p + q) steps: its score is the real quotient
    within that many roundoffs of it (relatively: every step's rounding is relative, and the sum of
    a product and eps loses no more while the product is above -eps / 2, which the rows' unit
    length ensures; a bound whose denominator may be below that is inf)."""
    if unit_terms:
        return _unit_terms_upper(positive, negative, slack_positive, slack_negative)
    return _interval_upper(positive, negative, slack_positive, slack_negative)


def _unit_terms_upper(
    positive: np.ndarray, negative: np.ndarray, slack_positive: np.ndarray, slack_negative: np.ndarray
) -> np.ndarray:
    """``cosmul_upper`` for unit terms, in float32. A shifted cosine's ends are c / 2 + (1 +/- s) / 2,
    the constant rounded outwards and widened by 4 roundoffs for the sum's own rounding (|c| <= 1.01).
    The numerator: the product of the upper ends, each at least ``_LEAST_FACTOR`` (two true factors
    below 0 multiply to less than its square). The denominator: the lower end, at least
    -``_LEAST_FACTOR`` (no true factor is below it), plus eps; of several, the product of the
    lower ends at 0 or above, or twice -``_LEAST_FACTOR`` where one is below 0 (a true factor may
    be: the product is then above that). Above 0 always. Every float32
    step of the bound rounds at most a roundoff the wrong way: p + q + 2 of them, with
    ``cosmul``'s 2 (p + q), widen the quotient at the end."""
    shape = np.shape(positive)[1:]
    numerator = np.ones(shape, dtype=np.float32)
    for c, s in zip(positive, slack_positive):
        f = np.multiply(c, np.float32(0.5), dtype=np.float32)
        f += float32_rounded(0.5 + 0.5 * float(s) + 4 * _U, up=True)
        numerator *= np.maximum(f, np.float32(_LEAST_FACTOR), out=f)
    denominator = np.ones(shape, dtype=np.float32)
    below = None
    for c, s in zip(negative, slack_negative):
        f = np.multiply(c, np.float32(0.5), dtype=np.float32)
        f += float32_rounded(0.5 - 0.5 * float(s) - 4 * _U, up=False)
        if len(negative) == 1:
            np.maximum(f, np.float32(-_LEAST_FACTOR), out=f)
        else:
            below = f < 0 if below is None else below | (f < 0)
            np.maximum(f, np.float32(0), out=f)
        denominator *= f
    if negative.shape[0]:
        denominator += float32_rounded(_EPS, up=False)
    if below is not None:
        denominator[below] = float32_rounded(_EPS - 2 * _LEAST_FACTOR, up=False)
    bound = np.divide(numerator, denominator, out=numerator)
    bound *= float32_rounded(1 + (3 * (len(positive) + len(negative)) + 5) * _U, up=True)
    return bound


def _interval_upper(
    positive: np.ndarray, negative: np.ndarray, slack_positive: np.ndarray, slack_negative: np.ndarray
) -> np.ndarray:
    """``cosmul_upper`` for terms of any length: each shifted cosine an interval, multiplied and
    divided as intervals in float64 (a denominator below eps / 2 bounds nothing: inf), widened by
    ``cosmul``'s roundings and the bound's own, then rounded to float32, never below."""
    num_lo, num_hi = _interval_product(positive, slack_positive)
    den_lo, den_hi = _interval_product(negative, slack_negative)
    den_lo, den_hi = den_lo + _EPS, den_hi + _EPS
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bound = np.where(num_hi >= 0, num_hi / den_lo, num_hi / den_hi)
        bound = np.where(den_lo >= 0.5 * _EPS, bound, np.inf)
    return float32_above(bound, (2 * (len(positive) + len(negative)) + 2) * 1.01 * _U)


def _interval_product(cosines: np.ndarray, slack: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The product of the intervals (1 + c -/+ s) / 2 over the first axis, in float64: (low, high).
    s is widened by 2**-50 for float64's own roundings of the ends (2**-53 each, absolute)."""
    low = high = np.ones(np.shape(cosines)[1:])
    for c, s in zip(cosines, np.asarray(slack, dtype=np.float64) + 2.0**-50):
        f_lo = (1.0 + c.astype(np.float64) - s) * 0.5
        f_hi = f_lo + s
        ends = (low * f_lo, low * f_hi, high * f_lo, high * f_hi)
        low = np.minimum(np.minimum(ends[0], ends[1]), np.minimum(ends[2], ends[3]))
        high = np.maximum(np.maximum(ends[0], ends[1]), np.maximum(ends[2], ends[3]))
    return low, high
