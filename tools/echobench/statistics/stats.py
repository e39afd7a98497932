"""The statistics of the regression gate, in plain Python.

Why not scipy: Debian 12's python3-scipy cannot be installed beside Boost
1.81 (it pulls in Boost 1.74 through pythran). Why not a t-test: run-to-run
noise on a shared machine has outliers and is not normal; the Wilcoxon
signed-rank test needs neither assumption and, computed exactly, is correct
for the small numbers of pairs a gate can afford.

Inputs are paired log-ratios d_i = ln(base_i / candidate_i), oriented so that
d > 0 means the candidate is worse (slower, or more CPU per message).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from echobench.statistics.uncertainty import median_interval


def signed_ranks(differences: list[float]) -> tuple[list[float], list[float]]:
    """Ranks of |d| (average ranks for ties), zeros dropped (Wilcoxon's
    convention); returns (ranks of positive d, ranks of negative d)."""
    nonzero = sorted((abs(d), d > 0) for d in differences if d != 0)
    ranks: list[float] = [0.0] * len(nonzero)
    i = 0
    while i < len(nonzero):
        j = i
        while j + 1 < len(nonzero) and nonzero[j + 1][0] == nonzero[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1  # average of ranks i+1 .. j+1
        i = j + 1
    positive = [r for r, (_, pos) in zip(ranks, nonzero) if pos]
    negative = [r for r, (_, pos) in zip(ranks, nonzero) if not pos]
    return positive, negative


def wilcoxon_greater(differences: list[float]) -> float:
    """Exact one-sided p-value of the signed-rank test that the differences
    are centred above zero: P(W+ >= observed W+) when every sign is equally
    likely. Ties keep their average ranks (doubled to stay whole numbers)."""
    positive, negative = signed_ranks(differences)
    ranks = [int(round(2 * r)) for r in positive + negative]
    if not ranks:
        return 1.0
    observed = int(round(2 * sum(positive)))
    # counts[s] = number of sign assignments whose positive ranks sum to s.
    counts = {0: 1}
    for rank in ranks:
        step: dict[int, int] = dict(counts)
        for total, ways in counts.items():
            step[total + rank] = step.get(total + rank, 0) + ways
        counts = step
    at_least = sum(ways for total, ways in counts.items() if total >= observed)
    return at_least / 2 ** len(ranks)


def smallest_p(pairs: int) -> float:
    """The smallest p-value `pairs` non-zero differences can ever give."""
    return 0.5 ** pairs if pairs > 0 else 1.0


def as_change(log_ratio: float) -> float:
    """d = ln(base/candidate) -> how much worse the candidate is, as a
    fraction (0.05 = 5 % worse)."""
    return math.exp(log_ratio) - 1


@dataclass
class Verdict:
    pairs: int
    median_change: float  # fraction; > 0 = candidate worse
    interval: tuple[float, float]
    p_value: float
    verdict: str  # "pass", "regression" or "inconclusive"
    reason: str = ""


def decide(differences: list[float], alpha: float = 0.01, threshold: float = 0.05) -> Verdict:
    """Regression when the one-sided test gives p < alpha AND the median
    slowdown exceeds `threshold`; inconclusive when there are too few pairs
    for p to ever reach alpha."""
    n = len(differences)
    if n == 0:
        return Verdict(0, 0.0, (0.0, 0.0), 1.0, "inconclusive", "no pairs")
    change = as_change(statistics.median(differences))
    low, high = median_interval(differences)  # the suite's one interval of a median
    p = wilcoxon_greater(differences)
    nonzero = sum(1 for d in differences if d != 0)
    if smallest_p(nonzero) >= alpha:
        return Verdict(n, change, (as_change(low), as_change(high)), p, "inconclusive",
                       f"{nonzero} pairs cannot reach p < {alpha}")
    regressed = p < alpha and change > threshold
    return Verdict(n, change, (as_change(low), as_change(high)), p, "regression" if regressed else "pass")


def log_ratios(base: list[float], candidate: list[float], higher_is_better: bool) -> list[float]:
    """Paired d_i oriented so that d > 0 means the candidate is worse."""
    pairs = [(b, c) for b, c in zip(base, candidate) if b > 0 and c > 0]
    if higher_is_better:
        return [math.log(b / c) for b, c in pairs]
    return [math.log(c / b) for b, c in pairs]
