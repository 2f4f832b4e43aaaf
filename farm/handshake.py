# SPDX-License-Identifier: GPL-2.0-or-later
"""Watch a slot's registers-valid handshake through the host, in the background.

A thread polls the host daemon's status for one slot and records every
change of registers-valid and carrier with its time, so a command's log
shows the handshake as it happened: invalid at reset, valid during each
U-Boot network command, invalid at the handoff to the OS. It uses only the
control socket, never labgrid (labgrid is not thread-safe).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from .hostctl import host_request

POLL_S = 0.01


class HandshakeWatch:
    def __init__(self, control: Path, slot: int):
        self.control = control
        self.slot = slot
        self.t0 = time.monotonic()
        self.events: list[tuple[float, str]] = []
        self.valid = False
        self.valid_seen = 0  # times it went valid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HandshakeWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        last: tuple[bool, bool] | None = None
        base: int | None = None  # pcinetd's attach count at the start
        count = 0
        while not self._stop.is_set():
            try:
                row = host_request(self.control, f"status {self.slot}", timeout=2)["slot"]
                now = (bool(row["registers_valid"]), bool(row.get("carrier", False)))
                count = int(row.get("attaches", 0))
            except (OSError, ValueError, KeyError, TypeError):
                now = (False, False)
            t = time.monotonic() - self.t0
            if base is None:
                base = count
            if now != last:
                self.events.append((t, f"registers {'valid' if now[0] else 'invalid'}, "
                                       f"carrier {'on' if now[1] else 'off'}"))
                if now[0] and not self.valid:
                    self.valid_seen += 1
                self.valid = now[0]
                last = now
            # Every attach needs a valid period; pcinetd counts each one, while a
            # poll can miss a short one on a busy machine. A valid period seen by
            # a poll is counted before its attach, so only a surplus is missed.
            missed = count - base - self.valid_seen
            if missed > 0 and not now[0]:
                self.events.append((t, f"registers valid and invalid again {missed} time(s) "
                                       "between two polls (pcinetd's attach count)"))
                self.valid_seen += missed
            time.sleep(POLL_S)

    def wait_for(self, valid: bool, timeout: float) -> bool:
        """True once registers-valid is as wanted (polled, at most timeout seconds)."""
        deadline = time.monotonic() + timeout
        while self.valid != valid or not self.events:
            if time.monotonic() > deadline or not self._thread.is_alive():
                return False
            time.sleep(POLL_S)
        return True

    def lines(self) -> list[str]:
        return [f"+{t:7.3f} s  {text}" for t, text in self.events]
