"""Where the server and the load generator run: disjoint CPU sets, as
echo-bench pins them, so the two never take turns on one core."""

from __future__ import annotations

import os


def cpu_split() -> tuple[list[int], list[int]]:
    """(server CPUs, client CPUs): the upper and lower half of the CPUs this
    process may use; with one CPU both get it."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return cpus, cpus
    half = len(cpus) // 2
    return cpus[len(cpus) - half:], cpus[:len(cpus) - half]


def pinned(cpus: list[int], argv: list[str]) -> list[str]:
    """`argv` run on `cpus` (through taskset, so its children inherit it)."""
    return ["taskset", "-c", ",".join(map(str, cpus))] + argv
