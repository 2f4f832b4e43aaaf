# SPDX-License-Identifier: GPL-2.0-or-later
"""The hardware model across processes, as the real parts use it: a board
process and a host process sharing one slot through the chassis files.

The register semantics themselves are unit-tested in C (tests/c/test_sim.c);
here the point is what only shows with two processes: interrupts reach the
other process's poll(), DMA lands in the other process's memory, a reset made
by one process stops the other's writes, the checker counts across them.
"""

from __future__ import annotations

import multiprocessing as mp
import select
import struct
import time

import pytest

from pcinet_sim import Chassis, Side
from pcinet_sim.defs import board_valid, const, dma_reg, status_make

from conftest import dma_direct, host_local, program_windows, reset_handshake

CTX = mp.get_context("spawn")


def _wait_fd(fd: int, timeout: float) -> bool:
    ready, _, _ = select.select([fd], [], [], timeout)
    return bool(ready)


def _board_echo_doorbells(directory: str, rounds: int) -> None:
    """Board process: answer each host doorbell with the same bits in ODR."""
    with Chassis(directory) as ch:
        board = ch.slot(1, Side.BOARD)
        # the message unit's IPIC source reaches the CPU only unmasked
        board.write32(const("M83XX_IPIC_SIMSR_L"), const("M83XX_SIMSR_L_MU"))
        fd = board.irq_fd()
        for _ in range(rounds):
            assert _wait_fd(fd, 10), "board never interrupted"
            board.irq_drain()
            bits = board.read32(const("M83XX_MU_IDR"))
            board.write32(const("M83XX_MU_IDR"), bits)
            board.write32(const("M83XX_MU_ODR"), bits)


def test_doorbells_interrupt_the_other_process(chassis: Chassis) -> None:
    host = chassis.slot(1, Side.HOST)
    rounds = 200
    proc = CTX.Process(target=_board_echo_doorbells, args=(str(chassis.dir), rounds))
    proc.start()
    fd = host.irq_fd()
    start = time.monotonic()
    for i in range(rounds):
        bit = 1 << (i % 31)
        host.write32(const("M83XX_MU_IDR"), bit)
        assert _wait_fd(fd, 10), f"no INTA for round {i}"
        host.irq_drain()
        while not host.read32(const("M83XX_MU_ODR")) & bit:
            assert _wait_fd(fd, 10)
            host.irq_drain()
        assert host.read32(const("M83XX_MU_OMISR")) & const("M83XX_OMI_ODI")
        host.write32(const("M83XX_MU_ODR"), bit)
    elapsed = time.monotonic() - start
    proc.join(10)
    assert proc.exitcode == 0
    print(f"\n{rounds} doorbell round trips between processes: "
          f"{elapsed / rounds * 1e6:.0f} us each")


def _board_dma_to_host(directory: str, bus: int, size: int) -> None:
    """Board process: program its windows, DMA a pattern into host memory."""
    with Chassis(directory) as ch:
        board = ch.slot(1, Side.BOARD)
        program_windows(board)
        base = ch.config.ram_base
        board.ram_write(base + 0x1000, bytes((i * 13) & 0xFF for i in range(size)))
        sr = dma_direct(board, 0, base + 0x1000, host_local(bus), size,
                        const("M83XX_DMA_MR_EOTIE"))
        assert sr == const("M83XX_DMA_SR_EOCDI")
        # Tell the host, as a board does after the end (protocol 3.5)
        board.write32(const("M83XX_MU_ODR"), const("PCINET_DB_NET_KICK"))


def test_board_dma_lands_in_host_memory(chassis: Chassis) -> None:
    host = chassis.slot(1, Side.HOST)
    bus = chassis.config.host_mem_bus + 0x100000
    size = 65536
    proc = CTX.Process(target=_board_dma_to_host, args=(str(chassis.dir), bus, size))
    proc.start()
    assert _wait_fd(host.irq_fd(), 10)
    proc.join(10)
    assert proc.exitcode == 0
    assert chassis.host_read(bus, size) == bytes((i * 13) & 0xFF for i in range(size))
    obs = chassis.slot(1, Side.OBSERVER)
    assert obs.counter("dma_bytes") == size


def _board_keeps_writing(directory: str, seconds: float) -> None:
    """Board process that writes its status in a loop until reset stops it."""
    with Chassis(directory) as ch:
        board = ch.slot(1, Side.BOARD)
        word = status_make(const("PCINET_STATUS_SIG_BOARD"), const("PCINET_NET_REGISTERS_VALID"))
        end = time.monotonic() + seconds
        while time.monotonic() < end and not board.stale():
            board.write32(const("M83XX_MU_OMR1"), word)
        # The CPU is gone after the reset: nothing it writes lands any more
        board.write32(const("M83XX_MU_OMR1"), word)


def test_reset_stops_a_running_board_process(chassis: Chassis) -> None:
    host = chassis.slot(1, Side.HOST)
    proc = CTX.Process(target=_board_keeps_writing, args=(str(chassis.dir), 20))
    proc.start()
    deadline = time.monotonic() + 10
    while not board_valid(host.read32(const("M83XX_MU_OMR1"))):
        assert time.monotonic() < deadline, "board never became valid"
        time.sleep(0.001)
    reset_handshake(host, const("M83XX_RCR_SWHR"))
    proc.join(10)
    assert proc.exitcode == 0
    obs = chassis.slot(1, Side.OBSERVER)
    assert obs.read32(const("M83XX_MU_OMR1")) == 0, "a reset board kept writing"
    # its configuration space went with it: the host sees all ones
    assert host.read32(const("M83XX_MU_OMR1")) == const("PCINET_ALL_ONES")


@pytest.mark.expect_violations
def test_planted_violations_are_counted(chassis: Chassis) -> None:
    """The checker can fail: every kind of violation, planted once, is seen."""
    board = chassis.slot(1, Side.BOARD)
    host = chassis.slot(1, Side.HOST)
    obs = chassis.slot(1, Side.OBSERVER)
    program_windows(board)
    host.read32(const("M83XX_MU_OMR1"))  # the host knows the board is not valid
    assert host.bar_write(0x100, b"\0" * 4) == 0
    host.read32(const("M83XX_MU_OMR1"))  # read back: no doorbell overtakes it
    sr = dma_direct(board, 0, chassis.config.ram_base, 0x40000000, 4)
    assert sr == const("M83XX_DMA_SR_TE")
    host.write32(const("M83XX_MU_OMR1"), 0)
    host.write32(const("M83XX_MU_IDR"), const("M83XX_IDR_MACHINE_CHECK"))
    board.write32(const("M83XX_MU_OMR1"), status_make(const("PCINET_STATUS_SIG_BOARD"),
                                                      const("PCINET_NET_REGISTERS_VALID")))
    assert host.bar_read(chassis.config.ram_size, 4)[0] != 0
    host.write32(const("M83XX_RST_RPR"), const("M83XX_RPR_UNLOCK"))
    host.write32(const("M83XX_RST_RCR"), const("M83XX_RCR_SWHR"))  # before RCER[CRE]
    assert "before RCER[CRE]" in obs.last_violation()
    # a chain started without SNEN; a doorbell rung before the read-back
    base = chassis.config.ram_base
    board.ram_write(base + 0x1000, struct.pack(
        "<8I", base, 0, base + 0x100, 0,
        const("M83XX_DMA_NEXT_EOL") | const("M83XX_DMA_NEXT_SNEN"), 0, 4, 0))
    board.write32(dma_reg(1, "CDAR"), base + 0x1000)
    board.write32(dma_reg(1, "MR"), const("M83XX_DMA_MR_CS"))
    assert "without SNEN" in obs.last_violation()
    host.read32(const("M83XX_MU_OMR1"))  # the board is valid now
    assert host.bar_write(0x200, b"\0" * 4) == 0
    host.write32(const("M83XX_MU_IDR"), const("PCINET_DB_NET_KICK"))
    assert "read back first" in obs.last_violation()
    counters = obs.counters()
    assert counters["viol_ram_invalid"] == 1
    assert counters["viol_dma_range"] == 1
    assert counters["viol_ro_write"] == 1
    assert counters["viol_reserved_bit"] == 1
    assert counters["viol_bar_range"] == 1
    assert counters["viol_rcr_lost"] == 1
    assert counters["viol_no_snoop"] == 1
    assert counters["viol_posted_passed"] == 1
    assert obs.violations() == 8
    assert obs.epoch() == 0, "the lost RCR write reset the board"


def test_counters_are_shared_between_handles(chassis: Chassis) -> None:
    board = chassis.slot(2, Side.BOARD)
    program_windows(board)
    for _ in range(3):
        dma_direct(board, 1, chassis.config.ram_base, chassis.config.ram_base + 0x100, 16)
    with Chassis(chassis.dir) as other:
        assert other.slot(2, Side.OBSERVER).counter("dma_transfers") == 3
        assert other.slot(1, Side.OBSERVER).counter("dma_transfers") == 0
