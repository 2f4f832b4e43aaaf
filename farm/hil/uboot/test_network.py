# SPDX-License-Identifier: GPL-2.0-or-later
"""The network over the backplane: the staged image by TFTP from the host,
its size and CRC32 as the host has them, and the throughput as a JUnit
property (throughput_MBps, measured from the host: command to prompt)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from farm.config import BoardType, Chassis
from farm.labgrid_parts import UBootShell
from farm.staging import Image


def test_tftp_size_crc32(uboot_net: UBootShell, hil_image: Image, board_type: BoardType,
                         chassis: Chassis,
                         record_property: Callable[[str, object], None]) -> None:
    addr = board_type.load_addr
    t0 = time.monotonic()
    out = uboot_net.check(f"tftpboot {addr:x} {hil_image.name}", chassis.timeouts.transfer)
    seconds = time.monotonic() - t0
    text = "\n".join(out)
    m = re.search(r"Bytes transferred = (\d+)", text)
    assert m, f"no transfer summary in {text!r}"
    assert int(m.group(1)) == hil_image.size, text
    assert int(uboot_net.env("filesize"), 16) == hil_image.size
    assert uboot_net.crc32(addr, hil_image.size) == hil_image.crc32, \
        f"CRC32 differs from the host's {hil_image.crc32:08x}"
    record_property("image_bytes", hil_image.size)
    record_property("tftp_seconds", round(seconds, 3))
    record_property("throughput_MBps", round(hil_image.size / seconds / 1e6, 2))
    rate = re.search(r"([\d.]+ [KM]iB/s)", text)
    if rate:
        record_property("uboot_rate", rate.group(1))
