"""The "which model when" verdicts, each by a rule stated here and in
claims.json's "method".

For each question, every model's case at one load is compared on one
metric. The best model (by median over repetitions) is compared with each
other model by the ratio of their medians, oriented so that > 1 favours the
best, and the interval of that ratio (uncertainty.py): paired by round in a
rotated run (signed rank, 93.75% coverage with 5 rounds), else unpaired
(rank sum, 96.8% at 5 against 5 repetitions). Each metric has a relative
margin and an absolute floor (POLICIES): a lead counts only where it clears
both, so the margin used for a pair is max(margin, floor / the other's
median). Against the runner-up:
  - winner: the whole interval lies above 1 + margin;
  - equivalent: the whole interval lies inside [1/(1 + margin), 1 + margin]
    (the report names every model equivalent to the best);
  - inconclusive: neither; the interval is too wide to say.
A throughput question where the load generator limited any model
(client-bound: its CPUs at least 90% busy) ranks every model by the
server's CPU per message at that load instead (metric_ranked): a
client-bound number is the client's limit, but the CPU each message cost
the server is still the server's own (a question that already ranks that
cost keeps it). In a question where higher is better otherwise (capacity at
the SLO), a client-bound number is a lower bound of the server's: a lead by
it stands, a lead over it or an equivalence with it does not
(only_lower_bounds). Where the metric ranked was not measured for every
model, the verdict is "client-bound" and nothing is ranked.
Cases with a failed repetition are named in "failed" and judged on the rest;
cases with fewer than MIN_REPETITIONS successful repetitions are left out
("too_few_repetitions"); with fewer than two models left the question is
"no-data": the report says so, and claims.json leaves it out.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from typing import Any, Callable

from echobench.statistics import uncertainty
from echobench.results.cases import CLIENT_BOUND_AT, SERVER_SATURATED_AT, Case
from echobench.cli import output_file

MIN_REPETITIONS = 2


@dataclass(frozen=True)
class Policy:
    """When a difference in one metric counts."""
    margin: float  # relative: a lead must be more than this fraction
    floor: float  # absolute, in the metric's unit: and at least this much
    why: str


# The margins are set by what a second run on this kind of machine moves:
# a lead smaller than the run-to-run change of a headline number
# (results/default/reproducibility.md) would not survive the second run, and
# an equivalence claimed within it would not either.
POLICIES = {
    "msgs_per_s": Policy(0.05, 100.0, "above the median run-to-run change of a headline number on this shared "
                         "machine (results/default/reproducibility.md); 100 msgs/s is below any sizing decision"),
    "capacity_msgs_per_s": Policy(0.20, 100.0, "the SLO search brackets the capacity to 5% and a p99 from "
                                  "short probes moves much more from run to run than a throughput"),
    "server_cpu_us_per_msg": Policy(0.05, 0.1, "as for throughput, whose inverse it is when the server "
                                    "saturates; 0.1 µs per message is 1% of a core at 100,000 msgs/s"),
    "pss_per_conn_kib": Policy(0.05, 1.0, "memory hardly moves between runs; 1 KiB per connection is 1 MiB "
                               "per 1,000 connections, a fraction of a page each, which no sizing decision notices"),
    "good_served": Policy(0.05, 0.0, "less than one good client of the 16: a model that leaves one of them "
                          "unanswered for a second is behind"),
}
RANKED_WHEN_CLIENT_BOUND = "server_cpu_us_per_msg"  # lower is better
DEFAULT_POLICY = Policy(0.05, 0.0, "the default margin")


def policy_for(metric: str) -> Policy:
    return POLICIES.get(metric, DEFAULT_POLICY)


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
    load: str  # the load in a user's words, for the decision table
    # A client-bound model changes what is compared (msgs/s: server CPU per
    # message; other higher-is-better metrics: lower bounds). Not for a
    # model's ratio to itself at the same load (hostile): a client-bound
    # window there means the good clients got all they asked for.
    client_bound_matters: bool = True


def _at_extreme(parameter: str, largest: bool = True, **equal: Any) -> Callable[[list[Case]], list[Case]]:
    def pick(cases: list[Case]) -> list[Case]:
        chosen = [c for c in cases if all(c.parameters.get(k) == v for k, v in equal.items())]
        values = [c.parameters.get(parameter) for c in chosen if c.parameters.get(parameter) not in ("", None)]
        if not values:
            return chosen
        target = max(values) if largest else min(values)
        return [c for c in chosen if c.parameters.get(parameter) == target]
    return pick


def _hostile(kind: str) -> Callable[[list[Case]], list[Case]]:
    """The most bad clients of `kind`, against the models as shipped (a
    MODEL+defended entrant is shown beside the verdict, not in it)."""
    def pick(cases: list[Case]) -> list[Case]:
        shipped = [c for c in cases if c.parameters.get("kind") == kind and not c.model.endswith("+defended")]
        return _at_extreme("bad")(shipped)
    return pick


QUESTIONS = [
    Question("throughput-many-connections", "Most messages per second with many connections", "throughput",
             "msgs_per_s", True, _at_extreme("conns", size=64), "msgs/s", "many connections"),
    Question("server-cpu-per-message", "Least server CPU per message at the same offered load", "latency",
             "server_cpu_us_per_msg", False, _at_extreme("rate_msgs_per_s"), "µs/msg",
             "fixed-rate traffic: CPU per message"),
    Question("capacity-at-slo", "Highest open-loop rate with p99 under the SLO", "slo-capacity",
             "capacity_msgs_per_s", True, _at_extreme("slo_us"), "msgs/s", "capacity at a p99 SLO"),
    Question("cpu-heavy-requests", "Most messages per second when each costs CPU", "cpu-work",
             "msgs_per_s", True, _at_extreme("work_us"), "msgs/s", "CPU-heavy requests"),
    Question("blocking-requests", "Most messages per second when each blocks (a database call)",
             "blocking-work", "msgs_per_s", True, _at_extreme("block_us"), "msgs/s", "blocking requests"),
    Question("idle-memory", "Least memory per idle connection", "idle-scale", "pss_per_conn_kib", False,
             _at_extreme("conns"), "KiB/connection", "idle connections"),
    Question("short-connections", "Most short connections per second (connect, echo, close)", "churn",
             "msgs_per_s", True, _at_extreme("conns"), "connections/s", "short connections"),
    # Whether the good clients are served at all, not how fast: the ratio
    # of their throughput to the same server's alone is shown beside it, but
    # two windows of one server straddle this machine's slow phases (in
    # results/default/latest.csv, io-uring's load alone, baseline_msgs_per_s
    # of its non-reader case, ranged 2.4-fold over five repetitions), which
    # leaves that ratio's intervals too wide to rank models a few percent apart.
    Question("hostile-idle", "Keeps serving good clients with idle clients attached", "hostile",
             "good_served", True, _hostile("idle"), "of its good clients served", "idle clients attached",
             client_bound_matters=False),
    Question("hostile-non-reader", "Keeps serving good clients with clients attached that never read",
             "hostile", "good_served", True, _hostile("non-reader"), "of its good clients served",
             "clients that never read attached", client_bound_matters=False),
]
UNITS = {"server_cpu_us_per_msg": "µs/msg"}


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


def _paired(values: dict[str, list[float]], rounds: dict[str, list[int]], a: str, b: str):
    """a's and b's values of the rounds both have, in round order."""
    of_a, of_b = dict(zip(rounds[a], values[a])), dict(zip(rounds[b], values[b]))
    common = sorted(set(of_a) & set(of_b))
    return [of_a[r] for r in common], [of_b[r] for r in common]


def _lead(values: dict[str, list[float]], best: str, other: str, higher_is_better: bool,
          policy: Policy, rounds: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """How much better `best` is than `other` (> 1 favours best), with its
    interval, the margin that applies, and what that makes the pair. With
    `rounds` (a rotated run: each model's repetition indices), repetitions
    of one round are paired; otherwise the two sides are independent."""
    top, bottom = (values[best], values[other]) if higher_is_better else (values[other], values[best])
    if rounds is not None:
        first, second = (best, other) if higher_is_better else (other, best)
        paired_top, paired_bottom = _paired(values, rounds, first, second)
        _, low, high, coverage = uncertainty.paired_ratio_interval(paired_top, paired_bottom) \
            if paired_top else (0.0, 0.0, math.inf, 0.0)
    else:
        _, low, high, coverage = uncertainty.ratio_interval(top, bottom)
    # The point shown is the ratio of the medians shown; the verdict rests on the interval alone.
    ratio = statistics.median(top) / statistics.median(bottom)
    floor_margin = policy.floor / statistics.median(values[other])
    margin = max(policy.margin, floor_margin)
    if low > 1 + margin:
        outcome = "winner"
    elif low >= 1 / (1 + margin) and high <= 1 + margin:
        outcome = "equivalent"
    else:
        outcome = "inconclusive"
    return {"ratio": ratio, "low": low, "high": high, "coverage": coverage, "margin": margin,
            "margin_from": "floor" if floor_margin > policy.margin else "relative", "outcome": outcome}


def decide(values: dict[str, list[float]], higher_is_better: bool, policy: Policy,
           rounds: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """The rule on model -> successful repetition values (at least two
    models): verdict, winner, runner_up, ratio, ratio_ci95, margin; every
    model equivalent to the leader when the verdict is equivalent; and, for
    any verdict, the models the leader beats (a lead wholly above the
    margin), so "can't tell" at the top still says who is clearly behind."""
    values = floored(values)
    ranked = sorted(values, key=lambda m: statistics.median(values[m]), reverse=higher_is_better)
    best, runner_up = ranked[0], ranked[1]
    leads = {m: _lead(values, best, m, higher_is_better, policy, rounds) for m in ranked[1:]}
    lead = leads[runner_up]
    high = lead["high"]
    claim = {"verdict": lead["outcome"], "winner": best if lead["outcome"] == "winner" else None,
             "leader": best, "runner_up": runner_up, "ratio": round(lead["ratio"], 4),
             "ratio_ci95": [round(lead["low"], 4), round(high, 4) if math.isfinite(high) else None],
             "interval_coverage": round(lead["coverage"], 4), "margin": round(lead["margin"], 4),
             "margin_from": lead["margin_from"], "paired": rounds is not None}
    if lead["outcome"] == "equivalent":
        claim["equivalent"] = [best] + [m for m in ranked[1:] if leads[m]["outcome"] == "equivalent"]
    claim["beaten"] = [m for m in ranked[1:] if leads[m]["outcome"] == "winner"]
    return claim


def only_lower_bounds(claim: dict[str, Any], bound: set[str]) -> None:
    """Where higher is better and the load generator limited some models,
    their numbers are lower bounds of the servers' own: a lead over such a
    model proves nothing (it might do better with a faster client), while a
    lead *by* one stands. So a winner over a client-bound runner-up, and any
    equivalence involving one, become inconclusive, and client-bound models
    are never listed as beaten or equivalent."""
    pair = {claim["leader"], claim["runner_up"]}
    if (claim["verdict"] == "winner" and claim["runner_up"] in bound) or \
            (claim["verdict"] == "equivalent" and pair & bound):
        claim.update({"verdict": "inconclusive", "winner": None})
        claim.pop("equivalent", None)
    if "equivalent" in claim:
        claim["equivalent"] = [m for m in claim["equivalent"] if m not in bound]
    claim["beaten"] = [m for m in claim.get("beaten", []) if m not in bound]
    claim["lower_bounds"] = sorted(bound)


def build_claims(cases: dict[str, Case], client_bound_at: float = CLIENT_BOUND_AT,
                 reference: frozenset[str] = frozenset(), server_cpus: int = 1,
                 paired: bool = False) -> list[dict[str, Any]]:
    """The verdicts. Models in `reference` (echo-bench --python-servers) are
    reference rows: in the tables, never a contender in a claim. `paired`:
    the run was rotated (echo-bench --order rotated), so the repetitions of
    one index ran in one round, side by side, and are compared as pairs."""
    claims = []
    for q in QUESTIONS:
        in_scenario = [c for c in cases.values() if c.parameters["scenario"] == q.scenario
                       and c.parameters["protocol"] == "tcp" and c.model not in reference]
        chosen = q.pick(in_scenario)
        if not chosen:
            continue
        claim: dict[str, Any] = {"id": q.id, "question": q.text, "case": case_pattern(chosen[0]),
                                 "metric": q.metric, "better": "higher" if q.higher_is_better else "lower",
                                 "unit": q.unit, "load": q.load}
        usable = {c.model: c for c in chosen if len(c.values.get(q.metric, [])) >= MIN_REPETITIONS}
        failed = sorted(c.model for c in chosen if c.errors)
        if failed:
            claim["failed"] = failed
        too_few = sorted(c.model for c in chosen if c.model not in usable)
        if too_few:
            claim["too_few_repetitions"] = too_few
        claim["medians"] = {m: c.median(q.metric) for m, c in sorted(usable.items())}
        claim["repetitions"] = min((len(c.values[q.metric]) for c in usable.values()), default=0)
        claim["saturated"] = {m: c.saturated(server_cpus, client_bound_at) for m, c in sorted(usable.items())}
        bound = sorted(m for m, c in usable.items() if c.client_bound(client_bound_at)) \
            if q.client_bound_matters else []
        metric, higher = q.metric, q.higher_is_better
        lower_bounds: set[str] = set()
        if bound:
            claim["client_bound"] = bound
            if q.metric == "msgs_per_s":  # the client's limit: rank what the server spent instead
                metric, higher = RANKED_WHEN_CLIENT_BOUND, False
            elif q.higher_is_better:  # e.g. capacity: a client-bound number is only a lower bound
                lower_bounds = set(bound)
            if any(len(c.values.get(metric, [])) < MIN_REPETITIONS for c in usable.values()):
                metric = None
        if len(usable) < 2:
            claim.update({"verdict": "no-data", "winner": None})
        elif metric is None:
            claim.update({"verdict": "client-bound", "winner": None})
        else:
            policy = policy_for(metric)
            claim["metric_ranked"] = metric
            if metric != q.metric:
                claim["ranked_medians"] = {m: c.median(metric) for m, c in sorted(usable.items())}
                claim["ranked_unit"] = UNITS.get(metric, "")
            rounds = {m: c.indices[metric] for m, c in usable.items()} if paired else None
            claim.update(decide({m: c.values[metric] for m, c in usable.items()}, higher, policy, rounds))
            claim["floor"] = policy.floor
            if lower_bounds:
                only_lower_bounds(claim, lower_bounds)
        claims.append(claim)
    return claims


def published(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The claims that go into claims.json: every question with a verdict."""
    return [c for c in claims if c["verdict"] != "no-data"]


def rotated(context: dict[str, Any]) -> bool:
    """The run measured every case once per round (echo-bench --order
    rotated): its repetitions of one index can be paired."""
    return context.get("order") == "rotated"


def write_claims(claims: list[dict[str, Any]], path: str, context: dict[str, Any]) -> None:
    interval = ("paired by round (a rotated run: each round measured every model side by side): the "
                "signed-rank (Hodges-Lehmann) interval of the per-round log ratios, the narrowest reaching 95% "
                "coverage, else the widest (93.75% with 5 rounds)" if rotated(context) else
                "unpaired (a random-order run): the Mann-Whitney rank-sum (Hodges-Lehmann) interval of every "
                "pairwise ratio, the smallest exact coverage at or above 95% (96.8% at 5 against 5 repetitions)")
    document = {"method": {"ratio": "the ratio of the two medians, oriented so that > 1 favours the leader",
                           "interval": interval,
                           "winner_rule": "the interval lies above 1 + margin",
                           "equivalent_rule": "the interval lies inside [1/(1 + margin), 1 + margin]",
                           "inconclusive_rule": "neither: the interval is too wide to say",
                           "margin_rule": "max(the metric's margin, its floor / the runner-up's median)",
                           "margins": {m: {"margin": p.margin, "floor": p.floor, "why": p.why}
                                       for m, p in POLICIES.items()},
                           "client_bound_rule": "a msgs/s question with a client-bound model ranks every model "
                                                f"by {RANKED_WHEN_CLIENT_BOUND} (lower is better)",
                           "client_bound_at": context.get("client_bound_at", CLIENT_BOUND_AT),
                           "server_saturated_at": SERVER_SATURATED_AT,
                           "min_repetitions": MIN_REPETITIONS},
                "context": {k: context[k] for k in ("git_commit", "matrix", "order", "pinning", "server_cpus",
                                                    "client_cpus", "server_threads", "client_threads", "repetitions",
                                                    "slo_p99_us", "cpu_accounting", "date") if k in context},
                "claims": published(claims)}
    with output_file(path) as out:
        json.dump(document, out, indent=2, sort_keys=False, allow_nan=False)
        out.write("\n")


CLAIM_KEYS = {"id": str, "question": str, "case": str, "metric": str, "better": str, "verdict": str,
              "repetitions": int}
VERDICTS = {"winner", "equivalent", "inconclusive", "client-bound"}


def _interval_errors(claim: dict[str, Any], where: str) -> list[str]:
    """A decided claim's ratio, interval and margin must hold its verdict."""
    ci, margin, ratio = claim.get("ratio_ci95"), claim.get("margin"), claim.get("ratio")
    numbers = isinstance(ci, list) and len(ci) == 2 and all(
        x is None or (isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)) for x in ci)
    if not numbers or ci[0] is None or not isinstance(margin, (int, float)) or margin < 0:
        return [f"{where}: ratio_ci95 must be [low, high or null] and margin a number >= 0"]
    if not isinstance(claim.get("metric_ranked"), str):
        return [f"{where}: a decided claim names metric_ranked"]
    low, high = ci[0], math.inf if ci[1] is None else ci[1]
    if not (isinstance(ratio, (int, float)) and not isinstance(ratio, bool) and math.isfinite(ratio)):
        return [f"{where}: 'ratio' must be a finite number"]
    verdict = claim["verdict"]
    if verdict == "winner" and not low > 1 + margin:
        return [f"{where}: a winner needs ratio_ci95 above 1 + margin"]
    if verdict == "equivalent" and not (low >= 1 / (1 + margin) - 1e-4 and high <= 1 + margin + 1e-4):
        return [f"{where}: an equivalent claim needs ratio_ci95 inside [1/(1 + margin), 1 + margin]"]
    return []


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
        verdict = claim.get("verdict")
        if verdict not in VERDICTS:
            errors.append(f"{where}: verdict {verdict!r} is not one of {sorted(VERDICTS)}")
        if claim.get("better") not in ("higher", "lower"):
            errors.append(f"{where}: 'better' must be higher or lower")
        if verdict in ("winner", "equivalent", "inconclusive"):
            errors += _interval_errors(claim, where)
        if verdict == "winner":
            if not isinstance(claim.get("winner"), str) or not isinstance(claim.get("runner_up"), str):
                errors.append(f"{where}: a winner claim names winner and runner_up")
        elif claim.get("winner") is not None:
            errors.append(f"{where}: only a winner claim names a winner")
        if verdict == "equivalent" and not (isinstance(claim.get("equivalent"), list)
                                            and len(claim["equivalent"]) >= 2):
            errors.append(f"{where}: an equivalent claim names at least two 'equivalent' models")
        if verdict == "client-bound" and not claim.get("client_bound"):
            errors.append(f"{where}: a client-bound claim names the client-bound models")
    ids = [c.get("id") for c in document["claims"] if isinstance(c, dict)]
    if len(ids) != len(set(ids)):
        errors.append("claim ids are not unique")
    return errors
