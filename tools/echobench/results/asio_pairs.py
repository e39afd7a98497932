"""The table of tools/compare-asio-examples: each echo-models model beside
Asio's own example of the same model, from the rows of one echo-bench run
(or from the CSV it wrote), paired by repetition."""

from __future__ import annotations

import csv
import statistics
from typing import Any

LOADS = [(1, 64), (1, 16384), (100, 64), (100, 16384)]
NUMBERS = ("connections", "size", "rep", "msgs_per_s", "server_cpu_us_per_msg")


def read_pairs_csv(path: str) -> list[dict[str, Any]]:
    """The CSV tools/compare-asio-examples writes, numbers as numbers."""
    with open(path, newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    for row in rows:
        for key in NUMBERS:
            if row.get(key) not in (None, ""):
                row[key] = float(row[key]) if "." in row[key] else int(row[key])
    return rows


def pair_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: per model and load, the medians of both sides over the
    repetitions where both ran clean, and the median of their ratios."""
    lines = ["| model | conns | size | echo-models msgs/s | Asio example msgs/s | ratio (median of pairs) "
             "| echo-models server µs/msg | Asio example server µs/msg |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    models = list(dict.fromkeys(r["model"] for r in rows))
    for model in models:
        for connections, size in LOADS:
            case = [r for r in rows if r["model"] == model and r["connections"] == connections
                    and r["size"] == size and not r.get("error") and r.get("_judged", True)]
            ours = {r["rep"]: r for r in case if r["implementation"] == "echo-models"}
            theirs = {r["rep"]: r for r in case if r["implementation"] != "echo-models"}
            paired = sorted(set(ours) & set(theirs))
            if not paired:
                lines.append(f"| {model} | {connections} | {size} | no pair without a failure | | | | |")
                continue
            ratios = [ours[k]["msgs_per_s"] / theirs[k]["msgs_per_s"] for k in paired]
            lines.append(f"| {model} | {connections} | {size} "
                         f"| {statistics.median(ours[k]['msgs_per_s'] for k in paired):.0f} "
                         f"| {statistics.median(theirs[k]['msgs_per_s'] for k in paired):.0f} "
                         f"| {statistics.median(ratios):.2f} "
                         f"| {statistics.median(ours[k]['server_cpu_us_per_msg'] for k in paired):.2f} "
                         f"| {statistics.median(theirs[k]['server_cpu_us_per_msg'] for k in paired):.2f} |")
    return "\n".join(lines)
