# SPDX-License-Identifier: GPL-2.0-or-later
"""One user of a slot's console at a time.

A pty has one reader: two programs reading it would each get part of the
board's output. Every farm command that drives a slot's console holds the
slot's lock (an flock on DIR/farm/slotNN.lock, which the kernel drops when
the holder dies), with its pid and command line in the file, so the next
one can say who holds it.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

from pcinet_sim.layout import Layout

from .errors import FarmError


class SlotBusy(FarmError):
    """Someone else drives the slot's console; the message names them."""


class SlotLock:
    def __init__(self, directory: Path, slot: int):
        self.path = Layout(directory).slot_lock(slot)
        self.slot = slot
        self.fd = -1

    def __enter__(self) -> SlotLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 4096).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise SlotBusy(f"slot {self.slot} is in use by {holder}") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} ({' '.join(['farm', *sys.argv[1:]])})\n".encode())
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.ftruncate(self.fd, 0)
            os.close(self.fd)
            self.fd = -1
