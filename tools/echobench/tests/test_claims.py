"""The verdict rule on synthetic repetitions: each of the four verdicts, the
margin's edges, the absolute floor, client-bound questions ranked by server
CPU per message, errored repetitions, and the schema of claims.json."""

import json
import os
import tempfile
import unittest

from echobench.rendering import claims
from echobench.results.cases import group_cases


def rows_for(scenario: str, metric: str, values: dict[str, list[float]], util: float = 0.5, **parameters):
    """Per-repetition rows of one load, one model per key."""
    rows = []
    for model, series in values.items():
        for repetition, value in enumerate(series):
            name = f"{scenario}/tcp/{model}/conns:16/size:64"
            row = {"name": name, "scenario": scenario, "protocol": "tcp", "model": model, "conns": 16, "size": 64,
                   "repetition": repetition, "error": "", "client_cpu_util": util, **parameters}
            if value is None:
                row["error"] = "server exited with status 1"
            else:
                row[metric] = value
            rows.append(row)
    return rows


def claim_of(rows, claim_id):
    return next(c for c in claims.build_claims(group_cases(rows)) if c["id"] == claim_id)


class ClaimRule(unittest.TestCase):
    def test_a_clear_winner_is_named_with_its_ratio_and_interval(self):
        rows = rows_for("churn", "msgs_per_s", {
            "a": [12000, 12100, 11900, 12200, 12000], "b": [10000, 10100, 9900, 10000, 10200],
            "c": [5000, 5100, 4900, 5000, 5200]})
        claim = claim_of(rows, "short-connections")
        self.assertEqual(claim["verdict"], "winner")
        self.assertEqual(claim["winner"], "a")
        self.assertEqual(claim["runner_up"], "b")
        self.assertEqual(claim["metric_ranked"], "msgs_per_s")
        self.assertAlmostEqual(claim["ratio"], 1.2, places=2)
        low, high = claim["ratio_ci95"]
        self.assertGreater(low, 1 + claim["margin"])
        self.assertLessEqual(low, claim["ratio"])
        self.assertGreaterEqual(high, claim["ratio"])
        self.assertEqual(claim["repetitions"], 5)

    def test_models_within_the_margin_are_equivalent_and_named(self):
        rows = rows_for("churn", "msgs_per_s", {
            "a": [1000, 1010, 1005, 1002, 1008], "b": [1000, 1004, 998, 1001, 1003], "c": [500, 510, 490, 505, 495]})
        claim = claim_of(rows, "short-connections")
        self.assertEqual(claim["verdict"], "equivalent")
        self.assertIsNone(claim["winner"])
        self.assertEqual(sorted(claim["equivalent"]), ["a", "b"])

    def test_a_wide_interval_is_inconclusive_not_a_tie(self):
        rows = rows_for("churn", "msgs_per_s", {"a": [1000, 1500, 800, 1300, 900], "b": [950, 1200, 850, 1100, 1000]})
        claim = claim_of(rows, "short-connections")
        self.assertEqual(claim["verdict"], "inconclusive")
        self.assertEqual(claim["leader"], "a")
        low, high = claim["ratio_ci95"]
        self.assertLess(low, 1)  # the interval holds equality ...
        self.assertGreater(high, 1 + claim["margin"])  # ... and a lead past the margin

    def test_the_margin_decides_at_its_edges(self):
        # 5% margin: 4.9% better every time is equivalent, 5.1% a winner.
        def verdict(a):
            return claim_of(rows_for("churn", "msgs_per_s", {"a": [a] * 5, "b": [10000.0] * 5}),
                            "short-connections")["verdict"]
        self.assertEqual(verdict(10490.0), "equivalent")
        self.assertEqual(verdict(10510.0), "winner")

    def test_a_lead_below_the_absolute_floor_is_no_lead(self):
        # 18% more of 500 msgs/s is 90 msgs/s, under the 100 msgs/s floor
        # (so the margin is 20%, not 5%); 22% is 110, over it.
        def verdict(a):
            return claim_of(rows_for("churn", "msgs_per_s", {"a": [a] * 5, "b": [500.0] * 5}),
                            "short-connections")
        self.assertEqual(verdict(590.0)["verdict"], "equivalent")
        self.assertEqual(verdict(590.0)["margin_from"], "floor")
        self.assertAlmostEqual(verdict(590.0)["margin"], 0.2)
        self.assertEqual(verdict(610.0)["verdict"], "winner")
        # Memory: half a KiB per connection is 2x, and still under the 1 KiB floor.
        memory = rows_for("idle-scale", "pss_per_conn_kib", {"lean": [0.5] * 5, "lighter": [0.25] * 5}, util=0.0)
        claim = claim_of(memory, "idle-memory")
        self.assertEqual(claim["verdict"], "equivalent")
        self.assertAlmostEqual(claim["ratio"], 2.0)

    def test_two_models_and_lower_is_better(self):
        rows = rows_for("idle-scale", "pss_per_conn_kib", {"lean": [0.3, 0.3, 0.31, 0.3, 0.29],
                                                           "fat": [12.8, 12.9, 12.7, 12.8, 12.8]}, util=0.0)
        claim = claim_of(rows, "idle-memory")
        self.assertEqual(claim["verdict"], "winner")
        self.assertEqual(claim["winner"], "lean")
        self.assertEqual(claim["better"], "lower")
        self.assertGreater(claim["ratio"], 40)

    def test_a_zero_below_resolution_stays_finite_and_zeros_are_equivalent(self):
        rows = rows_for("idle-scale", "pss_per_conn_kib",
                        {"zero": [0.0] * 5, "tiny": [0.04] * 5, "fat": [12.7, 12.8, 12.9, 12.8, 12.7]}, util=0.0)
        claim = claim_of(rows, "idle-memory")
        # 0 counts as half the smallest positive value (0.02): 2x better
        # than 0.04, far under the floor.
        self.assertEqual((claim["verdict"], claim["leader"], claim["runner_up"]), ("equivalent", "zero", "tiny"))
        self.assertAlmostEqual(claim["ratio"], 2.0)
        self.assertEqual(claim["equivalent"], ["zero", "tiny"])
        both_zero = rows_for("idle-scale", "pss_per_conn_kib", {"a": [0.0] * 5, "b": [0.0] * 5}, util=0.0)
        self.assertEqual(claim_of(both_zero, "idle-memory")["verdict"], "equivalent")

    def test_too_few_repetitions_for_an_interval_are_inconclusive(self):
        rows = rows_for("churn", "msgs_per_s", {"a": [200, 201, 199], "b": [100, 101, 99]})
        claim = claim_of(rows, "short-connections")
        self.assertEqual(claim["verdict"], "inconclusive")
        self.assertIsNone(claim["ratio_ci95"][1])
        self.assertEqual(claim["interval_coverage"], 0.0)

    def test_reference_rows_are_never_contenders(self):
        rows = rows_for("cpu-work", "msgs_per_s", {"python-asyncio": [900.0] * 5, "a": [100.0] * 5,
                                                   "b": [100.5] * 5})
        everyone = claims.build_claims(group_cases(rows))
        self.assertEqual(next(c for c in everyone if c["id"] == "cpu-heavy-requests")["winner"], "python-asyncio")
        judged = claims.build_claims(group_cases(rows), reference=frozenset({"python-asyncio"}))
        claim = next(c for c in judged if c["id"] == "cpu-heavy-requests")
        self.assertNotIn("python-asyncio", claim["medians"])
        self.assertEqual(claim["verdict"], "equivalent")

    def test_a_client_bound_question_ranks_by_server_cpu_per_message(self):
        rows = rows_for("churn", "msgs_per_s", {"a": [120, 121, 119, 120, 122], "b": [100, 101, 99, 100, 98]})
        cpu = {"a": [30.0, 30.2, 29.9, 30.1, 30.0], "b": [20.0, 20.1, 19.9, 20.2, 20.0]}
        for row in rows:
            row["server_cpu_us_per_msg"] = cpu[row["model"]][row["repetition"]]
            if row["model"] == "a":
                row["client_cpu_util"] = 0.97
        claim = claim_of(rows, "short-connections")
        self.assertEqual(claim["client_bound"], ["a"])
        self.assertEqual(claim["metric_ranked"], "server_cpu_us_per_msg")
        # b does more per server CPU: 20 against 30 µs per message.
        self.assertEqual((claim["verdict"], claim["winner"]), ("winner", "b"))
        self.assertAlmostEqual(claim["ratio"], 1.5, places=2)
        self.assertEqual(claim["ranked_medians"], {"a": 30.0, "b": 20.0})
        self.assertEqual(claim["saturated"]["a"], "client")

    def test_a_question_that_ranks_server_cpu_keeps_ranking_it_when_client_bound(self):
        rows = rows_for("latency", "server_cpu_us_per_msg", {"a": [10.0, 10.1, 9.9, 10.0, 10.2],
                                                              "b": [20.0, 20.2, 19.8, 20.1, 20.0]},
                        rate_msgs_per_s=20000)
        for row in rows:
            if row["model"] == "a":
                row["client_cpu_util"] = 0.95
        claim = claim_of(rows, "server-cpu-per-message")
        self.assertEqual(claim["client_bound"], ["a"])
        self.assertEqual((claim["verdict"], claim["winner"], claim["metric_ranked"]),
                         ("winner", "a", "server_cpu_us_per_msg"))

    def test_client_bound_capacities_count_as_lower_bounds(self):
        def claim(bound_model):
            rows = rows_for("slo-capacity", "capacity_msgs_per_s",
                            {"fast": [60000.0, 61000, 59000, 60500, 60200], "slow": [30000.0, 30500, 29500, 30100, 30200]},
                            slo_us=1000)
            for row in rows:
                if row["model"] == bound_model:
                    row["client_cpu_util"] = 0.95
            return claim_of(rows, "capacity-at-slo")
        # The leader bound: its true capacity is at least what was measured, so its lead stands.
        self.assertEqual((claim("fast")["verdict"], claim("fast")["winner"]), ("winner", "fast"))
        # The runner-up bound: it might do better with a faster client, so no lead over it is claimed.
        slow_bound = claim("slow")
        self.assertEqual((slow_bound["verdict"], slow_bound["lower_bounds"], slow_bound["beaten"]),
                         ("inconclusive", ["slow"], []))

    def test_a_client_bound_question_without_server_cpu_is_not_ranked(self):
        rows = rows_for("churn", "msgs_per_s", {"a": [120, 121, 119], "b": [100, 101, 99]})
        for row in rows:
            if row["model"] == "a":
                row["client_cpu_util"] = 0.97
        claim = claim_of(rows, "short-connections")
        self.assertEqual(claim["verdict"], "client-bound")
        self.assertEqual(claim["client_bound"], ["a"])
        self.assertIsNone(claim["winner"])

    def test_each_case_says_which_side_saturated(self):
        rows = rows_for("throughput", "msgs_per_s", {"busy": [100000.0] * 3, "idle": [10000.0] * 3})
        for row in rows:
            # busy: 9.5 µs x 100,000/s = 0.95 of its one CPU; idle: 0.1.
            row["server_cpu_us_per_msg"] = 9.5 if row["model"] == "busy" else 10.0
        cases = group_cases(rows)
        self.assertEqual({c.model: c.saturated(1) for c in cases.values()}, {"busy": "server", "idle": "neither"})
        self.assertEqual({c.model: c.saturated(2) for c in cases.values()}, {"busy": "neither", "idle": "neither"})

    def test_an_errored_repetition_is_dropped_without_moving_the_others(self):
        clean = {"a": [120, 121, 119, 122], "b": [100, 101, 99, 100]}
        with_error = {"a": [120, None, 121, 119, 122], "b": [100, 101, 99, 100, 250]}
        # b's fifth repetition (250) would win if the error shifted a pairing;
        # here the repetitions of each model are judged as a set.
        claim_clean = claim_of(rows_for("churn", "msgs_per_s", clean), "short-connections")
        without_b5 = dict(with_error, b=with_error["b"][:4])
        claim_error = claim_of(rows_for("churn", "msgs_per_s", without_b5), "short-connections")
        self.assertEqual(claim_error["failed"], ["a"])
        for key in ("verdict", "leader", "ratio", "ratio_ci95"):
            self.assertEqual(claim_clean[key], claim_error[key], key)

    def test_models_without_enough_repetitions_leave_no_data_and_are_not_published(self):
        rows = rows_for("churn", "msgs_per_s", {"a": [None, None, 120], "b": [100, 101, 99]})
        claim = claim_of(rows, "short-connections")
        self.assertEqual(claim["verdict"], "no-data")
        self.assertEqual(claim["too_few_repetitions"], ["a"])
        self.assertEqual(claims.published([claim]), [])

    def test_a_rotated_run_pairs_its_rounds_and_cancels_the_machines_phases(self):
        # Each round ran at another speed of the machine, the same for both
        # models: unpaired, the phases swamp a 20% lead; paired, it is plain.
        phases = [1.0, 1.6, 0.7, 1.3, 0.9]
        rows = rows_for("churn", "msgs_per_s", {"a": [12000 * p for p in phases], "b": [10000 * p for p in phases]})
        unpaired = next(c for c in claims.build_claims(group_cases(rows)) if c["id"] == "short-connections")
        paired = next(c for c in claims.build_claims(group_cases(rows), paired=True) if c["id"] == "short-connections")
        self.assertEqual((unpaired["verdict"], unpaired["paired"]), ("inconclusive", False))
        self.assertEqual((paired["verdict"], paired["winner"], paired["paired"]), ("winner", "a", True))
        self.assertEqual(paired["ratio_ci95"], [1.2, 1.2])
        self.assertEqual(paired["interval_coverage"], 0.9375)

    def test_each_question_compares_one_load(self):
        rows = (rows_for("throughput", "msgs_per_s", {"a": [10, 10, 10], "b": [20, 20, 20]}, conns=16)
                + [dict(r, conns=256, name=r["name"].replace("conns:16", "conns:256"))
                   for r in rows_for("throughput", "msgs_per_s", {"a": [30, 30, 30], "b": [10, 10, 10]})])
        for row in rows:
            row["size"] = 64
        claim = claim_of(rows, "throughput-many-connections")
        self.assertEqual(claim["case"], "throughput/tcp/*/conns:256/size:64")
        self.assertEqual(claim["leader"], "a")


class HostileQuestions(unittest.TestCase):
    """Keeps serving good clients? Decided on good_served, whatever the load
    generator's CPU; the ratios beside it decide nothing; a MODEL+defended
    entrant is not a contender."""

    @staticmethod
    def hostile_rows(served: dict[str, list[float]], kind: str = "idle", util: float = 0.99):
        rows = rows_for("hostile", "good_served", served, util=util, kind=kind, bad=1000)
        for row in rows:
            row["name"] += f"/kind:{kind}/bad:1000"
            row["throughput_ratio"] = 0.5 if row["model"] == "a" else 1.0  # would rank b first
        return rows

    def test_a_model_that_stops_serving_is_beaten_and_the_others_are_equivalent(self):
        rows = self.hostile_rows({"a": [1, 1, 1, 1, 1], "b": [1, 1, 1, 1, 1], "stops": [0, 0, 0, 0, 0],
                                  "a+defended": [1, 1, 1, 1, 1]})
        claim = claim_of(rows, "hostile-idle")
        self.assertEqual(claim["metric_ranked"], "good_served")
        self.assertEqual(claim["verdict"], "equivalent")
        self.assertEqual(sorted(claim["equivalent"]), ["a", "b"])
        self.assertEqual(claim["beaten"], ["stops"])
        self.assertNotIn("a+defended", claim["medians"])
        self.assertNotIn("client_bound", claim, "a ratio to itself is not limited by the client")

    def test_one_good_client_of_sixteen_left_unanswered_is_behind(self):
        rows = self.hostile_rows({"all": [1, 1, 1, 1, 1], "most": [15 / 16] * 5}, kind="non-reader")
        claim = claim_of(rows, "hostile-non-reader")
        self.assertEqual(claim["verdict"], "winner")
        self.assertEqual(claim["winner"], "all")

    def test_case_names_carry_the_kind_and_the_number_of_bad_clients(self):
        from echobench.results.gbench import parse_case_name
        fields = parse_case_name("hostile/tcp/io-uring+defended/conns:16/size:64/kind:non-reader/bad:1000")
        self.assertEqual((fields["model"], fields["kind"], fields["bad"]), ("io-uring+defended", "non-reader", 1000))


class ClaimsFile(unittest.TestCase):
    def test_written_claims_match_the_schema_and_reject_nan(self):
        rows = rows_for("churn", "msgs_per_s", {"a": [120, 121, 119, 122, 120], "b": [100, 101, 99, 100, 102]})
        verdicts = claims.build_claims(group_cases(rows))
        with tempfile.TemporaryDirectory() as out:
            path = os.path.join(out, "claims.json")
            claims.write_claims(verdicts, path, {"matrix": "quick", "repetitions": "3"})
            with open(path, encoding="utf-8") as source:
                document = json.load(source)
        self.assertEqual(claims.schema_errors(document), [])
        self.assertEqual(document["context"]["matrix"], "quick")

    def test_schema_errors_catch_a_winner_without_support(self):
        bad = {"claims": [{"id": "x", "question": "q", "case": "c", "metric": "m", "better": "higher",
                           "verdict": "winner", "winner": "a", "runner_up": "b", "ratio": 1.01,
                           "ratio_ci95": [0.9, 1.1], "repetitions": 5},
                          {"id": "x", "question": "q", "case": "c", "metric": "m", "better": "sideways",
                           "verdict": "maybe", "repetitions": 5}]}
        errors = claims.schema_errors(bad)
        self.assertTrue(any("margin a number" in e for e in errors), errors)
        bad["claims"][0]["metric_ranked"] = "m"
        bad["claims"][0]["margin"] = 0.05
        self.assertTrue(any("above 1 + margin" in e for e in claims.schema_errors(bad)), errors)
        self.assertTrue(any("verdict 'maybe'" in e for e in errors), errors)
        self.assertTrue(any("not unique" in e for e in errors), errors)
        self.assertEqual(claims.schema_errors({"benchmarks": []}), ["no 'claims' list"])


if __name__ == "__main__":
    unittest.main()
