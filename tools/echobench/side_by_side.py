"""The pieces of tools/side-by-side that need no running server: entrants,
loads, the failure check, and the tables (tested in tests/test_side_by_side)."""

from __future__ import annotations

import shlex
import statistics
from dataclasses import dataclass

from .pinning import pinned
from .processes import Server, free_port
from .uncertainty import median_interval


@dataclass
class Entrant:
    name: str
    argv: list[str]  # with "{port}" where the port goes
    ready_line: bool  # echo-server prints one; outside servers are polled

    def start(self, cpus: list[int], wrapper: list[str] | None = None, netns: str | None = None) -> Server:
        """Starts it pinned to `cpus`, under `wrapper` (valgrind), in network
        namespace `netns` if given (tools/netns-lab's)."""
        port = free_port()
        argv = [a.replace("{port}", str(port)) for a in self.argv]
        enter = ["ip", "netns", "exec", netns] if netns else []
        return Server.start(pinned(cpus, enter + (wrapper or []) + argv), port=None if self.ready_line else port)


def parse_entrant(spec: str, build: str, host: str = "127.0.0.1") -> Entrant:
    """MODEL [OPTIONS] (echo-server, listening on `host`) or NAME=COMMAND."""
    head = spec.split(" ", 1)[0]
    if "=" in head:
        name, command = spec.split("=", 1)
        return Entrant(name, shlex.split(command.replace("{build}", build)), False)
    words = shlex.split(spec)
    return Entrant(" ".join(words), [f"{build}/servers/echo-server", "--model", words[0], "--host", host,
                                     "--port", "{port}"] + words[1:], True)


def check(result: dict, what: str) -> None:
    """A run with any failure is an error, never a number."""
    problems = {k: result.get(k, 0) for k in ("errors", "mismatches", "unanswered", "lost", "not_sent")}
    if result.get("exit_code", 0) != 0 or any(problems.values()):
        raise RuntimeError(f"{what}: echo-load exit {result.get('exit_code')}, {problems}: "
                           f"{result.get('stderr', '')}")


def ratio_cell(values: list[float]) -> str:
    low, high = median_interval(values)
    verdict = "tie" if low <= 1 <= high else ("higher" if low > 1 else "lower")
    return f"{statistics.median(values):.2f} ({low:.2f}–{high:.2f}, {verdict})"


CLIENT_BOUND_AT = 0.9  # echo-load's share of its CPUs at which it, not the server, set the pace


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


def report(rows: list[dict], entrants: list[Entrant], baseline: str, loads, reps: int) -> str:
    """The Markdown tables of a run: ratios per load, then the profiles."""
    lines = [f"Ratios are to {baseline}, median over {reps} repetitions (95% bootstrap interval, "
             "verdict). Server CPU ratio: the baseline's µs/msg over the entrant's (above 1: cheaper). "
             f"‡: echo-load used {CLIENT_BOUND_AT:.0%} or more of its CPUs, so the throughput is the "
             "client's limit and only the server's CPU per message compares the servers.", "",
             "| conns | size | entrant | msgs/s | throughput ratio | server µs/msg | server CPU ratio "
             "| p99 µs | client CPU busy |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for connections, size in loads:
        case = [r for r in rows if r["connections"] == connections and r["size"] == size and "msgs_per_s" in r]
        base = {r["rep"]: r for r in case if r["entrant"] == baseline}
        for entrant in entrants:
            own = [r for r in case if r["entrant"] == entrant.name]
            tput = [r["msgs_per_s"] / base[r["rep"]]["msgs_per_s"] for r in own]
            cost = [base[r["rep"]]["server_cpu_us_per_msg"] / r["server_cpu_us_per_msg"] for r in own]
            same = entrant.name == baseline
            busy = statistics.median(r["client_busy"] for r in own)
            mark = " ‡" if busy >= CLIENT_BOUND_AT else ""
            lines.append(f"| {connections} | {size} | {entrant.name} "
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
