"""How sure a comparison is: the median of a case's repetitions with a 95%
interval, its coefficient of variation, and the interval of the ratio of
two models' medians.

Intervals are percentile-bootstrap intervals (seeded, so the same data
always gives the same interval). Why the bootstrap and not order
statistics: with 5 repetitions, the distribution-free interval of the
median is [min, max] with 94% coverage and cannot reach 95%; the bootstrap
gives an interval at every n and extends to ratios of two medians, which the
claims need. Why not a t-interval: run-to-run noise here is skewed and has
outliers.
"""

from __future__ import annotations

import random
import statistics

RESAMPLES = 4000
SEED = 862  # RFC 862, the echo protocol


def _percentiles(sorted_values: list[float], level: float) -> tuple[float, float]:
    n = len(sorted_values)
    low = sorted_values[int((1 - level) / 2 * n)]
    high = sorted_values[min(n - 1, int((1 + level) / 2 * n))]
    return low, high


def median_interval(values: list[float], level: float = 0.95) -> tuple[float, float]:
    """Bootstrap interval of the median; a single value is its own interval."""
    if not values:
        raise ValueError("no values")
    if len(values) == 1:
        return values[0], values[0]
    generator = random.Random(SEED)
    medians = sorted(statistics.median(generator.choices(values, k=len(values))) for _ in range(RESAMPLES))
    return _percentiles(medians, level)


def coefficient_of_variation(values: list[float]) -> float:
    """Sample standard deviation over the mean; 0 for fewer than two values."""
    if len(values) < 2:
        return 0.0
    mean = statistics.fmean(values)
    return statistics.stdev(values) / mean if mean else 0.0


def ratio_interval(numerator: list[float], denominator: list[float],
                   level: float = 0.95) -> tuple[float, float, float]:
    """median(numerator) / median(denominator) and its bootstrap interval,
    resampling the two sides independently (the repetitions of two models
    are not paired: they ran in a random interleaved order)."""
    if not numerator or not denominator:
        raise ValueError("no values")
    point = statistics.median(numerator) / statistics.median(denominator)
    generator = random.Random(SEED)
    ratios = []
    for _ in range(RESAMPLES):
        bottom = statistics.median(generator.choices(denominator, k=len(denominator)))
        top = statistics.median(generator.choices(numerator, k=len(numerator)))
        ratios.append(top / bottom if bottom else float("inf"))
    low, high = _percentiles(sorted(ratios), level)
    return point, low, high
