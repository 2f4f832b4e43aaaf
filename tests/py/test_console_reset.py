# SPDX-License-Identifier: GPL-2.0-or-later
"""Typing at a U-Boot board across its resets, through pcinetd's pty (protocol 9.5).

U-Boot's autoboot takes the first byte that is there while it counts down
("Hit any key to stop autoboot") and drops it. So a line that reaches a new
boot before its prompt loses its first character to the countdown, and the
rest runs as a command: `Unknown command 'ftpboot'`, seen within a second of
two resets back to back. Two things make sure only what was typed for the
new boot reaches it:

* input pcinetd still holds when it observes a reset (typed for the software
  that was reset: the board had not taken it yet) is discarded, counted in
  console_discarded, as the Linux host driver does and as a resetting UART
  would lose it; before, it went to the next boot;
* what is typed once the new boot's prompt is there arrives whole, however
  close together the resets were (the console's start-up before and after
  relocation loses nothing).

What is typed while a board boots is the user's business: its first byte
stops autoboot (u-boot/README.md, docs/farm.md).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_e2e import Crate, needs_uboot, pytestmark, small_crate  # noqa: F401 - same skips

from simhelpers import PROMPT

# The end of an autoboot countdown nobody stopped (bootdelay 2), and the prompt
COUNTDOWN_RAN_OUT = b"\x08\x08\x08 1 \x08\x08\x08 0 \r\n"
AFTER_AUTOBOOT = re.compile(re.escape(COUNTDOWN_RAN_OUT) + rb".*?" + re.escape(PROMPT), re.S)


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crate]:
    with small_crate(tmp_path_factory, "reset") as c:
        yield c


def wait_status(c: Crate, what: str, cond: Any, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        row = c.slot(1)
        if cond(row):
            return row
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {row}"
        time.sleep(0.02)


@needs_uboot
def test_input_held_at_a_reset_is_not_sent_to_the_next_boot(crate: Crate) -> None:
    """A line typed to a board that stopped taking input, then a reset: none of
    it reaches the new boot, whose autoboot counts down to 0 untouched."""
    con = crate.console(1)
    line = b"echo " + b"x" * 600
    pid = crate.board_pid()
    os.kill(pid, signal.SIGSTOP)  # it takes no more input: pcinetd holds the line
    try:
        con.write(line + b"\r")
        held = wait_status(crate, "pcinetd to hold the line",
                           lambda r: r["console_tx_pending"] >= 500)
        start = len(con.received)
        crate.request("reset 1")
    finally:
        with contextlib.suppress(ProcessLookupError):  # the reset's supervisor killed it
            os.kill(pid, signal.SIGCONT)
    con.expect(AFTER_AUTOBOOT, start, timeout=30)
    con.quiet()
    after = bytes(con.received[start:])
    assert b"xxxxx" not in after, f"held input reached the new boot: {after[-600:]!r}"
    row = crate.slot(1)
    assert row["console_discarded"] >= held["console_discarded"] + 500, (held, row)
    assert row["console_tx_pending"] == 0, row
    assert con.command("echo after") == b"after\r\n"


@needs_uboot
@pytest.mark.parametrize("gap", [0.0, 0.1, 0.3, 0.6, 1.0])
def test_typed_right_after_the_prompt_of_a_double_reset(crate: Crate, gap: float) -> None:
    """Two resets gap seconds apart through pcinetd's control socket; at the
    prompt of the boot after the second, a line typed at once arrives whole."""
    con = crate.console(1)
    before = crate.slot(1)["resets_seen"]
    start = len(con.received)
    crate.request("reset 1")
    time.sleep(gap)
    crate.request("reset 1")
    wait_status(crate, "both resets observed", lambda r: r["resets_seen"] >= before + 2)
    # the first boot cannot count down to 0 within the gap: this is the second's
    con.expect(AFTER_AUTOBOOT, start, timeout=30)
    token = f"typed{int(gap * 1000)}ms".encode()
    at = len(con.received)
    con.write(b"echo " + token + b"\r")
    m = con.expect(re.compile(rb"\r\n(.*?)" + re.escape(PROMPT), re.S), at, timeout=10)
    assert bytes(con.received[at:m.end()]) == b"echo " + token + b"\r\n" + token + b"\r\n" \
        + PROMPT, bytes(con.received[start:])[-600:]
