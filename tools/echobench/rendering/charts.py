"""Draws the charts from chart_data's series, as SVG and PNG, byte-for-byte
the same on every run with the same input (fixed hash salt, no dates).

How they read: every load a model is measured at is a category, never a
point on a line (two connection counts are two groups, not a trend); each
model is a point of its own colour and marker, with its interval as an
error bar; a point where the load generator was the bottleneck is hollow
and its model's label carries ‡; where a question has a verdict, the chart
says it in a box (claims.py)."""

from __future__ import annotations

import glob
import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator  # noqa: E402

from echobench.rendering import chart_data, timeseries  # noqa: E402
from echobench.rendering.report import chart_note  # noqa: E402  (the report owns the wording)
from echobench.cli import output_path  # noqa: E402

# Text stays text in the SVG ("svg.fonttype": "none"): searchable, smaller,
# and what the tests read to check every chart's labels and marks.
plt.rcParams.update({"svg.hashsalt": "echo-models", "svg.fonttype": "none", "font.size": 9, "axes.grid": True,
                     "grid.alpha": 0.3, "figure.dpi": 100})

# 225000 -> "225k", 1500 -> "1.5k", 12 -> "12": readable ticks.
READABLE = FuncFormatter(lambda v, _: f"{v / 1e6:g}M" if abs(v) >= 1e6 else
                         f"{v / 1e3:g}k" if abs(v) >= 1e3 else f"{v:g}")
CLIENT_BOUND_MARK = "‡"
SPREAD = 0.7  # the width a category's points spread over (1 = the gap between categories)


class Style:
    """Each model's colour and marker, the same on every chart of a run."""

    def __init__(self, rows):
        self.colours = chart_data.model_colours(rows)
        self.markers = chart_data.model_markers(rows)


def _save(figure, out_dir: str, stem: str, footnote: str) -> list[str]:
    # Wrapped to the figure's width (about 20 characters of 6.5-point text
    # per inch, with room to spare), so a narrow chart shows the whole footnote.
    lines = textwrap.wrap(footnote, width=int(figure.get_figwidth() * 20))
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


def _dots(ax, series: chart_data.Series, style: Style, category_label=str) -> None:
    """One group per x value, one point per model in it, with its interval;
    hollow where client-bound."""
    categories = sorted({p.x for points in series.values() for p in points})
    models = [m for m, points in series.items() if points]
    single = len(categories) == 1
    offsets = {m: (i - (len(models) - 1) / 2) * SPREAD / max(len(models), 1) for i, m in enumerate(models)}
    any_bound = False
    for model in models:
        points = series[model]
        bound = any(p.client_bound for p in points)
        any_bound |= bound
        xs = [(models.index(model) if single else categories.index(p.x) + offsets[model]) for p in points]
        colour = style.colours[model]
        ax.errorbar(xs, [p.median for p in points],
                    yerr=[[p.median - p.low for p in points], [p.high - p.median for p in points]],
                    fmt="none", ecolor=colour, elinewidth=1.2, capsize=3)
        for x, p in zip(xs, points):
            ax.plot([x], [p.median], linestyle="none", marker=style.markers[model], markersize=7,
                    markeredgecolor=colour, markeredgewidth=1.5,
                    markerfacecolor="white" if p.client_bound else colour)
        ax.plot([], [], linestyle="none", marker=style.markers[model], color=colour,
                label=model + (f" {CLIENT_BOUND_MARK}" if bound else ""))
    if single:
        ax.set_xticks(range(len(models)), [m + (f" {CLIENT_BOUND_MARK}" if any(p.client_bound for p in series[m])
                                                else "") for m in models], rotation=25, ha="right")
        ax.set_xlim(-0.6, len(models) - 0.4)
    else:
        ax.set_xticks(range(len(categories)), [category_label(c) for c in categories])
        ax.set_xlim(-0.6, len(categories) - 0.4)
        for boundary in range(len(categories) - 1):
            ax.axvline(boundary + 0.5, color="#cccccc", linewidth=0.8)
        handles, labels = ax.get_legend_handles_labels()
        if any_bound:
            handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="white",
                                  markeredgecolor="#333333"))
            labels.append(f"hollow, {CLIENT_BOUND_MARK}: client-bound")
        ax.legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="x", visible=False)
    ax.yaxis.set_major_formatter(READABLE)


def _from_zero(ax, series: chart_data.Series) -> None:
    top = max((p.high for points in series.values() for p in points), default=1)
    ax.set_ylim(bottom=0, top=top * 1.25 or 1)  # room for the verdict's box


def _verdict_box(ax, claim) -> None:
    """The question's verdict, in the chart's top right corner."""
    if claim is None:
        return
    note = textwrap.wrap(chart_note(claim), 48, break_on_hyphens=False)  # model names stay whole
    ax.text(0.99, 0.98, "\n".join(note), transform=ax.transAxes, ha="right",
            va="top", fontsize=7, bbox={"boxstyle": "round", "facecolor": "#f7f7f7", "edgecolor": "#999999"})


def _claim(claims, scenario: str):
    return next((c for c in claims if c["case"].split("/")[0] == scenario and c["verdict"] != "no-data"), None)


def draw_all(rows, out_dir: str, footnote: str, claims=(), slo_us: float | None = None) -> list[str]:
    """Every chart the rows have data for; returns the files written."""
    style = Style(rows)  # every model of the run: the same colours on every chart
    written: list[str] = []

    for size, series in chart_data.throughput_by_connections(rows).items():
        fig, ax = plt.subplots(figsize=(7.4, 4.2))
        _dots(ax, series, style, lambda c: f"{int(c):,} connections")
        _from_zero(ax, series)
        ax.set_title(f"Throughput, {size}-byte messages (closed loop)")
        ax.set_ylabel("messages per second")
        _verdict_box(ax, _claim(claims, "throughput") if size == 64 else None)
        written += _save(fig, out_dir, f"throughput_size_{size}", footnote)

    latency = chart_data.latency_vs_offered_rate(rows)
    if any(latency["p99"].values()):
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
        for ax, which in zip(axes, ("p50", "p99")):
            _dots(ax, latency[which], style, lambda c: f"{int(c):,} msgs/s")
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(READABLE)
            ax.set_title(f"{which} latency at the same offered rate (open loop)")
            ax.set_xlabel("offered rate, the same for every model")
            if which == "p99" and slo_us:
                ax.axhline(slo_us, color="#B00020", linestyle="--", linewidth=1)
                ax.text(0.01, slo_us, f" SLO: p99 ≤ {slo_us:,.0f} µs", transform=ax.get_yaxis_transform(),
                        color="#B00020", fontsize=7, va="bottom")
        axes[0].set_ylabel("latency from the scheduled send time, µs (log scale)")
        if axes[0].get_legend():  # one legend, on the right (a single rate has none: models are the x)
            axes[0].get_legend().remove()
        written += _save(fig, out_dir, "latency_vs_offered_rate", footnote)

    capacity = chart_data.capacity_at_slo(rows)
    if any(capacity.values()):
        slo = int(next(p.x for points in capacity.values() for p in points))
        fig, ax = plt.subplots(figsize=(7.4, 4.4))
        _dots(ax, capacity, style)
        _from_zero(ax, capacity)
        work = sorted({r["work_us"] for r in chart_data.pick(rows, "slo-capacity") if r.get("work_us")})
        costs = f", each message {work[0]} µs of CPU" if len(work) == 1 else ""
        ax.set_title(f"Capacity at the SLO (p99 ≤ {slo:,} µs{costs})")
        ax.set_ylabel("highest open-loop msgs/s that kept the SLO")
        _verdict_box(ax, _claim(claims, "slo-capacity"))
        written += _save(fig, out_dir, "capacity_at_slo", footnote)

    cost = chart_data.cost_per_model(rows)
    if cost:
        fig, axes = plt.subplots(1, len(cost), figsize=(5.6 * len(cost), 4.6), squeeze=False)
        units = {"server CPU": ("server CPU per message, µs", "latency"),
                 "server memory": ("PSS per idle connection, KiB (log scale)", "idle-scale")}
        for ax, (title, series) in zip(axes[0], cost.items()):
            _dots(ax, series, style)
            ylabel, scenario = next(v for k, v in units.items() if title.startswith(k))
            if "log" in ylabel:
                ax.set_yscale("log")
                ax.yaxis.set_major_formatter(READABLE)
            else:
                _from_zero(ax, series)
            ax.set_title(title, fontsize=9)
            ax.set_ylabel(ylabel)
            _verdict_box(ax, _claim(claims, scenario))
        written += _save(fig, out_dir, "server_cost", footnote)

    work = chart_data.work_scaling(rows)
    panels = [(s, series) for s, series in work.items() if any(series.values())]
    if panels:
        fig, axes = plt.subplots(1, len(panels), figsize=(5.8 * len(panels), 4.6), squeeze=False)
        labels = {"cpu-work": "µs of CPU", "blocking-work": "µs blocked"}
        for ax, (scenario, series) in zip(axes[0], panels):
            _dots(ax, series, style, lambda c, s=scenario: f"{int(c):,} {labels[s]} per message")
            _from_zero(ax, series)
            xs = sorted({p.x for points in series.values() for p in points})
            ax.set_title(f"{scenario}: {int(xs[0]):,} {labels[scenario]} per message" if len(xs) == 1
                         else f"{scenario}: throughput as work per message grows")
            ax.set_ylabel("messages per second")
            _verdict_box(ax, _claim(claims, scenario))
        written += _save(fig, out_dir, "work_per_message", footnote)

    idle = chart_data.idle_memory(rows)
    if any(idle.values()) and not chart_data.single_x(idle):  # one count: the cost chart has it
        fig, ax = plt.subplots(figsize=(7.4, 4.2))
        _dots(ax, idle, style, lambda c: f"{int(c):,} idle connections")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(READABLE)
        ax.set_title("Server memory (PSS) by idle connections held")
        ax.set_ylabel("PSS of the whole server, MiB (log scale)")
        written += _save(fig, out_dir, "idle_scale", footnote)
    return written


def draw_timeseries(runs, out_dir: str, footnote: str, rows=()) -> list[str]:
    """Throughput and p99 per interval against time, one line per model that
    ran cleanly (timeseries.Run); failed runs are named in the title. Time
    is a real axis here, so these are lines. `rows`: the run's results, so
    each model keeps its colour and marker from the other charts."""
    good = [run for run in runs if not run.error]
    if not good:
        return []
    style = Style(list(rows) + [{"model": run.model} for run in runs])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for run in good:
        # Each interval's value is drawn at its middle.
        xs = [i["start_s"] + i["length_s"] / 2 for i in run.intervals]
        line = {"color": style.colours[run.model], "marker": style.markers[run.model], "markersize": 3,
                "markevery": max(1, len(xs) // 10), "label": run.model}
        top.plot(xs, [i["msgs_per_s"] for i in run.intervals], "-", **line)
        bottom.plot(xs, [i["p99_us"] for i in run.intervals], "-", **line)
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


SPECTRUM_TICKS = [0, 90, 99, 99.9, 99.99]


def draw_spectrum(runs, out_dir: str, footnote: str, rows=()) -> list[str]:
    """The percentile spectrum of each model's fixed-rate run, HdrHistogram's
    way: x is 1/(1 - p) on a log scale, so the tail gets the room; one panel
    from the scheduled send time (what a user waits), one from the actual
    send time (what a load generator that waits for the server would
    report: coordinated omission)."""
    spectra = {run.model: timeseries.percentile_spectrum(run) for run in runs if not run.error}
    spectra = {model: s for model, s in spectra.items() if s}
    if not spectra:
        return []
    style = Style(list(rows) + [{"model": run.model} for run in runs])
    kinds = [k for k in ("corrected", "uncorrected") if any(k in s for s in spectra.values())]
    titles = {"corrected": "from the scheduled send time (corrected)",
              "uncorrected": "from the actual send time (uncorrected)"}
    fig, axes = plt.subplots(1, len(kinds), figsize=(5.6 * len(kinds), 4.6), sharey=True, squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        for model, spectrum in spectra.items():
            if kind not in spectrum:
                continue
            xs = [1 / (1 - p / 100) for p, _ in spectrum[kind]]
            ax.plot(xs, [v for _, v in spectrum[kind]], "-", color=style.colours[model],
                    marker=style.markers[model], markersize=3, markevery=5, label=model)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(FixedLocator([1 / (1 - p / 100) for p in SPECTRUM_TICKS]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * (1 - 1 / v):.4g}%"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(READABLE)
        ax.set_xlabel("percentile (1/(1 - p) scale)")
        ax.set_title(f"Latency by percentile, {titles[kind]}", fontsize=9)
    axes[0][0].set_ylabel("latency, µs (log scale)")
    axes[0][-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, out_dir, "percentile_spectrum", footnote)


# Every chart this module draws (and the one an older version drew), so a
# chart that a smaller matrix no longer has data for does not linger.
CHART_PATTERNS = ["throughput_size_*", "latency_vs_offered_rate", "latency_vs_throughput", "capacity_at_slo",
                  "server_cost", "work_per_message", "idle_scale", "timeseries", "percentile_spectrum"]


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
