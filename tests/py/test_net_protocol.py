# SPDX-License-Identifier: GPL-2.0-or-later
"""The network protocol end to end on the simulated hardware.

A board process (pcinet-sim-board, the protocol's echo board) and a host
written here from docs/protocol.md alone, in Python, talk through the
simulated message unit, BAR1 and the board's DMA controller. Frames go
host -> board -> host; the handshake (attach, orderly stop, re-attach, host
reload) runs under the checker, which fails the test on any violation.
"""

from __future__ import annotations

import random
import select
import signal
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from pcinet_sim import Chassis, Side, Slot
from pcinet_sim.defs import board_valid, const, status_make
from pcinet_sim.paths import board_program

BUF = 2048
RUNNING = const("PCINET_NET_STATUS_RUNNING")


def _wait(cond: object, timeout: float, what: str, fd: int | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        left = deadline - time.monotonic()
        assert left > 0, f"timed out waiting for {what}"
        if fd is None:
            time.sleep(0.001)
        else:
            select.select([fd], [], [], min(left, 0.05))


class Host:
    """A user-space PCINet host for one slot, as docs/protocol.md describes it."""

    def __init__(self, chassis: Chassis, slot: int, instance: int = 0):
        self.ch = chassis
        self.s: Slot = chassis.slot(slot, Side.HOST)
        self.fd = self.s.irq_fd()
        # each host instance (a reload is a new one) has its own DMA memory
        base = chassis.config.host_mem_bus + 0x400000 + slot * 0x100000 + instance * 0x80000
        self.area, self.tx_base, self.rx_base = base, base + 0x10000, base + 0x60000
        self.status_word = status_make(const("PCINET_STATUS_SIG_HOST"), 0)

    # -- status and interrupts ------------------------------------------------
    def board_status(self) -> int:
        return self.s.read32(const("M83XX_MU_OMR1"))

    def set_status(self, flags: int) -> None:
        self.status_word = status_make(const("PCINET_STATUS_SIG_HOST"), flags)
        self.s.write32(const("M83XX_MU_IMR1"), self.status_word)

    def ack_interrupts(self) -> None:
        self.s.irq_drain()
        self.s.write32(const("M83XX_MU_OMISR"), const("M83XX_OMI_OM1I"))
        self.s.write32(const("M83XX_MU_ODR"), self.s.read32(const("M83XX_MU_ODR")))

    # -- attach / detach -------------------------------------------------------
    def attach(self, timeout: float = 5.0,
               after_lease: Callable[[], None] | None = None) -> bool:
        """Attach; False if the board is not valid within timeout or withdrew
        meanwhile (then we have let go)."""
        try:
            _wait(lambda: board_valid(self.board_status()), timeout, "registers valid", self.fd)
        except AssertionError:
            return False
        if self.board_status() & RUNNING:
            # A predecessor left the board attached: make it let go first.
            self.set_status(0)
            _wait(lambda: not self.board_status() & RUNNING, 1.0, "board detach", self.fd)
        # The lease first, then a re-read: from here a concurrent stop waits
        # for us, so nothing below can touch an invalid region.
        self.set_status(RUNNING)
        if not board_valid(self.board_status()):
            self.release()
            return False
        if after_lease:
            after_lease()  # a test's chance to stop the board right here
        ok, raw = self.s.bar_read(0, const("PCINET_CTRL_SIZE"))
        assert ok == 0
        words = struct.unpack("<64I", raw)
        assert words[0] == const("PCINET_MAGIC")
        assert words[1] >> 16 == const("PCINET_VERSION_MAJOR")
        assert words[2] == const("PCINET_CTRL_SIZE")
        (self.h2b_off, self.h2b_len, self.b2h_off, self.b2h_len,
         self.max_frame) = words[4:9]
        self.generation = words[10]
        dma_base, dma_size = words[13] | words[14] << 32, words[15]
        assert self.max_frame <= BUF
        assert dma_base <= self.area and self.rx_base + 0x80000 <= dma_base + dma_size, \
            "our buffers are outside the board's DMA window"
        # Fresh host area, indices from zero, every receive buffer posted
        area_size = 64 + 8 * self.b2h_len
        self.ch.host_write(self.area, bytes(area_size))
        self.h2b_prod = self.h2b_cons = 0
        self.b2h_prod = self.b2h_seen = 0
        for i in range(self.b2h_len):
            self._post_rx(i)
        prods = struct.pack("<2I", self.h2b_prod, self.b2h_prod)
        assert self.s.bar_write(const("PCINET_CTRL_OFF_H2B_PROD"), prods) == 0
        host_part = struct.pack("<5I", const("PCINET_VERSION"), self.area, 0, area_size,
                                self.generation)
        off = const("PCINET_CTRL_OFF_HOST")
        assert self.s.bar_write(off + 4, host_part) == 0
        assert self.s.bar_write(off, const("PCINET_MAGIC").to_bytes(4, "little")) == 0
        self._read_back(off)
        self.set_status(RUNNING)  # again: "my part is complete"
        _wait(lambda: self.board_status() & RUNNING or not board_valid(self.board_status()),
              timeout, "board attach", self.fd)
        if not board_valid(self.board_status()):
            self.release()
            return False
        return True

    def _post_rx(self, n: int) -> None:
        slot = self.b2h_prod % self.b2h_len
        desc = struct.pack("<4I", self.rx_base + slot * BUF, 0, BUF, 0)
        assert self.s.bar_write(self.b2h_off + 16 * slot, desc) == 0
        self.b2h_prod += 1

    def _write_prods(self) -> None:
        prods = struct.pack("<2I", self.h2b_prod & 0xFFFFFFFF, self.b2h_prod & 0xFFFFFFFF)
        assert self.s.bar_write(const("PCINET_CTRL_OFF_H2B_PROD"), prods) == 0
        self._read_back(const("PCINET_CTRL_OFF_H2B_PROD"))
        self.s.write32(const("M83XX_MU_IDR"), const("PCINET_DB_NET_KICK"))

    def _read_back(self, off: int) -> None:
        """Protocol 3.5: BAR1 writes are posted; one read of the word written
        last orders them before the doorbell or IMR1 write that follows."""
        assert self.s.bar_read(off, 4)[0] == 0

    def release(self) -> None:
        """What the host does when it sees registers-valid drop."""
        self.set_status(0)

    # -- data path --------------------------------------------------------------
    def _area_u32(self, off: int) -> int:
        return int.from_bytes(self.ch.host_read(self.area + off, 4), "little")

    def echo(self, data: bytes) -> bytes:
        self.send([data])
        return self.receive(1)[0]

    def post_h2b(self, addr: int, length: int) -> None:
        """Post one h2b descriptor as given, without the producer update."""
        slot = self.h2b_prod % self.h2b_len
        desc = struct.pack("<4I", addr, 0, length, 0)
        assert self.s.bar_write(self.h2b_off + 16 * slot, desc) == 0
        self.h2b_prod += 1

    def send(self, frames: list[bytes]) -> None:
        for data in frames:
            _wait(lambda: self.h2b_prod - self._reclaim() < self.h2b_len, 5, "h2b space",
                  self.fd)
            addr = self.tx_base + (self.h2b_prod % self.h2b_len) * BUF
            self.ch.host_write(addr, data)
            self.post_h2b(addr, len(data))
            self._write_prods()

    def _reclaim(self) -> int:
        cons = self._area_u32(0)
        assert (cons - self.h2b_cons) % 2**32 <= (self.h2b_prod - self.h2b_cons) % 2**32, \
            "board reported more h2b frames done than were posted"
        self.h2b_cons = cons
        return cons

    def receive(self, count: int, timeout: float = 10) -> list[bytes]:
        got: list[bytes] = []
        deadline = time.monotonic() + timeout
        while len(got) < count:
            assert time.monotonic() < deadline, f"received {len(got)} of {count}"
            done = self._area_u32(4)
            assert (done - self.b2h_seen) % 2**32 <= (self.b2h_prod - self.b2h_seen) % 2**32
            if done == self.b2h_seen:
                select.select([self.fd], [], [], 0.05)
                self.ack_interrupts()
                continue
            while self.b2h_seen != done:
                slot = self.b2h_seen % self.b2h_len
                length, flags = struct.unpack(
                    "<2I", self.ch.host_read(self.area + 64 + 8 * slot, 8))
                assert flags == 0 and 1 <= length <= BUF, f"bad completion {length} {flags}"
                got.append(self.ch.host_read(self.rx_base + slot * BUF, length))
                self.b2h_seen += 1
                self._post_rx(1)
            self._write_prods()
        return got


@pytest.fixture
def echo_board(chassis: Chassis) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([str(board_program()), "--valid", str(chassis.dir), "1"],
                            stderr=subprocess.PIPE)
    # Signals are its commands: only send them once it is up and listening
    obs = chassis.slot(1, Side.OBSERVER)
    _wait(lambda: obs.read32(const("M83XX_MU_OMR1")), 10, "the board to come up")
    yield proc
    proc.kill()
    proc.wait()
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    for problem in ("detaching", "refusing", "did not release"):
        assert problem not in err, err


def _frames(n: int, seed: int) -> list[bytes]:
    rnd = random.Random(seed)
    return [rnd.randbytes(rnd.randint(60, 1536)) for _ in range(n)]


def test_frames_echo_through_dma_in_order(chassis: Chassis,
                                          echo_board: subprocess.Popen[bytes]) -> None:
    host = Host(chassis, 1)
    assert host.attach()
    frames = _frames(600, 1)
    got: list[bytes] = []
    for i in range(0, len(frames), 32):
        host.send(frames[i:i + 32])
        got += host.receive(len(frames[i:i + 32]))
    assert got == frames
    obs = chassis.slot(1, Side.OBSERVER)
    assert obs.counter("dma_bytes") >= 2 * sum(map(len, frames))


def test_orderly_stop_and_reattach(chassis: Chassis,
                                   echo_board: subprocess.Popen[bytes]) -> None:
    host = Host(chassis, 1)
    assert host.attach()
    assert host.echo(b"before" * 20) == b"before" * 20
    generation = host.generation
    echo_board.send_signal(signal.SIGUSR2)  # the board withdraws its region
    _wait(lambda: not board_valid(host.board_status()), 5, "valid to drop", host.fd)
    host.ack_interrupts()
    host.release()  # from here on the host never touches BAR1
    echo_board.send_signal(signal.SIGUSR1)  # and publishes it again
    assert host.attach()
    assert host.generation == generation + 1
    assert host.echo(b"after" * 30) == b"after" * 30


def test_a_new_host_takes_over_from_a_dead_one(chassis: Chassis,
                                               echo_board: subprocess.Popen[bytes]) -> None:
    first = Host(chassis, 1)
    assert first.attach()
    assert first.echo(b"one" * 40) == b"one" * 40
    # The first host dies without a word; a reloaded one starts from scratch
    second = Host(chassis, 1, instance=1)
    assert second.attach()
    assert second.echo(b"two" * 40) == b"two" * 40


def test_bad_descriptors_are_dropped_by_the_board(chassis: Chassis,
                                                  echo_board: subprocess.Popen[bytes]) -> None:
    host = Host(chassis, 1)
    assert host.attach()
    host.post_h2b(host.tx_base, host.max_frame + 1)  # too long
    host.post_h2b(0x7FFFF000, 100)  # beyond the outbound window
    host._write_prods()
    assert host.echo(b"good" * 50) == b"good" * 50
    # The board consumed all three and did no DMA outside its windows
    _wait(lambda: host._reclaim() == host.h2b_prod, 5, "h2b consumption", host.fd)


def test_attach_racing_a_stop_never_touches_an_invalid_region(
        chassis: Chassis, echo_board: subprocess.Popen[bytes]) -> None:
    """A board that withdraws while the host attaches (a U-Boot net command
    that ends at once) must cost nothing but a retry: the checker (in the
    fixture) fails the test on any access to an invalid region."""
    host = Host(chassis, 1)
    rnd = random.Random(7)
    attached = withdrawn_during = 0
    for _ in range(40):
        echo_board.send_signal(signal.SIGUSR1)
        _wait(lambda: board_valid(host.board_status()), 5, "registers valid", host.fd)
        timer = threading.Timer(rnd.uniform(0, 0.004), echo_board.send_signal,
                                (signal.SIGUSR2,))
        timer.start()
        if host.attach(timeout=0.05):
            attached += 1
        else:
            withdrawn_during += 1
        timer.join()
        _wait(lambda: not board_valid(host.board_status()), 5, "valid to drop", host.fd)
        host.release()
        host.ack_interrupts()
    print(f"\n40 attaches racing a stop: {attached} attached first, "
          f"{withdrawn_during} saw the stop during the attach")


def _stop_board_now(board: subprocess.Popen[bytes], host: Host) -> None:
    board.send_signal(signal.SIGUSR2)
    _wait(lambda: not board_valid(host.board_status()), 5, "valid to drop")


def test_a_stop_inside_the_attach_is_covered_by_the_lease(
        chassis: Chassis, echo_board: subprocess.Popen[bytes]) -> None:
    """The board stops between the host's lease and its first BAR1 access:
    the host still reads the layout and writes its part, legally, because
    the board waits for the lease to end (the fixture checks: no violation,
    and the board was not left waiting past PCINET_STOP_ACK_MS)."""
    host = Host(chassis, 1)
    assert not host.attach(after_lease=lambda: _stop_board_now(echo_board, host))
    assert not host.status_word & RUNNING, "the lease must end when the attach fails"


@pytest.mark.expect_violations
def test_reading_the_layout_without_a_lease_is_caught(
        chassis: Chassis, echo_board: subprocess.Popen[bytes]) -> None:
    """The 2010 order - look at valid, then read the layout - loses the same
    race, and the checker says so."""
    host = Host(chassis, 1)
    _wait(lambda: board_valid(host.board_status()), 5, "registers valid")
    _stop_board_now(echo_board, host)
    host.s.bar_read(0, const("PCINET_CTRL_SIZE"))
    obs = chassis.slot(1, Side.OBSERVER)
    assert obs.counter("viol_ram_invalid") == 1, obs.counters()
