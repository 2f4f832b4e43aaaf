# SPDX-License-Identifier: GPL-2.0-or-later
"""Test helpers shared by the chassis and console tests.

HostConsole is a small host console driver written against the binding: it
speaks include/pcinet/pcinet_console.h through BAR0 (IMR0/IMR1, OMR0/OMR1,
IDR/ODR, OMISR) and waits on the slot's host interrupt line with poll().
RunningChassis brings a chassis up and down with the real pcinet-sim command.
"""

from __future__ import annotations

import json
import re
import select
import shlex
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pcinet_sim import Chassis, Side, Slot
from pcinet_sim.defs import cons_decode, cons_encode, const, status_make
from pcinet_sim.layout import Layout
from pcinet_sim.paths import board_program
from pcinet_sim.supervisor import read_state

from conftest import run_cli

ALL_ONES = const("PCINET_ALL_ONES")
OMISR = const("M83XX_MU_OMISR")
OMIMR = const("M83XX_MU_OMIMR")
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
OMI_ALL = OM0I | OM1I | ODI
CONS_ACK = const("PCINET_DB_CONS_ACK")
CONS_SEQ = const("PCINET_CONS_SEQ")
CONS_FIRST = const("PCINET_CONS_FIRST")
CONS_MAX = const("PCINET_CONS_MAX_BYTES")
SIG_MASK = const("PCINET_STATUS_SIG_MASK")
SIG_BOARD = const("PCINET_STATUS_SIG_BOARD")
SIG_HOST = const("PCINET_STATUS_SIG_HOST")
UART_RX_ENABLED = const("PCINET_UART_RX_ENABLED")
VERSION_MASK = const("PCINET_STATUS_VERSION_MASK")
VERSION_SHIFT = const("PCINET_STATUS_VERSION_SHIFT")
VERSION_MAJOR = const("PCINET_VERSION_MAJOR")
STALL_S = const("PCINET_CONS_STALL_MS") / 1000

PROMPT = b"=> "
# pcinet-sim up flags for a chassis of test boards whose host side the test
# plays itself: the test firmware (not the default U-Boot board), no pcinetd
TEST_BOARD = ("--board", shlex.quote(str(board_program())))
NO_HOST = ("--no-host",)
VERSION_RE = re.compile(rb"pcinet-sim-board 1 protocol (\d+)\.(\d+) slot (\d+) epoch (\d+)\r\n")


def compatible(board_status: int) -> bool:
    """pcinet_status_compatible(status, PCINET_STATUS_SIG_BOARD)."""
    return (board_status & SIG_MASK == SIG_BOARD
            and (board_status & VERSION_MASK) >> VERSION_SHIFT == VERSION_MAJOR)


def pcinetd_request(directory: Path, line: str, timeout: float = 10.0) -> dict[str, Any]:
    """One command over pcinetd's control socket in directory, one JSON reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(Layout(directory).pcinetd_sock))
        s.sendall(line.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            assert chunk, f"pcinetd closed the connection on {line!r}"
            data += chunk
    reply = json.loads(data)
    assert isinstance(reply, dict)
    return reply


class ConsoleError(AssertionError):
    """The console did not do what a test waited for."""


class PromptConsole:
    """Commands at a board's prompt, for any console that can write, expect
    and wait for quiet: HostConsole on the registers, or a terminal on
    pcinetd's pty (test_host_console.Pty)."""

    received: bytearray

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def expect(self, pattern: bytes | re.Pattern[bytes], start: int = 0,
               timeout: float = 10.0) -> re.Match[bytes]:
        raise NotImplementedError

    def quiet(self, idle: float = 0.15, timeout: float = 10.0) -> None:
        raise NotImplementedError

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


class HostConsole(PromptConsole):
    """Host side of one slot's console: one instance = one loaded host driver.

    It follows docs/protocol.md section 9. Sending: the host starts with the
    token; it writes one message (1..3 bytes, PCINET_CONS_FIRST on the
    first, the sequence bit toggling) to IMR0, only while the board's status
    is compatible and has UART_RX_ENABLED, and waits for the board's
    PCINET_DB_CONS_ACK in ODR (W1C) before the next. Receiving: on
    OMISR[OM0I] it clears OM0I first, then reads OMR0, drops a duplicate by
    the sequence rule, keeps the bytes and rings PCINET_DB_CONS_ACK in IDR.
    OMISR[OM1I] (board status written) is handled first: a board whose
    status appears while our own status word in IMR1 is gone was reset, and
    both directions start over. The line is served with poll() on the slot's
    host irq fd, irq_drain() before every look at the registers.
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
        self.sent_at = 0.0
        self.rx_have_last = False
        self.rx_last = 0
        if attach:
            self.attach()

    # -- state --------------------------------------------------------------
    def _restart(self) -> None:
        """pcinet_cons_tx_init() + pcinet_cons_rx_init(): we hold the token."""
        self.token = True
        self.seq = False
        self.first = True
        self.rx_have_last = False
        self.rx_last = 0

    def _mask(self, masked: bool) -> None:
        """OMIMR is the host's; change only OM0I, OM1I and ODI (RMW)."""
        old = self.s.read32(OMIMR)
        self.s.write32(OMIMR, old | OMI_ALL if masked else old & ~OMI_ALL)

    def attach(self, settle: float = 0.06) -> None:
        """Driver load: protocol section 10.7 "Load" and 9.3, step by step.

        settle is the test harness' own care, not the protocol's: a previous
        instance may have left a message in IMR0 whose ack the board has not
        rung yet. Waiting until the board took it keeps that late ack from
        being taken for the ack of our first message (the protocol only
        promises to lose at most the one message in flight at a restart).
        """
        s = self.s
        self._mask(True)
        self._restart()  # 1
        deadline = time.monotonic() + 1.0
        while s.read32(IMISR) & IM0I and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(settle)
        s.write32(IMR1, status_make(SIG_HOST, 0))  # 2: console not yet accepting
        if s.read32(OMISR) & OM0I:  # 3: drain a pending board message
            self._receive(ack=False)
        odr = s.read32(ODR)  # 4: stale doorbells
        if odr:
            s.write32(ODR, odr)
        self.board_status = s.read32(OMR1)
        if compatible(self.board_status):  # 5: give the board its token back
            s.write32(IDR, CONS_ACK)
        s.write32(IMR1, self.status)  # 6
        self._mask(False)

    def unload(self) -> None:
        """Orderly driver unload: host status with every flag clear."""
        self._mask(True)
        self.s.write32(IMR1, status_make(SIG_HOST, 0))
        self.s.close()

    def close(self) -> None:
        """Drop the driver without a word to the board (a crashed host)."""
        self.s.close()

    # -- interrupt service --------------------------------------------------
    def _board_status_changed(self) -> None:
        status = self.s.read32(OMR1)
        self.board_status = status
        if compatible(status) and self.s.read32(IMR1) != self.status:
            # A board reset cleared IMR1 with the rest of the message unit:
            # this is a new board, whose console starts from scratch.
            self.board_restarts += 1
            self._restart()
            self._mask(False)
            self.s.write32(IMR1, self.status)
        elif not self.token and time.monotonic() - self.sent_at >= STALL_S:
            # pcinet_cons_tx_peer_back(): a stalled sender starts over
            self.token = True
            self.first = True

    def _receive(self, ack: bool = True) -> None:
        self.s.write32(OMISR, OM0I)  # clear first, then read
        msg = self.s.read32(OMR0)
        # pcinet_cons_rx_accept(): a FIRST message is a duplicate only if it
        # repeats the last one exactly; any other if its seq did not toggle
        if msg & CONS_FIRST:
            dup = self.rx_have_last and msg == self.rx_last
        else:
            dup = self.rx_have_last and (msg ^ self.rx_last) & CONS_SEQ == 0
        if dup:
            self.duplicates += 1
        else:
            data = cons_decode(msg)
            if data:
                self.rx_have_last = True
                self.rx_last = msg
                self.received += data
                self.messages_in += 1
        if ack:
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
        self.sent_at = time.monotonic()
        self.messages_out += 1
        self.s.write32(IMR0, msg)

    def service(self) -> bool:
        """One look at the registers, in the protocol's order: OM1I, OM0I, ODI."""
        s = self.s
        busy = False
        isr = s.read32(OMISR)
        if isr == ALL_ONES and not s.cfg_decodes():
            # A board reset took its configuration space: restore it once
            # its firmware is up (protocol 2.2 host rule 3), then look again
            if not s.cfg_restore():
                return False
            isr = s.read32(OMISR)
        if isr & OM1I:
            s.write32(OMISR, OM1I)
            self._board_status_changed()
            busy = True
        if isr & OM0I:
            self._receive()
            busy = True
        if isr & ODI and s.read32(ODR) & CONS_ACK:
            s.write32(ODR, CONS_ACK)
            self.token = True
            busy = True
        if (self.token and self._tx and compatible(self.board_status)
                and self.board_status & UART_RX_ENABLED):
            self._send()
            busy = True
        return busy

    # -- API ----------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Queue bytes for the board; pump() sends them."""
        self._tx = self._tx[self._tx_off:] + data
        self._tx_off = 0

    def send(self, data: bytes, timeout: float = 10.0) -> None:
        """Queue data and serve until its last message is in IMR0."""
        self.write(data)
        self.pump(lambda: not self.tx_pending, timeout=timeout)

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
        stop = [0.0]

        def idle_over() -> bool:
            return time.monotonic() > stop[0]

        while True:
            before = len(self.received)
            stop[0] = time.monotonic() + idle
            self.pump(idle_over, timeout=idle + 5)
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


    def describe(self) -> str:
        s = self.s
        return (f"OMISR 0x{s.read32(OMISR):x} IMISR 0x{s.read32(IMISR):x} "
                f"ODR 0x{s.read32(ODR):x} IDR 0x{s.read32(IDR):x} "
                f"OMR1 0x{s.read32(OMR1):08x} IMR1 0x{s.read32(IMR1):08x} "
                f"token {self.token} pending {self.tx_pending} received {len(self.received)}")


class RunningChassis:
    """A chassis brought up and taken down with the real pcinet-sim command.

    up() runs test boards without pcinetd unless told otherwise: most tests
    play the host themselves (HostConsole, their own pcinetd), and a second
    host on a slot would steal its interrupts. A --board in extra wins.
    """

    def __init__(self, directory: Path, slots: int) -> None:
        self.dir = directory
        self.layout = Layout(directory)
        self.slots = slots
        self.chassis: Chassis | None = None

    def up(self, *extra: str, host: bool = False) -> None:
        defaults = TEST_BOARD + (() if host else NO_HOST)
        res = run_cli("up", "--dir", str(self.dir), "--slots", str(self.slots), *defaults,
                      *extra)
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
