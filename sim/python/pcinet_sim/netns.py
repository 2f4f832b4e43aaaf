# SPDX-License-Identifier: GPL-2.0-or-later
"""The chassis' own network namespace.

Simulated boards run inside it, so nothing a board sends can reach the
machine's real network. Its name is derived from the chassis directory, so a
later ``pcinet-sim down`` finds it even if the supervisor is gone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

NETNS_DIR = Path("/run/netns")


def name_for(directory: Path) -> str:
    digest = hashlib.sha1(str(directory.resolve()).encode()).hexdigest()[:8]
    return f"pcinet-{digest}"


def available() -> bool:
    """Namespaces need root and iproute2."""
    return os.geteuid() == 0 and shutil.which("ip") is not None


def exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def _ip(*args: str) -> None:
    res = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {res.stderr.strip() or res.returncode}")


def create(name: str) -> None:
    if exists(name):
        raise FileExistsError(f"network namespace {name} already exists "
                              "(a chassis that was not taken down? run 'pcinet-sim down')")
    _ip("netns", "add", name)
    _ip("-n", name, "link", "set", "lo", "up")


def delete(name: str) -> None:
    if exists(name):
        _ip("netns", "delete", name)
