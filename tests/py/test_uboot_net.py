# SPDX-License-Identifier: GPL-2.0-or-later
"""The U-Boot PCINet Ethernet driver (u-boot/drivers/net/pcinet.c) on the
simulated chassis.

Each driver-model unit test of u-boot/test/dm/pcinet.c runs in U-Boot
sandbox (`ut dm <name>`) on a fresh chassis made here: the test itself plays
the PCI host in the sandbox process. The chassis' checker must see no
protocol violation but the ones a test plants. A last test runs `ping` in
U-Boot against a host written in Python (test_net_protocol.Host) in another
process, through the real network stack. The tests after it check the
windows the driver sets up when it probes (docs/protocol.md 2.2, 7): inbound
window 0 snooping, and a PCI local access window over the outbound window.

Needs the sandbox build (scripts/uboot.sh build; PCINET_UBOOT_SANDBOX names
another build directory, one built with CONFIG_PCINET); skipped without it.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_net_protocol import Host

from pcinet_sim import VIOLATIONS, Chassis, Side
from pcinet_sim.defs import board_valid, const, piwar_code, pobar, pocmr, pocmr_cm, potar

from conftest import REPO

BUILD = Path(os.environ.get("PCINET_UBOOT_SANDBOX", REPO / "build" / "u-boot-sandbox"))
SANDBOX = BUILD / "u-boot"
TEST_DTB = BUILD / "arch" / "sandbox" / "dts" / "test.dtb"
TEST_SOURCE = REPO / "u-boot" / "test" / "dm" / "pcinet.c"
UT_TIMEOUT = 120

# Tests that plant violations on purpose: name -> {counter: count}
PLANTED = {"pcinet_net_dma_error": {"viol_dma_range": 1}}

pytestmark = pytest.mark.skipif(
    not SANDBOX.exists() or not TEST_DTB.exists(),
    reason=f"no U-Boot sandbox build at {SANDBOX} (with {TEST_DTB.name}): "
           "run scripts/uboot.sh build, or set PCINET_UBOOT_SANDBOX to a build directory")


def _ut_tests() -> list[str]:
    """The tests in u-boot/test/dm/pcinet.c, as `ut dm` names them."""
    names = re.findall(r"^DM_TEST\(dm_test_(pcinet_net_\w+),", TEST_SOURCE.read_text(),
                       re.MULTILINE)
    assert names, f"no DM_TEST(dm_test_pcinet_net_...) in {TEST_SOURCE}"
    return names


def _sandbox(chassis: Chassis, command: str, cwd: Path,
             timeout: float = UT_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run U-Boot sandbox with the test device tree as slot 1's board."""
    env = {**os.environ, "PCINET_SIM_DIR": str(chassis.dir), "PCINET_SIM_SLOT": "1"}
    return subprocess.run([str(SANDBOX), "-T", "-c", command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _violations(chassis: Chassis) -> dict[str, int]:
    counters = chassis.slot(1, Side.OBSERVER).counters()
    return {name: counters[name] for name in VIOLATIONS if counters[name]}


@pytest.mark.expect_violations  # checked here, against what the test plants
@pytest.mark.parametrize("name", _ut_tests())
def test_ut_dm(chassis: Chassis, tmp_path: Path, name: str) -> None:
    start = time.monotonic()
    result = _sandbox(chassis, f"ut dm {name}", tmp_path)
    took = time.monotonic() - start
    out = result.stdout + result.stderr
    runs = len(re.findall(rf"^Test: dm_test_{name}: ", out, re.MULTILINE))
    assert runs, f"sandbox did not run dm_test_{name} (built from older source?):\n{out}"
    assert "Skipping" not in out, out
    assert re.search(r"^Failures: 0$", out, re.MULTILINE), out
    assert result.returncode == 0, out
    planted = {k: v * runs for k, v in PLANTED.get(name, {}).items()}
    assert _violations(chassis) == planted, \
        chassis.slot(1, Side.OBSERVER).last_violation()
    print(f"\n{name}: {runs} run(s), {took:.2f} s")


# -- U-Boot's ping through the driver, against a Python host ------------------

BOARD_IP = bytes([192, 0, 2, 1])
HOST_IP = bytes([192, 0, 2, 254])
HOST_MAC = bytes([0x02, 0x48, 0x4F, 0x53, 0x54, 0x01])
BOARD_MAC = "02:00:50:43:4e:01"
ETH_ARP, ETH_IP = 0x0806, 0x0800


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _answer(frame: bytes) -> bytes | None:
    """The host's IP stack, as far as a ping needs: ARP and ICMP echo."""
    dst, src, ethertype = frame[0:6], frame[6:12], int.from_bytes(frame[12:14], "big")
    body = frame[14:]
    if ethertype == ETH_ARP and body[6:8] == b"\0\1" and body[24:28] == HOST_IP:
        arp = struct.pack("!HHBBH6s4s6s4s", 1, ETH_IP, 6, 4, 2, HOST_MAC, HOST_IP,
                          body[8:14], body[14:18])
        return src + HOST_MAC + struct.pack("!H", ETH_ARP) + arp
    if ethertype == ETH_IP and body[9] == 1 and body[16:20] == HOST_IP:
        ihl = (body[0] & 0xF) * 4
        ip = bytearray(body[:ihl])
        ip[12:16], ip[16:20] = body[16:20], body[12:16]
        ip[10:12] = b"\0\0"
        ip[10:12] = struct.pack("!H", _checksum(bytes(ip)))
        icmp = bytearray(body[ihl:int.from_bytes(body[2:4], "big")])
        if icmp[0] != 8:
            return None
        icmp[0] = 0
        icmp[2:4] = b"\0\0"
        icmp[2:4] = struct.pack("!H", _checksum(bytes(icmp)))
        return src + dst + struct.pack("!H", ETH_IP) + bytes(ip) + bytes(icmp)
    return None


class PingHost(threading.Thread):
    """Attach when the board publishes its region, answer until it withdraws.

    With bad_frame, its first frame names a bus address inside the board's
    outbound window where no host memory answers: the board's DMA fails.
    """

    def __init__(self, chassis: Chassis, bad_frame: bool = False) -> None:
        super().__init__(daemon=True)
        self.bad_frame = bad_frame
        self.host = Host(chassis, 1)
        self.frames: list[bytes] = []
        self.error: BaseException | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            self._serve()
        except BaseException as e:  # reported by the test
            self.error = e

    def _serve(self) -> None:
        host = self.host
        assert host.attach(timeout=20), "the board never published a region"
        if self.bad_frame:
            host.post_h2b(0, 100)
            host._write_prods()
        while not self.done.is_set() and board_valid(host.board_status()):
            try:
                frame = host.receive(1, timeout=0.05)[0]
            except AssertionError as e:
                if str(e).startswith("received 0 of 1"):
                    continue  # nothing yet
                raise
            self.frames.append(frame)
            reply = _answer(frame)
            if reply:
                host.send([reply])
        host.release()  # the board withdrew: let go of the region at once


def _ping(chassis: Chassis, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """U-Boot pings the host through pcinet-ethernet-test: (result, seconds)."""
    listing = _sandbox(chassis, "dm uclass", tmp_path, timeout=30).stdout
    seq = re.search(r"pcinet-ethernet-test @ \w+, seq (\d+)", listing)
    assert seq, ("no pcinet-ethernet-test Ethernet device: is the sandbox built with "
                 f"CONFIG_PCINET from this source?\n{listing}")
    mac_var = f"eth{seq.group(1)}addr" if seq.group(1) != "0" else "ethaddr"
    commands = "; ".join([
        f"env set {mac_var} {BOARD_MAC}", "env set ethact pcinet-ethernet-test",
        "env set ethrotate no", "env set ipaddr 192.0.2.1", "env set netmask 255.255.255.0",
        "ping 192.0.2.254"])
    start = time.monotonic()
    result = _sandbox(chassis, commands, tmp_path, timeout=60)
    return result, time.monotonic() - start


def _serve(chassis: Chassis, bad_frame: bool = False) -> Iterator[PingHost]:
    host = PingHost(chassis, bad_frame)
    host.start()
    yield host
    host.done.set()
    host.join(10)


@pytest.fixture
def ping_host(chassis: Chassis) -> Iterator[PingHost]:
    yield from _serve(chassis)


@pytest.fixture
def bad_host(chassis: Chassis) -> Iterator[PingHost]:
    yield from _serve(chassis, bad_frame=True)


def _finish(host: PingHost) -> None:
    host.done.set()
    host.join(10)
    assert host.error is None, repr(host.error)
    assert not board_valid(host.host.board_status()), "the region outlived the command"


def test_ping_through_the_driver(chassis: Chassis, tmp_path: Path,
                                 ping_host: PingHost) -> None:
    result, took = _ping(chassis, tmp_path)
    out = result.stdout + result.stderr
    _finish(ping_host)
    assert "host 192.0.2.254 is alive" in out, out
    assert result.returncode == 0, out
    kinds = [int.from_bytes(f[12:14], "big") for f in ping_host.frames]
    assert kinds == [ETH_ARP, ETH_IP], kinds
    assert _violations(chassis) == {}, chassis.slot(1, Side.OBSERVER).last_violation()
    print(f"\nping through pcinet: {took:.2f} s")


def test_a_command_without_a_host_fails_in_bounded_time(chassis: Chassis,
                                                        tmp_path: Path) -> None:
    result, took = _ping(chassis, tmp_path)
    out = result.stdout + result.stderr
    why = "no PCI host attached within 2000 ms (host status 0x00000000, 0 detaches by the host"
    assert why in out, out
    assert "is alive" not in out and result.returncode != 0, out
    assert took < 10, f"the command took {took:.1f} s"
    assert not board_valid(chassis.slot(1, Side.OBSERVER).read32(const("M83XX_MU_OMR1")))
    print(f"\nping without a host failed after {took:.2f} s")


@pytest.mark.expect_violations  # the host's stray buffer address, checked below
def test_a_dma_error_fails_the_command_cleanly(chassis: Chassis, tmp_path: Path,
                                               bad_host: PingHost) -> None:
    result, took = _ping(chassis, tmp_path)
    out = result.stdout + result.stderr
    _finish(bad_host)
    assert "DMA transfer error" in out, out
    assert out.count("DMA transfer error") == 1, out
    assert "is alive" not in out and result.returncode != 0, out
    assert took < 10, f"the command took {took:.1f} s"
    assert _violations(chassis) == {"viol_dma_range": 1}, \
        chassis.slot(1, Side.OBSERVER).last_violation()
    print(f"\nping with a DMA error failed after {took:.2f} s")


# -- The windows the driver sets up when it probes (docs/protocol.md 2.2, 7) --

# pcinet-test.dtsi's pcinet-ethernet-test: region and outbound window 0
REGION_LOCAL, REGION_SIZE = 0x0F000000, 0x00100000
OB_LOCAL, OB_SIZE = 0x80000000, 0x40000000
# M83XX_PCILAWBAR(n), M83XX_PCILAWAR(n) (include/pcinet/mpc83xx.h)
LAWBAR, LAWAR = (0x60, 0x68), (0x64, 0x6C)
LAW_EN = const("M83XX_LAWAR_EN")
PIWAR_SNOOP = const("M83XX_PIWAR_RTT_SNOOP") | const("M83XX_PIWAR_WTT_SNOOP")


def _law(base: int, size: int) -> tuple[int, int]:
    """(PCILAWBAR, PCILAWAR) of an enabled PCI local access window."""
    return base, LAW_EN | piwar_code(size)


def _boot(chassis: Chassis, tmp_path: Path, preset: dict[int, int],
          command: str = "echo booted") -> str:
    """Boot U-Boot (which probes every Ethernet device) on board registers
    the firmware left as preset says."""
    board = chassis.slot(1, Side.BOARD)
    for offset, value in preset.items():
        board.write32(offset, value)
    result = _sandbox(chassis, command, tmp_path, timeout=60)
    return result.stdout + result.stderr


def _laws(chassis: Chassis) -> list[tuple[int, int]]:
    obs = chassis.slot(1, Side.OBSERVER)
    return [(obs.read32(LAWBAR[n]), obs.read32(LAWAR[n])) for n in range(2)]


def test_probe_sets_the_windows(chassis: Chassis, tmp_path: Path) -> None:
    out = _boot(chassis, tmp_path, {})
    assert "booted" in out and "pcinet-ethernet-test" in out, out
    obs = chassis.slot(1, Side.OBSERVER)
    assert obs.read32(const("M83XX_PITAR0")) == REGION_LOCAL >> 12
    assert obs.read32(const("M83XX_PIWAR0")) == (
        const("M83XX_PIWAR_EN") | const("M83XX_PIWAR_PF") | PIWAR_SNOOP
        | piwar_code(REGION_SIZE))
    assert obs.read32(pocmr(0)) == const("M83XX_POCMR_EN") | pocmr_cm(OB_SIZE)
    assert obs.read32(pobar(0)) == OB_LOCAL >> 12 and obs.read32(potar(0)) == 0
    # the first free PCILAW, set to exactly the outbound window
    assert _laws(chassis) == [_law(OB_LOCAL, OB_SIZE), (0, 0)]


def test_an_inbound_window_in_place_only_gets_snooping(chassis: Chassis,
                                                        tmp_path: Path) -> None:
    """Protocol 2.2 rule 3 keeps its place and size; its transaction types
    are not part of them. The firmware's other attributes stay (no PF here)."""
    piwar = const("M83XX_PIWAR_EN") | piwar_code(REGION_SIZE)
    _boot(chassis, tmp_path, {const("M83XX_PITAR0"): REGION_LOCAL >> 12,
                              const("M83XX_PIWAR0"): piwar})
    obs = chassis.slot(1, Side.OBSERVER)
    assert obs.read32(const("M83XX_PITAR0")) == REGION_LOCAL >> 12
    assert obs.read32(const("M83XX_PIWAR0")) == piwar | PIWAR_SNOOP


@pytest.mark.parametrize("firmware, expected", [
    # an enabled PCILAW that covers the outbound window is kept, none added
    ({1: _law(0x80000000, 0x80000000)}, [(0, 0), _law(0x80000000, 0x80000000)]),
    ({0: _law(0, 1 << 32)}, [_law(0, 1 << 32), (0, 0)]),
    # one elsewhere (or only partly over it) is left alone: the free one is set
    ({0: _law(0xC0000000, OB_SIZE)}, [_law(0xC0000000, OB_SIZE), _law(OB_LOCAL, OB_SIZE)]),
    ({0: _law(0x80000000, 0x10000000)},
     [_law(0x80000000, 0x10000000), _law(OB_LOCAL, OB_SIZE)]),
    # a disabled one is free, whatever its other bits say
    ({0: (0x12345000, 0x1D)}, [_law(OB_LOCAL, OB_SIZE), (0, 0)]),
], ids=["covering-law1", "law0-all", "law0-elsewhere", "law0-part", "law0-disabled"])
def test_pci_local_access_window(chassis: Chassis, tmp_path: Path,
                                 firmware: dict[int, tuple[int, int]],
                                 expected: list[tuple[int, int]]) -> None:
    preset = {}
    for n, (bar, ar) in firmware.items():
        preset[LAWBAR[n]], preset[LAWAR[n]] = bar, ar
    out = _boot(chassis, tmp_path, preset)
    assert "booted" in out and "pcinet-ethernet-test" in out, out
    assert "PCI local access window" not in out, out
    assert _laws(chassis) == expected


def test_no_free_law_fails_the_probe_clearly(chassis: Chassis, tmp_path: Path) -> None:
    """Both PCILAWs in use elsewhere: no DMA could reach the host, so the
    device does not probe, saying which registers are in the way."""
    firmware = [_law(0xC0000000, OB_SIZE), _law(0x40000000, OB_SIZE)]
    preset = {LAWBAR[0]: firmware[0][0], LAWAR[0]: firmware[0][1],
              LAWBAR[1]: firmware[1][0], LAWAR[1]: firmware[1][1]}
    commands = "; ".join(["env set ethact pcinet-ethernet-test", "env set ethrotate no",
                          "env set ipaddr 192.0.2.1", "ping 192.0.2.254"])
    out = _boot(chassis, tmp_path, preset, commands)
    why = ("pcinet-ethernet-test: outbound window 0 (0x40000000 bytes at 0x80000000) is in "
           "no PCI local access window and none is free: PCILAWBAR0 0xc0000000 PCILAWAR0 "
           "0x8000001d, PCILAWBAR1 0x40000000 PCILAWAR1 0x8000001d")
    assert why in out, out
    assert "is alive" not in out, out
    assert _laws(chassis) == firmware
    assert not board_valid(chassis.slot(1, Side.OBSERVER).read32(const("M83XX_MU_OMR1")))
