# SPDX-License-Identifier: GPL-2.0-or-later
"""The board answers at its prompt with a U-Boot version."""

from __future__ import annotations

import re
from collections.abc import Callable

from farm.labgrid_parts import UBootShell


def test_version(uboot: UBootShell, record_property: Callable[[str, object], None]) -> None:
    out = uboot.check("version")
    version = next((line for line in out if re.match(r"U-Boot \d{4}\.\d{2}", line)), None)
    assert version, f"no U-Boot version line in {out!r}"
    record_property("uboot_version", version)
