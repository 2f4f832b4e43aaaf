# SPDX-License-Identifier: GPL-2.0-or-later
"""A board's U-Boot prompt, for farm's commands and the HIL suite alike.

labgrid's UBootDriver types a command with its echo markers and parses the
answer. What farm adds, once: a command is not typed into a board that was
reset after its prompt was caught (the guard, from PCINetStrategy: the new
boot's autoboot would take the line's first byte and run the rest), and one
error type, CommandFailed, for every way a command can fail on the board's
side: a non-zero exit status, no prompt in time, an answer that does not
parse, a console that fails. Its first line (headline) says which, with the
board's last lines; the rest of its text is the whole answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from pexpect import EOF, TIMEOUT

# not text: a backspace taking back U-Boot's progress marks, an escape...
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
CRC_LINE = re.compile(r"==> ([0-9a-f]{8})")  # U-Boot's crc32: "... ==> 1234abcd"
TAIL_LINES = 2  # of the board's answer in a failure's headline: its error and the line before


class CommandFailed(Exception):
    """A U-Boot command failed on the board's side (never a bug of farm's)."""

    def __init__(self, cmd: str, headline: str, output: Sequence[str] = (),
                 status: int | None = None):
        clean = [CONTROL.sub("", line) for line in output]
        super().__init__("\n".join([headline, *clean]))
        self.cmd = cmd
        self.headline = headline
        self.output = list(output)
        self.status = status


def tail(lines: Sequence[str], n: int = TAIL_LINES) -> str:
    """The last n lines with text, without control characters, on one line."""
    text = [t for t in (CONTROL.sub("", line).strip() for line in lines) if t]
    return " / ".join(text[-n:])


def crc32_in(lines: Sequence[str]) -> int | None:
    """The CRC32 in U-Boot's answer to crc32 (None if there is none)."""
    m = CRC_LINE.search("\n".join(lines))
    return int(m.group(1), 16) if m else None


def _no_guard() -> str:
    return ""


@dataclass
class UBootShell:
    """Commands at the prompt of an active UBootDriver.

    guard() says why nothing may be typed now ("" when all is well).
    """

    driver: Any  # labgrid's UBootDriver, active
    timeout: float  # default seconds per command (the chassis' timeouts.command)
    guard: Callable[[], str] = _no_guard

    def run(self, cmd: str, timeout: float | None = None) -> tuple[list[str], int]:
        """cmd's output lines and its exit status; CommandFailed if it got no answer."""
        why = self.guard()
        if why:
            raise CommandFailed(cmd, f"'{cmd}' not typed: {why}")
        seconds = timeout or self.timeout
        try:
            out, _, status = self.driver.run(cmd, timeout=int(seconds))
        except TIMEOUT:
            self._failed(cmd, f"no prompt within {seconds:g} s")
        except (ValueError, IndexError) as e:
            # labgrid found no marker or no exit code in what came back
            self._failed(cmd, f"its answer on the console did not parse ({type(e).__name__}: "
                         f"{e}); the raw console shows why")
        except (EOF, OSError) as e:
            self._failed(cmd, f"the console failed ({type(e).__name__}: {e})")
        return list(out), int(status)

    def check(self, cmd: str, timeout: float | None = None) -> list[str]:
        """cmd's output lines; CommandFailed if it fails."""
        out, status = self.run(cmd, timeout)
        if status != 0:
            why = self.guard()
            if why:  # as in _failed: the reset explains the failure
                headline = f"'{cmd}' failed: {why}"
            else:
                headline = f"'{cmd}' failed (status {status}): {tail(out)}"
            raise CommandFailed(cmd, headline, out, status)
        return out

    def _failed(self, cmd: str, reason: str) -> NoReturn:
        # a reset that was not farm's explains a lost answer better than its symptom
        raise CommandFailed(cmd, f"'{cmd}' failed: {self.guard() or reason}")

    def crc32(self, addr: int, size: int) -> int:
        """U-Boot's CRC32 of size bytes at addr."""
        cmd = f"crc32 {addr:x} {size:x}"
        out = self.check(cmd)
        crc = crc32_in(out)
        if crc is None:
            raise CommandFailed(cmd, f"'{cmd}': no CRC32 in its answer: {tail(out)}", out)
        return crc

    def env(self, name: str) -> str:
        """The value of an environment variable."""
        cmd = f"printenv {name}"
        out = self.check(cmd)
        if not out or not out[-1].startswith(f"{name}="):
            raise CommandFailed(cmd, f"'{cmd}': no {name}= in its answer: {tail(out)}", out)
        return out[-1].split("=", 1)[1]
