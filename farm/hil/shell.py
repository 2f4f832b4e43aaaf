# SPDX-License-Identifier: GPL-2.0-or-later
"""A board's U-Boot prompt for the suite's tests: labgrid's UBootDriver with
the chassis' timeouts, and failures that show what the board answered."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # not text (backspace, escape...)


@dataclass
class UBootShell:
    driver: Any  # labgrid's UBootDriver, active
    timeout: float  # the chassis' timeouts.command

    def run(self, cmd: str, timeout: float | None = None) -> tuple[list[str], int]:
        """cmd's output lines and its exit status."""
        out, _, status = self.driver.run(cmd, timeout=int(timeout or self.timeout))
        return list(out), int(status)

    def check(self, cmd: str, timeout: float | None = None) -> list[str]:
        """cmd's output lines; a test failure with the output if cmd fails."""
        out, status = self.run(cmd, timeout)
        if status != 0:
            # without U-Boot's progress marks (a '*' taken back with a backspace)
            out = [CONTROL.sub("", line) for line in out]
            last = next((line.strip() for line in reversed(out) if line.strip()), "")
            raise AssertionError(f"'{cmd}' failed (status {status}): {last}\n"
                                 + "\n".join(out))
        return out

    def crc32(self, addr: int, size: int) -> int:
        """U-Boot's CRC32 of size bytes at addr."""
        out = self.check(f"crc32 {addr:x} {size:x}")
        m = re.search(r"==> ([0-9a-f]{8})", "\n".join(out))
        assert m, f"no CRC32 in {out!r}"
        return int(m.group(1), 16)

    def env(self, name: str) -> str:
        """The value of an environment variable."""
        out = self.check(f"printenv {name}")
        assert out and out[-1].startswith(f"{name}="), out
        return out[-1].split("=", 1)[1]
