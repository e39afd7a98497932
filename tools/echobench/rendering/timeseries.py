"""Time series of one run per model: echo-load JSON files with intervals[]
(echo-bench --hlog-dir writes them; tools/timeseries names them), read and checked for tools/plot.

A run that failed (its JSON has an "error") is reported, never drawn: a
broken run must not look like a clean line on a chart.
"""

from __future__ import annotations

import glob
import json
import math
import os
from dataclasses import dataclass

from echobench.results import hlog


class TimeseriesError(ValueError):
    """A file that is not an echo-load JSON with intervals: `file: what`."""


@dataclass
class Run:
    model: str
    path: str
    intervals: list[dict]  # start_s, length_s, msgs_per_s, p99_us, ...
    rate: float
    error: str = ""


def _finite_non_negative(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def read_run(path: str) -> Run:
    """One echo-load JSON; the model is its "model" (echo-bench --hlog-dir
    writes it), else the file's name (MODEL.json)."""
    try:
        with open(path, encoding="utf-8") as source:
            document = json.load(source, parse_constant=lambda token: (_ for _ in ()).throw(
                ValueError(f"{token} is not a number")))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise TimeseriesError(f"{path}: {error}") from error
    if not isinstance(document, dict):
        raise TimeseriesError(f"{path}: not a JSON object")
    model = document.get("model")
    if not isinstance(model, str) or not model:
        model = os.path.splitext(os.path.basename(path))[0]
    if "error" in document:
        messages = document["error"].get("messages", []) if isinstance(document["error"], dict) else []
        return Run(model, path, [], 0.0, "; ".join(map(str, messages)) or "the run failed")
    intervals = document.get("intervals")
    if not isinstance(intervals, list) or not intervals:
        raise TimeseriesError(f"{path}: no intervals[] (run echo-load with --interval > 0)")
    for number, interval in enumerate(intervals):
        for key in ("start_s", "length_s", "msgs_per_s", "p50_us", "p99_us"):
            if not isinstance(interval, dict) or not _finite_non_negative(interval.get(key)):
                raise TimeseriesError(f"{path}: intervals[{number}].{key} is missing, negative or not a number")
    rate = document.get("rate", 0)
    return Run(model, path, intervals, float(rate) if _finite_non_negative(rate) else 0.0)


def read_runs(directory: str) -> list[Run]:
    """Every MODEL.json in `directory`, sorted by model."""
    paths = sorted(glob.glob(os.path.join(directory, "*.json")))
    if not paths:
        raise TimeseriesError(f"{directory}: no echo-load JSON files")
    return [read_run(path) for path in paths]


# The percentile spectrum's x: 1/(1 - p) from 1 (0%) to 10^4 (99.99%), ten
# points per decade, as HdrHistogram's percentile distribution plots draw it.
SPECTRUM_DECADES = 4
SPECTRUM_STEPS = 10


def spectrum_percentiles() -> list[float]:
    """Percentiles (0-100) evenly spaced on the 1/(1 - p) log scale."""
    return [100 * (1 - 10 ** (-k / SPECTRUM_STEPS)) for k in range(SPECTRUM_DECADES * SPECTRUM_STEPS + 1)]


def percentile_spectrum(run: Run) -> dict[str, list[tuple[float, float]]]:
    """From the run's .hlog beside its JSON: "corrected" (the intervals
    merged, from the scheduled send time) and, when echo-load wrote it,
    "uncorrected" (its tagged whole-window line, from the actual send
    time), each as (percentile, latency in µs). {} when there is no log."""
    path = os.path.splitext(run.path)[0] + ".hlog"
    if run.error or not os.path.exists(path):
        return {}
    try:
        log = hlog.read(path)
    except (OSError, UnicodeDecodeError, hlog.HlogError) as error:
        raise TimeseriesError(f"{path}: {error}") from error
    merged: dict[str, hlog.Histogram] = {}
    for interval in log.intervals:
        name = interval.tag or "corrected"
        if name not in merged:
            merged[name] = hlog.Histogram(interval.histogram.significant_digits, interval.histogram.lowest,
                                          interval.histogram.highest)
        merged[name].add(interval.histogram)
    return {name: [(p, histogram.value_at_percentile(p) / 1000) for p in spectrum_percentiles()]
            for name, histogram in merged.items() if name in ("corrected", "uncorrected") and histogram.total()}
