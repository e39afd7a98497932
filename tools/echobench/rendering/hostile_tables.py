"""The tables of the scenarios about clients rather than load: what each
model does for its good clients while bad ones are attached (hostile), and
what a restart costs the clients (restart). Medians of the successful
repetitions; ratios with their interval (uncertainty.median_interval)."""

from __future__ import annotations

import statistics
from typing import Any

from echobench.rendering import chart_data
from echobench.results.cases import Case, group_cases
from echobench.statistics import uncertainty

HOSTILE_KINDS = {"idle": "idle clients (connect, send nothing)",
                 "trickle": "trickling clients (a byte a second, never read)",
                 "non-reader": "clients that send 256 KiB and never read",
                 "flood": "a connect-and-reset flood (one thread)"}


def _median(rows: list[dict[str, Any]], metric: str) -> float | None:
    values = [r[metric] for r in rows if isinstance(r.get(metric), (int, float))]
    return statistics.median(values) if values else None


def _with_interval(case: Case, metric: str) -> str:
    values = case.values.get(metric)
    if not values:
        return ""
    low, high = uncertainty.median_interval(values)
    return f"{statistics.median(values):.2f} ({low:.2f}–{high:.2f})"


def _entrants(names: set[str]) -> list[str]:
    """Models in the run's order, each followed by its MODEL+defended."""
    plain = chart_data.model_order({m.removesuffix("+defended") for m in names})
    return [m for base in plain for m in (base, base + "+defended") if m in names]


def hostile_tables(rows: list[dict[str, Any]]) -> str:
    """Per kind of bad client, per model (and MODEL+defended): the good
    clients served, their throughput and p99 over the same server's alone,
    what the server held with the bad clients attached, and how many of
    them it closed."""
    rows = [r for r in rows if r["scenario"] == "hostile" and not r.get("error")]
    cases = group_cases(rows)
    out: list[str] = []
    for kind, words in HOSTILE_KINDS.items():
        chosen = {c.model: c for c in cases.values() if c.parameters["kind"] == kind}
        if not chosen:
            continue
        bad = max(c.parameters["bad"] for c in chosen.values())
        out += [f"**{words}**" if kind == "flood" else f"**{bad:,} {words}**", "",
                "| model | good clients served | throughput × alone | p99 × alone | threads / processes "
                "attached | PSS MiB alone → attached | bad clients closed |",
                "|---|---:|---:|---:|---:|---:|---:|"]
        bound = False
        for model in _entrants(set(chosen)):
            mine = [r for r in rows if r["model"] == model and r["kind"] == kind]
            mark = " ‡" if chosen[model].client_bound() else ""
            bound = bound or bool(mark)
            served, closed = _median(mine, "good_served"), _median(mine, "hostile_closed")
            attached = _median(mine, "hostile_attached")
            threads, processes = _median(mine, "server_threads"), _median(mine, "server_processes")
            alone, held = _median(mine, "baseline_server_pss_mib"), _median(mine, "server_pss_mib")
            cells = [f"{served:.0%}" if served is not None else "",
                     _with_interval(chosen[model], "throughput_ratio") + mark,
                     _with_interval(chosen[model], "p99_ratio"),
                     f"{threads:,.0f} / {processes:,.0f}" if threads is not None and processes is not None else "",
                     f"{alone:,.1f} → {held:,.1f}" if alone is not None and held is not None else "",
                     f"{closed:,.0f} of {attached:,.0f}" if closed is not None and attached else ""]
            out.append(f"| {model} | " + " | ".join(cells) + " |")
        if bound:
            out += ["", "‡ client-bound: the load generator's CPUs were busy (at least 90%) with the bad clients "
                    "attached, so the good load got what the client could ask for" +
                    ("; the flood's thread shares those CPUs, so part of the drop is the client's, not the "
                     "server's." if kind == "flood" else ".")]
        out.append("")
    return "\n".join(out).strip()


def restart_table(rows: list[dict[str, Any]]) -> str:
    """Per model: the server's time away, until every connection was back,
    the messages it took with it and those that fell due meanwhile, and the
    p99 and max latency of the window that held the restart."""
    rows = [r for r in rows if r["scenario"] == "restart" and not r.get("error")]
    if not rows:
        return ""
    rate = max(r["rate_msgs_per_s"] for r in rows)
    out = [f"**A restart (SIGTERM, then a new server on the port) halfway through an open-loop window at "
           f"{rate:,} msgs/s**", "",
           "| model | server away ms | every connection back ms | messages lost (sent again) "
           "| messages delayed | p99 µs | max µs |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for model in chart_data.model_order({r["model"] for r in rows}):
        mine = [r for r in rows if r["model"] == model]
        cells = [_median(mine, "server_down_s"), _median(mine, "recovery_s"), _median(mine, "messages_lost"),
                 _median(mine, "messages_delayed"), _median(mine, "p99_us"), _median(mine, "max_us")]
        scale = [1e3, 1e3, 1, 1, 1, 1]
        out.append(f"| {model} | " + " | ".join("" if v is None else f"{v * k:,.0f}" for v, k in zip(cells, scale))
                   + " |")
    return "\n".join(out)
