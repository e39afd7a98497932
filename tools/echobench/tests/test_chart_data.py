"""Chart data preparation: series per model, medians over repetitions,
stable colours."""

import os
import unittest

from echobench import chart_data
from echobench.results_csv import read_results, successful

ROWS = successful(read_results(os.path.join(os.path.dirname(__file__), "data", "good.csv")))


class ChartData(unittest.TestCase):
    def test_throughput_series_take_the_median_of_repetitions(self):
        series = chart_data.throughput_by_connections(ROWS)
        self.assertEqual(list(series), [64])
        self.assertEqual(series[64]["thread-pool"], [(1, 10000.0), (16, 100000.0)])
        self.assertEqual(series[64]["asio-coroutine"], [(1, 12000.0), (16, 200000.0)])

    def test_series_follow_the_fixed_model_order_with_unknown_models_last(self):
        series = chart_data.throughput_by_connections(ROWS)[64]
        self.assertEqual(list(series), ["thread-pool", "asio-coroutine", "mystery-server"])

    def test_latency_series_are_against_achieved_throughput(self):
        latency = chart_data.latency_vs_throughput(ROWS)
        self.assertEqual(latency["p99"]["thread-pool"], [(50000.0, 400.0), (95000.0, 5000.0)])
        self.assertEqual(latency["p50"]["asio-coroutine"], [(100000.0, 40.0)])

    def test_cost_uses_the_most_common_load_and_the_largest_idle_count(self):
        cost = chart_data.cost_per_model(ROWS)
        cpu_title, memory_title = list(cost)
        self.assertIn("conns=16", cpu_title)
        self.assertEqual(cost[cpu_title]["thread-pool"], 6.0)
        self.assertIn("1000 held", memory_title)
        self.assertEqual(cost[memory_title]["asio-coroutine"], 17.5)

    def test_colours_are_the_same_whatever_the_rows(self):
        all_colours = chart_data.model_colours(ROWS)
        fewer = chart_data.model_colours([r for r in ROWS if r["model"] == "asio-coroutine"])
        self.assertEqual(all_colours["asio-coroutine"], fewer["asio-coroutine"])
        self.assertEqual(len(set(all_colours.values())), len(all_colours))

    def test_idle_memory_series(self):
        self.assertEqual(chart_data.idle_memory(ROWS)["thread-pool"], [(1000, 4.0)])


if __name__ == "__main__":
    unittest.main()
