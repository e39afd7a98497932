"""The results pipeline, wired once: echo-bench's JSON in; the results CSVs,
the summary, the charts, the report and the claims out. tools/bench-report
and tools/plot are its two stages on their own; tools/run, tools/reproducibility,
.ci/run and the end-to-end test run it whole (tools/pipeline).

Exit statuses as every tool's (cli.py): 0, 1 when a case failed, 2 (raised
as Unusable) when an input cannot be used."""

from __future__ import annotations

import csv
import json
import os
import sys

from echobench.results import cases
from echobench.statistics import uncertainty
from echobench.rendering import chart_data, charts, claims, report, timeseries
from echobench.cli import FINDING, OK, Unusable, output_file
from echobench.results.gbench import BenchJsonError, columns_of, load_rows
from echobench.results.results_csv import ResultsCsvError, read_results, successful
from echobench.rendering.summary import summary_tables


def write_csv(path: str, rows: list[dict], columns: list[str]) -> None:
    with output_file(path, newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def tabulate(json_path: str, csv_path: str | None, cases_csv_path: str | None) -> int:
    """Stage 1 (tools/bench-report): the CSVs, and the summary on stdout."""
    try:
        rows, context = load_rows(json_path)
    except BenchJsonError as error:
        raise Unusable(str(error)) from error
    if not rows:
        raise Unusable(f"{json_path}: no benchmark results")
    chart_data.use_model_order(context)
    if csv_path:
        write_csv(csv_path, rows, columns_of(rows))
    client_bound_at = float(context.get("client_bound_at", cases.CLIENT_BOUND_AT))
    if cases_csv_path:
        per_case = cases.case_rows(cases.group_cases(rows), client_bound_at, server_cpu_count(context))
        write_csv(cases_csv_path, per_case, cases.case_columns(per_case))
    print(f"echo-bench results ({context.get('git_commit', '?')}, {context.get('cpu_model', '?')}, "
          f"{context.get('cores', '?')} cores, {context.get('date', '?')}):\n")
    print(f"server CPUs {context.get('server_cpus', '?')}, load-generator CPUs {context.get('client_cpus', '?')}, "
          f"{context.get('repetitions', '?')} repetitions; each cell: median ±half its 95% interval\n")
    print(summary_tables(rows, client_bound_at))
    disturbed = [r for r in rows if r.get("disturbed") and not r["error"]]
    if disturbed:
        print(f"note: {len(disturbed)} repetition(s) shared their CPUs with other processes even when run "
              "again (disturbed); they are left out of every median and verdict", file=sys.stderr)
    failed = [r for r in rows if r["error"]]
    for row in failed:
        print(f"error: {row['name']}: {row['error']}", file=sys.stderr)
    return FINDING if failed else OK


def server_cpu_count(context: dict) -> int:
    """The CPUs the servers ran on (all the machine's when unpinned)."""
    return cases.cpu_count(context.get("server_cpus", ""), int(context.get("cores", 0) or 0) or 1)


def read_context(json_path: str | None) -> dict:
    """The run's context from echo-bench's JSON; {} when there is none."""
    if not json_path or not os.path.exists(json_path):
        return {}
    try:
        with open(json_path, encoding="utf-8") as source:
            document = json.load(source)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Unusable(f"{json_path}: {error}") from error
    context = document.get("context", {}) if isinstance(document, dict) else {}
    return context if isinstance(context, dict) else {}


def footnote_from(context: dict, runs: str = "") -> str:
    """The line under every chart: what ran where, and what a point is.
    `runs` replaces the repetitions where a chart shows single runs."""
    if not runs:
        reps = context.get("repetitions", "?")
        coverage = ""
        if str(reps).isdigit() and int(reps) > 1:
            coverage = f" ({uncertainty.median_interval_with_coverage([0.0] * int(reps))[2]:.1%} coverage)"
        runs = f"points: median of {reps} repetitions, bars: its order-statistic interval{coverage}"
    return (f"echo-models {context.get('git_commit', '?')} · {context.get('cpu_model', '?')}, "
            f"{context.get('cores', '?')} cores · {context.get('kernel', '?')} · "
            f"{context.get('build_type', '?')} · matrix {context.get('matrix', '?')} · server CPUs "
            f"{context.get('server_cpus', '?')}, client CPUs {context.get('client_cpus', '?')} · "
            f"{runs} · {context.get('date', '?')}")


def draw(csv_path: str, out_dir: str, context: dict, timeseries_dir: str | None = None) -> list[str]:
    """Stage 2 (tools/plot): charts, report and claims from the results CSV,
    deterministically (the same CSV gives byte-identical files); the paths
    written."""
    try:
        all_rows = read_results(csv_path)
        runs = timeseries.read_runs(timeseries_dir) if timeseries_dir else []
    except (ResultsCsvError, timeseries.TimeseriesError) as error:
        raise Unusable(str(error)) from error
    rows = successful(all_rows)
    if not rows:
        disturbed = sum(1 for r in all_rows if r.get("disturbed"))
        why = f"every case failed or was disturbed ({disturbed} disturbed)" if disturbed else "every case failed"
        raise Unusable(f"{csv_path}: {why}; nothing to draw")
    footnote = footnote_from(context)
    chart_data.use_model_order(context)
    os.makedirs(out_dir, exist_ok=True)
    client_bound_at = float(context.get("client_bound_at", cases.CLIENT_BOUND_AT))
    reference = frozenset(m for m in str(context.get("reference_models", "")).split(",") if m)
    verdicts = claims.build_claims(cases.group_cases(all_rows), client_bound_at, reference,
                                   server_cpu_count(context), paired=claims.rotated(context))
    slo = context.get("slo_p99_us")
    written = charts.draw_all(rows, out_dir, footnote, verdicts, float(slo) if slo else None)
    single = footnote_from(context, "one run per model, no repetitions")
    try:
        written += charts.draw_timeseries(runs, out_dir, single, rows)
        written += charts.draw_spectrum(runs, out_dir, single, rows)
    except timeseries.TimeseriesError as error:
        raise Unusable(str(error)) from error
    charts.remove_stale(out_dir, written)
    claims_path = os.path.join(out_dir, "claims.json")
    claims.write_claims(verdicts, claims_path, context)
    written.append(report.write_report(all_rows, written, out_dir, csv_path, footnote, verdicts, context, runs))
    written.append(claims_path)
    return written


def run_pipeline(json_path: str, out_dir: str, timeseries_dir: str | None = None) -> int:
    """The whole pipeline: OUT/latest.csv and latest-cases.csv beside the
    JSON's stem, then the charts, report and claims in OUT. 1 when a case
    failed (the rest is still drawn from the cases that did not)."""
    stem = os.path.join(out_dir, os.path.splitext(os.path.basename(json_path))[0])
    os.makedirs(out_dir, exist_ok=True)
    status = tabulate(json_path, stem + ".csv", stem + "-cases.csv")
    draw(stem + ".csv", out_dir, read_context(json_path), timeseries_dir)
    return status
