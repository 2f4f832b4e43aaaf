# SPDX-License-Identifier: GPL-2.0-or-later
"""Board RAM: U-Boot's own memory test, and a random pattern copied and compared.

Both work above the board type's load address, where U-Boot leaves RAM to
images, 1 MiB at a time.
"""

from __future__ import annotations

import re

from farm.config import BoardType
from farm.labgrid_parts import UBootShell

SIZE = 1 << 20


def test_mtest(uboot: UBootShell, board_type: BoardType) -> None:
    """mtest: each pattern written and read back over the range, no errors."""
    start = board_type.load_addr
    out = uboot.check(f"mtest {start:x} {start + SIZE:x} 0 4")
    text = "\n".join(out)
    m = re.search(r"Tested (\d+) iteration\(s\) with (\d+) errors", text)
    assert m, f"no mtest result in {text!r}"
    assert (int(m.group(1)), int(m.group(2))) == (4, 0), text


def test_random_pattern_copy(uboot: UBootShell, board_type: BoardType) -> None:
    """A random fill, copied elsewhere: cmp finds every byte the same, and the
    CRC32 of both copies agrees (a stuck or aliased address line does not)."""
    a = board_type.load_addr
    b = a + 4 * SIZE
    out = uboot.check(f"random {a:x} {SIZE:x} {(a >> 12) ^ 0x5eed:x}")
    assert f"{SIZE} bytes filled with random data" in "\n".join(out), out
    uboot.check(f"cp.b {a:x} {b:x} {SIZE:x}")
    out = uboot.check(f"cmp.b {a:x} {b:x} {SIZE:x}")
    assert f"Total of {SIZE} byte(s) were the same" in "\n".join(out), out
    assert uboot.crc32(a, SIZE) == uboot.crc32(b, SIZE)
