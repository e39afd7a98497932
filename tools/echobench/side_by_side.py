"""tools/side-by-side's pieces: entrants as echo-bench arguments, its runs as
rows, the profiles' counts, and the tables (tested in tests/test_side_by_side).
echo-bench starts, pins and measures every server; nothing here runs one."""

from __future__ import annotations

import re
import shlex
import statistics
from dataclasses import dataclass, field

from echobench.results.gbench import judged
from echobench.statistics.uncertainty import paired_ratio_interval


@dataclass
class Entrant:
    name: str  # one word: the entrant in echo-bench's case names
    label: str  # as given on the command line: what the tables show
    bench_args: list[str] = field(default_factory=list)  # --variant or --server-cmd; none for a model
    echo_server: bool = True  # exits cleanly on SIGTERM, so callgrind writes its counts


def parse_entrant(spec: str, build: str) -> Entrant:
    """MODEL [OPTIONS] (echo-server; --udp is the run's, not the entrant's)
    or NAME=COMMAND (an outside server; {port} and {build} in COMMAND)."""
    head = spec.split(" ", 1)[0]
    if "=" in head:
        name, command = spec.split("=", 1)
        return Entrant(name, name, ["--server-cmd", f"{name}={command.replace('{build}', build)}"], False)
    words = shlex.split(spec)
    model, options = words[0], [w for w in words[1:] if w != "--udp"]
    if not options:
        return Entrant(model, " ".join(words))
    name = "+".join([model] + [w.lstrip("-") for w in options])
    return Entrant(name, " ".join(words), ["--variant", f"{name}={model} {shlex.join(options)}"])


def parse_loads(text: str) -> list[tuple[int, int]]:
    """"100:64,1000:64" -> [(100, 64), (1000, 64)]; ValueError naming the bad item."""
    loads = []
    for item in text.split(","):
        try:
            connections, size = (int(part) for part in item.split(":"))
        except ValueError:
            raise ValueError(f"bad load {item!r} (expected CONNECTIONS:SIZE)") from None
        if connections < 1 or size < 1:
            raise ValueError(f"bad load {item!r} (both must be positive)")
        loads.append((connections, size))
    return loads


def throughput_rows(runs: list[dict], entrants: list[Entrant]) -> list[dict]:
    """echo-bench's runs of the throughput cases as the tool's rows (the
    disturbed ones kept, marked, and left out of the tables)."""
    label = {e.name: e.label for e in entrants}
    return [{"entrant": label[r["model"]], "connections": r["conns"], "size": r["size"], "rep": r["repetition"],
             "msgs_per_s": r.get("msgs_per_s"), "p99_us": r.get("p99_us"),
             "server_cpu_us_per_msg": r.get("server_cpu_us_per_msg"), "client_busy": r.get("client_cpu_util"),
             "disturbed": r.get("disturbed", 0), "error": r.get("error", "")}
            for r in runs if r["model"] in label and r["scenario"] == "throughput"]


def perf_counts(text: str) -> dict[str, int]:
    """perf stat -x, output: event name -> count."""
    counts = {}
    for line in text.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[0].strip().isdigit():
            counts[fields[2]] = int(fields[0])
    return counts


def callgrind_total(text: str) -> int:
    """The instructions a callgrind.out file counts; ValueError without one."""
    totals = re.search(r"^(?:totals|summary):\s+(\d+)", text, re.MULTILINE)
    if not totals:
        raise ValueError("callgrind wrote no totals")
    return int(totals.group(1))


def per_message(short: tuple[float, float], long: tuple[float, float]) -> float:
    """(count, messages) of a short and a long run of the same server: the
    count per message of the difference, so start-up and the ramp-up (the
    same in both) do not count."""
    return (long[0] - short[0]) / (long[1] - short[1])


def ratio_cell(values: list[float]) -> str:
    """The median of the per-round ratios with their signed-rank interval
    (the rounds are paired: one rotated run); "can't tell" when it holds 1."""
    _, low, high, _ = paired_ratio_interval(values, [1.0] * len(values))
    verdict = "can't tell" if low <= 1 <= high else ("higher" if low > 1 else "lower")
    top = "∞" if high == float("inf") else f"{high:.2f}"
    return f"{statistics.median(values):.2f} ({low:.2f}–{top}, {verdict})"


def report(rows: list[dict], entrants: list[Entrant], baseline: str, loads, reps: int,
           client_bound_at: float) -> str:
    """The Markdown tables of a run: ratios per load, then the profiles.
    `client_bound_at` is echo-bench's (its JSON context)."""
    lines = [f"Ratios are to {baseline}, median over {reps} repetitions in rotated order (the signed-rank "
             "interval of the per-round ratios, verdict); a disturbed repetition (echo-bench's mark) is left out. Server CPU ratio: "
             "the baseline's µs/msg over the entrant's (above 1: cheaper). "
             f"‡: echo-load used {client_bound_at:.0%} or more of its CPUs, so the throughput is the "
             "client's limit and only the server's CPU per message compares the servers.", "",
             "| conns | size | entrant | msgs/s | throughput ratio | server µs/msg | server CPU ratio "
             "| p99 µs | client CPU busy |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for connections, size in loads:
        case = [r for r in rows if r["connections"] == connections and r["size"] == size
                and "msgs_per_s" in r and judged(r)]
        base = {r["rep"]: r for r in case if r["entrant"] == baseline}
        for entrant in entrants:
            own = [r for r in case if r["entrant"] == entrant.label and r["rep"] in base]
            if not own:
                lines.append(f"| {connections} | {size} | {entrant.label} | no undisturbed pair | | | | | |")
                continue
            tput = [r["msgs_per_s"] / base[r["rep"]]["msgs_per_s"] for r in own]
            cost = [base[r["rep"]]["server_cpu_us_per_msg"] / r["server_cpu_us_per_msg"] for r in own]
            same = entrant.label == baseline
            busy = statistics.median(r["client_busy"] for r in own)
            mark = " ‡" if busy >= client_bound_at else ""
            lines.append(f"| {connections} | {size} | {entrant.label} "
                         f"| {statistics.median(r['msgs_per_s'] for r in own):,.0f}{mark} "
                         f"| {'baseline' if same else ratio_cell(tput)} "
                         f"| {statistics.median(r['server_cpu_us_per_msg'] for r in own):.2f} "
                         f"| {'baseline' if same else ratio_cell(cost)} "
                         f"| {statistics.median(r['p99_us'] for r in own):,.0f} "
                         f"| {busy:.0%} |")
    profiles = [r for r in rows if "syscalls_per_msg" in r or "instructions_per_msg" in r]
    if profiles:
        lines += ["", "| conns | size | entrant | system calls / msg | context switches / msg "
                  "| user instructions / msg |", "|---:|---:|---|---:|---:|---:|"]

        def cell(row: dict, key: str, form: str) -> str:
            return format(row[key], form) if key in row else "–"

        for r in profiles:
            lines.append(f"| {r['connections']} | {r['size']} | {r['entrant']} "
                         f"| {cell(r, 'syscalls_per_msg', '.2f')} | {cell(r, 'switches_per_msg', '.3f')} "
                         f"| {cell(r, 'instructions_per_msg', ',.0f')} |")
    return "\n".join(lines) + "\n"
