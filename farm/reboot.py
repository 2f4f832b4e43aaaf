# SPDX-License-Identifier: GPL-2.0-or-later
"""farm reboot: reset slots through the host, wait for each U-Boot prompt.

One process per slot (farm.parallel); each builds its slot's labgrid
target from chassis.yaml and lets its PCINetStrategy reset the board
through the host and catch U-Boot at its prompt, then asks U-Boot for its
version as proof of life.
"""

from __future__ import annotations

from pathlib import Path

from .config import Chassis
from .crate import ensure_sim_up, pick_slots, result_table, slot_list
from .logdir import DEFAULT
from .parallel import Progress, no_progress, run_per_slot
from .results import SlotResult, crashed, summary
from .session import SlotSession
from .slotlock import SlotBusy


def command(ch: Chassis, slots: list[int], every: bool, log_dir: Path | None) -> int:
    """farm reboot SLOT... | --all [--log-dir D]; its exit code."""
    picked = pick_slots(ch, slots, every)
    ensure_sim_up(ch)
    log_dir = log_dir or DEFAULT
    print(f"farm reboot: {slot_list(picked)}", flush=True)
    return result_table(ch, "reboot", reboot(ch.file, picked, log_dir), log_dir)


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
