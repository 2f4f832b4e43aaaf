# SPDX-License-Identifier: GPL-2.0-or-later
"""labgrid targets for the slots of a chassis, derived from chassis.yaml.

Never written by hand: the console is the host daemon's pty for the slot
(labgrid's RawSerialPort + SerialDriver), the prompt and commands are
labgrid's UBootDriver with the board type's prompt, the reset and the
strategy that brings the board to its prompt are ours (farm.labgrid_parts).
labgrid is not thread-safe: build a slot's target in the process that uses
it.
"""

from __future__ import annotations

import re
from typing import Any

from labgrid import Target
from labgrid.driver import SerialDriver, UBootDriver
from labgrid.resource import RawSerialPort

from pcinet_sim.layout import Layout

from .config import Chassis
from .labgrid_parts import PCINetResetDriver, PCINetSlot, PCINetStrategy
from .logdir import slot_name

AUTOBOOT = "Hit any key to stop autoboot"
INTERRUPT = "\r"  # what answers the autoboot line


def prompt_pattern(prompt: str) -> str:
    """The board type's prompt as UBootDriver's pattern: one that the line
    "crc32 ... ==> 1234abcd" does not match."""
    return r"(?<![=])" + re.escape(prompt)


def network_setup(ch: Chassis, slot: int) -> str:
    """The U-Boot command that configures the slot's network as chassis.yaml
    describes it (farm's commands and the HIL suite type the same)."""
    conf = ch.slots[slot]
    return (f"setenv ipaddr {conf.address}; setenv serverip {conf.host_address}; "
            f"setenv netmask 255.255.255.0; setenv tftpblocksize {ch.tftp.blocksize}; "
            f"setenv tftpwindowsize {ch.tftp.windowsize}")


def _bind(cls: Any, target: Target, **fields: Any) -> Any:
    """Make a labgrid resource or driver, bound to target (labgrid's way)."""
    return cls(target, name=None, **fields)


def slot_target(ch: Chassis, slot: int, prompt_timeout: float | None = None) -> Target:
    """The slot's labgrid target; prompt_timeout: how long UBootDriver looks for
    the prompt when activated (default: timeouts.prompt, for after a reset)."""
    directory = ch.sim_dir
    board = ch.board_types[ch.slots[slot].board]
    t = Target(slot_name(slot))
    _bind(RawSerialPort, t, port=str(Layout(directory).console(slot)))
    _bind(PCINetSlot, t, slot=slot, control=str(Layout(directory).pcinetd_sock))
    _bind(SerialDriver, t, timeout=ch.timeouts.command)
    _bind(PCINetResetDriver, t, timeout=float(ch.timeouts.prompt))
    _bind(UBootDriver, t, prompt=prompt_pattern(board.prompt), autoboot=AUTOBOOT,
          interrupt=INTERRUPT, login_timeout=int(prompt_timeout or ch.timeouts.prompt),
          boot_timeout=int(ch.timeouts.prompt))
    _bind(PCINetStrategy, t, registers_valid_timeout=float(ch.timeouts.registers_valid))
    return t
