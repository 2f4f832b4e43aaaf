# SPDX-License-Identifier: GPL-2.0-or-later
"""The message-unit console of a running chassis, from the host side.

The host side is simhelpers.HostConsole, a small host console driver
written against the binding.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from pcinet_sim.defs import const

from simhelpers import (
    CONS_ACK,
    IDR,
    IMR1,
    ODR,
    OM0I,
    OMISR,
    OMR0,
    OMR1,
    VERSION_RE,
    HostConsole,
    RunningChassis,
)


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningChassis]:
    """One 19-slot chassis for the whole module, as a user brings it up."""
    rc = RunningChassis(tmp_path_factory.mktemp("console") / "chassis", 19)
    rc.up()
    try:
        yield rc
        rc.assert_no_violations()
    finally:
        rc.down()
    assert not rc.dir.exists()


def printable(n: int, seed: int) -> bytes:
    """n random printable ASCII bytes: no CR/LF, so the board only echoes."""
    rnd = random.Random(seed)
    return bytes(rnd.choices(range(0x20, 0x7F), k=n))


def test_version_on_slot_7(crate: RunningChassis) -> None:
    con = HostConsole(crate.open(), 7)
    try:
        con.sync()
        answer = con.command("version")
        m = VERSION_RE.fullmatch(answer)
        assert m, answer
        assert (int(m.group(1)), int(m.group(2))) == (const("PCINET_VERSION_MAJOR"),
                                                      const("PCINET_VERSION_MINOR"))
        assert int(m.group(3)) == 7
        assert con.duplicates == 0
    finally:
        con.close()


def test_help_lists_commands(crate: RunningChassis) -> None:
    con = HostConsole(crate.open(), 3)
    try:
        con.sync()
        answer = con.command("help")
        for cmd in (b"help", b"version", b"status", b"valid", b"invalid", b"reset", b"crash"):
            assert cmd in answer
        assert b"unknown command 'frobnicate'" in con.command("frobnicate")
    finally:
        con.close()


def test_banner_when_host_console_opens(crate: RunningChassis) -> None:
    """A board that had no listener greets the host that enables its console."""
    ch = crate.open()
    con = HostConsole(ch, 11, attach=False)
    try:
        con.s.write32(IMR1, 0)  # no host console: the board keeps nothing
        time.sleep(0.1)
        con.attach()
        con.expect(b"pcinet-sim-board slot 11 ready\r\n=> ")
    finally:
        con.close()


@pytest.mark.slow
def test_flood_1mib_echo(crate: RunningChassis, capsys: pytest.CaptureFixture[str]) -> None:
    con = HostConsole(crate.open(), 5)
    try:
        con.sync()
        con.received.clear()
        data = printable(1 << 20, seed=5)
        t0 = time.monotonic()
        con.write(data)
        con.pump(lambda: len(con.received) >= len(data), timeout=600)
        elapsed = time.monotonic() - t0
        con.quiet()
        got = bytes(con.received)
        if got != data:
            first = next((i for i, (a, b) in enumerate(zip(got, data, strict=False)) if a != b),
                         min(len(got), len(data)))
            pytest.fail(f"echo differs at byte {first}: got {len(got)} bytes, sent {len(data)}; "
                        f"got {got[first:first + 20]!r} want {data[first:first + 20]!r}")
        assert con.duplicates == 0
        with capsys.disabled():
            print(f"\nconsole flood: {len(data)} bytes echoed in {elapsed:.2f} s = "
                  f"{len(data) / elapsed / 1024:.1f} KiB/s each way "
                  f"({con.messages_out} messages out, {con.messages_in} in)")
        con.command("")  # the board runs the (truncated) line as a command: fine
    finally:
        con.close()


@pytest.mark.parametrize("drop", ["after-write", "after-read", "mid-stream", "unload"])
def test_host_reload(crate: RunningChassis, drop: str) -> None:
    """A second host instance talks to the board after the first went away.

    after-write: the first host wrote a message to IMR0 and died before the
    ack; after-read: it took the board's message out of OMR0 and died before
    acking it; mid-stream: it died somewhere in a flood; unload: it left in
    order (status with every flag clear) in the middle of a flood.
    """
    slot = {"after-write": 8, "after-read": 9, "mid-stream": 10, "unload": 13}[drop]
    ch = crate.open()
    first = HostConsole(ch, slot)
    first.sync()
    first.write(printable(20000, seed=slot))
    if drop in ("mid-stream", "unload"):
        first.pump(lambda: len(first.received) >= 7000)
    elif drop == "after-write":
        first.pump(lambda: len(first.received) >= 3000 and not first.token)
    else:
        first.pump(lambda: len(first.received) >= 3000)
        # Take one message from the board the way _receive does, minus the ack
        first.pump(lambda: bool(first.s.read32(OMISR) & OM0I))
        first.s.write32(OMISR, OM0I)
        first.s.read32(OMR0)
    if drop == "unload":
        first.unload()
    else:
        first.close()

    second = HostConsole(ch, slot)
    try:
        second.quiet(timeout=30)  # what the board still had for the first host
        start = len(second.received)
        second.write(b"\rversion\r")
        m = second.expect(VERSION_RE, start)
        assert int(m.group(3)) == slot
        second.sync()
        answer = second.command("status")
        assert answer.startswith(b"status 0x"), answer
        assert f"host 0x{second.status:08x}".encode() in answer
    finally:
        second.close()


def test_reload_ack_returns_a_lost_token(crate: RunningChassis) -> None:
    """Why protocol section 9.3 step 5 exists.

    The first host takes the board's message out of OMR0 and dies before
    acking it: the board waits for that ack. A new host that only writes
    its status gets nothing (and after PCINET_CONS_STALL_MS the board would
    discard its output until the next status write); the one ack of step 5
    gives the board its token back.
    """
    ch = crate.open()
    first = HostConsole(ch, 12)
    first.sync()
    first.write(b"x" * 300)
    first.pump(lambda: len(first.received) >= 100)
    first.pump(lambda: bool(first.s.read32(OMISR) & OM0I))
    first.s.write32(OMISR, OM0I)
    first.s.read32(OMR0)
    first.close()

    second = HostConsole(ch, 12, attach=False)
    try:
        second.s.write32(ODR, second.s.read32(ODR))
        second.s.write32(IMR1, second.status)
        second.board_status = second.s.read32(OMR1)
        second.write(b"\rversion\r")
        stop = time.monotonic() + 0.3  # well inside the board's stall timeout
        second.pump(lambda: time.monotonic() > stop)
        assert not second.received, bytes(second.received)
        second.s.write32(IDR, CONS_ACK)  # step 5
        m = second.expect(VERSION_RE)
        assert int(m.group(3)) == 12
    finally:
        second.close()


def test_reload_first_message_equal_to_previous_one(crate: RunningChassis) -> None:
    """A host that sends one key, reloads, and sends the same key again.

    Both instances' first message is FIRST | seq 0 | "#": bit for bit the
    message the board accepted last. It must not be taken for a duplicate
    (a farm that presses Enter once per connection would lose every second
    Enter).
    """
    ch = crate.open()
    first = HostConsole(ch, 14)
    first.send(b"#")
    first.expect(b"#")
    first.close()

    second = HostConsole(ch, 14)
    try:
        start = len(second.received)
        second.send(b"#")
        second.expect(b"#", start, timeout=2)
    finally:
        second.send(b"\r")
        second.close()


def test_no_violations_after_console_tests(crate: RunningChassis) -> None:
    rows = crate.rows()
    assert len(rows) == 19
    for slot, row in rows.items():
        assert row["violations"] == 0, f"slot {slot}: {row['counters']}"
        assert row["console"] is True
        assert row["state"] == "running"
