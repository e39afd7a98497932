"""Draws the charts from chart_data's series, as SVG and PNG, byte-for-byte
the same on every run with the same input (fixed hash salt, no dates).
Every point carries its 95% interval as an error bar."""

from __future__ import annotations

import glob
import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from echobench.rendering import chart_data  # noqa: E402
from echobench.cli import output_path  # noqa: E402

plt.rcParams.update({"svg.hashsalt": "echo-models", "font.size": 9, "axes.grid": True,
                     "grid.alpha": 0.3, "figure.dpi": 100})

# 225000 -> "225k", 1500 -> "1.5k", 12 -> "12": readable ticks.
READABLE = FuncFormatter(lambda v, _: f"{v / 1e6:g}M" if abs(v) >= 1e6 else
                         f"{v / 1e3:g}k" if abs(v) >= 1e3 else f"{v:g}")


def _save(figure, out_dir: str, stem: str, footnote: str) -> list[str]:
    # Wrapped to the figure's width (about 24 characters of 6.5-point text
    # per inch), so a narrow chart shows the whole footnote.
    lines = textwrap.wrap(footnote, width=int(figure.get_figwidth() * 24))
    figure.text(0.01, 0.005, "\n".join(lines), fontsize=6.5, color="#555555", ha="left", va="bottom")
    figure.tight_layout(rect=(0, 0.03 * len(lines), 1, 1))
    paths = []
    for ext, metadata in (("svg", {"Date": None, "Creator": None}), ("png", {"Software": None})):
        path = os.path.join(out_dir, f"{stem}.{ext}")
        with output_path(path) as staged:
            figure.savefig(staged, format=ext, metadata=metadata)
        paths.append(path)
    plt.close(figure)
    return paths


def _errors(points):
    return [[p[1] - p[2] for p in points], [p[3] - p[1] for p in points]]


def _lines(ax, series: chart_data.Series, colours: dict[str, str], style: str = "-o", label_suffix: str = ""):
    for model, points in series.items():
        if points:
            ax.errorbar([p[0] for p in points], [p[1] for p in points], yerr=_errors(points), fmt=style,
                        color=colours[model], label=model + label_suffix, markersize=4, capsize=3)


def _bars(ax, series: chart_data.Series, colours: dict[str, str]):
    """One bar per model (each series has one point), labelled with its value."""
    models = [m for m, points in series.items() if points]
    points = [series[m][0] for m in models]
    ax.bar(range(len(models)), [p[1] for p in points], yerr=_errors(points), capsize=4,
           color=[colours[m] for m in models], edgecolor="#333333", linewidth=0.6)
    ax.set_xticks(range(len(models)), models, rotation=20, ha="right")
    for i, p in enumerate(points):
        ax.annotate(f"{p[1]:,.0f}" if p[1] >= 100 else f"{p[1]:.3g}", (i, p[3]), ha="center",
                    va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    ax.set_ylim(bottom=0, top=max(p[3] for p in points) * 1.15 or 1)
    ax.grid(axis="x", visible=False)


def _series_panel(ax, series: chart_data.Series, colours, title: str, xlabel: str, ylabel: str, log_x: bool):
    """Bars when every model has one x value, else lines against x."""
    ax.set_title(title)
    if chart_data.single_x(series):
        _bars(ax, series, colours)
    else:
        _lines(ax, series, colours)
        if log_x:
            ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_formatter(READABLE)
        ax.legend(fontsize=7, loc="best")
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(READABLE)


def draw_all(rows, out_dir: str, footnote: str) -> list[str]:
    """Every chart the rows have data for; returns the files written."""
    colours = chart_data.model_colours(rows)
    written: list[str] = []

    for size, series in chart_data.throughput_by_connections(rows).items():
        fig, ax = plt.subplots(figsize=(6.4, 4))
        conns = {p[0] for points in series.values() for p in points}
        where = f", {int(next(iter(conns)))} connections" if len(conns) == 1 else ""
        _series_panel(ax, series, colours, f"Throughput, {size}-byte messages (closed loop{where})",
                      "concurrent connections (log scale)", "messages per second", log_x=True)
        written += _save(fig, out_dir, f"throughput_size_{size}", footnote)

    latency = chart_data.latency_vs_offered_rate(rows)
    if any(latency["p99"].values()):
        if chart_data.single_x(latency["p99"]):
            rate = int(next(p[0] for points in latency["p99"].values() for p in points))
            fig, ax = plt.subplots(figsize=(6.4, 4))
            _series_panel(ax, latency["p99"], colours, f"p99 latency at {rate:,} msgs/s offered to every model",
                          "", "p99 latency, µs (from the scheduled send time)", log_x=False)
        else:
            fig, ax = plt.subplots(figsize=(9, 4.4))
            _lines(ax, latency["p50"], colours, "--o", " p50")
            _lines(ax, latency["p99"], colours, "-s", " p99")
            ax.set_yscale("log")
            ax.set_title("Latency at the same offered load (open loop, from the scheduled send time)")
            ax.set_xlabel("offered messages per second (the same for every model)")
            ax.set_ylabel("latency, µs (log scale)")
            ax.xaxis.set_major_formatter(READABLE)
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        written += _save(fig, out_dir, "latency_vs_offered_rate", footnote)

    capacity = chart_data.capacity_at_slo(rows)
    if any(capacity.values()):
        slo = int(next(p[0] for points in capacity.values() for p in points))
        fig, ax = plt.subplots(figsize=(6.4, 4))
        _bars(ax, capacity, colours)
        work = sorted({r["work_us"] for r in chart_data.pick(rows, "slo-capacity") if r.get("work_us")})
        costs = f"\n(each message {work[0]} µs of CPU)" if len(work) == 1 else ""
        ax.set_title(f"Capacity at the SLO: highest open-loop rate with p99 ≤ {slo:,} µs{costs}")
        ax.set_ylabel("messages per second")
        ax.yaxis.set_major_formatter(READABLE)
        written += _save(fig, out_dir, "capacity_at_slo", footnote)

    cost = chart_data.cost_per_model(rows)
    if cost:
        fig, axes = plt.subplots(1, len(cost), figsize=(5.2 * len(cost), 4.4), squeeze=False)
        for ax, (title, series) in zip(axes[0], cost.items()):
            _bars(ax, series, colours)
            ax.set_title(title, fontsize=9)
            ax.yaxis.set_major_formatter(READABLE)
        written += _save(fig, out_dir, "server_cost", footnote)

    work = chart_data.work_scaling(rows)
    panels = [(s, series) for s, series in work.items() if any(series.values())]
    if panels:
        fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.4), squeeze=False)
        labels = {"cpu-work": "CPU work per message, µs", "blocking-work": "blocking time per message, µs"}
        for ax, (scenario, series) in zip(axes[0], panels):
            xs = sorted({p[0] for points in series.values() for p in points})
            title = (f"{scenario}: {int(xs[0]):,} µs per message" if len(xs) == 1
                     else f"{scenario}: throughput as work per message grows")
            _series_panel(ax, series, colours, title, labels[scenario] + " (log scale)", "messages per second",
                          log_x=True)
        written += _save(fig, out_dir, "work_per_message", footnote)

    idle = chart_data.idle_memory(rows)
    if any(idle.values()) and not chart_data.single_x(idle):  # one count: the cost chart has it
        fig, ax = plt.subplots(figsize=(6.4, 4))
        _lines(ax, idle, colours)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title("Server memory (PSS) vs idle connections held")
        ax.set_xlabel("idle connections (log scale)")
        ax.set_ylabel("PSS of the whole server, MiB (log scale)")
        ax.legend()
        written += _save(fig, out_dir, "idle_scale", footnote)
    return written


def draw_timeseries(runs, out_dir: str, footnote: str) -> list[str]:
    """Throughput and p99 per interval against time, one line per model that
    ran cleanly (timeseries.Run); failed runs are named in the title."""
    good = [run for run in runs if not run.error]
    if not good:
        return []
    colours = chart_data.model_colours([{"model": run.model} for run in runs])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for run in good:
        # Each interval's value is drawn at its middle.
        xs = [i["start_s"] + i["length_s"] / 2 for i in run.intervals]
        top.plot(xs, [i["msgs_per_s"] for i in run.intervals], "-", color=colours[run.model], label=run.model)
        bottom.plot(xs, [i["p99_us"] for i in run.intervals], "-", color=colours[run.model], label=run.model)
    rates = sorted({run.rate for run in good})
    offered = f" at {rates[0]:,.0f} msgs/s offered" if len(rates) == 1 and rates[0] > 0 else ""
    failed = [run.model for run in runs if run.error]
    top.set_title(f"Over time{offered}, no warm-up: throughput per interval"
                  + (f"\n(failed, not drawn: {', '.join(failed)})" if failed else ""))
    top.set_ylabel("messages per second")
    # From zero: at a fixed offered rate the lines sit flat, and a stall shows
    # as a dip instead of noise magnified into the whole height.
    top.set_ylim(bottom=0, top=max(i["msgs_per_s"] for run in good for i in run.intervals) * 1.15 or 1)
    top.yaxis.set_major_formatter(READABLE)
    top.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    bottom.set_title("p99 latency per interval (from the scheduled send time)")
    bottom.set_yscale("log")
    bottom.set_ylabel("p99, µs (log scale)")
    bottom.yaxis.set_major_formatter(READABLE)
    bottom.set_xlabel("seconds since the start of the run")
    return _save(fig, out_dir, "timeseries", footnote)


# Every chart this module draws (and the one an older version drew), so a
# chart that a smaller matrix no longer has data for does not linger.
CHART_PATTERNS = ["throughput_size_*", "latency_vs_offered_rate", "latency_vs_throughput", "capacity_at_slo",
                  "server_cost", "work_per_message", "idle_scale", "timeseries"]


def remove_stale(out_dir: str, written: list[str]) -> list[str]:
    """Deletes chart files in out_dir that this run did not write."""
    keep = {os.path.abspath(p) for p in written}
    removed = []
    for pattern in CHART_PATTERNS:
        for ext in ("svg", "png"):
            for path in glob.glob(os.path.join(out_dir, f"{pattern}.{ext}")):
                if os.path.abspath(path) not in keep:
                    os.remove(path)
                    removed.append(path)
    return removed
