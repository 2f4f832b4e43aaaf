# SPDX-License-Identifier: GPL-2.0-or-later
"""The board's first frame after an attach is answered (pcinetd, host/net.c).

pcinetd turns the TAP's carrier on when a board attaches; the kernel puts it
into effect later, in its linkwatch work, and until then the interface drops
whatever it sends. The board's first frame is its ARP request for the TFTP
server: when the reply was dropped, U-Boot waited out its 5 s ARP timeout.
That happened in about 1 of 8 transfers on a loaded machine, so this test
loads the machine itself (busy loops of its own, on every core) and runs
many short transfers, each of which starts with a new attach and an ARP.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from test_e2e import Crate, needs_uboot, pytestmark, small_crate, tftp  # noqa: F401

from simhelpers import PROMPT

TRANSFERS = 40
ARP_TIMEOUT_S = 5.0  # U-Boot's ARP_TIMEOUT, net/arp.c


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crate]:
    with small_crate(tmp_path_factory, "linkup") as c:
        yield c


@pytest.fixture
def busy_machine() -> Iterator[None]:
    """A busy loop per core, so that the kernel's linkwatch work runs late."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 2)]
    try:
        yield
    finally:
        for p in hogs:
            p.kill()
            p.wait()


@needs_uboot
def test_first_frame_after_attach_is_answered(crate: Crate, busy_machine: None) -> None:
    data = random.Random(7).randbytes(64 * 1024)
    crate.put("small", data)
    con = crate.console(1)
    con.command("setenv tftpwindowsize 1")
    before = crate.slot(1)
    took = []
    for _ in range(TRANSFERS):
        t0 = time.monotonic()
        tftp(con, "small", len(data))
        took.append(time.monotonic() - t0)
    after = crate.slot(1)
    slow = [round(t, 2) for t in took if t >= ARP_TIMEOUT_S - 1]
    assert not slow, f"transfers that waited for an ARP retry: {slow} of {took}"
    assert after["attaches"] - before["attaches"] == TRANSFERS, (before, after)
    # pcinetd held the board's first frames until the kernel link was up
    assert after["link_waits_ms"] > before["link_waits_ms"], after
    assert after["rx_dropped"] == before["rx_dropped"], after
    con.write(b"\r")
    con.expect(PROMPT)
    print(f"\n{TRANSFERS} transfers: {min(took):.2f}-{max(took):.2f} s; pcinetd held board "
          f"frames {after['link_waits_ms'] - before['link_waits_ms']} ms in all")
