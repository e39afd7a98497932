"""The terminal summary: one table per scenario, models as columns."""

from __future__ import annotations

import statistics
from typing import Any

# The number that answers each scenario's question, and how to show it.
HEADLINE = {
    "throughput": ("msgs_per_s", "msgs/s", "{:,.0f}"),
    "latency": ("p99_us", "p99 µs (open loop)", "{:,.0f}"),
    "cpu-work": ("msgs_per_s", "msgs/s", "{:,.0f}"),
    "blocking-work": ("msgs_per_s", "msgs/s", "{:,.0f}"),
    "idle-scale": ("pss_per_conn_kib", "PSS KiB per idle connection", "{:,.1f}"),
    "churn": ("msgs_per_s", "connections/s (connect, echo, close)", "{:,.0f}"),
}
SCENARIO_ORDER = list(HEADLINE)


def _load_label(row: dict[str, Any]) -> str:
    label = f"{row['protocol']} conns={row['conns']} size={row['size']}"
    for key, text in (("rate_pct", "rate={}%"), ("work_us", "work={}µs"), ("block_us", "block={}µs")):
        if row.get(key) not in ("", None):
            label += " " + text.format(row[key])
    return label


def summary_tables(rows: list[dict[str, Any]]) -> str:
    """Markdown tables; a cell is the median over repetitions, or "error"."""
    out = []
    for scenario in SCENARIO_ORDER:
        chosen = [r for r in rows if r["scenario"] == scenario]
        if not chosen:
            continue
        metric, title, fmt = HEADLINE[scenario]
        models = list(dict.fromkeys(r["model"] for r in chosen))
        loads = list(dict.fromkeys(_load_label(r) for r in chosen))
        out.append(f"### {scenario}: {title}\n")
        out.append("| load | " + " | ".join(models) + " |")
        out.append("|---|" + "---:|" * len(models))
        for load in loads:
            cells = []
            for model in models:
                runs = [r for r in chosen if r["model"] == model and _load_label(r) == load]
                values = [r[metric] for r in runs if not r["error"] and metric in r]
                if values:
                    cells.append(fmt.format(statistics.median(values)))
                else:
                    cells.append("error" if runs else "")
            out.append(f"| {load} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)
