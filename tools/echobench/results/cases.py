"""One entry per case from the per-repetition rows: the successful
repetitions' values of every headline metric, with median, 95% interval
and coefficient of variation, and whether the load generator was the
bottleneck (client-bound)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from echobench.statistics import uncertainty
from echobench.results.gbench import judged

# The metrics that answer a question; each gets median, interval and cv.
CASE_METRICS = ["msgs_per_s", "p50_us", "p99_us", "server_cpu_us_per_msg", "pss_per_conn_kib",
                "server_pss_mib", "capacity_msgs_per_s", "client_cpu_util",
                # slo-capacity repetitions in which no rate met the SLO: the lowest rate tried
                "lowest_probed_msgs_per_s"]
PARAMETER_COLUMNS = ["name", "scenario", "protocol", "model", "conns", "size", "rate_msgs_per_s", "work_us",
                     "block_us", "slo_us"]
CLIENT_BOUND_AT = 0.9  # for a CSV read without its JSON only: the context's client_bound_at is echo-bench's


@dataclass
class Case:
    parameters: dict[str, Any]
    repetitions: int = 0
    errors: list[str] = field(default_factory=list)
    disturbed: int = 0  # repetitions whose CPUs another process shared: never judged
    values: dict[str, list[float]] = field(default_factory=dict)  # successful repetitions only

    @property
    def name(self) -> str:
        return self.parameters["name"]

    @property
    def model(self) -> str:
        return self.parameters["model"]

    def median(self, metric: str) -> float | None:
        values = self.values.get(metric)
        return statistics.median(values) if values else None

    def client_bound(self, threshold: float = CLIENT_BOUND_AT) -> bool:
        """The load generator's CPU, over the median repetition, reached the
        threshold: the number may be the client's limit, not the server's."""
        util = self.median("client_cpu_util")
        return util is not None and util >= threshold


def group_cases(rows: list[dict[str, Any]]) -> dict[str, Case]:
    """Rows (one per repetition, any order) -> case name -> Case. An errored
    or disturbed repetition is left out of the values without moving the
    others."""
    cases: dict[str, Case] = {}
    for row in rows:
        case = cases.setdefault(row["name"], Case({k: row.get(k, "") for k in PARAMETER_COLUMNS}))
        case.repetitions += 1
        if row.get("error"):
            case.errors.append(row["error"])
            continue
        if not judged(row):
            case.disturbed += 1
            continue
        for metric in CASE_METRICS:
            value = row.get(metric)
            if isinstance(value, (int, float)) and value == value:  # not NaN
                case.values.setdefault(metric, []).append(float(value))
    return cases


def case_rows(cases: dict[str, Case], threshold: float = CLIENT_BOUND_AT) -> list[dict[str, Any]]:
    """The per-case CSV: parameters, repetition counts, client_bound, and per
    metric its median, 95% interval (bootstrap) and cv."""
    out = []
    for case in cases.values():
        row = dict(case.parameters)
        row["repetitions"] = case.repetitions
        row["failed_repetitions"] = len(case.errors)
        row["disturbed_repetitions"] = case.disturbed
        row["client_bound"] = int(case.client_bound(threshold))
        for metric in CASE_METRICS:
            values = case.values.get(metric)
            if not values:
                continue
            low, high = uncertainty.median_interval(values)
            row[f"{metric}_median"] = statistics.median(values)
            row[f"{metric}_ci95_low"] = low
            row[f"{metric}_ci95_high"] = high
            row[f"{metric}_cv"] = uncertainty.coefficient_of_variation(values)
        out.append(row)
    return out


def case_columns(rows: list[dict[str, Any]]) -> list[str]:
    fixed = PARAMETER_COLUMNS + ["repetitions", "failed_repetitions", "disturbed_repetitions", "client_bound"]
    stats_columns = [f"{m}_{s}" for m in CASE_METRICS for s in ("median", "ci95_low", "ci95_high", "cv")]
    present = {key for row in rows for key in row}
    return fixed + [c for c in stats_columns if c in present]
