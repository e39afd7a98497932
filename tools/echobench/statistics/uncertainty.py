"""How sure a comparison is: the median of a case's repetitions with its
interval, its coefficient of variation, and the interval of the ratio of two
models.

Both intervals are distribution-free and exact, so their coverage is what
they say at the handful of repetitions a benchmark affords (a percentile
bootstrap over 5 values covers less than its nominal 95%, and a t-interval
assumes normal noise; run-to-run noise here is skewed and has outliers):

- The median's interval is a pair of order statistics, [x(k), x(n+1-k)],
  with k the largest whose binomial coverage is at least the level. Five
  repetitions cannot reach 95%: their widest interval, [min, max], covers
  the median with probability 1 - 2/2^5 = 93.75%, and that is what it says.
- The ratio of two models is the Hodges-Lehmann estimate of the shift
  between their log values (the median of all pairwise log ratios), with
  the interval of order statistics of those pairwise ratios that the
  Mann-Whitney rank-sum test gives. Its coverage is exact under a
  multiplicative shift for independent samples: 96.8% at 5 against 5
  repetitions, the smallest at or above 95%. The repetitions of two models
  are not paired: they ran in a random interleaved order.
"""

from __future__ import annotations

import math
import statistics
from functools import lru_cache

LEVEL = 0.95


def _binomial_tail(n: int, k: int) -> float:
    """P(Binomial(n, 1/2) < k): the chance that fewer than k of n values lie
    below the true median."""
    return sum(math.comb(n, i) for i in range(k)) / 2**n


def median_interval_with_coverage(values: list[float], level: float = LEVEL) -> tuple[float, float, float]:
    """(low, high, coverage) for the median of `values`: the narrowest pair
    of order statistics that covers it with at least `level`, else [min, max]
    and the coverage that has. A single value is its own interval (coverage 0)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    n = len(ordered)
    if n == 1:
        return ordered[0], ordered[0], 0.0
    k = 1
    while k + 1 <= n // 2 and 1 - 2 * _binomial_tail(n, k + 1) >= level:
        k += 1
    return ordered[k - 1], ordered[n - k], 1 - 2 * _binomial_tail(n, k)


def median_interval(values: list[float], level: float = LEVEL) -> tuple[float, float]:
    low, high, _ = median_interval_with_coverage(values, level)
    return low, high


def coefficient_of_variation(values: list[float]) -> float:
    """Sample standard deviation over the mean; 0 for fewer than two values."""
    if len(values) < 2:
        return 0.0
    mean = statistics.fmean(values)
    return statistics.stdev(values) / mean if mean else 0.0


@lru_cache(maxsize=None)
def _rank_sum_counts(m: int, n: int) -> tuple[int, ...]:
    """counts[u] = how many of the C(m+n, m) orderings give Mann-Whitney U = u."""
    if m == 0 or n == 0:
        return (1,)
    with_last_of_first = _rank_sum_counts(m - 1, n)  # the largest value is from the first sample: U += n
    with_last_of_second = _rank_sum_counts(m, n - 1)
    counts = [0] * (m * n + 1)
    for u, ways in enumerate(with_last_of_first):
        counts[u + n] += ways
    for u, ways in enumerate(with_last_of_second):
        counts[u] += ways
    return tuple(counts)


def rank_sum_depth(m: int, n: int, level: float = LEVEL) -> tuple[int, float]:
    """(k, coverage): the interval [D(k), D(mn+1-k)] of the m*n sorted
    pairwise differences covers the shift with exactly `coverage`, the
    smallest at or above `level`. k = 0 when m and n are too few to reach
    the level (the interval is then unbounded)."""
    counts = _rank_sum_counts(m, n)
    total = math.comb(m + n, m)
    k, below = 0, 0
    # P(U <= k - 1) must stay at or under (1 - level) / 2 on each side.
    while k < len(counts) and (below + counts[k]) / total <= (1 - level) / 2:
        below += counts[k]
        k += 1
    return k, 1 - 2 * below / total


def ratio_interval(numerator: list[float], denominator: list[float],
                   level: float = LEVEL) -> tuple[float, float, float, float]:
    """(ratio, low, high, coverage) of numerator over denominator: the
    Hodges-Lehmann estimate (median of every numerator_i / denominator_j)
    and its rank-sum interval. Values must be positive. Too few repetitions
    for the level give (ratio, 0, inf, 0)."""
    if not numerator or not denominator:
        raise ValueError("no values")
    if min(numerator) <= 0 or min(denominator) <= 0:
        raise ValueError("ratios need positive values")
    logs = sorted(math.log(a) - math.log(b) for a in numerator for b in denominator)
    point = math.exp(statistics.median(logs))
    k, coverage = rank_sum_depth(len(numerator), len(denominator), level)
    if k == 0:
        return point, 0.0, math.inf, 0.0
    return point, math.exp(logs[k - 1]), math.exp(logs[len(logs) - k]), coverage


# The paired interval: repetitions of two models measured side by side (the
# same round of a rotated run, seconds apart) share whatever the machine was
# doing then, so their ratio cancels slow phases of a shared machine that an
# unpaired comparison has to carry as noise. The interval is the signed-rank
# (Walsh-average) interval of the per-round log ratios, exact under a
# symmetric distribution of those log ratios.
MIN_PAIRED_COVERAGE = 0.9  # below it (fewer than 5 pairs) the interval is unbounded


@lru_cache(maxsize=None)
def _signed_rank_counts(n: int) -> tuple[int, ...]:
    """counts[t] = how many of the 2^n sign assignments of ranks 1..n give
    positive ranks summing to t."""
    counts = [1]
    for rank in range(1, n + 1):
        step = counts + [0] * rank
        for total, ways in enumerate(counts):
            step[total + rank] += ways
        counts = step
    return tuple(counts)


def signed_rank_depth(n: int, level: float = LEVEL) -> tuple[int, float]:
    """(k, coverage): the interval [W(k), W(M+1-k)] of the M = n(n+1)/2
    sorted Walsh averages, k the largest whose coverage reaches `level`, else
    1 (the widest) with the coverage that has; (0, 0) when even that is under
    MIN_PAIRED_COVERAGE."""
    counts = _signed_rank_counts(n)
    total = 2**n
    k, below = 0, 0
    while k < len(counts) and (below + counts[k]) / total <= (1 - level) / 2:
        below += counts[k]
        k += 1
    if k == 0:
        k, below = 1, counts[0]
    coverage = 1 - 2 * below / total
    return (k, coverage) if coverage >= MIN_PAIRED_COVERAGE else (0, 0.0)


def paired_ratio_interval(numerator: list[float], denominator: list[float],
                          level: float = LEVEL) -> tuple[float, float, float, float]:
    """(ratio, low, high, coverage) from pairs numerator[i] / denominator[i]:
    the Hodges-Lehmann estimate (median of the Walsh averages of the log
    ratios) and its signed-rank interval; unbounded (0, inf, 0) with too few
    pairs."""
    if len(numerator) != len(denominator) or not numerator:
        raise ValueError("pairs need two lists of one length")
    if min(numerator) <= 0 or min(denominator) <= 0:
        raise ValueError("ratios need positive values")
    logs = [math.log(a) - math.log(b) for a, b in zip(numerator, denominator)]
    walsh = sorted((logs[i] + logs[j]) / 2 for i in range(len(logs)) for j in range(i, len(logs)))
    point = math.exp(statistics.median(walsh))
    k, coverage = signed_rank_depth(len(logs), level)
    if k == 0:
        return point, 0.0, math.inf, 0.0
    return point, math.exp(walsh[k - 1]), math.exp(walsh[len(walsh) - k]), coverage
