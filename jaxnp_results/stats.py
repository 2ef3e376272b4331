"""Statistics for verdicts, without SciPy: Mann-Whitney U and the Hodges-Lehmann ratio.

A release verdict compares two sets of per-process summaries (the median of each
process's samples; samples from one process are not independent replicates, the
process is).  :func:`ratio_interval` estimates the ratio new/old between the two sets
(the Hodges-Lehmann estimator on the log scale: the median of all pairwise ratios) with
its distribution-free confidence interval (the order statistics of the pairwise ratios
that the exact Mann-Whitney null distribution picks), and the two-sided Mann-Whitney p
of the same two sets.  Nothing assumes normality (timings are skewed).

For small samples the exact null distribution is computed (3 vs 3 can never reach
p < 0.1, 5 vs 5 reaches 0.0079 only when every process of one side is slower than every
process of the other, 6 vs 6 reaches 0.0043 with at most one pair out of order); larger ones
use the normal approximation with tie correction.

Sessions measured in *rounds* (one process per release alive together, their samples taken
in turn on the same CPU, see :mod:`jaxnp_releases.rounds`) pair the processes: each round
gives one ratio new/old, free of the machine's speed in that round's seconds.
:func:`paired_ratio_interval` estimates the ratio from those per-round ratios (the one-sample
Hodges-Lehmann estimate: the median of the Walsh averages of their logarithms) with the
distribution-free interval of the exact Wilcoxon signed-rank distribution: with 10 rounds it
runs from the 9th smallest to the 9th largest Walsh average at the suite's alpha of 0.05 (from
the second at alpha 0.005).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import statistics


def _ranks(values):
    """Average ranks (1-based) with ties sharing their mean rank; also the tie sizes."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


@functools.cache
def _exact_counts(n1: int, n2: int) -> tuple[int, ...]:
    """Number of arrangements giving each U = 0..n1*n2 (no ties)."""
    # f(i, j) = distribution of U for i and j items: f(i,j)[u] = f(i-1,j)[u-j] + f(i,j-1)[u]
    table = {}
    for i in range(n1 + 1):
        for j in range(n2 + 1):
            if i == 0 or j == 0:
                table[i, j] = (1,)
                continue
            a, b = table[i - 1, j], table[i, j - 1]
            size = i * j + 1
            counts = [0] * size
            for u, c in enumerate(a):
                counts[u + j] += c
            for u, c in enumerate(b):
                counts[u] += c
            table[i, j] = tuple(counts)
    return table[n1, n2]


def mann_whitney_u(a, b) -> tuple[float, float]:
    """Two-sided Mann-Whitney U test: ``(U of a, p-value)``.

    Exact when both samples have at most 20 values and there are no ties; normal
    approximation with tie and continuity correction otherwise.
    """
    a, b = list(a), list(b)
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples need at least one value")
    ranks, ties = _ranks(a + b)
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    u_small = min(u1, n1 * n2 - u1)
    if max(n1, n2) <= 20 and all(t == 1 for t in ties):
        counts = _exact_counts(n1, n2)
        total = math.comb(n1 + n2, n1)
        tail = sum(counts[: int(math.floor(u_small)) + 1]) / total
        return u1, min(1.0, 2 * tail)
    mean = n1 * n2 / 2
    n = n1 + n2
    tie_term = sum(t**3 - t for t in ties) / (n * (n - 1)) if n > 1 else 0.0
    variance = n1 * n2 / 12 * ((n + 1) - tie_term)
    if variance <= 0:
        return u1, 1.0
    z = (abs(u1 - mean) - 0.5) / math.sqrt(variance)
    p = math.erfc(max(z, 0.0) / math.sqrt(2))
    return u1, min(1.0, p)


def median(values) -> float:
    s = sorted(values)
    n = len(s)
    if n == 0:
        raise ValueError("median of no values")
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def spread(values) -> tuple[float, float]:
    """The interquartile range (25th and 75th percentiles, linear interpolation)."""
    s = sorted(values)
    if len(s) == 1:
        return s[0], s[0]

    def q(p):
        x = p * (len(s) - 1)
        lo = int(math.floor(x))
        hi = min(lo + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (x - lo)

    return q(0.25), q(0.75)


@dataclasses.dataclass(frozen=True)
class RatioEstimate:
    """The ratio new/old of two sets of positive values, with its confidence interval."""

    ratio: float        # Hodges-Lehmann: the median of all pairwise ratios new_j / old_i
    low: float          # the interval; (0, inf) when the samples are too few for the level
    high: float
    confidence: float   # the interval's exact (or approximate) coverage, >= the level asked
    p_value: float      # two-sided Mann-Whitney U on the same two sets
    n_old: int
    n_new: int

    @property
    def excludes_one(self) -> bool:
        """The interval lies entirely on one side of "no change"."""
        return self.low > 1 or self.high < 1


def _tail_rank(n1: int, n2: int, alpha: float) -> tuple[int, float]:
    """``(k, coverage)``: the largest k with 2 P(U <= k-1) <= alpha under the null.

    The interval [D_(k), D_(n1 n2 + 1 - k)] of the sorted pairwise differences then covers
    the true shift with probability ``coverage`` = 1 - 2 P(U <= k-1).  k = 0 means no
    interval reaches the level: too few values.
    """
    total = n1 * n2
    if max(n1, n2) <= 20:
        counts = _exact_counts(n1, n2)
        arrangements = math.comb(n1 + n2, n1)
        k, cumulative = 0, 0
        while k < total // 2 + 1:
            cumulative += counts[k]          # P(U <= k) * arrangements
            if 2 * cumulative / arrangements > alpha:
                break
            k += 1
        coverage = 1 - 2 * sum(counts[:k]) / arrangements if k else 0.0
        return k, coverage
    sigma = math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    z = statistics.NormalDist().inv_cdf(1 - alpha / 2)
    k = max(0, math.floor(total / 2 + 0.5 - z * sigma))
    coverage = 1 - 2 * statistics.NormalDist().cdf((k - 0.5 - total / 2) / sigma) if k else 0.0
    return k, coverage


def ratio_interval(old, new, alpha: float = 0.005) -> RatioEstimate:
    """Hodges-Lehmann ratio new/old with its ``1 - alpha`` distribution-free interval.

    ``old`` and ``new`` are positive values, one per independent replicate (here: one per
    process).  On the log scale the pairwise differences log(new_j) - log(old_i) estimate
    the shift; their median is the estimate, and the interval is the pair of order
    statistics given by the Mann-Whitney null distribution (Hodges-Lehmann / Moses), so
    it excludes 1 exactly when the Mann-Whitney test rejects at ``alpha`` (up to ties).
    """
    old, new = [float(v) for v in old], [float(v) for v in new]
    if not old or not new:
        raise ValueError("both sides need at least one value")
    if not all(v > 0 and math.isfinite(v) for v in old + new):
        raise ValueError("ratios need finite, positive values")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1, got {alpha}")
    diffs = sorted(math.log(b) - math.log(a) for a in old for b in new)
    k, coverage = _tail_rank(len(old), len(new), alpha)
    if k:
        low, high = math.exp(diffs[k - 1]), math.exp(diffs[len(diffs) - k])
    else:
        low, high = 0.0, math.inf
    _, p_value = mann_whitney_u(old, new)
    return RatioEstimate(math.exp(median(diffs)), low, high, coverage, p_value, len(old), len(new))


@functools.cache
def _signed_rank_counts(n: int) -> tuple[int, ...]:
    """Number of sign assignments giving each signed-rank sum T+ = 0..n(n+1)/2 (no ties)."""
    counts = [1]
    for rank in range(1, n + 1):
        grown = [0] * (len(counts) + rank)
        for t, c in enumerate(counts):
            grown[t] += c
            grown[t + rank] += c
        counts = grown
    return tuple(counts)


def _signed_rank_tail(n: int, alpha: float) -> tuple[int, float]:
    """``(k, coverage)``: the largest k with 2 P(T+ <= k-1) <= alpha under the null.

    The interval [W_(k), W_(M + 1 - k)] of the M = n(n+1)/2 sorted Walsh averages covers the
    centre with probability ``coverage``; k = 0: no interval reaches the level.
    """
    if n <= 60:
        counts = _signed_rank_counts(n)
        total = 2 ** n
        k, cumulative = 0, 0
        while k < len(counts) and 2 * (cumulative + counts[k]) / total <= alpha:
            cumulative += counts[k]
            k += 1
        return k, (1 - 2 * cumulative / total if k else 0.0)
    m = n * (n + 1) / 2
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    z = statistics.NormalDist().inv_cdf(1 - alpha / 2)
    k = max(0, math.floor(m / 2 + 0.5 - z * sigma))
    coverage = 1 - 2 * statistics.NormalDist().cdf((k - 0.5 - m / 2) / sigma) if k else 0.0
    return k, coverage


def paired_ratio_interval(ratios, alpha: float = 0.005) -> RatioEstimate:
    """One-sample Hodges-Lehmann ratio of per-round ratios new/old, with its ``1 - alpha`` interval.

    ``ratios`` holds one positive ratio per round (a pair of processes measured together).
    On the log scale the Walsh averages (log r_i + log r_j) / 2, i <= j, estimate the centre;
    their median is the estimate, and the interval is the pair of order statistics the exact
    signed-rank null distribution picks (n <= 60; the normal approximation beyond), so it
    excludes 1 exactly when the two-sided Wilcoxon signed-rank test rejects at ``alpha``.
    ``p_value`` is that test's (exact, ties of |log r| broken by order).
    """
    logs = [float(r) for r in ratios]
    if not logs:
        raise ValueError("a paired interval needs at least one ratio")
    if not all(r > 0 and math.isfinite(r) for r in logs):
        raise ValueError("ratios must be finite and positive")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1, got {alpha}")
    logs = [math.log(r) for r in logs]
    n = len(logs)
    walsh = sorted((logs[i] + logs[j]) / 2 for i in range(n) for j in range(i, n))
    k, coverage = _signed_rank_tail(n, alpha)
    low, high = (math.exp(walsh[k - 1]), math.exp(walsh[len(walsh) - k])) if k else (0.0, math.inf)
    return RatioEstimate(math.exp(median(walsh)), low, high, coverage, _signed_rank_p(logs), n, n)


def _signed_rank_p(logs) -> float:
    """Two-sided exact Wilcoxon signed-rank p (zeros dropped; normal approximation beyond 60)."""
    nonzero = sorted((abs(x), x > 0) for x in logs if x != 0)
    n = len(nonzero)
    if n == 0:
        return 1.0
    t_plus = sum(rank for rank, (_, positive) in enumerate(nonzero, 1) if positive)
    t_small = min(t_plus, n * (n + 1) / 2 - t_plus)
    if n <= 60:
        counts = _signed_rank_counts(n)
        return min(1.0, 2 * sum(counts[: int(t_small) + 1]) / 2 ** n)
    m = n * (n + 1) / 4
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    return min(1.0, math.erfc(max(0.0, (m - t_small - 0.5) / sigma) / math.sqrt(2)))
