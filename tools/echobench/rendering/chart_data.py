"""Turns result rows into the series each chart draws (no plotting here, so
the tests can check the data without matplotlib). A point is
(x, median, low, high, client_bound): the median over repetitions, its
interval (uncertainty.median_interval: order statistics), and whether the
load generator was the bottleneck there."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any, NamedTuple

from echobench.statistics import uncertainty
from echobench.results.cases import CLIENT_BOUND_AT

# Okabe & Ito's palette, distinguishable with every common colour-vision
# deficiency, with its yellow moved last (too pale for a marker on white),
# and Paul Tol's wine, olive and grey between. A model keeps its colour on
# every chart.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#882255",
           "#999933", "#888888", "#F0E442"]
# And a marker per model, so a series is told apart without colour too.
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">"]
# The run's entrants in echo-bench's order (its context's "models"): tables
# and charts list them so, and each keeps its colour by it. Empty (a CSV read
# without its JSON): alphabetical.
_ORDER: list[str] = []
_CLIENT_BOUND_AT = [CLIENT_BOUND_AT]


def use_model_order(context: dict) -> None:
    """Takes the order (and the client-bound threshold) from echo-bench's
    context, for every table and chart after."""
    _ORDER[:] = [m for m in str(context.get("models", "")).split(",") if m]
    _CLIENT_BOUND_AT[0] = float(context.get("client_bound_at", CLIENT_BOUND_AT))


def model_order(models) -> list[str]:
    """`models` in the run's order, any it does not list alphabetically after
    (the cases ran in random order, so first-seen order would change)."""
    present = set(models)
    return [m for m in _ORDER if m in present] + sorted(present - set(_ORDER))

class Point(NamedTuple):
    x: float
    median: float
    low: float
    high: float
    client_bound: bool = False


Series = dict[str, list[Point]]  # model -> points sorted by x


def _run_models(rows: list[dict[str, Any]]) -> list[str]:
    return _ORDER + sorted({r["model"] for r in rows} - set(_ORDER))


def model_colours(rows: list[dict[str, Any]]) -> dict[str, str]:
    """The run's entrants in its order, then any others alphabetically: a
    model has the same colour on every chart of a run."""
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(_run_models(rows))}


def model_markers(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Like the colours: one marker per model, the same on every chart."""
    return {m: MARKERS[i % len(MARKERS)] for i, m in enumerate(_run_models(rows))}


def _point(x: float, ys: list[float], utils: list[float]) -> Point:
    low, high = uncertainty.median_interval(ys)
    bound = bool(utils) and statistics.median(utils) >= _CLIENT_BOUND_AT[0]
    return Point(x, statistics.median(ys), low, high, bound)


def _median_series(rows: list[dict[str, Any]], x: str, y: str) -> Series:
    points: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    utils: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if x in row and y in row:
            points[row["model"]][row[x]].append(row[y])
            if isinstance(row.get("client_cpu_util"), (int, float)):
                utils[row["model"]][row[x]].append(row["client_cpu_util"])
    return {model: sorted(_point(px, ys, utils[model][px]) for px, ys in points[model].items())
            for model in model_order(points)}


def single_x(series: Series) -> bool:
    """Every model has the same one x value: one group of points."""
    xs = {p[0] for points in series.values() for p in points}
    return len(xs) == 1


def pick(rows: list[dict[str, Any]], scenario: str, protocol: str = "tcp", **equal: Any) -> list[dict[str, Any]]:
    return [r for r in rows if r["scenario"] == scenario and r["protocol"] == protocol
            and all(r.get(k) == v for k, v in equal.items())]


def throughput_by_connections(rows: list[dict[str, Any]]) -> dict[int, Series]:
    """Per message size: msgs/s against connections, one series per model."""
    chosen = pick(rows, "throughput")
    return {size: _median_series([r for r in chosen if r["size"] == size], "conns", "msgs_per_s")
            for size in sorted({r["size"] for r in chosen})}


def latency_vs_offered_rate(rows: list[dict[str, Any]]) -> dict[str, Series]:
    """p50 and p99 against the offered rate, the same for every model."""
    chosen = pick(rows, "latency")
    return {p: _median_series(chosen, "rate_msgs_per_s", f"{p}_us") for p in ("p50", "p99")}


def capacity_at_slo(rows: list[dict[str, Any]]) -> Series:
    """Capacity at the SLO per model (x is the SLO in µs)."""
    return _median_series(pick(rows, "slo-capacity"), "slo_us", "capacity_msgs_per_s")


def cost_per_model(rows: list[dict[str, Any]]) -> dict[str, Series]:
    """Server CPU µs/msg at the highest rate of the latency ladder (the same
    offered load for every model) and PSS KiB per idle connection (the most
    connections held)."""
    out: dict[str, Series] = {}
    ladder = pick(rows, "latency")
    if ladder:
        rate = max(r["rate_msgs_per_s"] for r in ladder)
        out[f"server CPU per message\n(open loop at {rate:,} msgs/s, {ladder[0]['conns']} connections)"] = \
            _median_series([r for r in ladder if r["rate_msgs_per_s"] == rate], "rate_msgs_per_s",
                           "server_cpu_us_per_msg")
    idle = pick(rows, "idle-scale")
    if idle:
        most = max(r["conns"] for r in idle)
        out[f"server memory (PSS) per idle connection\n({most:,} held)"] = \
            _median_series([r for r in idle if r["conns"] == most], "conns", "pss_per_conn_kib")
    return out


def work_scaling(rows: list[dict[str, Any]]) -> dict[str, Series]:
    """msgs/s as per-message CPU work or blocking time grows."""
    return {"cpu-work": _median_series(pick(rows, "cpu-work"), "work_us", "msgs_per_s"),
            "blocking-work": _median_series(pick(rows, "blocking-work"), "block_us", "msgs_per_s")}


def idle_memory(rows: list[dict[str, Any]]) -> Series:
    """Server PSS (MiB) against idle connections held."""
    return _median_series(pick(rows, "idle-scale"), "conns", "server_pss_mib")
