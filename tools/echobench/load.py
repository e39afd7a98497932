"""Runs echo-load and returns its JSON result as a dict."""

from __future__ import annotations

import json
import subprocess


def run_echo_load(echo_load: str, port: int, connections: int, size: int, duration_s: float,
                  warmup_s: float = 0.5, extra: list[str] | None = None,
                  prefix: list[str] | None = None) -> dict:
    """`prefix` goes before the command (for example taskset's)."""
    argv = (prefix or []) + [echo_load, "--port", str(port), "--connections", str(connections), "--size", str(size),
            "--duration", str(duration_s), "--warmup", str(warmup_s), "--format", "json",
            "--interval", "0"] + (extra or [])
    done = subprocess.run(argv, capture_output=True, text=True,
                          timeout=duration_s + warmup_s + 60, check=False)
    if not done.stdout.strip():
        raise RuntimeError(f"echo-load failed ({done.returncode}): {done.stderr.strip()}")
    result = json.loads(done.stdout)
    result["exit_code"] = done.returncode
    result["stderr"] = done.stderr.strip()
    return result
