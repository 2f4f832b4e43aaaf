# SPDX-License-Identifier: GPL-2.0-or-later
"""The board's SPI flash, read only: the first MiBs (where the boot image
lives) read twice into RAM give the same bytes and the same CRC32. Nothing
is written: the flash holds what the board boots."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from farm.config import BoardType
from farm.labgrid_parts import UBootShell

SIZE = 4 << 20


def test_flash_readback(uboot: UBootShell, board_type: BoardType,
                        record_property: Callable[[str, object], None]) -> None:
    out, status = uboot.run("sf probe")
    if status != 0:
        pytest.skip("no SPI flash on this board: 'sf probe' failed: "
                    + " / ".join(line.strip() for line in out if line.strip()))
    text = "\n".join(out)
    m = re.search(r"total (\d+) (KiB|MiB)", text)
    assert m, f"sf probe: no flash size in {text!r}"
    total = int(m.group(1)) << (20 if m.group(2) == "MiB" else 10)
    size = min(SIZE, total)
    a = board_type.load_addr
    b = a + 2 * SIZE
    crcs = []
    for addr in (a, b):
        uboot.check(f"mw.b {addr:x} 0 {size:x}")
        uboot.check(f"sf read {addr:x} 0 {size:x}")
        crcs.append(uboot.crc32(addr, size))
    assert crcs[0] == crcs[1], f"two reads of the flash differ: CRC32 {crcs[0]:08x} {crcs[1]:08x}"
    out = uboot.check(f"cmp.b {a:x} {b:x} {size:x}")
    assert f"Total of {size} byte(s) were the same" in "\n".join(out), out
    record_property("flash", re.sub(r"^SF: ", "", text.strip()))
    record_property("flash_crc32", f"{crcs[0]:08x}")
