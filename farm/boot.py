# SPDX-License-Identifier: GPL-2.0-or-later
"""farm boot: reset a slot, catch U-Boot, tftp its images over the backplane,
verify size and CRC32, boot. One process per slot (farm.parallel); stages
are timed and the console log and handshake are kept per slot.
"""

from __future__ import annotations

from pathlib import Path

from .parallel import Progress, no_progress, run_per_slot
from .session import SlotResult, SlotSession, crashed, summary
from .slotlock import SlotBusy
from .staging import Image

# where a device tree goes when there is one: above the kernel's room
DTB_OFFSET = 0x2000000


def boot_one(slot: int, chassis_file: Path, kernel: Image, dtb: Image | None, log_dir: Path,
             progress: Progress = no_progress) -> SlotResult:
    try:
        with SlotSession(chassis_file, slot, "boot", progress, log_dir) as s:
            addr = s.board.load_addr
            s.reset_to_prompt()
            s.configure_network()
            s.tftp(kernel, addr)
            boot = s.fill(s.board.commands["boot"], loadaddr=addr)
            if dtb is not None:
                s.tftp(dtb, addr + DTB_OFFSET)
                boot = f"{boot} - {addr + DTB_OFFSET:x}"
            out = s.stage("boot", lambda: s.run("boot", boot, s.ch.timeouts.command))
            s.stage("handoff", s.expect_invalid_after_handoff)
            s.result.ok = True
            s.result.detail = next((line.strip() for line in reversed(out) if line.strip()),
                                   "booted")
        return s.result
    except SlotBusy as e:
        return SlotResult(slot, False, "lock", str(e))


def boot(chassis_file: Path, slots: list[int], kernel: Image, dtb: Image | None,
         log_dir: Path) -> list[SlotResult]:
    return run_per_slot(boot_one, slots, (chassis_file, kernel, dtb, log_dir), crashed, summary)
