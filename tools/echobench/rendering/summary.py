"""The terminal summary: one table per scenario, models as columns, each
cell the median over repetitions ± half its 95% interval."""

from __future__ import annotations

import statistics
from typing import Any

from echobench.rendering import chart_data
from echobench.statistics import uncertainty
from echobench.results.cases import CLIENT_BOUND_AT, Case, group_cases

# The number that answers each scenario's question, and how to show it.
HEADLINE = {
    "throughput": ("msgs_per_s", "msgs/s", "{:,.0f}"),
    "latency": ("p99_us", "p99 µs at the same offered rate (open loop)", "{:,.0f}"),
    "slo-capacity": ("capacity_msgs_per_s", "msgs/s with p99 under the SLO", "{:,.0f}"),
    "cpu-work": ("msgs_per_s", "msgs/s", "{:,.0f}"),
    "blocking-work": ("msgs_per_s", "msgs/s", "{:,.0f}"),
    "idle-scale": ("pss_per_conn_kib", "PSS KiB per idle connection", "{:,.1f}"),
    "churn": ("msgs_per_s", "connections/s (connect, echo, close)", "{:,.0f}"),
}
SCENARIO_ORDER = list(HEADLINE)
CLIENT_BOUND_MARK = "‡"


def load_label(parameters: dict[str, Any]) -> str:
    label = f"{parameters['protocol']} conns={parameters['conns']} size={parameters['size']}"
    for key, text in (("rate_msgs_per_s", "rate={:,}/s"), ("work_us", "work={}µs"), ("block_us", "block={}µs"),
                      ("slo_us", "p99≤{}µs")):
        if parameters.get(key) not in ("", None):
            label += " " + text.format(parameters[key])
    return label


def load_key(cases: list[Case], label: str) -> tuple:
    """Sorts loads by protocol, then numerically by their parameters."""
    p = next(c.parameters for c in cases if load_label(c.parameters) == label)
    return tuple((0, v) if isinstance(v, (int, float)) else (1, str(v))
                 for v in (p["protocol"], p["conns"], p["size"], p.get("rate_msgs_per_s"), p.get("work_us"),
                           p.get("block_us"), p.get("slo_us")))


def cell(case: Case | None, metric: str, fmt: str, client_bound_at: float = CLIENT_BOUND_AT) -> str:
    """"median ±half-width", "error" when no repetition succeeded, with a
    mark when the load generator was the bottleneck."""
    if case is None:
        return ""
    values = case.values.get(metric)
    # slo-capacity: repetitions in which no rate met the SLO have no capacity,
    # only the lowest rate tried: the capacity is below it.
    never_met = case.values.get("lowest_probed_msgs_per_s", []) if metric == "capacity_msgs_per_s" else []
    if not values:
        if never_met:
            return "< " + fmt.format(min(never_met)) + " (SLO not met)"
        return "error" if case.errors else ""
    low, high = uncertainty.median_interval(values)
    median = statistics.median(values)
    text = fmt.format(median) + (" ±" + fmt.format((high - low) / 2) if len(values) > 1 else "")
    if case.errors:
        text += f" ({len(case.errors)} failed)"
    if never_met:
        text += f" ({len(never_met)} not met)"
    if case.client_bound(client_bound_at):
        text += " " + CLIENT_BOUND_MARK
    return text


def summary_tables(rows: list[dict[str, Any]], client_bound_at: float = CLIENT_BOUND_AT) -> str:
    """Markdown tables, one per scenario present."""
    cases = group_cases(rows)
    out = []
    for scenario in SCENARIO_ORDER:
        chosen = [c for c in cases.values() if c.parameters["scenario"] == scenario]
        if not chosen:
            continue
        metric, title, fmt = HEADLINE[scenario]
        models = chart_data.model_order(c.model for c in chosen)
        loads = sorted({load_label(c.parameters) for c in chosen}, key=lambda label: load_key(chosen, label))
        out.append(f"### {scenario}: {title}\n")
        out.append("| load | " + " | ".join(models) + " |")
        out.append("|---|" + "---:|" * len(models))
        for load in loads:
            by_model = {c.model: c for c in chosen if load_label(c.parameters) == load}
            cells = [cell(by_model.get(m), metric, fmt, client_bound_at) for m in models]
            out.append(f"| {load} | " + " | ".join(cells) + " |")
        out.append("")
    if any(c.client_bound(client_bound_at) for c in cases.values()):
        out.append(f"{CLIENT_BOUND_MARK} client-bound: the load generator used at least {client_bound_at:.0%} "
                   "of its CPUs, so the number may be its limit rather than the server's.\n")
    return "\n".join(out)
