"""The Python end of echo-bench-agent (bench/remote/agent_protocol.hpp): for a tool
that measures a client echo-bench does not have, the agent starts, pins and
measures the server exactly as echo-bench does, so no Python code starts a
server or reads its /proc. Only the answers such a tool needs are read:
ready, cpu-split, the CPU of usage, stopped. tests/test_load_generators runs
it against the real agent."""

from __future__ import annotations

import os
import subprocess

from echobench.cli import Unusable


class Agent:
    """One server under echo-bench-agent, pinned where echo-bench would pin it."""

    def __init__(self, build: str, server_argv: list[str]):
        binary = os.path.join(build, "bench", "echo-bench-agent")
        if not os.access(binary, os.X_OK):
            raise Unusable(f"{binary} is not built (run cmake --build --preset release)")
        self._agent = subprocess.Popen([binary, "--cpus", "split", "--", *server_argv], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True)
        ready = self._answer("its start", "ready")
        self.port = int(ready[0])

    def _answer(self, request: str, kind: str) -> list[str]:
        line = self._agent.stdout.readline().rstrip("\n")
        words = line.split(" ")
        if words[0] != kind:
            self.close()
            raise RuntimeError(f"echo-bench-agent answered {line!r} to {request}")
        return words[1:]

    def request(self, line: str, kind: str) -> list[str]:
        self._agent.stdin.write(line + "\n")
        self._agent.stdin.flush()
        return self._answer(line, kind)

    def client_cpus(self) -> str:
        """The CPUs echo-bench gives the load generator here ("0", "0-1")."""
        return self.request("cpu-split", "cpu-split")[1]

    def server_cpu_s(self) -> float:
        """The server's CPU time so far (its cgroup's, to the nanosecond, where it has one)."""
        return float(self.request("sample", "usage")[0])

    def stop(self) -> None:
        """SIGTERM; RuntimeError unless the server exits with status 0."""
        status = self.request("stop", "stopped")
        self.close()
        if status[0] != "0":
            raise RuntimeError(f"the server ended with status {status[0]}: {' '.join(status[1:])}")

    def close(self) -> None:
        """End of input: the agent stops whatever it still runs and exits."""
        if self._agent.stdin and not self._agent.stdin.closed:
            self._agent.stdin.close()
        self._agent.wait(timeout=60)
        self._agent.stdout.close()
