"""Compares two runs of the default comparison: does each question get the
same verdict twice, and how much did the headline numbers move?

Agreement, per claim id: the same verdict and, for a winner, the same
model. A contradiction is two decided verdicts that cannot both hold:
winners naming different models, or a winner in one run where the other
found the same question's leaders equivalent. "can't tell" contradicts
nothing: it decides nothing.
"""

from __future__ import annotations

import statistics
from typing import Any

from echobench.results.cases import Case
from echobench.rendering.summary import HEADLINE


def verdict_text(claim: dict[str, Any] | None) -> str:
    if claim is None:
        return "(absent)"
    if claim["verdict"] == "winner":
        return f"winner {claim['winner']}"
    if claim["verdict"] == "equivalent":
        return "equivalent (" + ", ".join(claim["equivalent"]) + ")"
    if claim["verdict"] == "inconclusive":
        return f"can't tell ({claim['leader']} leads)"
    return claim["verdict"]


DECIDED = ("winner", "equivalent")


def contradicts(x: dict[str, Any], y: dict[str, Any]) -> bool:
    if x["verdict"] not in DECIDED or y["verdict"] not in DECIDED:
        return False
    if x["verdict"] == y["verdict"] == "equivalent":
        return False
    return x["verdict"] != y["verdict"] or x["winner"] != y["winner"]


def compare_claims(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per claim id in either run, in the first run's order."""
    a = {c["id"]: c for c in first}
    b = {c["id"]: c for c in second}
    rows = []
    for claim_id in list(a) + [i for i in b if i not in a]:
        x, y = a.get(claim_id), b.get(claim_id)
        both = x is not None and y is not None
        agree = both and x["verdict"] == y["verdict"] and x.get("winner") == y.get("winner")
        contradiction = both and contradicts(x, y)
        decided = agree and x["verdict"] in DECIDED
        rows.append({"id": claim_id, "first": verdict_text(x), "second": verdict_text(y), "agree": agree,
                     "decided_alike": decided, "contradiction": contradiction})
    return rows


def headline_changes(first: dict[str, Case], second: dict[str, Case]) -> dict[str, float]:
    """Case name -> |second/first - 1| of its headline median, for the
    cases both runs measured."""
    changes = {}
    for name, case in first.items():
        other = second.get(name)
        metric = HEADLINE.get(case.parameters["scenario"], (None,))[0]
        if other is None or metric is None:
            continue
        x, y = case.median(metric), other.median(metric)
        if x and y is not None:
            changes[name] = abs(y / x - 1)
    return changes


def report(rows: list[dict[str, Any]], changes: dict[str, float]) -> str:
    lines = ["| question | first run | second run | agree |", "|---|---|---|---|"]
    for row in rows:
        mark = "CONTRADICTION" if row["contradiction"] else ("yes" if row["agree"] else "no")
        lines.append(f"| {row['id']} | {row['first']} | {row['second']} | {mark} |")
    decided = sum(r["decided_alike"] for r in rows)
    contradictions = sum(r["contradiction"] for r in rows)
    lines += ["", f"{sum(r['agree'] for r in rows)} of {len(rows)} questions agree; {decided} decided alike "
              f"(the same winner, or equivalent, twice); {contradictions} contradiction(s)."]
    if changes:
        values = sorted(changes.values())
        worst = max(changes, key=changes.get)
        lines.append(f"Run-to-run change of the headline numbers over {len(values)} cases: median "
                     f"{statistics.median(values):.1%}, 90th percentile {values[int(0.9 * (len(values) - 1))]:.1%}, "
                     f"largest {changes[worst]:.1%} ({worst}).")
    return "\n".join(lines) + "\n"
