# SPDX-License-Identifier: GPL-2.0-or-later
"""Where the built pieces of the simulated chassis are.

The package is installed editable from the repository, so the library, the
board programs and the host daemon are found in the repository's build
directory unless the environment says otherwise (PCINET_SIM_LIB,
PCINET_SIM_BOARD, PCINET_UBOOT, PCINET_PCINETD).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def include_dir() -> Path:
    return Path(os.environ.get("PCINET_INCLUDE", REPO / "include"))


def library() -> Path:
    return Path(os.environ.get("PCINET_SIM_LIB", REPO / "build" / "sim" / "libpcinetsim.so"))


def board_program() -> Path:
    return Path(os.environ.get("PCINET_SIM_BOARD", REPO / "build" / "sim" / "pcinet-sim-board"))


def uboot_build() -> Path:
    """The U-Boot sandbox build uboot-board.sh runs (it reads PCINET_UBOOT too)."""
    return Path(os.environ.get("PCINET_UBOOT", REPO / "build" / "u-boot-sandbox"))


def uboot_board() -> Path:
    """The wrapper that runs U-Boot sandbox as a slot's board."""
    return REPO / "sim" / "board" / "uboot-board.sh"


def pcinetd_program() -> Path:
    """The host daemon (make host); PCINET_PCINETD may name another build (pcinetd-asan)."""
    return Path(os.environ.get("PCINET_PCINETD", REPO / "build" / "host" / "pcinetd"))


def atftpd_program() -> Path | None:
    """The TFTP server (Debian package atftpd), also where PATH lacks the sbin directories."""
    found = shutil.which("atftpd") or shutil.which("atftpd", path="/usr/sbin:/sbin")
    return Path(found) if found else None


def default_runtime_dir() -> Path:
    """/run/pcinet-sim as root (tmpfs, like the memory it models), else per user."""
    if "PCINET_SIM_DIR" in os.environ:
        return Path(os.environ["PCINET_SIM_DIR"])
    if os.geteuid() == 0:
        return Path("/run/pcinet-sim")
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return Path(runtime) / "pcinet-sim" if runtime else Path(f"/tmp/pcinet-sim-{os.getuid()}")
