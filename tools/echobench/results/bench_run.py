"""The one way a front end measures: one echo-bench run, its JSON read back
as rows (gbench.load_rows). echo-bench starts, pins, warms up and measures
every server; the front ends only choose the cases and render the rows."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

from echobench.cli import Unusable
from echobench.results.gbench import load_rows


@dataclass
class BenchRun:
    rows: list[dict[str, Any]]
    context: dict[str, Any]
    status: int  # echo-bench's: 0, or 1 when a case failed (rows say which)
    stderr: str

    def failures(self) -> list[str]:
        """echo-bench's own line for every failed case run."""
        return [line for line in self.stderr.splitlines() if line.startswith("echo-bench: FAILED ")]


def echo_bench(build: str, args: list[str], timeout_s: float | None = None) -> BenchRun:
    """Runs `build`/bench/echo-bench with `args`; Unusable when it could not
    run at all (bad usage, a missing build), never a row that looks clean."""
    binary = os.path.join(build, "bench", "echo-bench")
    if not os.access(binary, os.X_OK):
        raise Unusable(f"{binary} is not built (run cmake --build --preset release)")
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "bench.json")
        done = subprocess.run([binary, *args, f"--benchmark_out={out}", "--benchmark_out_format=json"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
                              timeout=timeout_s)
        if done.returncode not in (0, 1) or not os.path.exists(out):
            raise Unusable(f"echo-bench failed ({done.returncode}): {done.stderr.strip()[-800:]}")
        rows, context = load_rows(out)
    return BenchRun(rows, context, done.returncode, done.stderr)
