# SPDX-License-Identifier: GPL-2.0-or-later
"""farm reboot: reset slots through the host, wait for each U-Boot prompt.

One process per slot (farm.parallel); each builds its slot's labgrid
target from chassis.yaml, resets the board through the host and lets
labgrid's UBootDriver catch the autoboot and reach the prompt, then asks
U-Boot for its version as proof of life.
"""

from __future__ import annotations

from pathlib import Path

from .parallel import Progress, no_progress, run_per_slot
from .session import SlotResult, SlotSession, crashed, summary
from .slotlock import SlotBusy


def reboot_one(slot: int, chassis_file: Path, log_dir: Path,
               progress: Progress = no_progress) -> SlotResult:
    try:
        with SlotSession(chassis_file, slot, "reboot", progress, log_dir) as s:
            s.reset_to_prompt()
            s.result.detail = s.version()
            s.result.ok = True
        return s.result
    except SlotBusy as e:
        return SlotResult(slot, False, "lock", str(e))


def reboot(chassis_file: Path, slots: list[int], log_dir: Path) -> list[SlotResult]:
    return run_per_slot(reboot_one, slots, (chassis_file, log_dir), crashed, summary)
