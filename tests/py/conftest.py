# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared fixtures: a chassis in a temporary directory, slot handles, and a
guard that fails any test that leaves a protocol violation behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pcinet_sim import VIOLATIONS, Chassis, Config, Side, Slot
from pcinet_sim.defs import (
    const,
    dma_reg,
    pcilawar,
    pcilawbar,
    piwar_code,
    pobar,
    pocmr,
    pocmr_cm,
    potar,
)

REPO = Path(__file__).resolve().parents[2]
OUTBOUND_LOCAL = 0x80000000
OUTBOUND_SIZE = 0x40000000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "expect_violations: the test plants violations on purpose")


@pytest.fixture
def chassis(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Chassis]:
    """A 2-slot chassis with no supervisor: the test plays board and host."""
    directory = tmp_path / "chassis"
    directory.mkdir()
    ch = Chassis.create(directory, Config.default(slots=2))
    yield ch
    if request.node.get_closest_marker("expect_violations") is None:
        for slot in range(1, ch.config.slots + 1):
            obs = ch.slot(slot, Side.OBSERVER)
            counters = obs.counters()
            bad = {k: counters[k] for k in VIOLATIONS if counters[k]}
            assert not bad, f"slot {slot}: {bad}: {obs.last_violation()}"
    ch.close()
    Chassis.destroy(directory)


@pytest.fixture
def board(chassis: Chassis) -> Slot:
    return chassis.slot(1, Side.BOARD)


@pytest.fixture
def host(chassis: Chassis) -> Slot:
    return chassis.slot(1, Side.HOST)


@pytest.fixture
def observer(chassis: Chassis) -> Slot:
    return chassis.slot(1, Side.OBSERVER)


def program_windows(board: Slot) -> None:
    """What board firmware does: inbound window 0 on its RAM, snooping;
    outbound 0 to host memory, inside PCI local access window 0."""
    cfg = board.chassis.config
    board.write32(const("M83XX_PITAR0"), cfg.ram_base >> 12)
    board.write32(const("M83XX_PIWAR0"), const("M83XX_PIWAR_EN") | const("M83XX_PIWAR_PF")
                  | const("M83XX_PIWAR_RTT_SNOOP") | const("M83XX_PIWAR_WTT_SNOOP")
                  | piwar_code(cfg.ram_size))
    board.write32(pcilawbar(0), OUTBOUND_LOCAL)
    board.write32(pcilawar(0), const("M83XX_LAWAR_EN") | piwar_code(OUTBOUND_SIZE))
    board.write32(pobar(0), OUTBOUND_LOCAL >> 12)
    board.write32(potar(0), 0)
    board.write32(pocmr(0), const("M83XX_POCMR_EN") | pocmr_cm(OUTBOUND_SIZE))


def host_local(bus_addr: int) -> int:
    """The board-local address through outbound window 0 of a host bus address."""
    return OUTBOUND_LOCAL + bus_addr


def run_cli(*args: str, timeout: float = 120,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run pcinet-sim from the venv the tests run in (env: variables to add)."""
    exe = Path(sys.executable).parent / "pcinet-sim"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=timeout,
                          check=False, env={**os.environ, **(env or {})})


def dma_direct(board: Slot, channel: int, src: int, dst: int, count: int,
               mode: int = 0, timeout: float = 2.0) -> int:
    """A direct-mode DMA as a driver must run it (protocol 3.3): clear the
    status, start, and wait for EOCDI or TE - a transfer takes time, and
    "CB clear" is not its end. Returns the status register then."""
    end = const("M83XX_DMA_SR_EOCDI") | const("M83XX_DMA_SR_TE")
    board.write32(dma_reg(channel, "MR"), 0)
    board.write32(dma_reg(channel, "SR"), end | const("M83XX_DMA_SR_EOSI"))
    board.write32(dma_reg(channel, "SAR"), src)
    board.write32(dma_reg(channel, "DAR"), dst)
    board.write32(dma_reg(channel, "BCR"), count)
    board.write32(dma_reg(channel, "MR"), mode | const("M83XX_DMA_MR_CTM")
                  | const("M83XX_DMA_MR_CS"))
    deadline = time.monotonic() + timeout
    while True:
        sr = int(board.read32(dma_reg(channel, "SR")))
        if sr & end and not sr & const("M83XX_DMA_SR_CB"):
            return sr
        assert time.monotonic() < deadline, f"DMA channel {channel} never ended (SR {sr:#x})"
        time.sleep(0.0001)


def reset_handshake(slot: Slot, rcr: int, timeout: float = 1.0) -> int:
    """The reset request as U-Boot's 83xx do_reset() and the hosts make it
    (protocol 10.8): RPR "RSTE", RCER until CRE, then RCR. Returns the RCER
    reads it took; raises if CRE never came (RCR then not written)."""
    slot.write32(const("M83XX_RST_RPR"), const("M83XX_RPR_UNLOCK"))
    deadline = time.monotonic() + timeout
    reads = 0
    while True:
        reads += 1
        if slot.read32(const("M83XX_RST_RCER")) & const("M83XX_RCER_CRE"):
            slot.write32(const("M83XX_RST_RCR"), rcr)
            return reads
        assert time.monotonic() < deadline, "RCER[CRE] never set after the RPR unlock"
        time.sleep(0.00001)
