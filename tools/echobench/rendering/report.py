"""The Markdown report: the claims ("which model when", each a winner only
where the data support it), the method footnote, failed cases, charts and a
table per scenario."""

from __future__ import annotations

import os
from typing import Any

from echobench.rendering import hostile_tables, summary
from echobench.rendering.claims import MIN_REPETITIONS
from echobench.results import cases
from echobench.cli import output_file
from echobench.results.cases import CLIENT_BOUND_AT


def _number(value: float, unit: str = "") -> str:
    text = f"{value:,.2f}" if value < 10 else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    return f"{text} {unit}".rstrip()


def _interval(claim: dict[str, Any]) -> str:
    low, high = claim["ratio_ci95"]
    top = "∞" if high is None else f"{high:.2f}"
    return f"{low:.2f}–{top}, {claim['interval_coverage']:.1%} interval"


def _ranked(claim: dict[str, Any]) -> tuple[dict[str, float], str]:
    """The numbers the verdict ranked, and their unit."""
    if claim.get("ranked_medians"):
        return claim["ranked_medians"], claim.get("ranked_unit", "")
    return claim.get("medians", {}), claim.get("unit", "")


def _margin(claim: dict[str, Any]) -> str:
    """The margin in the words that explain it: a percentage, or the
    metric's absolute floor where that is the larger."""
    if claim.get("margin_from") == "floor":
        _, unit = _ranked(claim)
        return f"{claim['floor']:g} {unit} (the floor)"
    return f"{claim['margin']:.0%}"


def verdict_sentence(claim: dict[str, Any]) -> str:
    """The verdict in plain words, with the numbers behind it."""
    verdict = claim["verdict"]
    if verdict == "client-bound":
        return (f"not ranked: the load generator was the bottleneck for {', '.join(claim['client_bound'])}, "
                "and the server's CPU per message was not measured for every model")
    medians, unit = _ranked(claim)
    leader, runner_up = claim["leader"], claim["runner_up"]
    if verdict == "winner":
        text = (f"**{leader}** ({_number(medians[leader], unit)}) beats {runner_up} "
                f"({_number(medians[runner_up], unit)}) by {claim['ratio']:.2f}× ({_interval(claim)}, "
                f"all of it above the {_margin(claim)} margin)")
    elif verdict == "equivalent":
        names = ", ".join(f"{m} ({_number(medians[m], unit)})" for m in claim["equivalent"])
        text = (f"equivalent within {_margin(claim)}: {names}; {leader} over {runner_up} is {claim['ratio']:.2f}× "
                f"({_interval(claim)})")
    else:
        text = (f"can't tell: {leader} ({_number(medians[leader], unit)}) leads {runner_up} "
                f"({_number(medians[runner_up], unit)}) by {claim['ratio']:.2f}×, but the interval "
                f"({_interval(claim)}) reaches past both a {_margin(claim)} lead and equality")
    if claim.get("beaten") and verdict != "winner":
        text += f"; {leader} does beat {', '.join(claim['beaten'])} by more than the margin"
    elif len(claim.get("beaten", [])) > 1:
        text += f"; it also beats {', '.join(m for m in claim['beaten'] if m != runner_up)}"
    if claim.get("lower_bounds"):
        text += (f". The load generator limited {', '.join(claim['lower_bounds'])} (‡): their numbers are "
                 "lower bounds of the servers' own, so no lead over them and no equivalence with them is claimed")
    elif claim.get("client_bound") and claim.get("metric_ranked") != claim["metric"]:
        text += (f". Ranked by the server's CPU per message, because the load generator limited "
                 f"{', '.join(claim['client_bound'])} (‡): their msgs/s is the client's limit, the CPU each "
                 "message cost the server is the server's own")
    elif claim.get("client_bound"):
        text += (f". The load generator was busy to its limit for {', '.join(claim['client_bound'])} (‡); "
                 "what is ranked is the server's own cost")
    return text


def chart_note(claim: dict[str, Any]) -> str:
    """The verdict in a chart's corner: a few words and the interval."""
    verdict = claim["verdict"]
    if verdict == "client-bound":
        return "not ranked: client-bound"
    low, high = claim["ratio_ci95"]
    interval = f"{low:.2f}–{'∞' if high is None else f'{high:.2f}'}"
    ranked = " (by server CPU per message ‡)" if claim.get("metric_ranked", claim["metric"]) != claim["metric"] else ""
    if verdict == "winner":
        return (f"winner{ranked}: {claim['winner']}, {claim['ratio']:.2f}× {claim['runner_up']} "
                f"(interval {interval})")
    if verdict == "equivalent":
        return f"equivalent within {_margin(claim)}{ranked}: {', '.join(claim['equivalent'])}"
    return (f"can't tell{ranked}: {claim['leader']} leads {claim['runner_up']} {claim['ratio']:.2f}×, "
            f"interval {interval}")


def claim_line(claim: dict[str, Any]) -> str:
    where = f"`{claim['case']}`, {claim['repetitions']} repetitions"
    if claim["verdict"] == "no-data":
        short = ", ".join(claim.get("too_few_repetitions", [])) or "none"
        return (f"- **{claim['question']}:** no data: fewer than two models with {MIN_REPETITIONS} or more "
                f"successful repetitions (short: {short}).")
    return f"- **{claim['question']}:** {verdict_sentence(claim)}. [{where}]"


def conditions_line(context: dict[str, Any]) -> str:
    """The run's conditions, said once: what every verdict holds for."""
    def cpus(key: str) -> str:
        listed = str(context.get(key, ""))
        return f"{cases.cpu_count(listed)} CPU" if listed else "unpinned CPUs"
    return (f"Conditions of every verdict: the server on {cpus('server_cpus')}, the load generator on "
            f"{cpus('client_cpus')}, "
            f"{context.get('server_threads', '?')} server thread(s) where a model has that knob, loopback "
            f"(no network card), {context.get('repetitions', '?')} repetitions. On a machine with more cores "
            "the multi-threaded and multi-process models can use them and the single-threaded event loops "
            "cannot without one loop per core, so rankings that hinge on one core's capacity may change; "
            "rerun `tools/run --server-cpus=LIST` there.")


SHORT_VERDICT = {"winner": "winner", "equivalent": "equivalent", "inconclusive": "can't tell",
                 "client-bound": "not ranked"}


def decision_table(claims: list[dict[str, Any]]) -> str:
    """One row per question: the load, the verdict, the numbers behind it."""
    lines = ["| load | verdict | numbers behind it | clearly behind the leader | compared at |",
             "|---|---|---|---|---|"]
    for claim in claims:
        if claim["verdict"] == "no-data":
            continue
        verdict = SHORT_VERDICT[claim["verdict"]]
        if claim["verdict"] == "winner":
            verdict = f"**{claim['winner']}**"
        elif claim["verdict"] == "equivalent":
            verdict = f"equivalent within {_margin(claim)}: {', '.join(claim['equivalent'])}"
        elif claim["verdict"] == "inconclusive":
            verdict = f"can't tell ({claim['leader']} leads)"
        if claim.get("client_bound"):
            verdict += " ‡"
        numbers, behind = "not ranked", ""
        if claim["verdict"] != "client-bound":
            medians, unit = _ranked(claim)
            numbers = (f"{claim['leader']} {_number(medians[claim['leader']], unit)}, {claim['runner_up']} "
                       f"{_number(medians[claim['runner_up']], unit)}; ratio {claim['ratio']:.2f} "
                       f"({_interval(claim)})")
            behind = ", ".join(m for m in claim.get("beaten", []) if m != claim.get("winner")) or "none"
        lines.append(f"| {claim.get('load', claim['id'])} | {verdict} | {numbers} | {behind} | `{claim['case']}` |")
    if any(c.get("client_bound") for c in claims):
        lines.append("")
        lines.append("‡ the load generator was the bottleneck for some models: a throughput question then ranks "
                     "the server's CPU per message at that load; a question about the server's CPU ranks it as "
                     "it is; capacity counts their numbers as lower bounds only.")
    return "\n".join(lines)


ORDER_WORDS = {"random": "in random interleaved order",
               "rotated": "in rotated rounds (each round measures every case once, side by side)"}


def method_lines(context: dict[str, Any]) -> list[str]:
    lines = [f"Server CPUs `{context.get('server_cpus', '?')}`, load-generator CPUs "
             f"`{context.get('client_cpus', '?')}` (pinning: {context.get('pinning', '?')}); "
             f"{context.get('server_threads', '?')} thread(s) for every model with a thread knob, "
             f"{context.get('client_threads', '?')} load thread(s); {context.get('repetitions', '?')} repetitions "
             f"per case {ORDER_WORDS.get(context.get('order', 'random'), 'in random interleaved order')}; "
             f"SLO p99 ≤ {context.get('slo_p99_us', '?')} µs; "
             f"client-bound at {float(context.get('client_bound_at', CLIENT_BOUND_AT)):.0%} of the load generator's CPUs.", "",
             "Each model's effective arguments:", ""]
    for key in sorted(k for k in context if k.startswith("server_args:")):
        lines.append(f"- {key.split(':', 1)[1]}: `{context[key]}`")
    return lines


def timeseries_lines(runs) -> list[str]:
    """What the time-series chart shows, and which runs failed."""
    if not runs:
        return []
    lines = ["", "## Over time", "",
             "One run per model with `tools/timeseries` (open loop, no warm-up, short intervals), so "
             "warm-up and stalls show; the chart is `timeseries.svg`, the data `timeseries/MODEL.json` "
             "(echo-load's `intervals[]`) and `timeseries/MODEL.hlog` (HdrHistogram interval logs).", ""]
    for run in runs:
        if run.error:
            lines.append(f"- {run.model}: **failed**, not drawn: {run.error}")
        else:
            p99 = [i["p99_us"] for i in run.intervals]
            lines.append(f"- {run.model}: {len(run.intervals)} intervals; p99 per interval from "
                         f"{min(p99):,.0f} to {max(p99):,.0f} µs")
    return lines


def write_report(rows: list[dict[str, Any]], charts: list[str], out_dir: str, source: str, footnote: str,
                 claims: list[dict[str, Any]], context: dict[str, Any], runs=()) -> str:
    lines = ["# echo-models: latest results", "",
             f"Generated by `tools/plot {source}` from the CSV that the README's first command writes; "
             "do not edit by hand. A verdict is `winner` when the interval of the ratio to the runner-up lies "
             "above 1 + margin, `equivalent` when it lies within the margin both ways, and `can't tell` "
             "otherwise (docs/method.md); the same verdicts are in `claims.json`.", "",
             f"_{footnote}_", "", "## Which model when", "", conditions_line(context), ""]
    if any(c["verdict"] != "no-data" for c in claims):
        lines += [decision_table(claims), "", "In words:", ""]
    if claims:
        lines += [claim_line(c) for c in claims]
    else:
        lines += ["(not enough scenarios in this CSV to compare)"]
    reference = [m for m in str(context.get("reference_models", "")).split(",") if m]
    if reference:
        lines += ["", f"Reference rows, in the tables but in no claim: {', '.join(reference)} (the tutorial's "
                  "Python servers, `echo-bench --python-servers`)."]
    lines += ["", "## How it was measured", ""] + method_lines(context)
    failed = sorted({(r["name"], r["error"]) for r in rows if r.get("error")})
    if failed:
        lines += ["", "## Failed cases (not in any claim)", ""]
        lines += [f"- `{name}`: {error}" for name, error in failed]
    lines += timeseries_lines(runs)
    lines += ["", "## Charts", ""]
    for chart in charts:
        if chart.endswith(".svg"):
            name = os.path.basename(chart)
            lines.append(f"![{name[:-4].replace('_', ' ')}]({name})")
            lines.append("")
    lines += ["## Tables", "", summary.summary_tables(rows, float(context.get("client_bound_at", CLIENT_BOUND_AT)))]
    hostile, restart = hostile_tables.hostile_tables(rows), hostile_tables.restart_table(rows)
    if hostile:
        lines += ["", "### Clients that misbehave", "",
                  "The good load (closed loop) measured alone and then beside the bad clients on one server; "
                  "ratios are to itself alone. `MODEL+defended` runs with `--idle-timeout` and "
                  "`--write-timeout`, measured once the server has closed the bad clients it will.", "", hostile]
    if restart:
        lines += ["", "### Restarts", "", restart]
    path = os.path.join(out_dir, "README.md")
    with output_file(path) as out:
        out.write("\n".join(lines).rstrip() + "\n")
    return path
