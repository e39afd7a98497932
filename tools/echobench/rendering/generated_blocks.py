"""The measured numbers in the README and docs/, each inside a block that
tools/readme-results writes from a results file, so prose and data cannot
drift apart. A block is

    <!-- generated: KIND SOURCE -->
    ...what KIND makes of SOURCE (a path from the repository's root)...
    <!-- end generated -->

and the kinds are in KINDS. Outside the blocks (and code), a number with a
unit of measurement is a finding: `prose_numbers` finds them, so a measured
number typed by hand cannot hide in the prose.
"""

from __future__ import annotations

import json
import os
import re
import statistics
from dataclasses import dataclass
from typing import Callable

from echobench.rendering import chart_data, hostile_tables, report
from echobench.rendering.summary import summary_tables
from echobench.results.asio_pairs import pair_table, read_pairs_csv
from echobench.results.cases import group_cases
from echobench.results.results_csv import read_results

BLOCK = re.compile(r"<!-- generated: (?P<kind>[\w-]+) (?P<source>\S+) -->\n(?P<body>.*?)<!-- end generated -->",
                   re.S)


class BlockError(ValueError):
    """A block that cannot be made: unknown kind, missing source."""


def _claims(root: str, source: str) -> dict:
    with open(os.path.join(root, source, "claims.json"), encoding="utf-8") as handle:
        return json.load(handle)


def decision_table(root: str, source: str) -> str:
    document = _claims(root, source)
    return "\n".join([report.conditions_line(document.get("context", {})), "",
                      report.decision_table(document["claims"])])


def verdicts(root: str, source: str) -> str:
    return "\n".join(report.claim_line(c) for c in _claims(root, source)["claims"])


def method(root: str, source: str) -> str:
    """The rule's margins and interval, as claims.json states them."""
    rule = _claims(root, source)["method"]
    lines = [f"- Interval: {rule['interval']}.",
             f"- winner: {rule['winner_rule']}; equivalent: {rule['equivalent_rule']}; "
             f"can't tell: {rule['inconclusive_rule']}.",
             f"- Margin used for a pair: {rule['margin_rule']}.",
             f"- Client-bound: at {float(rule['client_bound_at']):.0%} of the load generator's CPUs; "
             f"{rule['client_bound_rule']}. Server-saturated: at {float(rule['server_saturated_at']):.0%} "
             "of the server's CPUs.", "",
             "| metric | margin | floor | why |", "|---|---:|---:|---|"]
    for metric, policy in rule["margins"].items():
        lines.append(f"| `{metric}` | {policy['margin']:.0%} | {policy['floor']:g} | {policy['why']} |")
    return "\n".join(lines)


def tables(root: str, source: str) -> str:
    """Every scenario's table of a run (a results directory's latest.csv, or
    a results CSV named outright), one heading level under a section."""
    path = os.path.join(root, source)
    rows = read_results(path if path.endswith(".csv") else os.path.join(path, "latest.csv"))
    return re.sub(r"^### ", "#### ", summary_tables(rows), flags=re.M).rstrip()


def _use_run_order(directory: str) -> None:
    """Models in the run's own order (its latest.json's context), where the
    results directory has one."""
    context_path = os.path.join(directory, "latest.json")
    if os.path.exists(context_path):
        with open(context_path, encoding="utf-8") as handle:
            chart_data.use_model_order(json.load(handle).get("context", {}))


def model_costs(root: str, source: str) -> str:
    """Per model, what it costs the machine: threads and processes with the
    most connections of the throughput case, memory per idle connection,
    server CPU per message at the fixed rate, and the ramp-up to open the
    most connections."""
    rows = [r for r in read_results(os.path.join(root, source, "latest.csv")) if not r.get("error")]
    cases = group_cases(rows)

    def median_of(scenario: str, pick: str, metric: str) -> dict[str, float]:
        chosen = [r for r in rows if r["scenario"] == scenario and r["protocol"] == "tcp"
                  and isinstance(r.get(metric), (int, float))]
        if not chosen:
            return {}
        target = max(r[pick] for r in chosen)
        values: dict[str, list[float]] = {}
        for r in chosen:
            if r[pick] == target:
                values.setdefault(r["model"], []).append(r[metric])
        return {m: statistics.median(v) for m, v in values.items()}

    columns = [("threads at most conns", median_of("throughput", "conns", "server_threads"), "{:,.0f}"),
               ("processes at most conns", median_of("throughput", "conns", "server_processes"), "{:,.0f}"),
               ("KiB per idle connection", median_of("idle-scale", "conns", "pss_per_conn_kib"), "{:,.2f}"),
               ("server µs per message (fixed rate)", median_of("latency", "rate_msgs_per_s",
                                                                "server_cpu_us_per_msg"), "{:,.1f}"),
               ("ramp-up s at most conns", median_of("throughput", "conns", "ramp_up_s"), "{:,.3f}")]
    columns = [c for c in columns if c[1]]
    _use_run_order(os.path.join(root, source))
    models = chart_data.model_order({c.model for c in cases.values()} & set().union(*(c[1] for c in columns)))
    lines = ["| model | " + " | ".join(c[0] for c in columns) + " |", "|---|" + "---:|" * len(columns)]
    for model in models:
        cells = [fmt.format(values[model]) if model in values else "" for _, values, fmt in columns]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def hostile(root: str, source: str) -> str:
    """The hostile and restart tables (hostile_tables.py) of a results
    directory's latest.csv, or of a results CSV named outright."""
    path = os.path.join(root, source)
    csv_path = path if path.endswith(".csv") else os.path.join(path, "latest.csv")
    _use_run_order(os.path.dirname(csv_path))
    rows = read_results(csv_path)
    return "\n\n".join(t for t in (hostile_tables.hostile_tables(rows), hostile_tables.restart_table(rows)) if t)


def asio_pairs(root: str, source: str) -> str:
    """tools/compare-asio-examples' table, from the CSV it wrote."""
    return pair_table(read_pairs_csv(os.path.join(root, source)))


def include(root: str, source: str) -> str:
    """A results file as it is, without its first heading."""
    with open(os.path.join(root, source), encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    if lines and lines[0].startswith("#"):
        lines = lines[1:]
    return "\n".join(lines).strip()


KINDS: dict[str, Callable[[str, str], str]] = {
    "decision-table": decision_table, "verdicts": verdicts, "method": method, "tables": tables,
    "model-costs": model_costs, "include": include, "hostile": hostile,
    "asio-pairs": asio_pairs,
}


@dataclass
class Difference:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def regenerate(text: str, root: str) -> str:
    """`text` with every block's body made afresh from its source."""
    def body(match: re.Match) -> str:
        kind, source = match["kind"], match["source"]
        if kind not in KINDS:
            raise BlockError(f"unknown block kind '{kind}' (known: {', '.join(sorted(KINDS))})")
        try:
            made = KINDS[kind](root, source)
        except (OSError, KeyError, StopIteration, json.JSONDecodeError, ValueError) as error:
            raise BlockError(f"block '{kind} {source}': {error}") from error
        return f"<!-- generated: {kind} {source} -->\n{made.rstrip()}\n<!-- end generated -->"
    return BLOCK.sub(body, text)


def differences(path: str, text: str, fresh: str) -> list[Difference]:
    """Where a file's blocks differ from their sources: the first differing
    line of each block."""
    found = []
    old_blocks, new_blocks = list(BLOCK.finditer(text)), list(BLOCK.finditer(fresh))
    for old, new in zip(old_blocks, new_blocks):
        if old["body"] == new["body"]:
            continue
        start = text.count("\n", 0, old.start("body")) + 1
        old_lines, new_lines = old["body"].splitlines(), new["body"].splitlines()
        offset = next((i for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b),
                      min(len(old_lines), len(new_lines)))
        wanted = new_lines[offset] if offset < len(new_lines) else "(nothing)"
        found.append(Difference(path, start + offset, f"generated block '{old['kind']} {old['source']}' differs "
                                f"from what {old['source']} gives: expected {wanted!r}"))
    return found


# A number with a unit of measurement, or a ratio like "1.38×".
MEASURED = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?\s?(?:µs|ms|ns|s\b|KiB|MiB|GiB|MB|GB|kB|msgs/s|"
                      r"connections/s|%|×|x\b|k\b|minutes?\b|seconds?\b)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
LINK_TARGET = re.compile(r"\]\([^)]*\)")


def prose_numbers(path: str, text: str) -> list[Difference]:
    """Numbers with units outside generated blocks, code and link targets."""
    def blank(match: re.Match) -> str:  # keeps line numbers
        return re.sub(r"[^\n]", " ", match.group(0))
    stripped = LINK_TARGET.sub(blank, CODE.sub(blank, BLOCK.sub(blank, text)))
    stripped = re.sub(r"<!--.*?-->", blank, stripped, flags=re.S)
    found = []
    for match in MEASURED.finditer(stripped):
        line = stripped.count("\n", 0, match.start()) + 1
        found.append(Difference(path, line, f"a measured-looking number outside a generated block: "
                                f"{match.group(0)!r}"))
    return found


def documents(root: str) -> list[str]:
    """README.md and every Markdown file under docs/, from the root."""
    paths = ["README.md"]
    for directory, _, names in os.walk(os.path.join(root, "docs")):
        paths += [os.path.relpath(os.path.join(directory, n), root) for n in sorted(names) if n.endswith(".md")]
    return sorted(p for p in paths if os.path.exists(os.path.join(root, p)))
