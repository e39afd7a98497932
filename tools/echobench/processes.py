"""Servers as separate processes: start, wait until ready, account CPU, stop.

Every server runs in a process group of its own (a new session), so stopping
it ends exactly what we started, forked children included, and its CPU can be
summed over the whole group.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

READY_LINE = re.compile(r"^listening on (\S+):(\d+)")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


LISTEN = "0A"  # the TCP state in /proc/net/tcp's st column


def listening_ports() -> set[int]:
    """Local ports in the LISTEN state, IPv4 and IPv6 (from /proc/net/tcp*)."""
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as lines:
                next(lines)  # the header
                for line in lines:
                    fields = line.split()
                    if len(fields) > 3 and fields[3] == LISTEN:
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            continue
    return ports


def wait_until_listening(port: int, timeout_s: float = 10.0) -> None:
    """For servers without a ready line: poll until something listens on
    `port`. It looks in /proc/net/tcp rather than connecting, because a probe
    connection that closes without a byte is itself a test some servers fail
    (frevib's io_uring echo server then hands one receive buffer to two
    connections, and echoes corrupt data from then on)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if port in listening_ports():
            return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listened on port {port} within {timeout_s} s")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            text = stat.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def group_members(pgid: int) -> list[int]:
    """PIDs of every live process in process group `pgid`."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields and int(fields[2]) == pgid:
                members.append(int(entry))
    return members


def group_cpu_seconds(pgid: int) -> float:
    """User+system CPU of a process group: its live members plus the children
    they have already reaped (cutime/cstime), so forked children that came
    and went are counted too. /proc/PID/stat rounds each process down to
    whole 10 ms ticks, which loses most of the time of hundreds of small
    forked children. schedstat counts in nanoseconds but only for the leader
    thread, missing threads that have exited. Each process therefore counts
    the larger of the two: exact for single-threaded children, complete
    (within one tick) for threaded servers."""
    total = 0.0
    for pid in group_members(pgid):
        fields = _stat_fields(pid)
        if not fields:
            continue
        reaped = (int(fields[13]) + int(fields[14])) / CLOCK_TICKS
        own = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # complete, tick-rounded
        try:
            with open(f"/proc/{pid}/schedstat", encoding="ascii") as schedstat:
                own = max(own, int(schedstat.read().split()[0]) / 1e9)  # precise, leader thread only
        except (OSError, ValueError, IndexError):
            pass
        total += own + reaped
    return total


@dataclass
class Server:
    """A running server process (and its group)."""

    argv: list[str]
    port: int = 0
    process: subprocess.Popen | None = field(default=None, repr=False)

    @classmethod
    def start(cls, argv: list[str], port: int | None = None, timeout_s: float = 10.0) -> "Server":
        """Starts `argv`. With `port` None the server must print the ready
        line (echo-server does); otherwise we wait until `port` listens."""
        process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        server = cls(argv, port or 0, process)
        try:
            if port is None:
                line = process.stdout.readline() if process.stdout else ""
                match = READY_LINE.match(line)
                if not match:
                    raise RuntimeError(f"{argv[0]} printed no ready line (got {line!r})")
                server.port = int(match.group(2))
            else:
                wait_until_listening(port, timeout_s)
        except Exception:
            server.stop()
            raise
        return server

    @property
    def pgid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        return group_cpu_seconds(self.pgid)

    def stop(self, grace_s: float = 3.0) -> int | None:
        """SIGTERM to the group, SIGKILL after `grace_s`; returns the leader's
        exit status (negative: killed by that signal)."""
        if self.process is None:
            return None
        try:
            os.killpg(self.pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            status = self.process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.pgid, signal.SIGKILL)
            status = self.process.wait()
        # Children the leader did not take down with it (Asio's examples
        # do not): end whatever is left of the group we made.
        if group_members(self.pgid):
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process.stdout:
            self.process.stdout.close()
        self.process = None
        return status
