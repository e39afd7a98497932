"""Draws the charts from chart_data's series, as SVG and PNG, byte-for-byte
the same on every run with the same input (fixed hash salt, no dates)."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from . import chart_data  # noqa: E402

plt.rcParams.update({"svg.hashsalt": "echo-models", "font.size": 9, "axes.grid": True,
                     "grid.alpha": 0.3, "figure.dpi": 100})


def _save(figure, out_dir: str, stem: str, footnote: str) -> list[str]:
    figure.text(0.01, 0.005, footnote, fontsize=6.5, color="#555555", ha="left", va="bottom")
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    paths = []
    for ext, metadata in (("svg", {"Date": None, "Creator": None}), ("png", {"Software": None})):
        path = os.path.join(out_dir, f"{stem}.{ext}")
        figure.savefig(path, format=ext, metadata=metadata)
        paths.append(path)
    plt.close(figure)
    return paths


def _lines(ax, series: chart_data.Series, colours: dict[str, str], style: str = "-o", label_suffix: str = ""):
    for model, points in series.items():
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, style, color=colours[model], label=model + label_suffix, markersize=4)


def draw_all(rows, out_dir: str, footnote: str) -> list[str]:
    """Every chart the rows have data for; returns the files written."""
    colours = chart_data.model_colours(rows)
    written: list[str] = []

    for size, series in chart_data.throughput_by_connections(rows).items():
        fig, ax = plt.subplots(figsize=(6.4, 4))
        _lines(ax, series, colours)
        ax.set_xscale("log")
        ax.set_title(f"Throughput vs connections, {size}-byte messages (closed loop)")
        ax.set_xlabel("concurrent connections (log scale)")
        ax.set_ylabel("messages per second")
        ax.legend()
        written += _save(fig, out_dir, f"throughput_size_{size}", footnote)

    latency = chart_data.latency_vs_throughput(rows)
    if any(latency["p99"].values()):
        fig, ax = plt.subplots(figsize=(6.4, 4))
        _lines(ax, latency["p50"], colours, "--o", " p50")
        _lines(ax, latency["p99"], colours, "-s", " p99")
        ax.set_yscale("log")
        ax.set_title("Latency vs throughput (open loop, corrected for coordinated omission)")
        ax.set_xlabel("achieved messages per second")
        ax.set_ylabel("latency, µs (log scale)")
        ax.legend(fontsize=7, ncol=2)
        written += _save(fig, out_dir, "latency_vs_throughput", footnote)

    cost = chart_data.cost_per_model(rows)
    if cost:
        fig, axes = plt.subplots(1, len(cost), figsize=(6.4 * len(cost) / 1.4, 4), squeeze=False)
        for ax, (title, values) in zip(axes[0], cost.items()):
            models = list(values)
            ax.bar(range(len(models)), [values[m] for m in models], color=[colours[m] for m in models])
            ax.set_xticks(range(len(models)), models, rotation=20, ha="right")
            ax.set_title(title)
        written += _save(fig, out_dir, "server_cost", footnote)

    work = chart_data.work_scaling(rows)
    if any(work["cpu-work"].values()) or any(work["blocking-work"].values()):
        fig, axes = plt.subplots(1, 2, figsize=(9.6, 4))
        for ax, (scenario, series), xlabel in zip(axes, work.items(),
                                                  ("CPU work per message, µs", "blocking time per message, µs")):
            _lines(ax, series, colours)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{scenario}: throughput as work per message grows")
            ax.set_xlabel(xlabel + " (log scale)")
            ax.set_ylabel("messages per second (log scale)")
            ax.legend(fontsize=7)
        written += _save(fig, out_dir, "work_per_message", footnote)

    idle = chart_data.idle_memory(rows)
    if any(idle.values()):
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
