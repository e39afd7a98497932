"""The Debian packages a comparison script needs beyond the main job's
(tools/lib/deps.sh installs those): installed here when run as root, or
named with the exact command otherwise. What installs them is this script,
so the main job never has to."""

from __future__ import annotations

import os
import subprocess
import sys


def missing(packages: list[str]) -> list[str]:
    def installed(package: str) -> bool:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True,
                              check=False)
        return done.stdout.strip() == "install ok installed"
    return [p for p in packages if not installed(p)]


def ensure(packages: list[str], build: str, program: str) -> None:
    """Installs what is missing; then, since a new package can add targets
    (Asio's examples, the io_uring client), reconfigures and rebuilds
    `build` (the release preset's directory) before the script uses it."""
    needed = missing(packages)
    if not needed:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *needed]
    if os.geteuid() != 0:
        sys.exit(f"{program}: missing Debian packages. As root, run:\n  apt-get update && {' '.join(command)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for step in (["apt-get", "update", "-q"], command):
        if subprocess.run(step, env=env, stdout=sys.stderr, check=False).returncode != 0:
            sys.exit(f"{program}: failed: {' '.join(step)}")
    if os.path.normpath(build) == os.path.normpath("build/release"):
        for step in (["cmake", "--preset", "release"], ["cmake", "--build", "--preset", "release"]):
            if subprocess.run(step, stdout=sys.stderr, check=False).returncode != 0:
                sys.exit(f"{program}: failed: {' '.join(step)}")
