# SPDX-License-Identifier: GPL-2.0-or-later
"""The raw bytes of a slot's console, both ways, for its log.

The session's transcript holds the lines labgrid parsed out of each
command. When the parsing itself fails (a marker not found, a prompt
matched too early, an exit code that is not a number) that transcript is
empty, and the bytes that explain the failure are gone. This keeps them:
it listens to labgrid's console read/write steps in this slot's process
(one target per process, so every console step is this slot's) and keeps
the last LIMIT bytes with their times.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

LIMIT = 64 * 1024
GAP_S = 0.5  # a pause this long starts a new line of the rendering


class ConsoleTrace:
    def __init__(self, limit: int = LIMIT):
        self.limit = limit
        self.chunks: deque[tuple[float, str, bytes]] = deque()
        self.size = 0
        self.dropped = 0
        self.subscribed = False

    def __enter__(self) -> ConsoleTrace:
        from labgrid.step import steps

        steps.subscribe(self.notify)
        self.subscribed = True
        return self

    def __exit__(self, *exc: object) -> None:
        from labgrid.step import steps

        if self.subscribed:
            steps.unsubscribe(self.notify)
            self.subscribed = False

    def notify(self, event: Any) -> None:
        step = event.step
        if step.tag != "console":
            return
        state = event.data.get("state")
        if state == "stop" and step.title == "read" and step.result:
            self.add("<", bytes(step.result))
        elif state == "start" and step.title == "write" and step.args:
            data = step.args.get("data")
            if data:
                self.add(">", bytes(data))

    def add(self, direction: str, data: bytes) -> None:
        self.chunks.append((time.time(), direction, data))
        self.size += len(data)
        while self.size > self.limit and len(self.chunks) > 1:
            _, _, old = self.chunks.popleft()
            self.size -= len(old)
            self.dropped += len(old)

    def render(self) -> str:
        """A line per direction change, newline or pause of over GAP_S: UTC
        time of its first byte, direction, the bytes escaped."""
        out = []
        if self.dropped:
            out.append(f"({self.dropped} earlier bytes not kept)")
        line = b""
        first = last = 0.0
        way = ""

        def flush() -> None:
            if line:
                stamp = time.strftime("%H:%M:%S", time.gmtime(first))
                text = line.decode("latin-1").encode("unicode_escape").decode("ascii")
                out.append(f"{stamp}.{int(first * 1000) % 1000:03d} {way} {text}")

        for t, direction, data in self.chunks:
            for byte in data:
                if direction != way or t - last > GAP_S or line.endswith(b"\n"):
                    flush()
                    line, first, way = b"", t, direction
                line += bytes((byte,))
                last = t
        flush()
        return "\n".join(out)
