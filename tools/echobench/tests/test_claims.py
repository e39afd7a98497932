"""The claim rule on golden inputs: a clear winner, a tie, two models, a
client-bound case, an errored repetition, and the schema of claims.json."""

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
            "a": [120, 121, 119, 122, 120], "b": [100, 101, 99, 100, 102], "c": [50, 51, 49, 50, 52]})
        claim = claim_of(rows, "short-connections")
        self.assertEqual(claim["verdict"], "winner")
        self.assertEqual(claim["winner"], "a")
        self.assertEqual(claim["runner_up"], "b")
        self.assertAlmostEqual(claim["ratio"], 1.2, places=2)
        low, high = claim["ratio_ci95"]
        self.assertGreater(low, 1.0)
        self.assertLessEqual(low, claim["ratio"])
        self.assertGreaterEqual(high, claim["ratio"])
        self.assertEqual(claim["repetitions"], 5)

    def test_overlapping_models_tie_and_the_tie_names_them(self):
        rows = rows_for("churn", "msgs_per_s", {
            "a": [100, 104, 98, 103, 99], "b": [101, 97, 102, 99, 100], "c": [50, 51, 49, 50, 52]})
        claim = claim_of(rows, "short-connections")
        self.assertEqual(claim["verdict"], "tie")
        self.assertIsNone(claim["winner"])
        self.assertEqual(sorted(claim["tied"]), ["a", "b"])

    def test_a_significant_but_small_lead_is_a_tie(self):
        # 2% better every time: the interval excludes 1, the effect is below 3%.
        rows = rows_for("churn", "msgs_per_s", {"a": [102, 102.1, 101.9, 102, 102], "b": [100] * 5})
        claim = claim_of(rows, "short-connections")
        self.assertGreater(claim["ratio_ci95"][0], 1.0)
        self.assertEqual(claim["verdict"], "tie")

    def test_two_models_and_lower_is_better(self):
        rows = rows_for("idle-scale", "pss_per_conn_kib", {"lean": [0.3, 0.3, 0.31], "fat": [12.8, 12.9, 12.7]},
                        util=0.0)
        claim = claim_of(rows, "idle-memory")
        self.assertEqual(claim["verdict"], "winner")
        self.assertEqual(claim["winner"], "lean")
        self.assertEqual(claim["better"], "lower")
        self.assertGreater(claim["ratio"], 40)

    def test_a_zero_below_resolution_stays_finite_and_zeros_tie(self):
        rows = rows_for("idle-scale", "pss_per_conn_kib",
                        {"zero": [0.0, 0.0, 0.0], "tiny": [0.04, 0.04, 0.04], "fat": [12.7, 12.8, 12.9]}, util=0.0)
        claim = claim_of(rows, "idle-memory")
        # 0 counts as half the smallest positive value (0.02): 2x better than 0.04.
        self.assertEqual((claim["verdict"], claim["winner"], claim["runner_up"]), ("winner", "zero", "tiny"))
        self.assertAlmostEqual(claim["ratio"], 2.0)
        both_zero = rows_for("idle-scale", "pss_per_conn_kib", {"a": [0.0] * 3, "b": [0.0] * 3}, util=0.0)
        self.assertEqual(claim_of(both_zero, "idle-memory")["verdict"], "tie")

    def test_reference_rows_are_never_contenders(self):
        rows = rows_for("cpu-work", "msgs_per_s", {"python-asyncio": [900.0] * 5, "a": [100.0] * 5,
                                                   "b": [100.5] * 5})
        everyone = claims.build_claims(group_cases(rows))
        self.assertEqual(next(c for c in everyone if c["id"] == "cpu-heavy-requests")["winner"], "python-asyncio")
        judged = claims.build_claims(group_cases(rows), reference=frozenset({"python-asyncio"}))
        claim = next(c for c in judged if c["id"] == "cpu-heavy-requests")
        self.assertNotIn("python-asyncio", claim["medians"])
        self.assertEqual(claim["verdict"], "tie")

    def test_a_client_bound_case_is_not_judged(self):
        rows = rows_for("churn", "msgs_per_s", {"a": [120, 121, 119], "b": [100, 101, 99]})
        for row in rows:
            if row["model"] == "a":
                row["client_cpu_util"] = 0.97
        claim = claim_of(rows, "short-connections")
        self.assertEqual(claim["verdict"], "client-bound")
        self.assertEqual(claim["client_bound"], ["a"])
        self.assertIsNone(claim["winner"])

    def test_an_errored_repetition_is_dropped_without_moving_the_others(self):
        clean = {"a": [120, 121, 119, 122], "b": [100, 101, 99, 100]}
        with_error = {"a": [120, None, 121, 119, 122], "b": [100, 101, 99, 100, 250]}
        # b's fifth repetition (250) would win if the error shifted a pairing;
        # here the repetitions of each model are judged as a set.
        claim_clean = claim_of(rows_for("churn", "msgs_per_s", clean), "short-connections")
        without_b5 = dict(with_error, b=with_error["b"][:4])
        claim_error = claim_of(rows_for("churn", "msgs_per_s", without_b5), "short-connections")
        self.assertEqual(claim_error["failed"], ["a"])
        for key in ("verdict", "winner", "ratio", "ratio_ci95"):
            self.assertEqual(claim_clean[key], claim_error[key], key)

    def test_models_without_enough_repetitions_leave_no_data_and_are_not_published(self):
        rows = rows_for("churn", "msgs_per_s", {"a": [None, None, 120], "b": [100, 101, 99]})
        claim = claim_of(rows, "short-connections")
        self.assertEqual(claim["verdict"], "no-data")
        self.assertEqual(claim["too_few_repetitions"], ["a"])
        self.assertEqual(claims.published([claim]), [])

    def test_each_question_compares_one_load(self):
        rows = (rows_for("throughput", "msgs_per_s", {"a": [10, 10, 10], "b": [20, 20, 20]}, conns=16)
                + [dict(r, conns=256, name=r["name"].replace("conns:16", "conns:256"))
                   for r in rows_for("throughput", "msgs_per_s", {"a": [30, 30, 30], "b": [10, 10, 10]})])
        for row in rows:
            row["size"] = 64
        claim = claim_of(rows, "throughput-many-connections")
        self.assertEqual(claim["case"], "throughput/tcp/*/conns:256/size:64")
        self.assertEqual(claim["winner"], "a")


class ClaimsFile(unittest.TestCase):
    def test_written_claims_match_the_schema_and_reject_nan(self):
        rows = rows_for("churn", "msgs_per_s", {"a": [120, 121, 119], "b": [100, 101, 99]})
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
        self.assertTrue(any("ratio_ci95 above 1" in e for e in errors), errors)
        self.assertTrue(any("verdict 'maybe'" in e for e in errors), errors)
        self.assertTrue(any("not unique" in e for e in errors), errors)
        self.assertEqual(claims.schema_errors({"benchmarks": []}), ["no 'claims' list"])


if __name__ == "__main__":
    unittest.main()
