"""Intervals of the median and of a ratio of medians, and the cv."""

import statistics
import unittest

from echobench.statistics import uncertainty


class Uncertainty(unittest.TestCase):
    def test_median_interval_brackets_the_median_and_is_repeatable(self):
        values = [100, 104, 98, 103, 99, 250]
        low, high = uncertainty.median_interval(values)
        self.assertLessEqual(low, statistics.median(values))
        self.assertGreaterEqual(high, statistics.median(values))
        self.assertEqual((low, high), uncertainty.median_interval(values))  # seeded
        self.assertLess(high, 250)  # one outlier does not stretch the median's interval to it

    def test_one_value_is_its_own_interval(self):
        self.assertEqual(uncertainty.median_interval([7.0]), (7.0, 7.0))
        with self.assertRaises(ValueError):
            uncertainty.median_interval([])

    def test_ratio_interval_excludes_one_only_for_separated_samples(self):
        point, low, high = uncertainty.ratio_interval([120, 121, 119, 122, 120], [100, 101, 99, 100, 102])
        self.assertAlmostEqual(point, 1.2, places=2)
        self.assertGreater(low, 1)
        _, low, high = uncertainty.ratio_interval([100, 110, 95, 105, 100], [102, 96, 108, 99, 101])
        self.assertLess(low, 1)
        self.assertGreater(high, 1)

    def test_coefficient_of_variation(self):
        self.assertAlmostEqual(uncertainty.coefficient_of_variation([90, 100, 110]), 10 / 100)
        self.assertEqual(uncertainty.coefficient_of_variation([5]), 0.0)


if __name__ == "__main__":
    unittest.main()
