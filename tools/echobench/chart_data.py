"""Turns result rows into the series each chart draws (no plotting here, so
the tests can check the data without matplotlib)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

# Okabe & Ito's palette, distinguishable with every common colour-vision
# deficiency. A model keeps its colour on every chart.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
KNOWN_MODELS = ["thread-per-connection", "thread-pool", "fork-per-connection", "asio-coroutine", "iterative"]

Series = dict[str, list[tuple[float, float]]]  # model -> sorted (x, y) points


def model_colours(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Known models first in a fixed order, then any others alphabetically."""
    others = sorted({r["model"] for r in rows} - set(KNOWN_MODELS))
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(KNOWN_MODELS + others)}


def _median_series(rows: list[dict[str, Any]], x: str, y: str) -> Series:
    points: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if x in row and y in row:
            points[row["model"]][row[x]].append(row[y])
    order = {m: i for i, m in enumerate(KNOWN_MODELS)}
    return {model: sorted((px, statistics.median(ys)) for px, ys in by_x.items())
            for model, by_x in sorted(points.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))}


def pick(rows: list[dict[str, Any]], scenario: str, protocol: str = "tcp", **equal: Any) -> list[dict[str, Any]]:
    return [r for r in rows if r["scenario"] == scenario and r["protocol"] == protocol
            and all(r.get(k) == v for k, v in equal.items())]


def throughput_by_connections(rows: list[dict[str, Any]]) -> dict[int, Series]:
    """Per message size: msgs/s against connections, one series per model."""
    chosen = pick(rows, "throughput")
    return {size: _median_series([r for r in chosen if r["size"] == size], "conns", "msgs_per_s")
            for size in sorted({r["size"] for r in chosen})}


def latency_vs_throughput(rows: list[dict[str, Any]]) -> dict[str, Series]:
    """p50 and p99 against achieved msgs/s over the open-loop rate sweep."""
    chosen = pick(rows, "latency")
    return {p: _median_series(chosen, "msgs_per_s", f"{p}_us") for p in ("p50", "p99")}


def cost_per_model(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Server CPU µs/msg (throughput, the most common load) and PSS KiB per
    idle connection (idle-scale, the most connections held)."""
    out: dict[str, dict[str, float]] = {}
    through = pick(rows, "throughput")
    if through:
        loads = defaultdict(int)
        for r in through:
            loads[(r["conns"], r["size"])] += 1
        conns, size = max(loads, key=lambda k: (loads[k], k[0] == 16, -k[1]))
        series = _median_series([r for r in through if r["size"] == size and r["conns"] == conns],
                                "conns", "server_cpu_us_per_msg")
        out[f"server CPU µs per message (conns={conns}, size={size} B)"] = {m: p[0][1] for m, p in series.items()}
    idle = pick(rows, "idle-scale")
    if idle:
        most = max(r["conns"] for r in idle)
        series = _median_series([r for r in idle if r["conns"] == most], "conns", "pss_per_conn_kib")
        out[f"server memory KiB per idle connection ({most} held)"] = {m: p[0][1] for m, p in series.items()}
    return out


def work_scaling(rows: list[dict[str, Any]]) -> dict[str, Series]:
    """msgs/s as per-message CPU work or blocking time grows."""
    return {"cpu-work": _median_series(pick(rows, "cpu-work"), "work_us", "msgs_per_s"),
            "blocking-work": _median_series(pick(rows, "blocking-work"), "block_us", "msgs_per_s")}


def idle_memory(rows: list[dict[str, Any]]) -> Series:
    """Server PSS (MiB) against idle connections held."""
    return _median_series(pick(rows, "idle-scale"), "conns", "server_pss_mib")
