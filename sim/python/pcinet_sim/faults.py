# SPDX-License-Identifier: GPL-2.0-or-later
"""Fault injection on the simulated chassis, for tests of what sits above it.

    pcinet-sim fault SLOT KIND [--clear]     (KIND: see FAULTS)

A fault belongs to the slot, not to the board process: a board reset keeps
it, `--clear` or `pcinet-sim down` ends it. Each kind acts where the real
failure would:

- ``flash-write``: the boot flash is worn: page programs are accepted and
  change nothing (U-Boot's sandbox SPI flash emulator, patched by
  u-boot/sandbox-emul/, watches DIR/slotNN/faults/flash-write). Only a
  read-back notices.
- ``no-prompt``: the board hangs before U-Boot at its next reset (the boot
  ROM, sim/board/bootrom.py, finds DIR/slotNN/faults/no-prompt): silence
  on the console, as with bad DDR settings.
- ``link-down``: the board's PCI link is gone: every outbound DMA
  transaction master-aborts at once (a bit in the slot's shared model
  state, PCINET_SIM_FAULT_LINK_DOWN in pcinet_sim.h), so a transfer in
  progress fails mid-way.
"""

from __future__ import annotations

import re
from pathlib import Path

from .layout import Layout
from .lib import Chassis, Side
from .paths import REPO

FILE_FAULTS = ("flash-write", "no-prompt")
MODEL_FAULTS = {"link-down": "PCINET_SIM_FAULT_LINK_DOWN"}
FAULTS = (*FILE_FAULTS, *MODEL_FAULTS)


def _model_bit(name: str) -> int:
    """A fault bit, read from the library's header (its one definition)."""
    header = (REPO / "sim" / "include" / "pcinet_sim.h").read_text()
    m = re.search(rf"^#define\s+{name}\s+\(1u << (\d+)\)", header, re.MULTILINE)
    if m is None:
        raise LookupError(f"{name} is not defined in pcinet_sim.h")
    return 1 << int(m.group(1))


def fault_file(directory: Path, slot: int, kind: str) -> Path:
    return Layout(directory).fault(slot, kind)


def set_fault(directory: Path, slot: int, kind: str, on: bool) -> None:
    """Inject (on) or clear a fault on a slot of the chassis in directory."""
    if kind not in FAULTS:
        raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULTS)})")
    if kind in FILE_FAULTS:
        f = fault_file(directory, slot, kind)
        if on:
            f.parent.mkdir(exist_ok=True)
            f.write_text(f"{kind}\n")
        else:
            f.unlink(missing_ok=True)
        return
    bit = _model_bit(MODEL_FAULTS[kind])
    with Chassis(directory) as ch:
        s = ch.slot(slot, Side.OBSERVER)
        s.set_faults(s.faults() | bit if on else s.faults() & ~bit)


def active_faults(directory: Path, slot: int) -> list[str]:
    """The faults injected on a slot now."""
    found = [k for k in FILE_FAULTS if fault_file(directory, slot, k).exists()]
    with Chassis(directory) as ch:
        bits = ch.slot(slot, Side.OBSERVER).faults()
    return found + [k for k, name in MODEL_FAULTS.items() if bits & _model_bit(name)]
