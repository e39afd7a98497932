"""Intervals of the median and of a ratio of two models, and the cv; and a
simulation with known truth showing each interval covers what it says."""

import math
import random
import unittest

from echobench.statistics import uncertainty

TRIALS = 1000


def binomial_slack(p: float, trials: int) -> float:
    """Four standard errors of a simulated coverage: a seeded simulation
    that lands outside this has a real error, not bad luck."""
    return 4 * math.sqrt(p * (1 - p) / trials)


class MedianInterval(unittest.TestCase):
    def test_five_values_give_min_and_max_with_their_real_coverage(self):
        low, high, coverage = uncertainty.median_interval_with_coverage([100, 104, 98, 103, 99])
        self.assertEqual((low, high), (98, 104))
        self.assertAlmostEqual(coverage, 1 - 2 / 32)  # 93.75%: five values cannot reach 95%

    def test_more_values_trim_to_the_narrowest_pair_that_reaches_the_level(self):
        values = list(range(1, 21))  # 20 values: [x(6), x(15)] covers 95.9%
        low, high, coverage = uncertainty.median_interval_with_coverage(values)
        self.assertEqual((low, high), (6, 15))
        self.assertGreaterEqual(coverage, 0.95)
        self.assertLess(high, 20)  # an outlier at either end does not stretch it

    def test_one_value_is_its_own_interval(self):
        self.assertEqual(uncertainty.median_interval([7.0]), (7.0, 7.0))
        with self.assertRaises(ValueError):
            uncertainty.median_interval([])

    def test_simulated_coverage_matches_the_stated_one(self):
        generator = random.Random(862)
        _, _, stated = uncertainty.median_interval_with_coverage([1.0] * 5)
        covered = 0
        for _ in range(TRIALS):  # log-normal noise: skewed, like run-to-run noise here
            values = [100 * math.exp(generator.gauss(0, 0.1)) for _ in range(5)]
            low, high = uncertainty.median_interval(values)
            covered += low <= 100 <= high
        self.assertAlmostEqual(covered / TRIALS, stated, delta=binomial_slack(stated, TRIALS))


class RatioInterval(unittest.TestCase):
    def test_separated_samples_exclude_one_and_overlapping_ones_do_not(self):
        point, low, high, coverage = uncertainty.ratio_interval([120, 121, 119, 122, 120], [100, 101, 99, 100, 102])
        self.assertAlmostEqual(point, 1.2, places=2)
        self.assertGreater(low, 1)
        self.assertAlmostEqual(coverage, 1 - 8 / 252)  # 96.8%: P(U <= 2) = 4/252 on each side
        _, low, high, _ = uncertainty.ratio_interval([100, 110, 95, 105, 100], [102, 96, 108, 99, 101])
        self.assertLess(low, 1)
        self.assertGreater(high, 1)

    def test_too_few_repetitions_give_an_unbounded_interval(self):
        # 3 against 3: even [min, max] of the pairwise ratios covers only 90%.
        point, low, high, coverage = uncertainty.ratio_interval([2, 2.1, 2.2], [1, 1.1, 1.2])
        self.assertGreater(point, 1)
        self.assertEqual((low, high, coverage), (0.0, math.inf, 0.0))

    def test_rank_sum_depth_matches_the_exact_distribution(self):
        self.assertEqual(uncertainty.rank_sum_depth(5, 5), (3, 1 - 8 / 252))
        k, coverage = uncertainty.rank_sum_depth(4, 4)  # P(U = 0) = 1/70: [min, max] covers 97.1%
        self.assertEqual(k, 1)
        self.assertAlmostEqual(coverage, 1 - 2 / 70)
        self.assertEqual(uncertainty.rank_sum_depth(3, 3)[0], 0)

    def test_simulated_coverage_matches_the_stated_one(self):
        generator = random.Random(862)
        true_ratio = 1.3
        *_, stated = uncertainty.ratio_interval([1.0, 2, 3, 4, 5], [1.0, 2, 3, 4, 5])
        covered = 0
        for _ in range(TRIALS):
            top = [true_ratio * 100 * math.exp(generator.gauss(0, 0.1)) for _ in range(5)]
            bottom = [100 * math.exp(generator.gauss(0, 0.1)) for _ in range(5)]
            _, low, high, _ = uncertainty.ratio_interval(top, bottom)
            covered += low <= true_ratio <= high
        self.assertAlmostEqual(covered / TRIALS, stated, delta=binomial_slack(stated, TRIALS))

    def test_paired_rounds_give_the_signed_rank_interval_with_its_coverage(self):
        self.assertEqual(uncertainty.signed_rank_depth(5), (1, 1 - 2 / 32))  # [min, max]: 93.75%
        self.assertEqual(uncertainty.signed_rank_depth(7), (3, 1 - 6 / 128))  # P(T <= 2) = 3/128
        self.assertEqual(uncertainty.signed_rank_depth(4), (0, 0.0))  # 87.5% at best: too little
        # Each round's machine phase multiplies both sides alike; pairing cancels it.
        point, low, high, coverage = uncertainty.paired_ratio_interval([110, 220, 55, 330, 121],
                                                                       [100, 200, 50, 300, 110])
        self.assertAlmostEqual(point, 1.1)
        self.assertAlmostEqual(low, 1.1)
        self.assertAlmostEqual(high, 1.1)
        self.assertEqual(coverage, 0.9375)
        with self.assertRaises(ValueError):
            uncertainty.paired_ratio_interval([1.0, 2.0], [1.0])

    def test_simulated_paired_coverage_matches_the_stated_one(self):
        """Rounds with a common slow phase (a factor of up to about 2 for
        both sides) and small noise of their own."""
        generator = random.Random(862)
        true_ratio = 1.3
        *_, stated = uncertainty.paired_ratio_interval([1.0, 2, 3, 4, 5], [1.0, 2, 3, 4, 5])
        covered = 0
        for _ in range(TRIALS):
            phases = [math.exp(generator.gauss(0, 0.3)) for _ in range(5)]
            top = [true_ratio * 100 * phase * math.exp(generator.gauss(0, 0.03)) for phase in phases]
            bottom = [100 * phase * math.exp(generator.gauss(0, 0.03)) for phase in phases]
            _, low, high, _ = uncertainty.paired_ratio_interval(top, bottom)
            covered += low <= true_ratio <= high
        self.assertAlmostEqual(covered / TRIALS, stated, delta=binomial_slack(stated, TRIALS))

    def test_non_positive_values_are_refused(self):
        with self.assertRaises(ValueError):
            uncertainty.ratio_interval([0.0, 1.0], [1.0, 2.0])


class Spread(unittest.TestCase):
    def test_coefficient_of_variation(self):
        self.assertAlmostEqual(uncertainty.coefficient_of_variation([90, 100, 110]), 10 / 100)
        self.assertEqual(uncertainty.coefficient_of_variation([5]), 0.0)


if __name__ == "__main__":
    unittest.main()
