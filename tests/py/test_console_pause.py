# SPDX-License-Identifier: GPL-2.0-or-later
"""The console across a pause longer than the stall time (docs/protocol.md 9.2).

A sender that gets no ack for PCINET_CONS_STALL_MS declares its peer stalled.
A peer that is merely slow (a board busy in a long command, a host daemon
descheduled on a loaded machine) acks late, and then nothing it was sent, and
nothing that was held for it, may be lost: the sender holds what fits in its
buffer and sends it once the ack comes. Each test pauses one side with
SIGSTOP for well over the stall time, at a moment that puts bytes in flight.
"""

from __future__ import annotations

import os
import random
import re
import signal
import string
import time
from collections.abc import Iterator

import pytest
from test_e2e import Crate, needs_uboot, pytestmark, small_crate  # noqa: F401 - same skips

from simhelpers import PROMPT

PAUSE_S = 3.0  # three times PCINET_CONS_STALL_MS


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crate]:
    with small_crate(tmp_path_factory, "pause") as c:
        yield c


def paused(pid: int, seconds: float) -> None:
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        os.kill(pid, signal.SIGCONT)


def words(seed: int, n: int) -> str:
    """n bytes of words, few enough for U-Boot's argument limit (CONFIG_SYS_MAXARGS)."""
    rnd = random.Random(seed)
    text = " ".join("".join(rnd.choices(string.ascii_lowercase, k=49)) for _ in range(n // 50 + 1))
    return text[:n].strip()


@needs_uboot
def test_input_typed_to_a_paused_board_arrives(crate: Crate) -> None:
    """A command line typed while the board is stopped reaches it whole."""
    con = crate.console(1)
    text = words(1, 200)  # 67 messages, one round trip each
    before = crate.slot(1)
    start = len(con.received)
    pid = crate.board_pid()
    os.kill(pid, signal.SIGSTOP)
    try:
        con.write(f"echo {text}\r".encode())
        time.sleep(PAUSE_S)
        held = crate.slot(1)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert held["console_stalled"], f"the host never declared the stall: {held}"
    m = con.expect(re.compile(rb"\r\n(.*?)\r\n" + re.escape(PROMPT)), start, timeout=30)
    assert m.group(1).decode() == text, con.received[start:]
    after = crate.slot(1)
    assert after["console_discarded"] == before["console_discarded"], after
    assert not after["console_stalled"], after


@needs_uboot
def test_output_of_a_board_whose_host_paused_arrives(crate: Crate) -> None:
    """Board output made while pcinetd is stopped reaches the pty whole, in order."""
    con = crate.console(1)
    text = words(2, 600)
    start = len(con.received)
    con.write(f"echo ready; sleep 1; echo {text}\r".encode())
    con.expect(b"ready\r\n", start, timeout=10)
    # the board sends its 600 bytes 1 s into the pause, stalls 1 s later
    paused(int(crate.service("pcinetd")["pid"]), PAUSE_S)
    m = con.expect(re.compile(rb"ready\r\n(.*?)\r\n" + re.escape(PROMPT)), start, timeout=30)
    assert m.group(1).decode() == text, con.received[start:]
    con.write(b"echo still here\r")
    con.expect(b"still here\r\n" + PROMPT, start, timeout=10)
