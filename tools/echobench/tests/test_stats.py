"""The gate's statistics: exact Wilcoxon p-values against published critical
values, and the decisions on A/A, shifted and too-small samples."""

import math
import random
import unittest

from echobench.statistics import stats, uncertainty


def with_negative_ranks(n: int, negative: set[int]) -> list[float]:
    """Differences whose |d| ranks are 1..n, negative at the given ranks."""
    return [-float(r) if r in negative else float(r) for r in range(1, n + 1)]


class ExactWilcoxon(unittest.TestCase):
    # One-tailed critical values T (reject when W- <= T) from the standard
    # table of the Wilcoxon signed-rank test: at T the p-value is <= alpha,
    # at T + 1 it is above.
    TABLE = [  # (n, alpha, T, negative ranks summing to T, to T + 1)
        (8, 0.05, 5, {5}, {6}),
        (10, 0.05, 10, {10}, {1, 10}),
        (10, 0.01, 5, {1, 4}, {2, 4}),
        (20, 0.01, 43, {4, 19, 20}, {5, 19, 20}),
    ]

    def test_matches_published_critical_values(self):
        for n, alpha, t, at_t, above_t in self.TABLE:
            with self.subTest(n=n, alpha=alpha):
                self.assertEqual(sum(at_t), t)
                self.assertEqual(sum(above_t), t + 1)
                self.assertLessEqual(stats.wilcoxon_greater(with_negative_ranks(n, at_t)), alpha)
                self.assertGreater(stats.wilcoxon_greater(with_negative_ranks(n, above_t)), alpha)

    def test_all_positive_gives_the_smallest_possible_p(self):
        self.assertAlmostEqual(stats.wilcoxon_greater([0.1] * 0 + [1, 2, 3, 4, 5, 6, 7, 8]), 1 / 256)
        self.assertEqual(stats.smallest_p(8), 1 / 256)

    def test_all_negative_gives_p_one(self):
        self.assertEqual(stats.wilcoxon_greater([-1, -2, -3]), 1.0)

    def test_zeros_are_dropped_and_ties_share_ranks(self):
        positive, negative = stats.signed_ranks([0.0, 1.0, -1.0, 2.0])
        self.assertEqual(positive, [1.5, 3.0])
        self.assertEqual(negative, [1.5])
        self.assertEqual(stats.wilcoxon_greater([0.0, 0.0]), 1.0)


class Decide(unittest.TestCase):
    def noisy(self, shift: float, n: int, seed: int) -> list[float]:
        generator = random.Random(seed)
        return [shift + generator.gauss(0, 0.02) for _ in range(n)]

    def test_a_a_data_passes(self):
        self.assertEqual(stats.decide(self.noisy(0.0, 12, 1)).verdict, "pass")

    def test_a_ten_percent_slowdown_is_a_regression(self):
        verdict = stats.decide(self.noisy(math.log(1.10), 12, 2))
        self.assertEqual(verdict.verdict, "regression")
        self.assertAlmostEqual(verdict.median_change, 0.10, delta=0.02)
        low, high = verdict.interval
        self.assertLess(low, verdict.median_change)
        self.assertGreater(high, verdict.median_change)

    def test_a_significant_but_small_change_passes(self):
        verdict = stats.decide([math.log(1.02)] * 10)
        self.assertLess(verdict.p_value, 0.01)
        self.assertEqual(verdict.verdict, "pass")

    def test_an_improvement_passes(self):
        self.assertEqual(stats.decide(self.noisy(-0.2, 10, 3)).verdict, "pass")

    def test_too_few_pairs_is_inconclusive(self):
        verdict = stats.decide([0.5] * 6)  # 2**-6 > 0.01: can never be significant
        self.assertEqual(verdict.verdict, "inconclusive")
        self.assertEqual(stats.decide([]).verdict, "inconclusive")

    def test_log_ratios_point_towards_worse(self):
        self.assertGreater(stats.log_ratios([100.0], [90.0], higher_is_better=True)[0], 0)
        self.assertGreater(stats.log_ratios([5.0], [6.0], higher_is_better=False)[0], 0)

    def test_the_verdict_uses_the_suites_one_median_interval(self):
        d = self.noisy(0.05, 10, 4)
        verdict = stats.decide(d)
        self.assertEqual(stats.decide(d), verdict)  # the same data, the same interval
        low, high = uncertainty.median_interval(d)
        self.assertEqual(verdict.interval, (stats.as_change(low), stats.as_change(high)))


if __name__ == "__main__":
    unittest.main()
