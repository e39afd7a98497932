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
