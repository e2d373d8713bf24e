"""WEAT, the Word Embedding Association Test (Caliskan, Bryson and Narayanan 2017): do two sets of
target words (X, Y: flowers, insects) differ in how near they are to two sets of attribute words
(A, B: pleasant, unpleasant)? The effect size, a one-sided permutation p-value and a bootstrap
interval, each computed as the paper defines it.

For each target word w, s(w) = mean cos(w, A) - mean cos(w, B). The statistic is
S = sum over X of s - sum over Y of s; the effect size is (mean over X of s - mean over Y of s)
divided by the standard deviation of s over X and Y together (numpy's, ddof 0, as WEFE computes it:
the tests compare the two). The p-value is the share of equal-size partitions (Xi, Yi) of X and Y
together whose statistic exceeds S: every partition when there are at most ``EXACT_LIMIT`` (exact),
else ``samples`` random partitions drawn with a seed ((count + 1) / (samples + 1), Phipson and Smyth
2010). The interval: X and Y each resampled with replacement ``bootstrap`` times (seeded), the 2.5th
and 97.5th percentiles of the effect size.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import QueryError
from .model import Model
from .queries import count
from .words import Match

DATA = Path(__file__).resolve().parent.parent / "data" / "weat.json"
EXACT_LIMIT = 200_000  # partitions counted one by one up to this many; sampled beyond
LOST_LIMIT = 0.2  # a set may lose this share of its words to the vocabulary (WEFE's default)
# s(w) not varying beyond this is not varying: s is a float64 difference of means of cosines in
# [-1, 1], whose summation order alone moves it by about 1e-16 (A and B the same words in another
# order gave a spread of 4e-17, and an effect size of -1.18 with p = 0); a real test's spread is
# 1e-3 or more.
NO_SPREAD = 1e-9


class WeatResult(NamedTuple):
    effect_size: float
    statistic: float
    p_value: float
    p_method: str  # "exact (12,870 partitions)" or "sampled (100,000 partitions, seed 0)"
    ci_low: float
    ci_high: float


def shipped_tests() -> dict:
    """The paper's ten tests and their word sets, as shipped in ``vecq/data/weat.json``."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def associations(
    model: Model, targets: Sequence[Match], a: Sequence[Match], b: Sequence[Match]
) -> np.ndarray:
    """s(w) of each target word: its mean cosine with A minus its mean cosine with B (float64)."""
    w = model.gather([m.row for m in targets]).astype(np.float64)
    va = model.gather([m.row for m in a]).astype(np.float64)
    vb = model.gather([m.row for m in b]).astype(np.float64)
    return (w @ va.T).mean(axis=1) - (w @ vb.T).mean(axis=1)


def effect_size(s_x: np.ndarray, s_y: np.ndarray) -> float:
    """Cohen's d of s over X and Y; a QueryError when s does not vary beyond rounding (NO_SPREAD)."""
    s = np.concatenate([s_x, s_y])
    spread = float(np.std(s))
    if spread <= NO_SPREAD:
        if float(np.abs(s).max()) <= NO_SPREAD:
            raise QueryError(
                "every target word is as near A as B (A and B hold the same words, or words as "
                "near each target): the effect size is undefined"
            )
        raise QueryError(
            "every target word is associated alike (X and Y hold the same words): the effect "
            "size is undefined"
        )
    return float((s_x.mean() - s_y.mean()) / spread)


def p_value(s: np.ndarray, size_x: int, samples: int, seed: int) -> tuple[float, str]:
    """The one-sided permutation p-value of the first ``size_x`` of ``s`` against the rest."""
    n = len(s)
    observed = s[:size_x].sum() - s[size_x:].sum()
    total = s.sum()
    # A partition's statistic is 2 x (the sum over its Xi) - total: compare the sums, not 2 sums.
    threshold = (observed + total) / 2
    partitions = math.comb(n, size_x)
    if partitions <= EXACT_LIMIT:
        sums = np.fromiter(
            (s[list(c)].sum() for c in itertools.combinations(range(n), size_x)), float, partitions
        )
        return float((sums > threshold + 1e-12).mean()), f"exact ({partitions:,} partitions)"
    rng = np.random.default_rng(seed)
    keys = rng.random((samples, n))
    chosen = np.argpartition(keys, size_x, axis=1)[:, :size_x]  # a uniform random Xi per row
    sums = s[chosen].sum(axis=1)
    count = int((sums > threshold + 1e-12).sum())
    return (count + 1) / (samples + 1), f"sampled ({samples:,} of {partitions:.3g} partitions, seed {seed})"


def interval(s_x: np.ndarray, s_y: np.ndarray, bootstrap: int, seed: int) -> tuple[float, float]:
    """The 95% percentile bootstrap interval of the effect size (X and Y resampled apart)."""
    rng = np.random.default_rng(seed + 1)
    bx = s_x[rng.integers(0, len(s_x), (bootstrap, len(s_x)))]
    by = s_y[rng.integers(0, len(s_y), (bootstrap, len(s_y)))]
    spread = np.concatenate([bx, by], axis=1).std(axis=1)
    sizes = (bx.mean(axis=1) - by.mean(axis=1)) / np.where(spread > NO_SPREAD, spread, np.nan)
    low, high = np.nanpercentile(sizes, [2.5, 97.5])
    return float(low), float(high)


def weat(
    model: Model,
    x: Sequence[Match],
    y: Sequence[Match],
    a: Sequence[Match],
    b: Sequence[Match],
    samples: int = 100_000,
    bootstrap: int = 10_000,
    seed: int = 0,
) -> WeatResult:
    """The test of targets ``x``, ``y`` against attributes ``a``, ``b`` (the words found)."""
    if min(len(x), len(y), len(a), len(b)) == 0:
        raise QueryError("WEAT needs words in all four sets (X, Y, A, B)")
    model.refuse_zero_rows([m.row for m in (*x, *y, *a, *b)], "be in a set (its cosines are all 0)")
    samples, bootstrap = count("samples", samples), count("bootstrap", bootstrap)
    seed = count("seed", seed, low=0)
    s = associations(model, [*x, *y], a, b)
    s_x, s_y = s[: len(x)], s[len(x) :]
    size = effect_size(s_x, s_y)
    p, method = p_value(s, len(x), samples, seed)
    low, high = interval(s_x, s_y, bootstrap, seed)
    statistic = float(s_x.sum() - s_y.sum())
    return WeatResult(size, statistic, p, method, low, high)
