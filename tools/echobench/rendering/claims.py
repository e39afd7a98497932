"""The "which model when" verdicts, and only those the data support.

For each question, every model's case at one load is compared on one
metric. The best model (by median over repetitions) is a winner only when
its advantage over the runner-up is significant:
  - the 95% bootstrap interval of the ratio of medians (oriented so that
    > 1 favours the best) lies wholly above 1, and
  - the ratio itself is at least 1.03 (an effect of 3% or more).
Otherwise the verdict is a tie, naming every model the best does not beat
by that rule. A question where any model's case was client-bound (the load
generator at or above 90% of its CPUs) is not judged: "client-bound".
Cases with a failed repetition are named in "failed" and judged on the
rest; cases with fewer than MIN_REPETITIONS successful repetitions are left
out ("too_few_repetitions"); with fewer than two models left the question
is "no-data": the report says so, and claims.json leaves it out, since its
verdicts are winner, tie or client-bound only (the contract other programs
read).
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from typing import Any, Callable

from echobench.statistics import uncertainty
from echobench.results.cases import CLIENT_BOUND_AT, Case
from echobench.cli import output_file

MIN_EFFECT = 1.03
MIN_REPETITIONS = 2


@dataclass(frozen=True)
class Question:
    id: str  # stable from run to run
    text: str
    scenario: str
    metric: str
    higher_is_better: bool
    # Picks the load compared: from the cases of the scenario, the value of
    # one parameter (e.g. the most connections) that every model is run at.
    pick: Callable[[list[Case]], list[Case]]
    unit: str


def _at_extreme(parameter: str, largest: bool = True, **equal: Any) -> Callable[[list[Case]], list[Case]]:
    def pick(cases: list[Case]) -> list[Case]:
        chosen = [c for c in cases if all(c.parameters.get(k) == v for k, v in equal.items())]
        values = [c.parameters.get(parameter) for c in chosen if c.parameters.get(parameter) not in ("", None)]
        if not values:
            return chosen
        target = max(values) if largest else min(values)
        return [c for c in chosen if c.parameters.get(parameter) == target]
    return pick


QUESTIONS = [
    Question("throughput-many-connections", "Most messages per second with many connections", "throughput",
             "msgs_per_s", True, _at_extreme("conns", size=64), "msgs/s"),
    Question("server-cpu-per-message", "Least server CPU per message at the same offered load", "latency",
             "server_cpu_us_per_msg", False, _at_extreme("rate_msgs_per_s"), "µs/msg"),
    Question("capacity-at-slo", "Highest open-loop rate with p99 under the SLO", "slo-capacity",
             "capacity_msgs_per_s", True, _at_extreme("slo_us"), "msgs/s"),
    Question("cpu-heavy-requests", "Most messages per second when each costs CPU", "cpu-work",
             "msgs_per_s", True, _at_extreme("work_us"), "msgs/s"),
    Question("blocking-requests", "Most messages per second when each blocks (a database call)",
             "blocking-work", "msgs_per_s", True, _at_extreme("block_us"), "msgs/s"),
    Question("idle-memory", "Least memory per idle connection", "idle-scale", "pss_per_conn_kib", False,
             _at_extreme("conns"), "KiB/connection"),
    Question("short-connections", "Most short connections per second (connect, echo, close)", "churn",
             "msgs_per_s", True, _at_extreme("conns"), "connections/s"),
]


def case_pattern(case: Case) -> str:
    """The case name with the model as '*': what the claim compared."""
    parts = case.name.split("/")
    return "/".join(parts[:2] + ["*"] + parts[3:])


def floored(values: dict[str, list[float]]) -> dict[str, list[float]]:
    """A measured 0 (say, memory per idle connection below one page per
    hundred connections) is below the measurement's resolution, not
    infinitely better: every value is floored at half the smallest positive
    value measured for the question, so ratios stay finite and two zeros tie."""
    positive = [v for series in values.values() for v in series if v > 0]
    floor = min(positive) / 2 if positive else 1.0
    return {m: [max(v, floor) for v in series] for m, series in values.items()}


def decide(values: dict[str, list[float]], higher_is_better: bool) -> dict[str, Any]:
    """The claim rule on model -> successful repetition values (at least
    two models). Returns verdict, winner, runner_up, ratio, ratio_ci95,
    tied."""
    values = floored(values)
    def oriented(a: str, b: str) -> tuple[float, float, float]:
        """How much better a is than b, > 1 favouring a, with its interval."""
        if higher_is_better:
            return uncertainty.ratio_interval(values[a], values[b])
        return uncertainty.ratio_interval(values[b], values[a])

    ranked = sorted(values, key=lambda m: statistics.median(values[m]), reverse=higher_is_better)
    best, runner_up = ranked[0], ranked[1]

    def beats(a: str, b: str) -> bool:
        ratio, low, _ = oriented(a, b)
        return low > 1 and ratio >= MIN_EFFECT

    ratio, low, high = oriented(best, runner_up)
    claim = {"runner_up": runner_up, "ratio": round(ratio, 4), "ratio_ci95": [round(low, 4), round(high, 4)]}
    if beats(best, runner_up):
        return {"verdict": "winner", "winner": best, **claim}
    tied = [best] + [m for m in ranked[1:] if not beats(best, m)]
    return {"verdict": "tie", "winner": None, "tied": tied, **claim}


def build_claims(cases: dict[str, Case], client_bound_at: float = CLIENT_BOUND_AT,
                 reference: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """The verdicts. Models in `reference` (echo-bench --python-servers) are
    reference rows: in the tables, never a contender in a claim."""
    claims = []
    for q in QUESTIONS:
        in_scenario = [c for c in cases.values() if c.parameters["scenario"] == q.scenario
                       and c.parameters["protocol"] == "tcp" and c.model not in reference]
        chosen = q.pick(in_scenario)
        if not chosen:
            continue
        claim: dict[str, Any] = {"id": q.id, "question": q.text, "case": case_pattern(chosen[0]),
                                 "metric": q.metric, "better": "higher" if q.higher_is_better else "lower",
                                 "unit": q.unit}
        usable = {c.model: c for c in chosen if len(c.values.get(q.metric, [])) >= MIN_REPETITIONS}
        failed = sorted(c.model for c in chosen if c.errors)
        if failed:
            claim["failed"] = failed
        too_few = sorted(c.model for c in chosen if c.model not in usable)
        if too_few:
            claim["too_few_repetitions"] = too_few
        claim["medians"] = {m: c.median(q.metric) for m, c in sorted(usable.items())}
        claim["repetitions"] = min((len(c.values[q.metric]) for c in usable.values()), default=0)
        bound = sorted(m for m, c in usable.items() if c.client_bound(client_bound_at))
        if len(usable) < 2:
            claim.update({"verdict": "no-data", "winner": None})
        elif bound:
            claim.update({"verdict": "client-bound", "winner": None, "client_bound": bound})
        else:
            claim.update(decide({m: c.values[q.metric] for m, c in usable.items()}, q.higher_is_better))
        claims.append(claim)
    return claims


def published(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The claims that go into claims.json: every question with a verdict."""
    return [c for c in claims if c["verdict"] != "no-data"]


def write_claims(claims: list[dict[str, Any]], path: str, context: dict[str, Any]) -> None:
    document = {"method": {"interval": "95% percentile bootstrap of the ratio of medians, "
                                       f"{uncertainty.RESAMPLES} resamples, seed {uncertainty.SEED}",
                           "winner_rule": f"interval above 1 and ratio >= {MIN_EFFECT}",
                           "client_bound_at": context.get("client_bound_at", CLIENT_BOUND_AT),
                           "min_repetitions": MIN_REPETITIONS},
                "context": {k: context[k] for k in ("git_commit", "matrix", "pinning", "server_cpus", "client_cpus",
                                                    "server_threads", "client_threads", "repetitions",
                                                    "slo_p99_us", "cpu_accounting", "date") if k in context},
                "claims": published(claims)}
    with output_file(path) as out:
        json.dump(document, out, indent=2, sort_keys=False, allow_nan=False)
        out.write("\n")


CLAIM_KEYS = {"id": str, "question": str, "case": str, "metric": str, "better": str, "verdict": str,
              "repetitions": int}
VERDICTS = {"winner", "tie", "client-bound"}


def schema_errors(document: Any) -> list[str]:
    """What is wrong with a claims.json document (empty: it matches)."""
    if not isinstance(document, dict) or not isinstance(document.get("claims"), list):
        return ["no 'claims' list"]
    errors = []
    for i, claim in enumerate(document["claims"]):
        where = f"claims[{i}]"
        if not isinstance(claim, dict):
            errors.append(f"{where}: not an object")
            continue
        for key, kind in CLAIM_KEYS.items():
            if not isinstance(claim.get(key), kind):
                errors.append(f"{where}: '{key}' missing or not {kind.__name__}")
        ratio = claim.get("ratio")
        if ratio is not None and not (isinstance(ratio, (int, float)) and not isinstance(ratio, bool)
                                      and math.isfinite(ratio)):
            errors.append(f"{where}: 'ratio' must be a finite number or null")
            ratio = None
        verdict = claim.get("verdict")
        if verdict not in VERDICTS:
            errors.append(f"{where}: verdict {verdict!r} is not one of {sorted(VERDICTS)}")
        if claim.get("better") not in ("higher", "lower"):
            errors.append(f"{where}: 'better' must be higher or lower")
        if verdict == "winner":
            if not isinstance(claim.get("winner"), str) or not isinstance(claim.get("runner_up"), str):
                errors.append(f"{where}: a winner claim names winner and runner_up")
            ci = claim.get("ratio_ci95")
            if not (isinstance(ci, list) and len(ci) == 2 and all(isinstance(x, (int, float)) for x in ci)):
                errors.append(f"{where}: ratio_ci95 must be [low, high]")
            elif not (ci[0] > 1 and (ratio or 0) >= MIN_EFFECT):
                errors.append(f"{where}: a winner needs ratio_ci95 above 1 and ratio >= {MIN_EFFECT}")
        elif verdict == "tie":
            if claim.get("winner") is not None or not isinstance(claim.get("tied"), list) or len(claim["tied"]) < 2:
                errors.append(f"{where}: a tie has winner null and at least two 'tied' models")
        elif verdict == "client-bound" and not claim.get("client_bound"):
            errors.append(f"{where}: a client-bound claim names the client-bound models")
    ids = [c.get("id") for c in document["claims"] if isinstance(c, dict)]
    if len(ids) != len(set(ids)):
        errors.append("claim ids are not unique")
    return errors
