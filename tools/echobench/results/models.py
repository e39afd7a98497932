"""The model list, read from the one place it lives: `echo-server
--list-models` (servers/common/model_catalog.cpp). Python tools ask the
binary they are about to drive, so a model added there is benchmarked and
gated without touching them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Model:
    name: str
    # tcp, udp, concurrent, threads, processes, process-per-connection,
    # workers, offload, limit-backlog, limit-close
    traits: frozenset[str]

    def has(self, trait: str) -> bool:
        return trait in self.traits


def list_models(echo_server: str) -> list[Model]:
    """Every model of this echo-server, in its --help order. Raises
    RuntimeError when the binary cannot list them (too old, or missing)."""
    try:
        done = subprocess.run([echo_server, "--list-models"], capture_output=True, text=True, timeout=30,
                              check=False)
    except OSError as error:
        raise RuntimeError(f"{echo_server}: {error}") from error
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"{echo_server} --list-models failed ({done.returncode}): {done.stderr.strip()}")
    models = []
    for line in done.stdout.splitlines():
        words = line.split()
        if words:
            models.append(Model(words[0], frozenset(words[1:])))
    return models
