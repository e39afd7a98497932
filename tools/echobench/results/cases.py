"""One entry per case from the per-repetition rows: the successful
repetitions' values of every headline metric, with median, 95% interval
and coefficient of variation, and which side saturated: the server (its
CPUs busy), the load generator (client-bound), both or neither."""

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
                "lowest_probed_msgs_per_s",
                # derived: server CPU-seconds per second (server_cpu_us_per_msg x msgs_per_s)
                "server_cpus_busy",
                # hostile: the good clients' throughput and p99 over the same server's alone,
                # and the fraction of them served at all
                "throughput_ratio", "p99_ratio", "good_served"]
PARAMETER_COLUMNS = ["name", "scenario", "protocol", "model", "conns", "size", "rate_msgs_per_s", "work_us",
                     "block_us", "slo_us", "kind", "bad"]
CLIENT_BOUND_AT = 0.9  # for a CSV read without its JSON only: the context's client_bound_at is echo-bench's
# The server saturated when it kept its CPUs at least this busy: the same
# bar as the load generator's, so "which side limited the run" is one rule.
SERVER_SATURATED_AT = 0.9


def cpu_count(cpu_list: str, default: int = 1) -> int:
    """CPUs in a list such as "1", "0,2" or "2-3"; `default` when empty."""
    count = 0
    for part in str(cpu_list).split(","):
        part = part.strip()
        if not part:
            continue
        first, _, last = part.partition("-")
        count += int(last or first) - int(first) + 1
    return count or default


@dataclass
class Case:
    parameters: dict[str, Any]
    repetitions: int = 0
    errors: list[str] = field(default_factory=list)
    disturbed: int = 0  # repetitions whose CPUs another process shared: never judged
    values: dict[str, list[float]] = field(default_factory=dict)  # successful repetitions only
    # Each value's repetition index (echo-bench's repetition_index), so a
    # rotated run's repetitions of two models can be paired round by round.
    indices: dict[str, list[int]] = field(default_factory=dict)

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

    def server_saturated(self, server_cpus: int) -> bool:
        """The server kept its CPUs at least SERVER_SATURATED_AT busy over
        the median repetition: its number is its own capacity there."""
        busy = self.median("server_cpus_busy")
        return busy is not None and busy >= SERVER_SATURATED_AT * server_cpus

    def saturated(self, server_cpus: int, client_bound_at: float = CLIENT_BOUND_AT) -> str:
        """Which side limited the case: "server", "client", "both" or "neither"."""
        server, client = self.server_saturated(server_cpus), self.client_bound(client_bound_at)
        return "both" if server and client else "server" if server else "client" if client else "neither"


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
            if metric == "server_cpus_busy":
                value = _cpus_busy(row)
            if isinstance(value, (int, float)) and value == value:  # not NaN
                case.values.setdefault(metric, []).append(float(value))
                case.indices.setdefault(metric, []).append(int(row.get("repetition", 0) or 0))
    return cases


def _cpus_busy(row: dict[str, Any]) -> float | None:
    cpu, rate = row.get("server_cpu_us_per_msg"), row.get("msgs_per_s")
    if isinstance(cpu, (int, float)) and isinstance(rate, (int, float)):
        return cpu * rate / 1e6
    return None


def case_rows(cases: dict[str, Case], threshold: float = CLIENT_BOUND_AT,
              server_cpus: int = 1) -> list[dict[str, Any]]:
    """The per-case CSV: parameters, repetition counts, client_bound, which
    side saturated, and per metric its median, interval (uncertainty.py:
    order statistics, 93.75% at 5 repetitions) and cv."""
    out = []
    for case in cases.values():
        row = dict(case.parameters)
        row["repetitions"] = case.repetitions
        row["failed_repetitions"] = len(case.errors)
        row["disturbed_repetitions"] = case.disturbed
        row["client_bound"] = int(case.client_bound(threshold))
        row["saturated"] = case.saturated(server_cpus, threshold)
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
    fixed = PARAMETER_COLUMNS + ["repetitions", "failed_repetitions", "disturbed_repetitions", "client_bound",
                                "saturated"]
    stats_columns = [f"{m}_{s}" for m in CASE_METRICS for s in ("median", "ci95_low", "ci95_high", "cv")]
    present = {key for row in rows for key in row}
    return fixed + [c for c in stats_columns if c in present]
