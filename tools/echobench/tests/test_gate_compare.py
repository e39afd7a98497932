"""tools/gate --compare on golden Google Benchmark JSON files: pairing by
repetition_index, verdicts, and exit statuses."""

import os
import subprocess
import sys
import unittest

from echobench.gate import EXIT_CODES, Settings, compare_files, overall, verdict_rows

DATA = os.path.join(os.path.dirname(__file__), "data")
GATE = os.path.join(os.path.dirname(__file__), "..", "..", "gate")


def data(name: str) -> str:
    return os.path.join(DATA, name)


class CompareFiles(unittest.TestCase):
    def test_same_performance_passes(self):
        verdict, report = compare_files(data("gbench_base.json"), data("gbench_same.json"), Settings())
        self.assertEqual(verdict, "pass")
        self.assertIn("items_per_second", report)

    def test_twelve_percent_slower_is_a_regression(self):
        verdict, report = compare_files(data("gbench_base.json"), data("gbench_slower.json"), Settings())
        self.assertEqual(verdict, "regression")
        self.assertIn("BM_echo/conns:16", report)

    def test_three_repetitions_are_too_few(self):
        verdict, _ = compare_files(data("gbench_base.json"), data("gbench_three_reps.json"), Settings())
        self.assertEqual(verdict, "inconclusive")


class Pairing(unittest.TestCase):
    def test_an_errored_run_in_the_middle_drops_its_pair_and_shifts_nothing(self):
        base = [{"error": "", "msgs_per_s": 1000.0 * (i + 1)} for i in range(8)]
        base[3] = {"error": "server exited with status 1"}
        candidate = [{"error": "", "msgs_per_s": 1000.0 * (i + 1) / 1.12} for i in range(8)]
        rows = verdict_rows({"case": base}, {"case": candidate}, Settings())
        verdict = next(r["verdict"] for r in rows if r["metric"] == "msgs_per_s")
        self.assertEqual(verdict.pairs, 7)
        self.assertAlmostEqual(verdict.median_change, 0.12, places=6)
        self.assertAlmostEqual(verdict.interval[0], 0.12, places=6)  # every pair says the same


class BrokenCandidate(unittest.TestCase):
    BASE = [{"error": "", "msgs_per_s": 1000.0 + i} for i in range(8)]

    def verdict_for(self, candidate_runs):
        rows = verdict_rows({"case": self.BASE}, {"case": candidate_runs} if candidate_runs is not None else {},
                            Settings())
        return overall(rows, [], 0.05, confirmed=False)

    def test_all_errored_zero_nan_and_missing_candidates_fail(self):
        for name, runs, says in (
                ("all errored", [{"error": "server exited with status 1"}] * 8, "every candidate run failed"),
                ("zero", [{"error": "", "msgs_per_s": 0.0}] * 8, "msgs_per_s = 0.0"),
                ("NaN", [{"error": "", "msgs_per_s": float("nan")}] * 8, "msgs_per_s = nan"),
                ("metric missing", [{"error": ""}] * 8, "msgs_per_s = None"),
                ("case missing", None, "missing from the candidate")):
            with self.subTest(name):
                verdict, why = self.verdict_for(runs)
                self.assertEqual(verdict, "broken")
                self.assertEqual(EXIT_CODES[verdict], 1)
                self.assertIn(says, why)

    def test_compare_does_not_claim_a_second_measurement(self):
        _, report = compare_files(data("gbench_base.json"), data("gbench_slower.json"), Settings())
        self.assertNotIn("second measurement", report)


class GateCommandLine(unittest.TestCase):
    def run_gate(self, *args):
        return subprocess.run([sys.executable, GATE, *args], capture_output=True, text=True, check=False)

    def test_exit_statuses(self):
        self.assertEqual(self.run_gate("--compare", data("gbench_base.json"), data("gbench_same.json")).returncode, 0)
        self.assertEqual(self.run_gate("--compare", data("gbench_base.json"), data("gbench_slower.json")).returncode, 1)
        self.assertEqual(self.run_gate("--compare", data("gbench_base.json"),
                                       data("gbench_three_reps.json")).returncode, 3)

    def test_bad_input_is_a_usage_error(self):
        done = self.run_gate("--compare", data("good.csv"), data("gbench_same.json"))
        self.assertEqual(done.returncode, 2)
        self.assertIn("good.csv", done.stderr)
        self.assertEqual(self.run_gate("--pairs", "0", "--compare", "a", "b").returncode, 2)


if __name__ == "__main__":
    unittest.main()
