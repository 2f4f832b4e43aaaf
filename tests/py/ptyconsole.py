# SPDX-License-Identifier: GPL-2.0-or-later
"""A slot's console as a user's terminal program sees it: pcinetd's pty."""

from __future__ import annotations

import os
import re
import select
import termios
import threading
import time
import tty
from pathlib import Path

from simhelpers import PromptConsole


class Pty(PromptConsole):
    """A slot's console as a user's terminal program sees it."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd, termios.TCSANOW)
        self.received = bytearray()

    def close(self) -> None:
        os.close(self.fd)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]

    def read_some(self, timeout: float) -> int:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return 0
        data = os.read(self.fd, 65536)
        self.received += data
        return len(data)

    def expect(self, pattern: bytes | re.Pattern[bytes], start: int = 0,
               timeout: float = 10.0) -> re.Match[bytes]:
        rx = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.received, start)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                tail = bytes(self.received[start:][-300:])
                raise AssertionError(f"waiting for {rx.pattern!r}, got {tail!r}")
            self.read_some(min(left, 0.2))

    def quiet(self, idle: float = 0.3, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while self.read_some(idle):
            assert time.monotonic() < end, "console never went quiet"

    def flood(self, data: bytes, want: int, stall: float, timeout: float | None = None
              ) -> tuple[bytes, float]:
        """Type data from a thread while reading; the first want bytes that come
        back and the seconds they took. Fails if nothing arrives for stall
        seconds, or (with timeout) if it all takes longer."""
        start = len(self.received)
        errors: list[BaseException] = []

        def writer() -> None:
            try:
                self.write(data)
            except BaseException as e:  # reported by the reading thread
                errors.append(e)

        t0 = time.monotonic()
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        last_len, last_progress = start, t0
        while len(self.received) - start < want:
            now = time.monotonic()
            assert timeout is None or now < t0 + timeout, \
                f"flood: {len(self.received) - start} of {want} bytes after {timeout} s"
            assert now - last_progress < stall, \
                f"flood stuck at {len(self.received) - start} of {want} bytes"
            self.read_some(0.2)
            if len(self.received) != last_len:
                last_len, last_progress = len(self.received), time.monotonic()
        elapsed = time.monotonic() - t0
        thread.join(30)
        assert not errors, errors
        return bytes(self.received[start:start + want]), elapsed
