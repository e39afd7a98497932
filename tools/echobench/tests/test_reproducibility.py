"""Comparing two runs' claims: agreement, equivalence, contradictions, and
the run-to-run change of headline numbers."""

import unittest

from echobench.gate import reproducibility
from echobench.results.cases import group_cases


def claim(claim_id, verdict, winner=None, equivalent=None):
    c = {"id": claim_id, "verdict": verdict, "winner": winner, "leader": winner or "a"}
    if equivalent:
        c["equivalent"] = equivalent
    return c


class CompareClaims(unittest.TestCase):
    def test_agreement_equivalence_and_contradictions(self):
        first = [claim("t", "winner", "a"), claim("c", "winner", "a"), claim("i", "equivalent", equivalent=["a", "b"]),
                 claim("b", "client-bound"), claim("n", "inconclusive")]
        second = [claim("t", "winner", "a"), claim("c", "winner", "b"),
                  claim("i", "equivalent", equivalent=["a", "b", "c"]), claim("b", "client-bound"),
                  claim("n", "winner", "b")]
        rows = {r["id"]: r for r in reproducibility.compare_claims(first, second)}
        self.assertTrue(rows["t"]["agree"] and rows["t"]["decided_alike"])
        self.assertTrue(rows["c"]["contradiction"])
        self.assertTrue(rows["i"]["agree"] and rows["i"]["decided_alike"])  # equivalent twice, sets aside
        self.assertTrue(rows["b"]["agree"])
        self.assertFalse(rows["b"]["decided_alike"])  # not ranked is not decided
        self.assertFalse(rows["n"]["agree"] or rows["n"]["contradiction"])  # "can't tell" contradicts nothing
        text = reproducibility.report(list(rows.values()), {})
        self.assertIn("CONTRADICTION", text)
        self.assertIn("1 contradiction(s)", text)

    def test_a_winner_against_equivalence_contradicts(self):
        rows = reproducibility.compare_claims([claim("t", "winner", "a")],
                                              [claim("t", "equivalent", equivalent=["a", "b"])])
        self.assertFalse(rows[0]["agree"])
        self.assertTrue(rows[0]["contradiction"])

    def test_headline_changes_use_each_scenarios_metric(self):
        def rows(value):
            return [{"name": "churn/tcp/a/conns:4/size:64", "scenario": "churn", "protocol": "tcp", "model": "a",
                     "conns": 4, "size": 64, "error": "", "msgs_per_s": value, "p99_us": 1.0}]
        changes = reproducibility.headline_changes(group_cases(rows(100.0)), group_cases(rows(95.0)))
        self.assertAlmostEqual(changes["churn/tcp/a/conns:4/size:64"], 0.05)


if __name__ == "__main__":
    unittest.main()
