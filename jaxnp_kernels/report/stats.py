"""Statistics for verdicts: the two-sided Mann-Whitney U test, without SciPy.

A verdict needs both a large enough ratio and evidence that the two sets of samples
differ; the Mann-Whitney U test asks only whether one sample tends to be larger, with no
assumption of normality (timings are skewed).  For small samples the exact null
distribution is computed (so 3 vs 3 samples can never reach p < 0.1: noise alone cannot
produce a verdict from too few samples); larger ones use the normal approximation with
tie correction.
"""

from __future__ import annotations

import functools
import math


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
