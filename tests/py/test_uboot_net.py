# SPDX-License-Identifier: GPL-2.0-or-later
"""The U-Boot PCINet Ethernet driver (u-boot/drivers/net/pcinet.c) on the
simulated chassis.

Each driver-model unit test of u-boot/test/dm/pcinet.c runs in U-Boot
sandbox (`ut dm <name>`) on a fresh chassis made here: the test itself plays
the PCI host in the sandbox process. The chassis' checker must see no
protocol violation but the ones a test plants. A last test runs `ping` in
U-Boot against a host written in Python (test_net_protocol.Host) in another
process, through the real network stack.

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
from pcinet_sim.defs import board_valid, const

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
