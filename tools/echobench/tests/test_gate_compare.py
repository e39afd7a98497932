"""tools/gate --compare on golden Google Benchmark JSON files: pairing by
repetition_index, verdicts, and exit statuses."""

import os
import subprocess
import sys
import unittest

from echobench.gate.gate import EXIT_CODES, Settings, compare_files, overall, second_stage, verdict_rows

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


def runs_with_changes(changes: list[float]) -> tuple[list[dict], list[dict]]:
    """Base and candidate runs whose i-th pair has the candidate slower by
    changes[i] (a fraction)."""
    base = [{"error": "", "msgs_per_s": 1000.0} for _ in changes]
    candidate = [{"error": "", "msgs_per_s": 1000.0 / (1 + c)} for c in changes]
    return base, candidate


class SecondStage(unittest.TestCase):
    # About 10% slower in 6 pairs, two pairs the other way: p = 0.035 on 8
    # pairs, suspicious but short of 0.01.
    NOISY_SLOWDOWN = [0.10, 0.09, 0.11, 0.10, -0.03, 0.12, 0.08, -0.085]

    def run_stages(self, first: list[float], again: list[float] | None):
        base, candidate = runs_with_changes(first)
        rows = verdict_rows({"case": base}, {"case": candidate}, Settings())
        asked = []

        def measure_again(cases):
            asked.append(cases)
            b2, c2 = runs_with_changes(again or [])
            return {"case": b2}, {"case": c2}

        final, screened = second_stage({"case": base}, {"case": candidate}, rows, Settings(), measure_again)
        return rows, final, screened, asked

    def test_a_suspicious_case_is_decided_on_both_stages_pooled(self):
        rows, final, screened, asked = self.run_stages(self.NOISY_SLOWDOWN, [0.10] * 8)
        first = next(r["verdict"] for r in rows if r["metric"] == "msgs_per_s")
        self.assertTrue(0.01 < first.p_value < 0.05, first.p_value)
        self.assertEqual(first.verdict, "pass")  # alone, the first stage misses it
        self.assertEqual(asked, [["case"]])
        pooled = next(r["verdict"] for r in final if r["metric"] == "msgs_per_s")
        self.assertEqual(pooled.pairs, 16)
        self.assertEqual(pooled.verdict, "regression")
        self.assertEqual([r["verdict"].pairs for r in screened], [8])

    def test_a_suspicious_case_that_does_not_repeat_passes(self):
        _, final, _, asked = self.run_stages(self.NOISY_SLOWDOWN, [0.01, -0.02, 0.0, 0.02, -0.01, 0.01, -0.03, 0.02])
        self.assertEqual(asked, [["case"]])
        pooled = next(r["verdict"] for r in final if r["metric"] == "msgs_per_s")
        self.assertEqual((pooled.pairs, pooled.verdict), (16, "pass"))

    def test_unchanged_code_is_not_measured_again(self):
        rows, final, screened, asked = self.run_stages([0.01, -0.02, 0.0, 0.02, -0.01, 0.01, -0.03, 0.02], None)
        self.assertEqual((asked, screened), ([], []))
        self.assertEqual(final, rows)

    def test_a_significant_change_under_the_threshold_is_not_measured_again(self):
        _, _, _, asked = self.run_stages([0.03] * 8, None)
        self.assertEqual(asked, [])


class ControlPerCase(unittest.TestCase):
    def rows(self, case: str, changes: list[float]) -> list[dict]:
        base, candidate = runs_with_changes(changes)
        return verdict_rows({case: base}, {case: candidate}, Settings())

    def test_a_noisy_control_voids_only_its_own_case(self):
        regression = self.rows("a", [0.12] * 8)
        quiet = self.rows("b", [0.0] * 8)
        noisy_b = self.rows("b", [0.08] * 8)  # the A/A control of b moved 8%
        noisy_a = self.rows("a", [0.08] * 8)
        self.assertEqual(overall(regression + quiet, self.rows("a", [0.0] * 8) + noisy_b, 0.05)[0], "regression")
        verdict, why = overall(regression + quiet, noisy_a + self.rows("b", [0.0] * 8), 0.05)
        self.assertEqual(verdict, "inconclusive")
        self.assertIn("A/A control moved +8.0% on a", why)
        self.assertEqual(overall(quiet, noisy_b, 0.05)[0], "inconclusive")


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
