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


class HostileTables(unittest.TestCase):
    """The hostile table: a model that stopped serving shows 0% and no p99
    ratio, MODEL+defended follows its model, and every number is a median
    of the rows given."""

    def test_rows_become_one_table_per_kind(self):
        from echobench.rendering.hostile_tables import hostile_tables
        rows = []
        for model, served, ratio, closed in (("thread-pool", 1.0, 0.9, 0), ("thread-pool+defended", 1.0, 1.0, 1000),
                                             ("prefork", 0.0, 0.0, 0)):
            for repetition in range(3):
                row = {"name": f"hostile/tcp/{model}/conns:16/size:64/kind:idle/bad:1000", "scenario": "hostile",
                       "protocol": "tcp", "model": model, "conns": 16, "size": 64, "kind": "idle", "bad": 1000,
                       "repetition": repetition, "error": "", "good_served": served, "throughput_ratio": ratio,
                       "hostile_closed": closed, "hostile_attached": 1000, "server_threads": 2,
                       "server_processes": 1, "baseline_server_pss_mib": 2.0, "server_pss_mib": 3.0}
                if served:
                    row["p99_ratio"] = 1.5
                rows.append(row)
        table = hostile_tables(rows).splitlines()
        self.assertEqual(table[0], "**1,000 idle clients (connect, send nothing)**")
        names = [line.split(" | ")[0][2:] for line in table if line.startswith("| ") and "---" not in line][1:]
        self.assertEqual(sorted(names), ["prefork", "thread-pool", "thread-pool+defended"])
        self.assertEqual(names.index("thread-pool+defended"), names.index("thread-pool") + 1)
        line = {name: next(t for t in table if t.startswith(f"| {name} |")) for name in names}
        self.assertIn("| 100% | 0.90 (0.90–0.90) | 1.50 (1.50–1.50) |", line["thread-pool"])
        self.assertIn("1,000 of 1,000", line["thread-pool+defended"])
        self.assertIn("| 0% | 0.00 (0.00–0.00) |  |", line["prefork"])
