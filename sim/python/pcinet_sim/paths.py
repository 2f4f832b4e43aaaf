# SPDX-License-Identifier: GPL-2.0-or-later
"""Where the built pieces of the simulated chassis are.

The package is installed editable from the repository, so the library and
the board program are found in the repository's build directory unless the
environment says otherwise (PCINET_SIM_LIB, PCINET_SIM_BOARD).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def include_dir() -> Path:
    return Path(os.environ.get("PCINET_INCLUDE", REPO / "include"))


def library() -> Path:
    return Path(os.environ.get("PCINET_SIM_LIB", REPO / "build" / "sim" / "libpcinetsim.so"))


def board_program() -> Path:
    return Path(os.environ.get("PCINET_SIM_BOARD", REPO / "build" / "sim" / "pcinet-sim-board"))


def default_runtime_dir() -> Path:
    """/run/pcinet-sim as root (tmpfs, like the memory it models), else per user."""
    if "PCINET_SIM_DIR" in os.environ:
        return Path(os.environ["PCINET_SIM_DIR"])
    if os.geteuid() == 0:
        return Path("/run/pcinet-sim")
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return Path(runtime) / "pcinet-sim" if runtime else Path(f"/tmp/pcinet-sim-{os.getuid()}")
