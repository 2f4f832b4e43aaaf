# SPDX-License-Identifier: GPL-2.0-or-later
"""The registers-valid handshake, seen from the host: not valid at the
prompt, valid while a network command runs (here: a TFTP transfer), not
valid again once it is over and U-Boot has stopped its network.

The proof is the host daemon's own count of attaches (registers became
valid, the host took the link) and detaches (they went invalid again),
which no transition escapes. The timeline of the transitions, polled
through HandshakeWatch, goes into the JUnit file as a property: on a busy
host a poll can miss a short transfer's valid window, so it is a record,
not the proof.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from farm.config import BoardType, Chassis
from farm.handshake import HandshakeWatch
from farm.hostctl import host_request
from farm.labgrid_parts import UBootShell
from farm.staging import Image


def _status(control: Path, slot: int) -> dict[str, Any]:
    row = host_request(control, f"status {slot}")["slot"]
    assert isinstance(row, dict)
    return row


def test_registers_valid_during_a_net_command(
        uboot_net: UBootShell, hil_image: Image, board_type: BoardType, chassis: Chassis,
        control: Path, slot: int, record_property: Callable[[str, object], None]) -> None:
    before = _status(control, slot)
    assert not before["registers_valid"], "registers valid at the prompt, before any net command"
    with HandshakeWatch(control, slot) as watch:
        while not watch.events:  # its first poll: it sees the transfer from the start
            time.sleep(0.005)
        uboot_net.check(f"tftpboot {board_type.load_addr:x} {hil_image.name}",
                        chassis.timeouts.transfer)
        deadline = time.monotonic() + chassis.timeouts.registers_valid
        after = _status(control, slot)
        while after["registers_valid"] and time.monotonic() < deadline:
            time.sleep(0.05)
            after = _status(control, slot)
    timeline = "; ".join(watch.lines())
    record_property("handshake", timeline)
    attached = int(after["attaches"]) - int(before["attaches"])
    detached = int(after["detaches"]) - int(before["detaches"])
    record_property("host_attaches", attached)
    assert attached >= 1, f"registers never valid during the transfer (seen: {timeline})"
    assert not after["registers_valid"], \
        f"registers still valid {chassis.timeouts.registers_valid:g} s after the transfer " \
        f"(seen: {timeline})"
    assert detached == attached, f"{attached} attaches but {detached} detaches"
