"""The performance-regression gate: build two revisions side by side, run the
gated cases on both in interleaved pairs, and decide with echobench.stats.

The design is for shared, noisy 2-core runners, where numbers from another
machine or from the previous run alone are either blind or flaky:
- both builds run in the same job, so machine differences cancel;
- runs alternate (the order within each pair rotates), with a fresh server
  process per case and run, so slow drifts hit both sides alike;
- the test is on paired log-ratios, so a pair shares its moment's noise;
- an A/A control (base against itself) measures this run's noise: when it
  alone moves more than the threshold, nothing can be concluded;
- two stages: a case whose first pairs look worse (p < 0.10 and beyond the
  threshold) gets twice as many pairs again, and the verdict is taken on all
  its pairs pooled (p < 0.01 and beyond the threshold). A regression is therefore
  always decided at alpha = 0.01 on twice the pairs; the screen only chooses
  which cases earn the extra pairs.
"""

from __future__ import annotations

import dataclasses
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from echobench.statistics import stats
from echobench.results.gbench import BenchJsonError, case_name, judged, load_runs
from echobench.results.models import Model, list_models

def gated_cases(models: list[Model]) -> list[str]:
    """The gated cases for a build's models (see echobench.models): every
    concurrent model's 16-connection throughput, plus one case each for what
    only some models do: bulk messages, one client at a time, UDP, and a
    process per connection under churn. About 1 minute per case on 2 cores."""
    cases = [case_name("throughput", m.name, 16, 64) for m in models if m.has("concurrent")]
    cases += [case_name("throughput", m.name, 16, 16384) for m in models if m.name == "asio-coroutine"]
    cases += [case_name("throughput", m.name, 1, 64) for m in models if not m.has("concurrent")]
    udp = [m for m in models if m.has("udp") and m.has("concurrent")]
    cases += [case_name("throughput", m.name, 16, 64, "udp") for m in udp[:1]]
    cases += [case_name("churn", m.name, 4, 64) for m in models if m.has("process-per-connection")]
    return cases


# (counter, higher is better)
ECHO_METRICS = [("msgs_per_s", True), ("server_cpu_us_per_msg", False)]


class GateError(RuntimeError):
    """Usage or build problem: exit status 2."""


@dataclass
class Settings:
    pairs: int = 8
    alpha: float = 0.01
    # First stage: a case this suspicious is measured again (see
    # second_stage). 0.10, not 0.05: in the qualification a slowdown the
    # gate measured at +10.9% screened at p = 0.055 on 8 pairs and was never
    # measured again. A looser screen costs pairs, not false alarms.
    screen_alpha: float = 0.10
    threshold: float = 0.05
    duration_s: float = 1.0
    warmup_s: float = 0.3
    cases: list[str] = field(default_factory=list)  # empty: gated_cases() of the candidate
    time_budget_s: float = 0  # 0 = none
    candidate_server_args: str = ""  # only for qualification (injected slowdown)
    # Per-case override of candidate_server_args (a slowdown sized per case).
    candidate_args_by_case: dict[str, str] = field(default_factory=dict)


def metrics_for(runs: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """echo-bench's counters, or what any Google Benchmark JSON has."""
    present = set().union(*(r.keys() for r in runs)) if runs else set()
    if "msgs_per_s" in present:
        return [m for m in ECHO_METRICS if m[0] in present]
    if "items_per_second" in present:
        return [("items_per_second", True)]
    return [("real_time", False)]


def verdict_rows(base: dict[str, list[dict[str, Any]]], candidate: dict[str, list[dict[str, Any]]],
                 settings: Settings) -> list[dict[str, Any]]:
    """One row per case and metric. `base`/`candidate` map case -> runs, in
    pairing order."""
    rows = []
    for case in base:
        broken = broken_candidate(base[case], candidate.get(case, []))
        if broken:
            rows.append({"case": case, "metric": "-", "base": 0.0, "candidate": 0.0,
                         "verdict": stats.Verdict(0, 0.0, (0.0, 0.0), 1.0, "broken", broken)})
            continue
        runs = [r for r in base[case] + candidate.get(case, []) if judged(r)]
        for metric, higher in metrics_for(runs):
            # Pair first (the i-th base run with the i-th candidate run, as
            # they were measured), then drop every pair with an error or a
            # missing value on either side: one failed run never shifts the
            # pairing of the runs after it.
            pairs = [(x.get(metric), y.get(metric)) for x, y in zip(base[case], candidate.get(case, []))
                     if judged(x) and judged(y)]
            pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
            b = [x for x, _ in pairs]
            c = [y for _, y in pairs]
            differences = stats.log_ratios(b, c, higher)
            verdict = stats.decide(differences, settings.alpha, settings.threshold)
            rows.append({"case": case, "metric": metric, "base": median_or_zero(b), "candidate": median_or_zero(c),
                         "verdict": verdict})
    return rows


def broken_candidate(base_runs: list[dict[str, Any]], candidate_runs: list[dict[str, Any]]) -> str:
    """Why the candidate cannot be compared on a case at all ("" if it can):
    missing, every run failed, or a run that "succeeded" with zero or NaN
    throughput. Each is a failure of the candidate, never a pass."""
    if not candidate_runs:
        return "missing from the candidate's results"
    good = [r for r in candidate_runs if judged(r)]
    if not good:
        errors = [r["error"] for r in candidate_runs if r["error"]]
        return (f"every candidate run failed: {errors[0]}" if errors else
                "every candidate run was disturbed (other processes on its CPUs)")
    for metric, _ in metrics_for([r for r in base_runs if judged(r)] or good):
        for run in good:
            value = run.get(metric)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                return f"a candidate run reported {metric} = {value!r}"
    return ""


def median_or_zero(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def markdown_table(rows: list[dict[str, Any]], title: str) -> str:
    lines = [f"### {title}", "",
             "| case | metric | pairs | base | candidate | change | 95% interval | p | verdict |",
             "|---|---|---:|---:|---:|---:|---|---:|---|"]
    for row in rows:
        v: stats.Verdict = row["verdict"]
        low, high = v.interval
        verdict = v.verdict + (f" ({v.reason})" if v.reason else "")
        lines.append(f"| {row['case']} | {row['metric']} | {v.pairs} | {row['base']:,.2f} | {row['candidate']:,.2f} | "
                     f"{v.median_change:+.1%} | [{low:+.1%}, {high:+.1%}] | {v.p_value:.4f} | {verdict} |")
    return "\n".join(lines) + "\n"


def group_by_case(runs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for run in sorted(runs, key=lambda r: r["repetition"]):
        grouped.setdefault(run["name"], []).append(run)
    return grouped


# --- running builds ---------------------------------------------------------

def sh(argv: list[str], cwd: str | None = None, quiet: bool = True) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=quiet, text=True, check=False)
    if done.returncode != 0:
        output = (done.stderr or "") + (done.stdout or "") if quiet else ""
        raise GateError(f"{' '.join(argv)} failed ({done.returncode}) {output[-2000:]}")
    return done.stdout or ""


def build_revision(repo: str, revision: str | None, work_dir: str) -> str:
    """Builds echo-bench and echo-server for `revision` (None: the working
    tree) in release; returns the echo-bench path."""
    if revision is None:
        # Its own build directory: configuring build/release with tests off
        # would change the developer's own build.
        source, build = repo, os.path.join(work_dir, "working-tree")
    else:
        commit = sh(["git", "rev-parse", "--verify", revision + "^{commit}"], cwd=repo).strip()
        source = os.path.join(work_dir, "src-" + commit[:12])
        if not os.path.isdir(source):
            sh(["git", "worktree", "add", "--detach", source, commit], cwd=repo)
        build = os.path.join(source, "build", "gate")
    sh(["cmake", "-S", source, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DECHO_BUILD_TESTS=OFF"])
    sh(["cmake", "--build", build, "-j2", "--target", "echo-bench", "echo-server"])
    bench = os.path.join(build, "bench", "echo-bench")
    if not os.path.exists(bench):
        raise GateError(f"revision {revision or 'working tree'} has no echo-bench")
    return bench


def takes_repetitions(bench: str) -> bool:
    """echo-bench repeats every case by itself since --repetitions existed;
    an older base revision's does not know the flag (and runs each once)."""
    done = subprocess.run([bench, "--help"], capture_output=True, text=True, check=False)
    return "--repetitions" in done.stdout


def run_bench(bench: str, cases: list[str], settings: Settings, extra_server_args: str = "") -> list[dict[str, Any]]:
    """One run of every case in `cases` on one build; returns its runs."""
    pattern = "^(" + "|".join(c.replace(".", "\\.") for c in cases) + ")(/|$)"
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    argv = [bench, "--matrix=default", f"--benchmark_filter={pattern}", f"--duration={settings.duration_s}",
            f"--warmup={settings.warmup_s}", f"--benchmark_out={path}", "--benchmark_out_format=json"]
    if takes_repetitions(bench):  # one run per call: the gate does its own pairing
        argv.append("--repetitions=1")
    # Where the server and the load run is echo-bench's own choice (its
    # default split), the same for both builds.
    if extra_server_args:
        argv.append(f"--server-extra-args={extra_server_args}")
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    try:
        runs, _ = load_runs(path)
    except BenchJsonError as error:
        # echo-bench died before finishing its JSON: every case of this call
        # failed, with the reason; the pairing drops them like any failed run.
        why = (f"echo-bench exited with status {done.returncode} and unreadable JSON ({error}); "
               f"stderr: {done.stderr[-500:].strip()}")
        print(f"gate: {why}", file=sys.stderr)
        runs = [{"name": case, "repetition": 0, "error": why} for case in cases]
    finally:
        os.unlink(path)
    return runs


def interleaved_pairs(base_bench: str, candidate_bench: str, cases: list[str], settings: Settings,
                      log=print, deadline: float = 0) -> tuple[dict, dict, dict]:
    """Runs A, B and A' (the A/A control) per pair, rotating their order.
    Returns case -> runs for base, candidate and control."""
    base: dict[str, list] = {c: [] for c in cases}
    candidate: dict[str, list] = {c: [] for c in cases}
    control: dict[str, list] = {c: [] for c in cases}
    # Cases grouped by the extra server arguments each side gives them: one
    # echo-bench run per group.
    plain = {"": cases}
    injected: dict[str, list[str]] = {}
    for case in cases:
        injected.setdefault(settings.candidate_args_by_case.get(case, settings.candidate_server_args), []).append(case)
    sides = [("A", base_bench, base, plain), ("B", candidate_bench, candidate, injected),
             ("A'", base_bench, control, plain)]
    for pair in range(settings.pairs):
        if deadline and time.monotonic() > deadline:
            log(f"gate: time budget used up after {pair} pairs")
            break
        order = sides[pair % 3:] + sides[:pair % 3]
        for _, bench, into, groups in order:
            for extra, group in groups.items():
                for run in run_bench(bench, group, settings, extra):
                    if run["name"] in into:
                        into[run["name"]].append(run)
        log(f"gate: pair {pair + 1}/{settings.pairs} done ({'-'.join(s[0] for s in order)})")
    return base, candidate, control


def second_stage(base: dict, candidate: dict, rows: list[dict[str, Any]], settings: Settings,
                 measure_again) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Measures the suspicious cases again (`measure_again(cases)` returns
    their new base and candidate runs) and decides them on all their pairs
    pooled. Returns (final rows, the first-stage rows of the cases measured
    again).

    Screening at screen_alpha and deciding on the pooled pairs at alpha
    detects far more than asking a re-run to reach alpha again on its own
    pairs (that squares the miss rate: with the pinned harness it detected a
    10% slowdown in only 6 of 10 gate runs). It adds no false alarms: every
    regression still needs p < alpha on the pooled pairs, and the screen
    only chooses which cases earn the extra pairs."""
    flagged = sorted({r["case"] for r in rows if suspicious(r["verdict"], settings)})
    if not flagged:
        return rows, []
    b2, c2 = measure_again(flagged)
    pooled = verdict_rows({c: base[c] + b2.get(c, []) for c in flagged},
                          {c: candidate[c] + c2.get(c, []) for c in flagged}, settings)
    by_key = {(r["case"], r["metric"]): r for r in pooled}
    return [by_key.get((r["case"], r["metric"]), r) for r in rows], [r for r in rows if r["case"] in flagged]


def suspicious(verdict: stats.Verdict, settings: Settings) -> bool:
    """Worth a second stage: worse beyond the threshold at the screening
    level. Every row that is a regression at alpha is also suspicious."""
    return verdict.p_value < settings.screen_alpha and verdict.median_change > settings.threshold


def overall(rows: list[dict[str, Any]], control_rows: list[dict[str, Any]], threshold: float,
            confirmed: bool = True) -> tuple[str, str]:
    """The run's verdict. `confirmed`: flagged cases were measured again
    (tools/gate); not so for --compare, which only has the two files."""
    broken = [r for r in rows if r["verdict"].verdict == "broken"]
    if broken:
        return "broken", f"{broken[0]['case']}: {broken[0]['verdict'].reason}"
    # Each case has its own A/A control. A case whose control moved past the
    # threshold can conclude nothing, but it does not void a regression that
    # another, quiet case shows (in the qualification, one noisy case made a
    # clear +13% regression elsewhere "inconclusive").
    noisy = [r for r in control_rows if abs(r["verdict"].median_change) > threshold]
    noisy_cases = {r["case"] for r in noisy}
    if any(r["verdict"].verdict == "regression" and r["case"] not in noisy_cases for r in rows):
        return "regression", ("significant and beyond the threshold on the first and second stages pooled"
                              if confirmed else "significant and beyond the threshold")
    if noisy:
        worst = max(noisy, key=lambda r: abs(r["verdict"].median_change))
        return "inconclusive", (f"the A/A control moved {worst['verdict'].median_change:+.1%} on "
                                f"{worst['case']} ({worst['metric']}), more than the {threshold:.0%} threshold")
    if any(r["verdict"].verdict == "inconclusive" for r in rows):
        return "inconclusive", "too few pairs to decide"
    return "pass", ""


EXIT_CODES = {"pass": 0, "regression": 1, "broken": 1, "inconclusive": 3}


def run_gate(repo: str, base_rev: str, candidate_rev: str | None, settings: Settings,
             log=print) -> tuple[str, str, list[dict[str, Any]]]:
    """Returns (verdict, markdown report, verdict rows)."""
    started = time.monotonic()
    work_dir = os.path.join(repo, "build", "gate")
    os.makedirs(work_dir, exist_ok=True)
    log(f"gate: building base {base_rev} and candidate {candidate_rev or 'working tree'}")
    base_bench = build_revision(repo, base_rev, work_dir)
    candidate_bench = build_revision(repo, candidate_rev, work_dir)
    if not settings.cases:
        server = os.path.join(os.path.dirname(os.path.dirname(candidate_bench)), "servers", "echo-server")
        try:
            settings.cases = gated_cases(list_models(server))
        except RuntimeError as error:
            raise GateError(f"cannot list the candidate's models: {error}") from error
    # The budget is for measuring: a slow build must not eat the pairs.
    deadline = time.monotonic() + settings.time_budget_s if settings.time_budget_s else 0

    base, candidate, control = interleaved_pairs(base_bench, candidate_bench, settings.cases, settings, log, deadline)
    rows = verdict_rows(base, candidate, settings)
    control_rows = verdict_rows(base, control, settings)

    def measure_again(cases: list[str]) -> tuple[dict, dict]:
        log(f"gate: {len(cases)} case(s) look worse, measuring them again: {', '.join(cases)}")
        # Twice the first stage's pairs: p < 0.01 on 3x the pairs, so that a
        # real slowdown near the threshold is not lost to one noisy pair (in
        # the qualification, pooled p was 0.012 and 0.014 on 16 pairs).
        more = dataclasses.replace(settings, pairs=2 * settings.pairs)
        b2, c2, _ = interleaved_pairs(base_bench, candidate_bench, cases, more, log)
        return b2, c2

    rows, screened_rows = second_stage(base, candidate, rows, settings, measure_again)
    verdict, why = overall(rows, control_rows, settings.threshold)
    report = [f"## Performance gate: {verdict.upper()}" + (f" ({why})" if why else ""), "",
              f"Base `{base_rev}`, candidate `{candidate_rev or 'working tree'}`; {settings.pairs} interleaved "
              f"pairs per case, one-sided Wilcoxon signed-rank on paired log-ratios. A case with p < "
              f"{settings.screen_alpha} and a median more than {settings.threshold:.0%} worse gets "
              f"{settings.pairs} more pairs; regression when all its pairs together give p < {settings.alpha} "
              f"and a median more than {settings.threshold:.0%} worse; {time.monotonic() - started:.0f} s.", "",
              markdown_table(rows, "Candidate against base"),
              markdown_table(control_rows, "A/A control (base against itself)")]
    if screened_rows:
        report.append(markdown_table(screened_rows, "First stage of the cases measured again (their rows above "
                                     "pool both stages)"))
    return verdict, "\n".join(report), rows


def compare_files(base_path: str, candidate_path: str, settings: Settings) -> tuple[str, str]:
    """The statistics alone, on two Google Benchmark JSON files with
    repetitions (paired by repetition_index)."""
    base_runs, _ = load_runs(base_path)
    candidate_runs, _ = load_runs(candidate_path)
    base, candidate = group_by_case(base_runs), group_by_case(candidate_runs)
    extra = sorted(set(candidate) - set(base))
    if not set(base) & set(candidate):
        raise GateError(f"{base_path} and {candidate_path} have no benchmark in common")
    rows = verdict_rows(base, candidate, settings)  # a case missing from the candidate is broken
    verdict, why = overall(rows, [], settings.threshold, confirmed=False)
    report = [f"## Performance comparison: {verdict.upper()}" + (f" ({why})" if why else ""), "",
              markdown_table(rows, f"{candidate_path} against {base_path}")]
    if extra:
        report.append("Only in the candidate (not compared): " + ", ".join(extra))
    return verdict, "\n".join(report)
