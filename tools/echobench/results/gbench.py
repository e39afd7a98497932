"""Reads echo-bench's Google Benchmark JSON into one flat row per case.

A case name such as "latency/tcp/thread-pool/conns:16/size:64/rate:20000" is
split into columns (scenario, protocol, model, conns, size, rate_msgs_per_s,
work_us, block_us, slo_us; hostile cases add kind and bad); the user counters become columns of their own. Google Benchmark's
own CSV reporter is deprecated, hence this.
"""

from __future__ import annotations

import json
import math
from typing import Any

# Columns always present, in this order; counters follow in sorted order.
KEY_COLUMNS = ["name", "scenario", "protocol", "model", "conns", "size", "rate_msgs_per_s", "work_us",
               "block_us", "slo_us", "kind", "bad", "repetition", "error"]


class BenchJsonError(ValueError):
    """The file is not echo-bench JSON; the message names the file and the reason."""


def case_name(scenario: str, model: str, conns: int, size: int, protocol: str = "tcp", **extra: float) -> str:
    """The name echo-bench gives a case (and takes with --case), e.g.
    case_name("latency", "io-uring", 16, 64, rate=20000) ->
    "latency/tcp/io-uring/conns:16/size:64/rate:20000"; parse_case_name's inverse."""
    name = f"{scenario}/{protocol}/{model}/conns:{conns}/size:{size}"
    for key in ("rate", "work_us", "block_us", "slo_us"):
        if key in extra:
            value = extra[key]
            name += f"/{key}:{int(value) if float(value).is_integer() else value}"
    return name


def parse_case_name(name: str) -> dict[str, Any]:
    """Splits "SCENARIO/PROTO/MODEL/key:value/..." into fields."""
    parts = [p for p in name.split("/") if p not in ("manual_time", "real_time") and not p.startswith("iterations:")]
    if len(parts) < 3:
        raise ValueError(f"not an echo-bench case name: {name!r}")
    fields: dict[str, Any] = {"scenario": parts[0], "protocol": parts[1], "model": parts[2], "conns": "",
                              "size": "", "rate_msgs_per_s": "", "work_us": "", "block_us": "", "slo_us": "",
                              "kind": "", "bad": ""}
    for part in parts[3:]:
        key, _, value = part.partition(":")
        key = "rate_msgs_per_s" if key == "rate" else key
        if key == "kind":  # hostile: what the bad clients do (idle, trickle, non-reader, flood)
            fields[key] = value
            continue
        if key in fields and not value.isdigit():
            raise ValueError(f"not an echo-bench case name: {name!r} ({part!r} is not a whole number)")
        if key in fields:
            fields[key] = int(value)
    return fields


def load_runs(path: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Any Google Benchmark JSON: one dict per run (aggregates left out) with
    name, repetition, error and every numeric field; plus the context."""
    try:
        with open(path, encoding="utf-8") as source:
            document = json.load(source, parse_constant=_reject_non_finite)
    except RecursionError as error:
        raise BenchJsonError(f"{path}: nested too deeply to be Google Benchmark JSON") from error
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BenchJsonError(f"{path}: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        raise BenchJsonError(f"{path}: no 'benchmarks' list: not Google Benchmark JSON")
    if not isinstance(document.get("context", {}), dict):
        raise BenchJsonError(f"{path}: 'context' is not an object")
    runs = []
    for index, entry in enumerate(document["benchmarks"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or \
                not isinstance(entry.get("run_name", ""), str):
            raise BenchJsonError(f"{path}: benchmarks[{index}] is not a benchmark object with a name")
        if entry.get("run_type") == "aggregate":
            continue
        run: dict[str, Any] = {"name": entry.get("run_name", entry["name"]).split("/iterations:")[0],
                               "repetition": entry.get("repetition_index", 0),
                               "error": _error_of(entry)}
        for key, value in entry.items():
            if key not in KNOWN_GBENCH_FIELDS and isinstance(value, (int, float)) and not isinstance(value, bool):
                if not math.isfinite(value):  # 1e999 parses as infinity
                    raise BenchJsonError(f"{path}: benchmarks[{index}].{key} is not a finite number")
                run[key] = value
        if isinstance(entry.get("time_unit"), str):
            run["_time_unit"] = entry["time_unit"]
        runs.append(run)
    return runs, document.get("context", {})


def judged(run: dict[str, Any]) -> bool:
    """Whether a repetition may count in a median, a verdict or the gate:
    it did not fail, and no other process took its CPUs during its window
    (echo-bench marks that "disturbed" after running it again in vain)."""
    return not run.get("error") and not run.get("disturbed")


def _reject_non_finite(constant: str) -> float:
    raise ValueError(f"{constant} is not a number JSON allows (echo-bench never writes one)")


def _error_of(entry: dict[str, Any]) -> str:
    """A failed run's reason; one that failed without saying why is still failed."""
    if not entry.get("error_occurred"):
        return ""
    message = entry.get("error_message")
    return message if isinstance(message, str) and message else "failed (no error_message)"


def load_rows(path: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """echo-bench JSON: runs with the case name split into columns."""
    runs, context = load_runs(path)
    rows = []
    for run in runs:
        try:
            fields = parse_case_name(run["name"])
        except ValueError as error:
            raise BenchJsonError(f"{path}: {error}") from error
        unit = run.get("_time_unit", "ms")
        counters = {k: (int(v) if k in COUNT_COUNTERS and float(v).is_integer() else v)
                    for k, v in run.items() if k not in ("name", "_time_unit")}
        for timing in ("real_time", "cpu_time"):  # the unit goes into the column's name
            if timing in counters:
                counters[f"{timing}_{unit}"] = counters.pop(timing)
        rows.append({"name": run["name"], **fields, **counters})
    return rows, context


# Counters that count things: Google Benchmark stores every counter as a
# double, the CSV writes these as whole numbers.
COUNT_COUNTERS = {"connected", "errors", "mismatches", "server_threads", "server_processes", "probes",
                  "client_bound", "disturbed", "disturbed_retries"}


# Google Benchmark's own per-run fields; everything else numeric is a counter.
KNOWN_GBENCH_FIELDS = {
    "family_index", "per_family_instance_index", "repetitions", "repetition_index", "threads",
    "iterations", "error_occurred",
}


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    counters = sorted({key for row in rows for key in row} - set(KEY_COLUMNS))
    return KEY_COLUMNS + counters
