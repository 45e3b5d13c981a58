"""The statistics of result cells: pure functions of counts, sums and matrices (numpy, scipy).

Nothing here reads the database. The aggregation module computes counts and sums in SQL; the
release builder turns them into what a cell shows with the functions below. Each function is
checked in surveys/tests/test_statistics.py against an independent computation (numpy on raw
answers, scipy, statsmodels).

Conventions (DESIGN.md, "Statistics shown"):
* Answers are on a 5-point scale, reverse-scored items already flipped (v -> 6 - v), so that 5
  is always the favourable end. Favourable is 4-5, neutral 3, unfavourable 1-2.
* Percentages shown side by side sum to 100 by the largest remainder method.
* Intervals are Wilson score intervals (95 %) for the share favourable.
* A change or a difference is flagged only when it is significant (p < 0.05 after
  Benjamini-Hochberg across the measures of one group), large enough to matter (5 points of
  % favourable, 0.2 on a mean) and both groups have at least 10 answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))
SIGNIFICANCE = 0.05
MIN_GAP_POINTS = 5.0
MIN_GAP_MEAN = 0.2
MIN_TEST_GROUP = 10
ALPHA_FLAG = 0.70
MIN_DRIVER_GROUP = 26  # "groups over 25"

FAVOURABLE = (4, 5)
NEUTRAL = (3,)
UNFAVOURABLE = (1, 2)


@dataclass(frozen=True)
class Shares:
    """Shares (0..1) of favourable, neutral and unfavourable answers."""

    favourable: float
    neutral: float
    unfavourable: float

    def percentages(self) -> tuple[int, int, int]:
        """Whole percentages that sum to exactly 100 (largest remainder)."""
        return tuple(largest_remainder([self.favourable, self.neutral, self.unfavourable]))


def largest_remainder(values: Sequence[float], total: int = 100) -> list[int]:
    """Whole numbers proportional to `values` that add up to `total` (Hamilton's method): each
    gets the floor of its quota, and the units left go to the largest remainders (ties to the
    larger value, then to the earlier position)."""
    if any(v < 0 for v in values):
        raise ValueError("largest_remainder needs non-negative values")
    whole = sum(values)
    if whole == 0:
        return [0] * len(values)
    quotas = [v * total / whole for v in values]
    # The small tolerance keeps a quota of 33.99999999 (floating point) from losing a unit.
    floors = [math.floor(q + 1e-9) for q in quotas]
    left = total - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(quotas[i] - floors[i]), -values[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def shares_from_counts(counts: Sequence[int]) -> Shares:
    """Shares from the answer counts of values 1..5 (already flipped)."""
    if len(counts) != 5:
        raise ValueError("counts are the numbers of answers 1, 2, 3, 4 and 5")
    n = sum(counts)
    if n == 0:
        return Shares(0.0, 0.0, 0.0)
    return Shares(
        favourable=(counts[3] + counts[4]) / n,
        neutral=counts[2] / n,
        unfavourable=(counts[0] + counts[1]) / n,
    )


def mean_shares(shares: Sequence[Shares]) -> Shares:
    """A domain's shares: the mean of its items' shares."""
    if not shares:
        raise ValueError("a domain's favourability needs at least one item")
    count = len(shares)
    return Shares(
        favourable=sum(s.favourable for s in shares) / count,
        neutral=sum(s.neutral for s in shares) / count,
        unfavourable=sum(s.unfavourable for s in shares) / count,
    )


def wilson_interval(share: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion `share` observed on `n` answers (0..1 bounds)."""
    if n <= 0:
        raise ValueError("an interval needs at least one answer")
    z2 = z * z
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(max(share * (1 - share) / n + z2 / (4 * n * n), 0.0))
    # At 0 % (100 %) the lower (upper) bound is exactly 0 (1); floating point may miss it.
    low = 0.0 if share <= 0 else max(0.0, centre - half)
    high = 1.0 if share >= 1 else min(1.0, centre + half)
    return low, high


def mean_and_sd(n: int, total: float, total_of_squares: float) -> tuple[float, float | None]:
    """Mean and sample standard deviation (n - 1) from the count, sum and sum of squares."""
    if n <= 0:
        raise ValueError("a mean needs at least one value")
    mean = total / n
    if n < 2:
        return mean, None
    variance = max((total_of_squares - total * total / n) / (n - 1), 0.0)
    return mean, math.sqrt(variance)


def counts_moments(counts: Sequence[int]) -> tuple[int, float, float]:
    """(n, sum, sum of squares) of answers given as counts of the values 1..5."""
    n = int(sum(counts))
    total = float(sum(v * c for v, c in zip(range(1, 6), counts, strict=True)))
    squares = float(sum(v * v * c for v, c in zip(range(1, 6), counts, strict=True)))
    return n, total, squares


VALUES = np.arange(1, 6, dtype=float)


@dataclass(frozen=True)
class CountStatistics:
    """Statistics of many answer distributions at once (rows of counts of the values 1..5), as
    Python lists: n, the three shares, mean, sd (None under two answers) and the Wilson
    interval of the share favourable (None without answers). Element for element the same
    floating-point operations as the scalar functions above, so the same numbers."""

    n: list[int]
    favourable: list[float]
    neutral: list[float]
    unfavourable: list[float]
    total: list[float]
    squares: list[float]
    mean: list[float | None]
    sd: list[float | None]
    ci_low: list[float | None]
    ci_high: list[float | None]


@dataclass(frozen=True)
class CountArrays:
    """The same as CountStatistics as numpy arrays, NaN where CountStatistics has None."""

    n: np.ndarray
    favourable: np.ndarray
    neutral: np.ndarray
    unfavourable: np.ndarray
    total: np.ndarray
    squares: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray


def count_arrays(counts) -> CountArrays:
    """count_statistics as arrays (one row of counts of the values 1..5 per distribution)."""
    counts = np.asarray(counts, dtype=np.int64).reshape(-1, 5)
    n = counts.sum(axis=1)
    as_float = counts.astype(float)
    total = as_float @ VALUES
    squares = as_float @ (VALUES * VALUES)
    has = n > 0
    safe_n = np.where(has, n, 1).astype(float)
    favourable = np.where(has, (counts[:, 3] + counts[:, 4]) / safe_n, 0.0)
    neutral = np.where(has, counts[:, 2] / safe_n, 0.0)
    unfavourable = np.where(has, (counts[:, 0] + counts[:, 1]) / safe_n, 0.0)
    mean = total / safe_n
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.maximum((squares - total * total / safe_n) / (safe_n - 1), 0.0)
    sd = np.sqrt(np.where(n >= 2, variance, 0.0))
    low, high = _wilson_arrays(favourable, safe_n)
    return CountArrays(
        n=n, favourable=favourable, neutral=neutral, unfavourable=unfavourable, total=total, squares=squares,
        mean=np.where(has, mean, np.nan), sd=np.where(n >= 2, sd, np.nan),
        ci_low=np.where(has, low, np.nan), ci_high=np.where(has, high, np.nan),
    )


def _wilson_arrays(share: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """wilson_interval element by element (n > 0), the same floating-point operations."""
    z2 = Z95 * Z95
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 / (1 + z2 / n) * np.sqrt(np.maximum(share * (1 - share) / n + z2 / (4 * n * n), 0.0))
    low = np.where(share <= 0, 0.0, np.maximum(0.0, centre - half))
    high = np.where(share >= 1, 1.0, np.minimum(1.0, centre + half))
    return low, high


def wilson_intervals(share, n) -> tuple[np.ndarray, np.ndarray]:
    """wilson_interval of many (share, n) at once (every n > 0): the same numbers."""
    share = np.asarray(share, dtype=float)
    n = np.asarray(n, dtype=float)
    if (n <= 0).any():
        raise ValueError("an interval needs at least one answer")
    return _wilson_arrays(share, n)


def means_and_sds(n, total, total_of_squares) -> tuple[np.ndarray, np.ndarray]:
    """mean_and_sd of many (n, sum, sum of squares) at once (every n > 0); sd NaN under two."""
    n = np.asarray(n, dtype=float)
    total = np.asarray(total, dtype=float)
    total_of_squares = np.asarray(total_of_squares, dtype=float)
    if (n <= 0).any():
        raise ValueError("a mean needs at least one value")
    mean = total / n
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.maximum((total_of_squares - total * total / n) / (n - 1), 0.0)
    return mean, np.where(n >= 2, np.sqrt(np.where(n >= 2, variance, 0.0)), np.nan)


def largest_remainders(shares) -> np.ndarray:
    """largest_remainder(row, 100) of every row of an (N, 3) array of non-negative shares, as
    an (N, 3) integer array: the same rule and the same floating-point operations."""
    shares = np.asarray(shares, dtype=float).reshape(-1, 3)
    if (shares < 0).any():
        raise ValueError("largest_remainder needs non-negative values")
    whole = (shares[:, 0] + shares[:, 1]) + shares[:, 2]
    empty = whole == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        quotas = shares * 100 / np.where(empty, 1.0, whole)[:, None]
    floors = np.floor(quotas + 1e-9)
    left = 100 - floors.sum(axis=1)
    remainders = quotas - floors
    rank = np.zeros(shares.shape, dtype=np.int64)
    for i in range(3):
        for j in range(3):
            if i == j:
                continue
            # j comes before i in the order (-remainder, -value, position)
            before = (remainders[:, j] > remainders[:, i]) | (
                (remainders[:, j] == remainders[:, i])
                & ((shares[:, j] > shares[:, i]) | ((shares[:, j] == shares[:, i]) & (j < i)))
            )
            rank[:, i] += before
    result = floors.astype(np.int64) + (rank < left[:, None])
    result[empty] = 0
    return result


def rounded(values, digits: int) -> list[float | None]:
    """[round(v, digits) for v in values] (Python's correctly rounded decimal rounding), None
    for NaN; vectorised, falling back to round() where a value is within reach of a tie."""
    values = np.asarray(values, dtype=float)
    scale = 10.0**digits
    scaled = values * scale
    whole = np.rint(scaled)
    result = whole / scale
    missing = np.isnan(values)
    fraction = np.abs(scaled - np.trunc(scaled))
    near_tie = ~missing & ((np.abs(fraction - 0.5) < 1e-6) | (np.abs(scaled) >= 2.0**50))
    found = result.tolist()
    for i in np.flatnonzero(near_tie).tolist():
        found[i] = round(float(values[i]), digits)
    for i in np.flatnonzero(missing).tolist():
        found[i] = None
    return found


def count_statistics(counts) -> CountStatistics:
    found = count_arrays(counts)
    n = found.n
    has_list, two = (n > 0).tolist(), (n >= 2).tolist()
    return CountStatistics(
        n=n.tolist(), favourable=found.favourable.tolist(), neutral=found.neutral.tolist(),
        unfavourable=found.unfavourable.tolist(), total=found.total.tolist(), squares=found.squares.tolist(),
        mean=[m if h else None for m, h in zip(found.mean.tolist(), has_list, strict=True)],
        sd=[v if t else None for v, t in zip(found.sd.tolist(), two, strict=True)],
        ci_low=[v if h else None for v, h in zip(found.ci_low.tolist(), has_list, strict=True)],
        ci_high=[v if h else None for v, h in zip(found.ci_high.tolist(), has_list, strict=True)],
    )


def two_proportion_p_values(share_1, n_1, share_2, n_2) -> np.ndarray:
    """Two-sided p-values of the two-proportion z test with the pooled variance (arrays: one
    test per position; a release tests thousands at once)."""
    share_1, n_1, share_2, n_2 = (np.asarray(a, dtype=float) for a in (share_1, n_1, share_2, n_2))
    if (n_1 <= 0).any() or (n_2 <= 0).any():
        raise ValueError("both groups need answers")
    pooled = (share_1 * n_1 + share_2 * n_2) / (n_1 + n_2)
    variance = pooled * (1 - pooled) * (1 / n_1 + 1 / n_2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(share_1 - share_2) / np.sqrt(variance)
    p = 2 * stats.norm.sf(z)
    # No variance at all: both groups all favourable, or none.
    return np.where(variance > 0, p, np.where(np.isclose(share_1, share_2), 1.0, 0.0))


def two_proportion_p_value(share_1: float, n_1: int, share_2: float, n_2: int) -> float:
    return float(two_proportion_p_values([share_1], [n_1], [share_2], [n_2])[0])


def welch_p_values(mean_1, sd_1, n_1, mean_2, sd_2, n_2) -> np.ndarray:
    """Two-sided p-values of Welch's t test (unequal variances) from summary statistics."""
    mean_1, sd_1, n_1, mean_2, sd_2, n_2 = (
        np.asarray(a, dtype=float) for a in (mean_1, sd_1, n_1, mean_2, sd_2, n_2)
    )
    if (n_1 < 2).any() or (n_2 < 2).any():
        raise ValueError("Welch's test needs at least two values in each group")
    v_1, v_2 = sd_1 * sd_1 / n_1, sd_2 * sd_2 / n_2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.abs(mean_1 - mean_2) / np.sqrt(v_1 + v_2)
        df = (v_1 + v_2) ** 2 / (v_1 * v_1 / (n_1 - 1) + v_2 * v_2 / (n_2 - 1))
    p = 2 * stats.t.sf(t, df)
    return np.where(v_1 + v_2 > 0, p, np.where(np.isclose(mean_1, mean_2), 1.0, 0.0))


def welch_p_value(mean_1: float, sd_1: float, n_1: int, mean_2: float, sd_2: float, n_2: int) -> float:
    return float(welch_p_values([mean_1], [sd_1], [n_1], [mean_2], [sd_2], [n_2])[0])


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 1.0
    # Step-up: each q is the smallest rank-scaled p at or after its rank.
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        adjusted[i] = running
    return adjusted


@dataclass(frozen=True)
class Comparison:
    """A gap between two groups (or two waves) and the p-value of its test; `p_value` is None
    when the test could not be run (a group under MIN_TEST_GROUP)."""

    gap: float
    p_value: float | None


def flag_significant(comparisons: Sequence[Comparison], *, min_gap: float) -> list[bool | None]:
    """For one family (the items, or the domains, of one group, for one kind of comparison):
    None where untested, else whether the gap is significant after Benjamini-Hochberg across
    the tested ones and at least `min_gap` in size."""
    tested = [i for i, c in enumerate(comparisons) if c.p_value is not None]
    q_values = benjamini_hochberg([comparisons[i].p_value for i in tested])
    flags: list[bool | None] = [None] * len(comparisons)
    for i, q in zip(tested, q_values, strict=True):
        # A tiny tolerance so that a gap of exactly 5 points computed in floating point counts.
        flags[i] = bool(q < SIGNIFICANCE and abs(comparisons[i].gap) >= min_gap - 1e-9)
    return flags


def proportion_gaps(share_1, n_1, share_2, n_2) -> tuple[np.ndarray, np.ndarray]:
    """proportion_comparisons as arrays: (gaps in points, p-values with NaN where untested)."""
    share_1, n_1, share_2, n_2 = (np.asarray(a, dtype=float) for a in (share_1, n_1, share_2, n_2))
    gaps = 100 * (share_1 - share_2)
    testable = (n_1 >= MIN_TEST_GROUP) & (n_2 >= MIN_TEST_GROUP)
    p = np.full(gaps.shape, np.nan)
    if testable.any():
        p[testable] = two_proportion_p_values(share_1[testable], n_1[testable], share_2[testable], n_2[testable])
    return gaps, p


def mean_gaps(mean_1, sd_1, n_1, mean_2, sd_2, n_2) -> tuple[np.ndarray, np.ndarray]:
    """mean_comparisons as arrays (sd NaN: untested): (gaps, p-values with NaN where untested)."""
    mean_1, sd_1, n_1, mean_2, sd_2, n_2 = (
        np.asarray(a, dtype=float) for a in (mean_1, sd_1, n_1, mean_2, sd_2, n_2)
    )
    gaps = mean_1 - mean_2
    testable = (n_1 >= MIN_TEST_GROUP) & (n_2 >= MIN_TEST_GROUP) & np.isfinite(sd_1) & np.isfinite(sd_2)
    p = np.full(gaps.shape, np.nan)
    if testable.any():
        p[testable] = welch_p_values(mean_1[testable], sd_1[testable], n_1[testable], mean_2[testable],
                                     sd_2[testable], n_2[testable])
    return gaps, p


def _comparisons(gaps: np.ndarray, p: np.ndarray) -> list[Comparison]:
    return [Comparison(float(g), None if q != q else float(q)) for g, q in zip(gaps.tolist(), p.tolist(), strict=True)]


def proportion_comparisons(share_1, n_1, share_2, n_2) -> list[Comparison]:
    """Gaps in points of % favourable (group 1 minus group 2) and their z tests; untested
    where a group has fewer than MIN_TEST_GROUP answers."""
    return _comparisons(*proportion_gaps(share_1, n_1, share_2, n_2))


def mean_comparisons(mean_1, sd_1, n_1, mean_2, sd_2, n_2) -> list[Comparison]:
    """Gaps between means (group 1 minus group 2) and their Welch tests (sd None: untested)."""
    sd_1 = np.array([np.nan if s is None else s for s in np.atleast_1d(np.asarray(sd_1, dtype=object))], dtype=float)
    sd_2 = np.array([np.nan if s is None else s for s in np.atleast_1d(np.asarray(sd_2, dtype=object))], dtype=float)
    return _comparisons(*mean_gaps(mean_1, sd_1, n_1, mean_2, sd_2, n_2))


def proportion_comparison(share_1: float, n_1: int, share_2: float, n_2: int) -> Comparison:
    return proportion_comparisons([share_1], [n_1], [share_2], [n_2])[0]


def mean_comparison(
    mean_1: float, sd_1: float | None, n_1: int, mean_2: float, sd_2: float | None, n_2: int
) -> Comparison:
    return mean_comparisons([mean_1], [sd_1], [n_1], [mean_2], [sd_2], [n_2])[0]


# --- Reliability -----------------------------------------------------------------------------
def cronbach_alpha(item_variances: Sequence[float], total_variance: float) -> float | None:
    """Cronbach's alpha from the item variances and the variance of the summed score (same
    respondents: listwise). None for fewer than two items or a total without variance."""
    k = len(item_variances)
    if k < 2 or total_variance <= 0:
        return None
    return k / (k - 1) * (1 - float(np.sum(item_variances)) / total_variance)


def variance_from_sums(n: int, total: float, total_of_squares: float) -> float:
    if n < 2:
        raise ValueError("a variance needs at least two values")
    return max((total_of_squares - total * total / n) / (n - 1), 0.0)


# --- Driver analysis -------------------------------------------------------------------------
@dataclass(frozen=True)
class RelativeWeights:
    """Johnson's relative weights: `raw` sums to R squared; `shares` are raw / R squared."""

    raw: list[float]
    r_squared: float

    @property
    def shares(self) -> list[float]:
        if self.r_squared <= 0:
            return [0.0] * len(self.raw)
        return [w / self.r_squared for w in self.raw]


def relative_weights(predictors: np.ndarray, outcome: np.ndarray) -> RelativeWeights:
    """Johnson's (2000) relative weights of the columns of `predictors` for `outcome`.

    Why relative weights: domain scores are strongly correlated with one another, so regression
    coefficients split their shared variance arbitrarily (and can even flip sign). Johnson's
    method replaces the predictors by their closest orthogonal counterparts Z = X R^{-1/2},
    regresses the outcome on Z, and gives each predictor the variance it contributes through
    every Z it loads on. The weights add up to R squared exactly, are never negative, and agree
    closely with dominance analysis at a fraction of its cost (2^p regressions).
    """
    x = np.asarray(predictors, dtype=float)
    y = np.asarray(outcome, dtype=float)
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError("predictors is an n x p matrix and outcome a vector of n")
    correlations = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    return relative_weights_from_correlations(correlations[:-1, :-1], correlations[:-1, -1])


def relative_weights_from_correlations(r_xx: np.ndarray, r_xy: np.ndarray) -> RelativeWeights:
    """The same from the predictors' correlation matrix and their correlations with the outcome."""
    r_xx = np.asarray(r_xx, dtype=float)
    r_xy = np.asarray(r_xy, dtype=float)
    if not np.isfinite(r_xx).all() or not np.isfinite(r_xy).all():
        raise ValueError("a predictor or the outcome has no variance")
    eigenvalues, eigenvectors = np.linalg.eigh(r_xx)
    # Perfectly collinear domains would make a zero eigenvalue: they share what they explain.
    eigenvalues = np.clip(eigenvalues, 1e-12, None)
    # Lambda: correlations between the predictors and their orthogonal counterparts (R^{1/2}).
    loading = eigenvectors @ np.diag(np.sqrt(eigenvalues)) @ eigenvectors.T
    beta = np.linalg.solve(loading, r_xy)
    raw = (loading**2) @ (beta**2)
    return RelativeWeights(raw=raw.tolist(), r_squared=float(raw.sum()))
