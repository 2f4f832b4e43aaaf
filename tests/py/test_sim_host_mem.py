# SPDX-License-Identifier: GPL-2.0-or-later
"""Host memory that is another program's file (docs/uml.md: a user-mode Linux
kernel's RAM): `pcinet-sim up --host-mem`, and the binding's Chassis.make()."""

from __future__ import annotations

from pathlib import Path

import pytest

from pcinet_sim import Chassis, Config, Side, SimError
from pcinet_sim.defs import const
from pcinet_sim.layout import Layout

from conftest import dma_direct, host_local, program_windows, run_cli
from simhelpers import NO_HOST, TEST_BOARD, HostConsole, RunningChassis

MIB = 1 << 20


def test_make_with_external_host_memory(tmp_path: Path) -> None:
    mem = tmp_path / "guest-ram"
    mem.write_bytes(b"\0" * (2 * MIB))
    d = tmp_path / "c"
    d.mkdir()
    cfg = Config.default(slots=1, host_mem_bus=0, host_mem_size=MIB)
    with pytest.raises(SimError):
        Chassis.make(d, Config.default(slots=1, host_mem_bus=0, host_mem_size=4 * MIB), mem)
    assert not Layout(d).chassis_conf.exists()
    Chassis.make(d, cfg, mem)
    assert not Layout(d).host_mem.exists()
    with Chassis(d) as ch:
        board = ch.slot(1, Side.BOARD)
        program_windows(board)
        board.ram_write(ch.config.ram_base, b"guest ram " * 10)
        sr = dma_direct(board, 0, ch.config.ram_base, host_local(0x4000), 100)
        assert sr == const("M83XX_DMA_SR_EOCDI")
    assert mem.read_bytes()[0x4000:0x4000 + 100] == b"guest ram " * 10
    Chassis.destroy(d)
    assert mem.exists() and not any(d.iterdir())


def test_up_with_host_mem(tmp_path: Path) -> None:
    mem = tmp_path / "guest-ram"
    mem.write_bytes(b"\0" * (3 * MIB + 100))     # the window is the whole 4 KiB pages
    d = tmp_path / "crate"
    res = run_cli("up", "--dir", str(d), "--slots", "1", "--no-netns", *TEST_BOARD, *NO_HOST,
                  "--host-mem", str(mem), "--host-mem-bus", "0")
    try:
        assert res.returncode == 0, res.stdout + res.stderr
        conf = Layout(d).chassis_conf.read_text()
        assert f"host_mem_path {mem}\n" in conf
        assert "host_mem_bus 0x00000000\n" in conf
        assert f"host_mem_size 0x{3 * MIB:08x}\n" in conf
        st = run_cli("status", "--dir", str(d))
        assert st.returncode == 0, st.stdout + st.stderr
    finally:
        down = run_cli("down", "--dir", str(d))
    assert down.returncode == 0, down.stdout + down.stderr
    assert mem.stat().st_size == 3 * MIB + 100      # left alone
    assert not d.exists()


def test_up_with_missing_host_mem_fails_cleanly(tmp_path: Path) -> None:
    d = tmp_path / "crate"
    res = run_cli("up", "--dir", str(d), "--slots", "1", "--no-netns", *TEST_BOARD, *NO_HOST,
                  "--host-mem", str(tmp_path / "none"), "--host-mem-size", str(MIB))
    assert res.returncode == 1
    assert "cannot create the chassis" in res.stderr
    assert not Layout(d).chassis_conf.exists()


def test_board_dma_command_into_external_host_memory(tmp_path: Path) -> None:
    """The test firmware's `dma BUS LEN` (what the UML smoke test asks for) puts its
    pattern into the external file at BUS - host_mem_bus."""
    mem = tmp_path / "guest-ram"
    mem.write_bytes(b"\0" * (2 * MIB))
    rc = RunningChassis(tmp_path / "crate", 1)
    rc.up("--no-netns", "--host-mem", str(mem), "--host-mem-bus", "0")
    try:
        con = HostConsole(rc.open(), 1)
        con.expect(b"ready")
        con.send(b"dma 0x3000 300\r")
        con.expect(b"dma 0x3000 300 done")
        con.send(b"dma 0x40000000 16\r")
        con.expect(b"dma: outside outbound window 0")
        pattern = bytes((i * 7 + 0x5A) & 0xFF for i in range(300))
        assert mem.read_bytes()[0x3000:0x3000 + 300] == pattern
        con.close()
        rc.assert_no_violations()
    finally:
        rc.down()
