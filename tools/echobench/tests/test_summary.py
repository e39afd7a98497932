"""The terminal summary's cells: a capacity search in which no rate met the
SLO is shown as below the lowest rate tried, never as a zero or a blank."""

import unittest

from echobench.rendering.summary import summary_tables


def slo_row(rep: int, **counters) -> dict:
    return {"name": "slo-capacity/tcp/m/conns:16/size:64/slo_us:1000", "scenario": "slo-capacity", "protocol": "tcp",
            "model": "m", "conns": 16, "size": 64, "slo_us": 1000, "rep": rep, **counters}


class Summary(unittest.TestCase):
    def test_a_slo_never_met_reads_below_the_lowest_rate_tried(self):
        table = summary_tables([slo_row(0, lowest_probed_msgs_per_s=480.0),
                                slo_row(1, lowest_probed_msgs_per_s=520.0)])
        self.assertIn("| < 480 (SLO not met) |", table)

    def test_repetitions_that_missed_the_slo_are_counted_beside_the_capacity(self):
        table = summary_tables([slo_row(0, capacity_msgs_per_s=9000.0), slo_row(1, capacity_msgs_per_s=9000.0),
                                slo_row(2, lowest_probed_msgs_per_s=500.0)])
        self.assertIn("9,000 ±0 (1 not met)", table)


if __name__ == "__main__":
    unittest.main()
