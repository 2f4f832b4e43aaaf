# SPDX-License-Identifier: GPL-2.0-or-later
"""U-Boot sandbox boards in a running chassis, as pcinet-sim runs them.

The safety promise: a simulated board reaches nothing but its simulated
backplane. Its device tree has no raw-socket bus, so `net list` shows the
PCINet device alone, and it runs inside the chassis' own network namespace.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pcinet_sim import netns
from pcinet_sim.paths import REPO

from simhelpers import HostConsole, RunningChassis

UBOOT = REPO / "build" / "u-boot-sandbox" / "u-boot"
BOARD = REPO / "sim" / "board" / "uboot-board.sh"
SLOTS = 3

pytestmark = pytest.mark.skipif(not UBOOT.exists(),
                                reason=f"{UBOOT} is not built (make uboot)")


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningChassis]:
    rc = RunningChassis(tmp_path_factory.mktemp("uboot") / "chassis", SLOTS)
    rc.up("--board", str(BOARD), "--boot-timeout", "30")
    try:
        yield rc
        rc.assert_no_violations()
    finally:
        rc.down()


def board_command(crate: RunningChassis, slot: int, command: str) -> str:
    """One command at a board's prompt, through its PCINet console."""
    con = HostConsole(crate.open(), slot)
    try:
        con.send(b"\r")
        con.quiet()
        return con.command(command).decode(errors="replace")
    finally:
        con.close()


def test_each_board_sees_only_its_pcinet_device(crate: RunningChassis) -> None:
    for slot in range(1, SLOTS + 1):
        devices = board_command(crate, slot, "net list")
        found = re.findall(r"^eth\d+ : (\S+) (\S+)", devices, re.MULTILINE)
        assert found == [("pcinet-ethernet", f"02:50:43:49:00:{slot:02x}")], devices
        assert "host_" not in devices, devices


def test_boards_run_in_the_chassis_namespace(crate: RunningChassis) -> None:
    ns_inode = os.stat(Path(netns.NETNS_DIR) / netns.name_for(crate.dir)).st_ino
    own_inode = os.stat("/proc/self/ns/net").st_ino
    for slot, pid in crate.pids().items():
        board_ns = os.stat(f"/proc/{pid}/ns/net").st_ino
        assert board_ns == ns_inode, f"slot {slot}: board {pid} is outside the chassis netns"
        assert board_ns != own_inode


def test_version_on_every_board(crate: RunningChassis) -> None:
    for slot in range(1, SLOTS + 1):
        assert "U-Boot 2023.01" in board_command(crate, slot, "version")
