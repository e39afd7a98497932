"""Reads a results CSV (tools/bench-report's output) strictly.

Every problem is a ResultsCsvError naming the file, and the line and column
where there is one, so a broken input never turns into a silently wrong chart.
"""

from __future__ import annotations

import csv
import math
from typing import Any

from echobench.results.gbench import judged

REQUIRED_COLUMNS = ["name", "scenario", "protocol", "model", "conns", "size", "error"]
INTEGER_COLUMNS = {"conns", "size", "rate_msgs_per_s", "work_us", "block_us", "slo_us", "bad", "repetition",
                   "connected", "errors", "mismatches", "server_threads", "server_processes", "probes",
                   "client_bound"}
TEXT_COLUMNS = {"name", "scenario", "protocol", "model", "kind", "error"}


class ResultsCsvError(ValueError):
    """A results CSV that cannot be used; str() says where and why."""


def read_results(path: str) -> list[dict[str, Any]]:
    """Rows with numbers as numbers; empty cells are left out of the row."""
    try:
        with open(path, newline="", encoding="utf-8") as source:
            reader = csv.reader(source)
            header = next(reader, None)
            if not header:
                raise ResultsCsvError(f"{path}: empty file, expected a header line")
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise ResultsCsvError(f"{path}:1: missing column(s): {', '.join(missing)}")
            rows = []
            for line_number, cells in enumerate(reader, start=2):
                if not cells:
                    continue
                if len(cells) != len(header):
                    raise ResultsCsvError(
                        f"{path}:{line_number}: {len(cells)} cells, but the header has {len(header)}")
                rows.append(_typed_row(path, line_number, header, cells))
    except OSError as error:
        raise ResultsCsvError(f"{path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise ResultsCsvError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    if not rows:
        raise ResultsCsvError(f"{path}: no data rows")
    return rows


def _typed_row(path: str, line: int, header: list[str], cells: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column, cell in zip(header, cells):
        if column in TEXT_COLUMNS:
            row[column] = cell
        elif cell == "":
            continue
        else:
            try:
                value = int(cell) if column in INTEGER_COLUMNS else float(cell)
            except ValueError:
                kind = "a whole number" if column in INTEGER_COLUMNS else "a number"
                raise ResultsCsvError(f"{path}:{line}: column '{column}': {cell!r} is not {kind}") from None
            # Every measured quantity here is finite and non-negative: NaN,
            # infinity or a negative value is a broken run, not a point.
            if not math.isfinite(value) or value < 0:
                raise ResultsCsvError(f"{path}:{line}: column '{column}': {cell!r} is not a finite, "
                                      "non-negative number")
            row[column] = value
    return row


def successful(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that may be shown and judged (gbench.judged)."""
    return [r for r in rows if judged(r)]
