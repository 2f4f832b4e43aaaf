# SPDX-License-Identifier: GPL-2.0-or-later
"""The nightly hardware-in-the-loop suite (farm test), one pytest run per slot.

Each suite is a directory of pytest modules next to this file: uboot/
(what a board can be tested for at its U-Boot prompt) today, linux/ later.
farm.testrun runs a suite once per slot, in parallel processes, through
labgrid's pytest plugin with a labgrid environment generated from
chassis.yaml (farm.hil.env); conftest.py here holds the fixtures every
suite shares.
"""

from __future__ import annotations

from pathlib import Path

HIL_DIR = Path(__file__).resolve().parent
# the slots whose locks farm test holds while their suites run (comma-separated):
# conftest.py does not take those itself
LOCKED_ENV = "FARM_TEST_LOCKED"


def suites() -> list[str]:
    """The suites that have tests (a directory here with test_*.py files)."""
    return sorted(d.name for d in HIL_DIR.iterdir()
                  if d.is_dir() and any(d.glob("test_*.py")))
