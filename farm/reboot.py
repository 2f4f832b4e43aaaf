# SPDX-License-Identifier: GPL-2.0-or-later
"""farm reboot: reset slots through the host, wait for each U-Boot prompt.

One process per slot (labgrid is not thread-safe); each builds its slot's
labgrid target from chassis.yaml, resets the board through the host and
lets labgrid's UBootDriver catch the autoboot and reach the prompt, then
asks U-Boot for its version as proof of life.
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SlotResult:
    slot: int
    ok: bool
    seconds: float
    detail: str  # the U-Boot version, or what went wrong


def reboot_one(chassis_file: Path, slot: int) -> SlotResult:
    # imported here: each worker process has its own labgrid
    from labgrid.driver import UBootDriver

    from .config import load
    from .labgrid_parts import PCINetResetDriver
    from .slotlock import SlotLock
    from .targets import slot_target

    t0 = time.monotonic()
    target = None
    try:
        ch = load(chassis_file)
        with SlotLock(ch.sim_dir, slot):
            target = slot_target(ch, slot)
            target.get_driver(PCINetResetDriver).reset()
            uboot = target.get_driver(UBootDriver)
            lines = uboot.run_check("version", timeout=int(ch.timeouts.command))
            version = next((line for line in lines if line.startswith("U-Boot")), "")
            if not version:
                raise RuntimeError(f"no version line in {lines!r}")
            return SlotResult(slot, True, time.monotonic() - t0, version)
    except Exception as e:  # reported per slot, never a traceback
        return SlotResult(slot, False, time.monotonic() - t0, f"{type(e).__name__}: {e}")
    finally:
        if target is not None:
            target.cleanup()


def reboot(chassis_file: Path, slots: list[int]) -> list[SlotResult]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes=len(slots)) as pool:
        jobs = [pool.apply_async(reboot_one, (chassis_file, n)) for n in slots]
        results = []
        for n, job in zip(slots, jobs, strict=True):
            r = job.get()
            print(f"slot {n:2}: {'back' if r.ok else 'FAILED'} in {r.seconds:.1f} s: {r.detail}",
                  flush=True)
            results.append(r)
    return results
