# SPDX-License-Identifier: GPL-2.0-or-later
"""farm console SLOT: an interactive terminal on a slot's virtual console.

The slot's console is the host daemon's pty for it. Keys go to the board,
its output to the screen (and a log file if asked); Ctrl-] leaves. With
--listen-only nothing typed reaches the board except the escape key.
"""

from __future__ import annotations

import os
import select
import sys
import termios
import tty
from pathlib import Path

from pcinet_sim.layout import Layout

from .config import Chassis
from .crate import ensure_sim_up
from .errors import USAGE, FarmError
from .slotlock import SlotLock

ESCAPE = b"\x1d"  # Ctrl-]


def command(ch: Chassis, slot: int, log: Path | None, listen_only: bool) -> int:
    """farm console SLOT [--log F] [--listen-only]: the terminal, holding the
    slot's lock (SlotBusy, a FarmError, names who else holds it)."""
    if slot not in ch.slots:
        raise FarmError(f"slot {slot} is not in {ch.file}", USAGE)
    ensure_sim_up(ch)
    with SlotLock(ch.sim_dir, slot):
        return run(Layout(ch.sim_dir).console(slot), slot, log, listen_only)


def run(console: Path, slot: int, log: Path | None, listen_only: bool) -> int:
    try:
        fd = os.open(console, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as e:
        raise FarmError(f"slot {slot}: {console}: {e.strerror} (is the host daemon up?)"
                        ) from None
    tty.setraw(fd, termios.TCSANOW)
    logf = open(log, "ab") if log else None  # noqa: SIM115 - closed below
    stdin = sys.stdin.fileno()
    saved = termios.tcgetattr(stdin) if os.isatty(stdin) else None
    mode = "listening only, " if listen_only else ""
    sys.stdout.write(f"farm console: slot {slot} ({mode}Ctrl-] to leave)\r\n")
    sys.stdout.flush()
    try:
        if saved is not None:
            tty.setraw(stdin, termios.TCSANOW)
        while True:
            ready, _, _ = select.select([fd, stdin], [], [])
            if fd in ready:
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    data = b""
                if data:
                    os.write(sys.stdout.fileno(), data)
                    if logf:
                        logf.write(data)
                        logf.flush()
            if stdin in ready:
                keys = os.read(stdin, 1024)
                if not keys:
                    break
                if ESCAPE in keys:
                    keys = keys[:keys.index(ESCAPE)]
                    if keys and not listen_only:
                        os.write(fd, keys)
                    break
                if not listen_only:
                    os.write(fd, keys)
    finally:
        if saved is not None:
            termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
        if logf:
            logf.close()
        os.close(fd)
    sys.stdout.write("\r\nfarm console: left\r\n")
    return 0
