# SPDX-License-Identifier: GPL-2.0-or-later
"""farm boot: reset a slot, catch U-Boot, tftp its images over the backplane,
verify size and CRC32, boot. One process per slot (farm.parallel); stages
are timed and the console log and handshake are kept per slot.
"""

from __future__ import annotations

from pathlib import Path

from .config import Chassis
from .crate import ensure_sim_up, pick_slots, result_table, slot_list, tftp_root
from .errors import USAGE, FarmError
from .logdir import DEFAULT
from .parallel import Progress, no_progress, run_per_slot
from .results import SlotResult, crashed, summary
from .session import SlotSession
from .slotlock import SlotBusy
from .staging import Image, stage

# where a device tree goes when there is one: above the kernel's room
DTB_OFFSET = 0x2000000


def command(ch: Chassis, slots: list[int], every: bool, kernel: Path | None,
            dtb: Path | None, log_dir: Path | None) -> int:
    """farm boot SLOT... | --all [--kernel F] [--dtb F] [--log-dir D]; its exit code."""
    picked = pick_slots(ch, slots, every)
    kernel = kernel or ch.images.get("kernel")
    if kernel is None:
        raise FarmError("no kernel: give --kernel F or images.kernel in the chassis file", USAGE)
    dtb = dtb or ch.images.get("dtb")
    for what, f in (("kernel", kernel), ("device tree", dtb)):
        if f is not None and not Path(f).is_file():
            raise FarmError(f"{what} {f}: no such file", USAGE)
    ensure_sim_up(ch)
    image, *rest = stage([Path(kernel)] + ([Path(dtb)] if dtb else []), tftp_root(ch))
    fdt = rest[0] if rest else None
    log_dir = log_dir or DEFAULT  # kept: not in the chassis' own directory
    print(f"farm boot: {image.name}, {image.size} bytes, CRC32 {image.crc32:08x}"
          + (f", device tree {fdt.name}, {fdt.size} bytes" if fdt else "")
          + f", on {slot_list(picked)}", flush=True)
    return result_table(ch, "boot", boot(ch.file, picked, image, fdt, log_dir), log_dir)


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
