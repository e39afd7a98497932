"""One table from echo-bench --remote runs with different numbers of load
hosts (tools/load-hosts-table): per case, each run's merged rate, p99 and
server CPU per message, and each load host's own rate beside the total, as
medians over the repetitions. A case that failed in any repetition is shown
as failed, never as a number."""

from __future__ import annotations

import statistics
from typing import Any

from echobench.results import gbench


def medians(path: str) -> tuple[dict[str, dict[str, float]], dict[str, str], dict[str, Any]]:
    """Per case name: the median of every counter; failed cases with their error."""
    runs, context = gbench.load_runs(path)
    values: dict[str, dict[str, list[float]]] = {}
    failed: dict[str, str] = {}
    for run in runs:
        if run["error"]:
            failed.setdefault(run["name"], run["error"])
            continue
        for key, value in run.items():
            if isinstance(value, (int, float)):
                values.setdefault(run["name"], {}).setdefault(key, []).append(float(value))
    return ({name: {k: statistics.median(v) for k, v in counters.items()} for name, counters in values.items()},
            failed, context)


def host_rates(counters: dict[str, float]) -> str:
    rates = []
    for index in range(1, int(counters.get("load_hosts", 1)) + 1):
        rate = counters.get(f"host{index}_msgs_per_s")
        if rate is not None:
            rates.append(f"{rate:,.0f}")
    return " + ".join(rates)


# What a row shows; a case without them (churn, idle memory) is left out.
NEEDED = ("msgs_per_s", "p99_us", "server_cpu_us_per_msg", "client_cpu_util")


def table(labelled_paths: list[tuple[str, str]]) -> str:
    """Markdown: one row per case, a group of columns per run."""
    loaded = []
    for label, path in labelled_paths:
        cases, failed, context = medians(path)
        cases = {name: c for name, c in cases.items() if all(key in c for key in NEEDED)}
        if not cases and not failed:
            raise gbench.BenchJsonError(f"{path}: no case with {', '.join(NEEDED)}: "
                                        "the table compares echo-bench --remote throughput runs")
        loaded.append((label, cases, failed, context))
    names = sorted({name for _, cases, failed, _ in loaded for name in list(cases) + list(failed)})
    header = ["case"]
    for label, *_ in loaded:
        header += [f"{label}: msgs/s (per host)", f"{label}: p99 µs", f"{label}: server CPU µs/msg",
                   f"{label}: client CPU"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in names:
        row = [name.replace("throughput/", "")]
        for _, cases, failed, _ in loaded:
            if name in failed or name not in cases:
                row += ["failed: " + failed.get(name, "not run")[:60], "", "", ""]
                continue
            c = cases[name]
            hosts = host_rates(c)
            total = f"{c['msgs_per_s']:,.0f}" + (f" ({hosts})" if " + " in hosts else "")
            bound = " ‡" if c.get("client_bound", 0) >= 0.5 else ""
            row += [total, f"{c['p99_us']:,.0f}", f"{c['server_cpu_us_per_msg']:.2f}",
                    f"{c['client_cpu_util']:.0%}{bound}"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
