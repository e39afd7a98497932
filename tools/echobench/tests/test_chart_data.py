"""Chart data preparation: series per model, medians over repetitions,
stable colours."""

import os
import unittest

from echobench.rendering import chart_data
from echobench.results.results_csv import read_results, successful

ROWS = successful(read_results(os.path.join(os.path.dirname(__file__), "data", "good.csv")))


def xy(points):
    return [p[:2] for p in points]


class ChartData(unittest.TestCase):
    def test_throughput_series_take_the_median_of_repetitions_with_its_interval(self):
        series = chart_data.throughput_by_connections(ROWS)
        self.assertEqual(list(series), [64])
        self.assertEqual(xy(series[64]["thread-pool"]), [(1, 10000.0), (16, 100000.0)])
        self.assertEqual(xy(series[64]["asio-coroutine"]), [(1, 12000.0), (16, 200000.0)])
        _, median, low, high, _ = series[64]["thread-pool"][1]  # three repetitions: 90k, 100k, 110k
        self.assertLessEqual(90000.0, low)
        self.assertLessEqual(low, median)
        self.assertLessEqual(median, high)
        self.assertLessEqual(high, 110000.0)
        self.assertEqual(series[64]["thread-pool"][0][2:4], (10000.0, 10000.0))  # one repetition

    def test_series_follow_the_runs_model_order_with_unlisted_models_last(self):
        chart_data.use_model_order({"models": "thread-per-connection,thread-pool,asio-coroutine"})
        series = chart_data.throughput_by_connections(ROWS)[64]
        self.assertEqual(list(series), ["thread-pool", "asio-coroutine", "mystery-server"])
        chart_data.use_model_order({})  # a CSV without its JSON: alphabetical
        self.assertEqual(list(chart_data.throughput_by_connections(ROWS)[64]),
                         ["asio-coroutine", "mystery-server", "thread-pool"])

    def test_latency_series_are_against_the_offered_rate(self):
        latency = chart_data.latency_vs_offered_rate(ROWS)
        self.assertEqual(xy(latency["p99"]["thread-pool"]), [(50000, 400.0), (95000, 5000.0)])
        self.assertEqual(xy(latency["p50"]["asio-coroutine"]), [(50000, 40.0)])
        self.assertFalse(chart_data.single_x(latency["p99"]))

    def test_cost_uses_the_highest_offered_rate_and_the_largest_idle_count(self):
        cost = chart_data.cost_per_model(ROWS)
        cpu_title, memory_title = list(cost)
        self.assertIn("95,000 msgs/s", cpu_title)
        self.assertEqual(xy(cost[cpu_title]["thread-pool"]), [(95000, 7.0)])
        self.assertIn("1,000 held", memory_title)
        self.assertEqual(xy(cost[memory_title]["asio-coroutine"]), [(1000, 17.5)])
        self.assertTrue(chart_data.single_x(cost[memory_title]))

    def test_colours_are_the_same_whatever_the_rows(self):
        chart_data.use_model_order({"models": "thread-pool,asio-coroutine"})
        all_colours = chart_data.model_colours(ROWS)
        fewer = chart_data.model_colours([r for r in ROWS if r["model"] == "asio-coroutine"])
        self.assertEqual(all_colours["asio-coroutine"], fewer["asio-coroutine"])
        self.assertEqual(len(set(all_colours.values())), len(all_colours))

    def test_idle_memory_series(self):
        self.assertEqual(xy(chart_data.idle_memory(ROWS)["thread-pool"]), [(1000, 4.0)])


if __name__ == "__main__":
    unittest.main()
