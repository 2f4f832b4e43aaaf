# SPDX-License-Identifier: GPL-2.0-or-later
"""The message-unit console of a running chassis, from the host side.

HostConsole below is a small host console driver written against the
binding: it speaks include/pcinet/pcinet_console.h through BAR0 (IMR0/IMR1,
OMR0/OMR1, IDR/ODR, OMISR) and waits on the slot's host interrupt line with
poll(). test_chassis.py uses it too, to give boards console commands.
"""

from __future__ import annotations

import json
import random
import re
import select
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import run_cli
from pcinet_sim import Chassis, Side, Slot
from pcinet_sim.defs import cons_decode, cons_encode, const, status_make
from pcinet_sim.supervisor import read_state

OMISR = const("M83XX_MU_OMISR")
IMISR = const("M83XX_MU_IMISR")
IMR0 = const("M83XX_MU_IMR0")
IMR1 = const("M83XX_MU_IMR1")
OMR0 = const("M83XX_MU_OMR0")
OMR1 = const("M83XX_MU_OMR1")
ODR = const("M83XX_MU_ODR")
IDR = const("M83XX_MU_IDR")
OM0I = const("M83XX_OMI_OM0I")
OM1I = const("M83XX_OMI_OM1I")
ODI = const("M83XX_OMI_ODI")
IM0I = const("M83XX_IMI_IM0I")
CONS_ACK = const("PCINET_DB_CONS_ACK")
CONS_SEQ = const("PCINET_CONS_SEQ")
CONS_FIRST = const("PCINET_CONS_FIRST")
CONS_MAX = const("PCINET_CONS_MAX_BYTES")
SIG_MASK = const("PCINET_STATUS_SIG_MASK")
SIG_BOARD = const("PCINET_STATUS_SIG_BOARD")
SIG_HOST = const("PCINET_STATUS_SIG_HOST")
UART_RX_ENABLED = const("PCINET_UART_RX_ENABLED")

PROMPT = b"=> "
VERSION_RE = re.compile(rb"pcinet-sim-board 1 protocol (\d+)\.(\d+) slot (\d+) epoch (\d+)\r\n")


class ConsoleError(AssertionError):
    """The console did not do what a test waited for."""


class HostConsole:
    """Host side of one slot's console: one instance = one loaded host driver.

    Sending: the host starts with the token; it writes one message (1..3
    bytes, PCINET_CONS_FIRST on the first, the sequence bit toggling) to
    IMR0 and waits for the board's PCINET_DB_CONS_ACK in ODR (W1C) before the
    next. Receiving: on OMISR[OM0I] it clears OM0I first, then reads OMR0,
    drops a duplicate by the sequence rule, keeps the bytes and rings
    PCINET_DB_CONS_ACK in IDR. OMISR[OM1I] (board status written) is handled
    before OM0I: a board whose status appears while our own status word in
    IMR1 is gone was reset, and both directions start over.
    """

    def __init__(self, chassis: Chassis, slot: int, attach: bool = True) -> None:
        self.number = slot
        self.s: Slot = chassis.slot(slot, Side.HOST)
        self.status = status_make(SIG_HOST, UART_RX_ENABLED)
        self.poller = select.poll()
        self.poller.register(self.s.irq_fd(), select.POLLIN)
        self.received = bytearray()
        self.board_status = 0
        self.board_restarts = 0
        self.duplicates = 0
        self.messages_in = 0
        self.messages_out = 0
        self._tx = b""
        self._tx_off = 0
        self.token = True
        self.seq = False
        self.first = True
        self.rx_have_last = False
        self.rx_last_seq = False
        if attach:
            self.attach()

    # -- state --------------------------------------------------------------
    def _restart(self) -> None:
        """pcinet_cons_tx_init() + pcinet_cons_rx_init(): we hold the token."""
        self.token = True
        self.seq = False
        self.first = True
        self.rx_have_last = False
        self.rx_last_seq = False

    def attach(self, settle: float = 0.06) -> None:
        """What a host driver does when it (re)loads.

        A previous host instance may have left a message in IMR0 that the
        board has not taken yet, or the board's ack for one in ODR: let the
        board take it, then clear the stale ack so it is not taken for the
        ack of our first message. Then publish our status; finally, if the
        board has no message waiting for us, ring an ack anyway: the previous
        host may have read the board's last message and vanished before
        acking it, and without this the board would wait for that ack
        forever (see test_reload_without_kick_stalls_board_output).
        """
        self._restart()
        deadline = time.monotonic() + 1.0
        while self.s.read32(IMISR) & IM0I and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(settle)
        self.s.write32(ODR, CONS_ACK)
        self.s.write32(IMR1, self.status)
        self.board_status = self.s.read32(OMR1)
        if not self.s.read32(OMISR) & OM0I:
            self.s.write32(IDR, CONS_ACK)

    def close(self) -> None:
        """Drop the driver without a word to the board (a crashed host)."""
        self.s.close()

    # -- interrupt service --------------------------------------------------
    def _board_status_changed(self) -> None:
        status = self.s.read32(OMR1)
        self.board_status = status
        if status & SIG_MASK == SIG_BOARD and self.s.read32(IMR1) != self.status:
            # A board reset cleared IMR1 with the rest of the message unit:
            # this is a new board, whose console starts from scratch.
            self.board_restarts += 1
            self._restart()
            self.s.write32(IMR1, self.status)

    def _receive(self) -> None:
        self.s.write32(OMISR, OM0I)  # clear first, then read
        msg = self.s.read32(OMR0)
        seq = bool(msg & CONS_SEQ)
        if self.rx_have_last and seq == self.rx_last_seq and not msg & CONS_FIRST:
            self.duplicates += 1
        else:
            data = cons_decode(msg)
            if data:
                self.rx_have_last = True
                self.rx_last_seq = seq
                self.received += data
                self.messages_in += 1
        self.s.write32(IDR, CONS_ACK)

    def _send(self) -> None:
        chunk = self._tx[self._tx_off:self._tx_off + CONS_MAX]
        self._tx_off += len(chunk)
        if self._tx_off >= len(self._tx):
            self._tx, self._tx_off = b"", 0
        msg = cons_encode(chunk, self.seq, self.first)
        self.first = False
        self.seq = not self.seq
        self.token = False
        self.messages_out += 1
        self.s.write32(IMR0, msg)

    def service(self) -> bool:
        """One look at the registers; True if anything happened."""
        s = self.s
        busy = False
        isr = s.read32(OMISR)
        if isr & OM1I:
            s.write32(OMISR, OM1I)
            self._board_status_changed()
            busy = True
        if isr & ODI and s.read32(ODR) & CONS_ACK:
            s.write32(ODR, CONS_ACK)
            self.token = True
            busy = True
        if isr & OM0I:
            self._receive()
            busy = True
        if self.token and self._tx:
            self._send()
            busy = True
        return busy

    # -- API ----------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Queue bytes for the board; pump() sends them."""
        self._tx = self._tx[self._tx_off:] + data
        self._tx_off = 0

    @property
    def tx_pending(self) -> int:
        return len(self._tx) - self._tx_off

    def pump(self, until: Callable[[], bool], timeout: float = 10.0,
             stall: float = 5.0) -> None:
        """Serve the console until until() holds.

        Drain the line, then look at the registers; sleep in poll() only
        when a look found nothing to do (level semantics: a write that
        leaves the line asserted signals again).
        """
        deadline = time.monotonic() + timeout
        last_progress = time.monotonic()
        while not until():
            now = time.monotonic()
            if now > deadline or now - last_progress > stall:
                raise ConsoleError(f"slot {self.number}: console stuck: {self.describe()}")
            self.s.irq_drain()
            if self.service():
                last_progress = now
                continue
            self.poller.poll(50)

    def quiet(self, idle: float = 0.15, timeout: float = 10.0) -> None:
        """Serve until nothing arrives for idle seconds."""
        end = time.monotonic() + timeout
        while True:
            before = len(self.received)
            stop = time.monotonic() + idle
            self.pump(lambda: time.monotonic() > stop, timeout=idle + 5)
            if len(self.received) == before and not self.tx_pending:
                return
            if time.monotonic() > end:
                raise ConsoleError(f"slot {self.number}: console never went quiet")

    def expect(self, pattern: bytes | re.Pattern[bytes], start: int = 0,
               timeout: float = 10.0) -> re.Match[bytes]:
        """Serve until pattern appears in what arrived since start."""
        rx = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        found: list[re.Match[bytes]] = []

        def seen() -> bool:
            m = rx.search(self.received, start)
            if m:
                found.append(m)
            return m is not None

        try:
            self.pump(seen, timeout=timeout, stall=timeout)
        except ConsoleError as e:
            tail = bytes(self.received[start:][-300:])
            raise ConsoleError(f"{e}; waiting for {rx.pattern!r}, got {tail!r}") from None
        return found[0]

    def command(self, line: str, timeout: float = 10.0) -> bytes:
        """Type line + CR; the board's answer up to its next prompt."""
        start = len(self.received)
        self.write(line.encode() + b"\r")
        m = self.expect(re.compile(re.escape(line.encode()) + rb"\r\n(.*?)" + re.escape(PROMPT),
                                   re.S), start, timeout)
        return m.group(1)

    def sync(self) -> None:
        """An empty command line: afterwards the board's line editor is empty."""
        self.command("")
        self.quiet()

    def describe(self) -> str:
        s = self.s
        return (f"OMISR 0x{s.read32(OMISR):x} IMISR 0x{s.read32(IMISR):x} "
                f"ODR 0x{s.read32(ODR):x} IDR 0x{s.read32(IDR):x} "
                f"OMR1 0x{s.read32(OMR1):08x} IMR1 0x{s.read32(IMR1):08x} "
                f"token {self.token} pending {self.tx_pending} received {len(self.received)}")


class RunningChassis:
    """A chassis brought up and taken down with the real pcinet-sim command."""

    def __init__(self, directory: Path, slots: int) -> None:
        self.dir = directory
        self.slots = slots
        self.chassis: Chassis | None = None

    def up(self, *extra: str) -> None:
        res = run_cli("up", "--dir", str(self.dir), "--slots", str(self.slots), *extra)
        assert res.returncode == 0, f"up failed: {res.stdout}{res.stderr}"

    def open(self) -> Chassis:
        if self.chassis is None:
            self.chassis = Chassis(self.dir)
        return self.chassis

    def status(self) -> dict[str, object]:
        res = run_cli("status", "--dir", str(self.dir), "--json")
        assert res.returncode == 0, res.stderr
        data = json.loads(res.stdout)
        assert isinstance(data, dict)
        return data

    def rows(self) -> dict[int, dict[str, object]]:
        slots = self.status()["slots"]
        assert isinstance(slots, list)
        return {int(r["slot"]): r for r in slots}

    def pids(self) -> dict[int, int]:
        """Board pids as the supervisor published them (no CLI round trip)."""
        state = read_state(self.dir) or {}
        boards = state.get("boards")
        assert isinstance(boards, dict)
        return {int(k): int(v["pid"]) for k, v in boards.items()}

    def board_state(self, slot: int) -> dict[str, object]:
        state = read_state(self.dir) or {}
        boards = state.get("boards")
        assert isinstance(boards, dict)
        info = boards[str(slot)]
        assert isinstance(info, dict)
        return info

    def down(self) -> None:
        if self.chassis is not None:
            self.chassis.close()
            self.chassis = None
        res = run_cli("down", "--dir", str(self.dir))
        assert res.returncode == 0, f"down failed: {res.stdout}{res.stderr}"

    def assert_no_violations(self) -> None:
        for slot, row in self.rows().items():
            assert row["violations"] == 0, f"slot {slot}: {row['counters']}"


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


@pytest.mark.parametrize("drop", ["after-write", "after-read", "mid-stream"])
def test_host_reload(crate: RunningChassis, drop: str) -> None:
    """A second host instance talks to the board after the first vanished.

    after-write: the first host wrote a message to IMR0 and died before the
    ack; after-read: it took the board's message out of OMR0 and died before
    acking it; mid-stream: it died somewhere in a flood.
    """
    slot = {"after-write": 8, "after-read": 9, "mid-stream": 10}[drop]
    ch = crate.open()
    first = HostConsole(ch, slot)
    first.sync()
    first.write(printable(20000, seed=slot))
    if drop == "mid-stream":
        first.pump(lambda: len(first.received) >= 7000)
    elif drop == "after-write":
        first.pump(lambda: len(first.received) >= 3000 and not first.token)
    else:
        first.pump(lambda: len(first.received) >= 3000)
        # Take one message from the board the way _receive does, minus the ack
        first.pump(lambda: bool(first.s.read32(OMISR) & OM0I))
        first.s.write32(OMISR, OM0I)
        first.s.read32(OMR0)
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


@pytest.mark.xfail(strict=True, reason="protocol gap: after a host reload the board's console "
                   "output stays discarded if the old host read a message without acking it "
                   "(pcinet_cons_tx_peer_back only acts on a stall that began before the new "
                   "status write)")
def test_reload_without_kick_stalls_board_output(crate: RunningChassis) -> None:
    """The minimal reload pcinet_console.h describes (status + FIRST), no extra ack."""
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
        second.s.write32(ODR, CONS_ACK)
        second.s.write32(IMR1, second.status)
        second.write(b"\rversion\r")
        second.expect(VERSION_RE, timeout=5)
    finally:
        # leave the board usable for the tests after this one
        second.s.write32(IDR, CONS_ACK)
        second.close()


def test_no_violations_after_console_tests(crate: RunningChassis) -> None:
    rows = crate.rows()
    assert len(rows) == 19
    for slot, row in rows.items():
        assert row["violations"] == 0, f"slot {slot}: {row['counters']}"
        assert row["console"] is True
        assert row["state"] == "running"
