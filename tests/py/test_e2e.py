# SPDX-License-Identifier: GPL-2.0-or-later
"""First light, end to end: a chassis of U-Boot boards served by pcinetd.

`pcinet-sim up` brings up what a lab engineer gets: one U-Boot sandbox board
per slot, pcinetd (a console pty and a TAP pcinet<N> per slot) and atftpd in
the chassis' network namespace. The tests use only what a user uses: the
slot's console pty, pcinetd's control socket, the TFTP root, `ip` in the
namespace. Every test ends with the simulated hardware's checker: no
violation on any slot.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import string
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pcinet_sim import Chassis, Side
from pcinet_sim.supervisor import read_state

from conftest import REPO
from ptyconsole import Pty
from simhelpers import PROMPT, RunningChassis, pcinetd_request

UBOOT = REPO / "build" / "u-boot-sandbox" / "u-boot"
UBOOT_BOARD = REPO / "sim" / "board" / "uboot-board.sh"
MKIMAGE = REPO / "build" / "u-boot-sandbox" / "tools" / "mkimage"
PCINETD_ASAN = REPO / "build" / "host" / "pcinetd-asan"
NETNS_FRAMES = Path(__file__).with_name("netns_frames.py")
SLOTS = 19
MIB = 1 << 20
LOADADDR = 0x1000000

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("ip"),
                       reason="needs root and iproute2 (network namespaces, TAP devices)"),
    pytest.mark.skipif(not shutil.which("atftpd") and not Path("/usr/sbin/atftpd").exists(),
                       reason="atftpd is not installed (scripts/bootstrap.sh debs)"),
]
needs_uboot = pytest.mark.skipif(not UBOOT.exists(),
                                 reason=f"{UBOOT} is not built (make uboot)")


def wait_for(what: str, cond: Callable[[], bool], timeout: float = 15.0,
             step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(step)


class Crate:
    """A running chassis as its user sees it."""

    def __init__(self, rc: RunningChassis) -> None:
        self.rc = rc
        self.dir = rc.dir
        self.layout = rc.layout
        state = read_state(self.dir) or {}
        self.netns = str(state["netns"])
        self.tftp_root = Path(str(state["tftp_root"]))
        self.consoles: dict[int, Pty] = {}

    def service(self, name: str) -> dict[str, Any]:
        state = read_state(self.dir) or {}
        info = state[name]
        assert isinstance(info, dict)
        return info

    def board_pid(self, slot: int = 1) -> int:
        """The pid of the slot's board process, as the supervisor published it."""
        boards = (read_state(self.dir) or {})["boards"]
        assert isinstance(boards, dict)
        return int(boards[str(slot)]["pid"])

    def request(self, line: str) -> dict[str, Any]:
        reply = pcinetd_request(self.dir, line)
        assert reply["ok"] is True, reply
        return reply

    def slot(self, n: int) -> dict[str, Any]:
        row = self.request(f"status {n}")["slot"]
        assert isinstance(row, dict)
        return row

    def console(self, n: int) -> Pty:
        """The slot's console pty, at an empty prompt."""
        con = self.consoles.get(n)
        if con is None:
            con = Pty(self.layout.console(n))
            self.consoles[n] = con
            con.write(b"\r")
            con.expect(PROMPT, timeout=30)
            con.quiet()
        return con

    def put(self, name: str, data: bytes) -> None:
        (self.tftp_root / name).write_bytes(data)

    def ip_link(self, ifname: str) -> str:
        res = subprocess.run(["ip", "-n", self.netns, "link", "show", ifname],
                             capture_output=True, text=True, check=False)
        assert res.returncode == 0, res.stderr
        return res.stdout

    def violations(self) -> dict[int, dict[str, int]]:
        """Checker counters of every slot that has any violation."""
        found: dict[int, dict[str, int]] = {}
        with Chassis(self.dir) as ch:
            for n in range(1, ch.config.slots + 1):
                obs = ch.slot(n, Side.OBSERVER)
                if obs.violations():
                    found[n] = obs.counters()
        return found

    def close(self) -> None:
        for con in self.consoles.values():
            con.close()
        self.consoles.clear()


def tftp(con: Pty, name: str, size: int, addr: int = LOADADDR, timeout: float = 120) -> float:
    """tftpboot into addr; the transfer's seconds, as the test measured them."""
    t0 = time.monotonic()
    out = con.command(f"tftpboot {addr:x} {name}", timeout=timeout)
    took = time.monotonic() - t0
    assert f"Bytes transferred = {size} ".encode() in out, out[-600:]
    return took


def board_crc(con: Pty, addr: int, size: int) -> int:
    # not command(): the answer's "==> " holds a prompt look-alike
    start = len(con.received)
    con.write(f"crc32 {addr:x} {size:x}\r".encode())
    m = con.expect(re.compile(rb"==> ([0-9a-f]{8})\r\n" + re.escape(PROMPT)), start,
                   timeout=60)
    return int(m.group(1), 16)


def start_chassis(directory: Path, slots: int, *extra: str) -> tuple[RunningChassis, Crate]:
    rc = RunningChassis(directory, slots)
    rc.up("--board", str(UBOOT_BOARD), "--boot-timeout", "120", *extra, host=True)
    return rc, Crate(rc)


@contextlib.contextmanager
def small_crate(factory: pytest.TempPathFactory, name: str, slots: int = 1) -> Iterator[Crate]:
    """A crate of a few U-Boot boards for one test module; no checker violation at its end."""
    rc, c = start_chassis(factory.mktemp(name) / "chassis", slots)
    try:
        yield c
        assert c.violations() == {}, "the checker saw violations"
    finally:
        c.close()
        rc.down()


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crate]:
    """The full crate: 19 U-Boot boards, pcinetd, atftpd."""
    if not UBOOT.exists():
        pytest.skip(f"{UBOOT} is not built (make uboot)")
    rc, c = start_chassis(tmp_path_factory.mktemp("e2e") / "chassis", SLOTS)
    try:
        yield c
        assert c.violations() == {}, "the checker saw violations"
        assert c.service("pcinetd")["starts"] == 1, "pcinetd was restarted"
    finally:
        c.close()
        rc.down()


@needs_uboot
def test_tftpboot_16_mib(crate: Crate) -> None:
    """Slot 7 tftpboots a 16 MiB random image; U-Boot's crc32 matches the file."""
    data = random.Random(16).randbytes(16 * MIB)
    crate.put("image-16m", data)
    con = crate.console(7)
    took = tftp(con, "image-16m", len(data))
    assert board_crc(con, LOADADDR, len(data)) == zlib.crc32(data)
    row = crate.slot(7)
    assert row["misbehaved"] == 0 and row["tx_dropped"] == 0, row
    print(f"\nslot 7: 16 MiB by tftp in {took:.2f} s = {16 / took:.1f} MiB/s "
          f"(as measured at the console)")


@needs_uboot
def test_all_boards_at_once(crate: Crate) -> None:
    """Every slot tftpboots its own 8 MiB image at the same time; all CRCs match."""
    images = {n: random.Random(n).randbytes(8 * MIB) for n in range(1, SLOTS + 1)}
    for n, data in images.items():
        crate.put(f"image-8m-{n}", data)
    cons = {n: crate.console(n) for n in images}
    marks = {n: len(con.received) for n, con in cons.items()}
    t0 = time.monotonic()
    for n, con in cons.items():
        con.write(f"tftpboot {LOADADDR:x} image-8m-{n}\r".encode())
    for n, con in cons.items():
        m = con.expect(re.compile(rb"Bytes transferred = (\d+) .*?\r\n" + re.escape(PROMPT),
                                  re.S), marks[n], timeout=600)
        assert int(m.group(1)) == 8 * MIB, f"slot {n}: {bytes(con.received[marks[n]:])[-400:]!r}"
    took = time.monotonic() - t0
    for n, con in cons.items():
        con.quiet()
        assert board_crc(con, LOADADDR, 8 * MIB) == zlib.crc32(images[n]), f"slot {n}"
    print(f"\n{SLOTS} boards x 8 MiB at once: {took:.1f} s, "
          f"{SLOTS * 8 / took:.1f} MiB/s in all")


@needs_uboot
def test_console_command_and_flood(crate: Crate) -> None:
    """A command typed into the pty runs in U-Boot; 1 MiB typed and 2 MiB printed
    back under flood arrive complete and in order."""
    con = crate.console(5)
    assert re.match(rb"U-Boot 20\d\d\.\d\d", con.command("version")), "not U-Boot's answer"
    assert con.command("echo slot ${ipaddr}").strip() == b"slot 10.83.5.2"
    rnd = random.Random(0xF100D)
    alphabet = (string.ascii_letters + string.digits).encode()
    lines: list[bytes] = []
    typed = bytearray()
    while len(typed) < MIB:
        line = bytes(rnd.choices(alphabet, k=200))
        lines.append(line)
        typed += b"echo " + line + b"\r"
    expected = b"".join(b"echo " + line + b"\r\n" + line + b"\r\n" + PROMPT for line in lines)
    got, took = con.flood(bytes(typed), len(expected), stall=30)
    assert got == expected, "console input or output lost, repeated or reordered"
    print(f"\nconsole flood through the pty: {len(typed)} B typed, {len(expected)} B back "
          f"in {took:.1f} s")


def sample_carrier(crate: Crate, slot: int, until: Callable[[], bool],
                   timeout: float) -> list[bool]:
    """pcinetd's carrier for slot, sampled until until() or timeout."""
    samples: list[bool] = []
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "timed out sampling the carrier"
        samples.append(bool(crate.slot(slot)["carrier"]))
        time.sleep(0.01)
    return samples


def run_sampling(crate: Crate, slot: int, con: Pty, command: str,
                 timeout: float = 120) -> tuple[bytes, list[bool]]:
    """Type command; sample the carrier until its prompt; (output, samples)."""
    start = len(con.received)
    con.write(command.encode() + b"\r")
    rx = re.compile(re.escape(command.encode()) + rb"\r\n(.*?)" + re.escape(PROMPT), re.S)
    found: list[re.Match[bytes]] = []

    def done() -> bool:
        con.read_some(0)
        m = rx.search(con.received, start)
        if m:
            found.append(m)
        return bool(m)

    samples = sample_carrier(crate, slot, done, timeout)
    return found[0].group(1), samples


def carrier_down(crate: Crate, slot: int) -> None:
    wait_for(f"slot {slot}'s carrier to drop", lambda: not crate.slot(slot)["carrier"], 5)
    assert "NO-CARRIER" in crate.ip_link(f"pcinet{slot}")


@needs_uboot
def test_carrier_follows_the_handshake(crate: Crate, tmp_path: Path) -> None:
    """Carrier up during a net command, down after it, down across bootm and
    across a reset, up again for the next command."""
    slot = 9
    con = crate.console(slot)
    data = random.Random(9).randbytes(16 * MIB)
    crate.put("image-carrier", data)
    carrier_down(crate, slot)
    out, samples = run_sampling(crate, slot, con, f"tftpboot {LOADADDR:x} image-carrier")
    assert b"Bytes transferred = 16777216" in out, out[-400:]
    assert any(samples), "carrier never came up during the transfer"
    carrier_down(crate, slot)

    # bootm: a kernel image loaded over the link; the jump keeps the link down
    assert MKIMAGE.exists(), f"{MKIMAGE} missing (make uboot builds it)"
    payload = tmp_path / "payload"
    payload.write_bytes(random.Random(1).randbytes(64 * 1024))
    # a FIT image (the sandbox build verifies signatures, so it has no legacy
    # format) with a device tree: sandbox's bootm needs one
    dtb = UBOOT.parent / "arch" / "sandbox" / "dts" / "pcinet-board.dtb"
    subprocess.run([str(MKIMAGE), "-f", "auto", "-A", "sandbox", "-O", "linux", "-T", "kernel",
                    "-C", "none", "-a", "0x3000000", "-e", "0x3000000", "-n", "pcinet-e2e",
                    "-d", str(payload), "-b", str(dtb), str(crate.tftp_root / "uImage")],
                   check=True, capture_output=True)
    size = (crate.tftp_root / "uImage").stat().st_size
    tftp(con, "uImage", size, addr=0x2000000)
    carrier_down(crate, slot)
    out, samples = run_sampling(crate, slot, con, "bootm 2000000")
    assert b"pcinet-e2e" in out and b"Transferring control" in out, out[-600:]
    assert not any(samples), "carrier up across bootm"
    assert b"sandbox: continuing" in out, out[-600:]
    carrier_down(crate, slot)
    boards = (read_state(crate.dir) or {})["boards"]
    assert isinstance(boards, dict) and boards[str(slot)]["crashes"] == 0, boards

    # reset through pcinetd (RPR/RCR): carrier stays down; the board comes back
    start = len(con.received)
    crate.request(f"reset {slot}")
    assert not crate.slot(slot)["carrier"]
    con.expect(re.compile(rb"U-Boot 20.*?" + re.escape(PROMPT), re.S), start, timeout=60)
    con.quiet()
    carrier_down(crate, slot)
    out, samples = run_sampling(crate, slot, con, f"tftpboot {LOADADDR:x} image-carrier")
    assert b"Bytes transferred = 16777216" in out, out[-400:]
    assert any(samples), "carrier did not come back after the reset"
    assert board_crc(con, LOADADDR, len(data)) == zlib.crc32(data)
    row = crate.slot(slot)
    assert row["resets_requested"] == 1 and row["resets_seen"] >= 1, row


@needs_uboot
def test_resets_mid_transfer(crate: Crate) -> None:
    """Reset a board in the middle of a transfer 20 times: the host and the
    slot next to it never notice, and the link comes back."""
    victim, neighbour = 3, 4
    data = random.Random(3).randbytes(48 * MIB)  # long enough to be hit mid-way
    side = random.Random(4).randbytes(4 * MIB)
    crate.put("image-victim", data)
    crate.put("image-neighbour", side)
    vcon, ncon = crate.console(victim), crate.console(neighbour)
    stop = threading.Event()
    neighbour_runs: list[bool] = []
    errors: list[BaseException] = []

    def neighbour_traffic() -> None:
        try:
            while not stop.is_set():
                tftp(ncon, "image-neighbour", len(side), timeout=60)
                neighbour_runs.append(board_crc(ncon, LOADADDR, len(side)) == zlib.crc32(side))
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    thread = threading.Thread(target=neighbour_traffic, daemon=True)
    thread.start()
    rnd = random.Random(20)
    pcinetd_pid = crate.service("pcinetd")["pid"]
    try:
        for i in range(20):
            start = len(vcon.received)
            vcon.write(f"tftpboot {LOADADDR:x} image-victim\r".encode())
            vcon.expect(b"Loading: ", start, timeout=30)
            time.sleep(rnd.uniform(0.0, 0.3))
            crate.request(f"reset {victim}")
            banner = vcon.expect(re.compile(rb"U-Boot 20.*?" + re.escape(PROMPT), re.S),
                                 start, timeout=60)
            assert b"Bytes transferred" not in vcon.received[start:banner.start()], \
                f"reset {i + 1} came after the transfer, not in it"
            vcon.quiet()
            assert crate.slot(victim)["resets_requested"] >= i + 1
    finally:
        stop.set()
        thread.join(120)
    assert not errors, errors
    assert neighbour_runs and all(neighbour_runs), neighbour_runs
    # the victim's link is back
    tftp(vcon, "image-victim", len(data))
    assert board_crc(vcon, LOADADDR, len(data)) == zlib.crc32(data)
    assert crate.service("pcinetd")["pid"] == pcinetd_pid
    row = crate.slot(neighbour)
    assert row["misbehaved"] == 0 and row["resets_seen"] == 0, row
    print(f"\n20 resets mid-transfer; the neighbour did {len(neighbour_runs)} "
          f"good 4 MiB transfers meanwhile")


# -- a rogue board ------------------------------------------------------------

def frames_echo(crate: Crate, slot: int, count: int = 40) -> dict[str, int]:
    res = subprocess.run(["ip", "netns", "exec", crate.netns, sys.executable,
                          str(NETNS_FRAMES), f"pcinet{slot}", str(count)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    result = json.loads(res.stdout)
    assert isinstance(result, dict)
    return result


@pytest.fixture
def rogue_crate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Crate]:
    """Three test-firmware boards, served by the ASan build of pcinetd."""
    assert PCINETD_ASAN.exists(), "make host-asan"
    monkeypatch.setenv("PCINET_PCINETD", str(PCINETD_ASAN))
    monkeypatch.setenv("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    rc = RunningChassis(tmp_path / "chassis", 3)
    rc.up(host=True)
    c = Crate(rc)
    try:
        yield c
    finally:
        c.close()
        log = c.layout.service_log("pcinetd").read_text(errors="replace")
        rc.down()
        assert "AddressSanitizer" not in log and "runtime error" not in log, log[-3000:]


def above(crate: Crate, slot: int, field: str, value: int) -> Callable[[], bool]:
    return lambda: int(crate.slot(slot)[field]) > value


def attached(crate: Crate, slot: int) -> Callable[[], bool]:
    return lambda: crate.slot(slot)["state"] == "attached"


def test_rogue_board_is_contained(rogue_crate: Crate) -> None:
    """A board writing malformed layouts, indices and completions loses its
    link, is counted, and nothing else notices; fixed, it links again."""
    crate = rogue_crate
    cons = {n: crate.console(n) for n in (1, 2, 3)}
    for con in cons.values():
        con.command("valid")
    for n in (1, 2, 3):
        wait_for(f"slot {n} attached", attached(crate, n))
        assert frames_echo(crate, n) == {"sent": 40, "echoed": 40, "bad": 0}
    pid = crate.service("pcinetd")["pid"]
    for mode in ("layout", "cons", "done", "cmpl", "flags", "spray"):
        before = crate.slot(2)
        cons[2].command("invalid")
        assert cons[2].command(f"rogue {mode}").strip() == f"rogue {mode}".encode()
        cons[2].command("valid")
        if mode == "layout":
            wait_for("the layout refused", above(crate, 2, "refusals", before["refusals"]))
            assert "refusing board" in crate.slot(2)["net_error"]
        elif mode != "spray":  # random words may happen to look right
            wait_for(f"'{mode}' caught", above(crate, 2, "misbehaved", before["misbehaved"]))
            row = crate.slot(2)
            assert row["state"] in ("refused", "detaching"), row
            assert "misbehaves" in row["net_error"], row
        wait_for("slot 2's carrier down", lambda: not crate.slot(2)["carrier"], 5)
        # the neighbours never noticed
        for n in (1, 3):
            assert frames_echo(crate, n, 20) == {"sent": 20, "echoed": 20, "bad": 0}, mode
            assert crate.slot(n)["misbehaved"] == 0
    # fixed: a new generation attaches and carries frames
    cons[2].command("invalid")
    cons[2].command("rogue off")
    cons[2].command("valid")
    wait_for("slot 2 attached again", attached(crate, 2))
    assert frames_echo(crate, 2) == {"sent": 40, "echoed": 40, "bad": 0}
    assert crate.service("pcinetd")["pid"] == pid, "pcinetd died on the way"
    assert crate.violations() == {}


def test_reset_of_a_board_that_never_lets_go(rogue_crate: Crate) -> None:
    """A board that stays RUNNING after the host's detach is reset anyway once
    PCINET_DETACH_ACK_MS has passed; the wait holds up no other slot."""
    crate = rogue_crate
    cons = {n: crate.console(n) for n in (1, 2)}
    for con in cons.values():
        con.command("valid")
    for n in (1, 2):
        wait_for(f"slot {n} attached", attached(crate, n))
    cons[2].command("rogue stuck")
    before = crate.slot(2)
    assert crate.request("reset 2")["merged"] is False
    row = crate.slot(2)
    assert row["state"] == "detaching" and not row["carrier"], row
    # a second request while the first waits is merged into it, and says so
    again = crate.request("reset 2")
    assert again["merged"] is True, again
    assert again["slot"]["resets_requested"] == before["resets_requested"] + 2
    # meanwhile slot 1 carries frames as ever
    assert frames_echo(crate, 1, 20) == {"sent": 20, "echoed": 20, "bad": 0}
    wait_for("the reset", lambda: int(crate.slot(2)["resets_seen"]) >= 1, timeout=10)
    wait_for("the board back", lambda: bool(crate.slot(2)["board_console"]), timeout=10)
    assert b"epoch 1" in cons[2].command("version")  # one reset, not two
    assert crate.slot(2)["resets_seen"] == before["resets_seen"] + 1
    log = crate.layout.service_log("pcinetd").read_text(errors="replace")
    assert "resetting it anyway" in log, log[-1000:]
    # the board is back, fresh (not rogue), and links again
    cons[2].command("valid")
    wait_for("slot 2 attached again", attached(crate, 2))
    assert frames_echo(crate, 2, 20) == {"sent": 20, "echoed": 20, "bad": 0}
    assert crate.violations() == {}


def test_a_board_ringing_every_doorbell_bit_is_cleared(rogue_crate: Crate) -> None:
    """ODR = 0xFFFFFFFF reads like a board that is gone, but IMR1 says it is
    there: the host clears it (section 5 rule 4), so the board's later console
    acks and network kicks still count. Uncleared, they were ignored until a
    reset: the console to the board stalled."""
    crate = rogue_crate
    con = crate.console(2)
    before = crate.slot(2)
    assert con.command("ring ffffffff").strip() == b"rang 0xffffffff"
    wait_for("the reserved bits counted",
             above(crate, 2, "doorbells_reserved", before["doorbells_reserved"]))
    # typed input needs the board's acks: several messages' worth, both ways
    for i in range(3):
        line = f"line{i}-" + string.ascii_letters
        assert con.command(line, timeout=10).strip() == f"unknown command '{line}'".encode()
    con.command("valid")
    wait_for("slot 2 attached", attached(crate, 2))
    assert frames_echo(crate, 2) == {"sent": 40, "echoed": 40, "bad": 0}
    row = crate.slot(2)
    assert row["resets_seen"] == before["resets_seen"] and row["misbehaved"] == 0, row
    log = crate.layout.service_log("pcinetd").read_text(errors="replace")
    assert "slot 2: board rang reserved doorbell bits 0xfffffffc" in log, log[-1000:]
    assert crate.violations() == {}


def test_a_board_closing_its_window_loses_its_link_and_is_charged(rogue_crate: Crate) -> None:
    """A board that closes its inbound window (2.2 board rule 3) under an
    attached host: the host's repost of a receive buffer master-aborts, the
    host detaches and says why, and the checker charges the board, not the
    host. A reset (which reprograms the window) brings the link back."""
    crate = rogue_crate
    cons = {n: crate.console(n) for n in (1, 2)}
    for n in (1, 2):
        cons[n].command("valid")
        wait_for(f"slot {n} attached", attached(crate, n))
    before = crate.slot(2)
    cons[2].command("invalid")
    cons[2].command("rogue window")
    cons[2].command("valid")
    wait_for("the rogue act", above(crate, 2, "rx_errors", before["rx_errors"]))
    wait_for("slot 2 detached", lambda: crate.slot(2)["state"] != "attached")
    row = crate.slot(2)
    assert not row["carrier"], row
    log = crate.layout.service_log("pcinetd").read_text(errors="replace")
    assert "slot 2: BAR1 write failed reposting a receive buffer" in log, log[-1500:]
    # charged to the board that broke the rule, never to the host
    found = crate.violations()
    assert set(found) == {2}, found
    assert found[2]["viol_board_window"] >= 1 and found[2]["viol_bar_range"] == 0, found[2]
    with Chassis(crate.dir) as ch:
        text = ch.slot(2, Side.OBSERVER).last_violation()
    assert "board of slot 2" in text, text
    # no retry storm: refused until the board publishes again
    wait_for("slot 2 refused", lambda: crate.slot(2)["state"] == "refused")
    assert "BAR1 does not answer" in crate.slot(2)["net_error"]
    # the neighbour never noticed; a reset brings the window and the link back
    assert frames_echo(crate, 1, 20) == {"sent": 20, "echoed": 20, "bad": 0}
    crate.request("reset 2")
    wait_for("slot 2 back", lambda: bool(crate.slot(2)["board_console"]), timeout=10)
    cons[2].command("valid")
    wait_for("slot 2 attached again", attached(crate, 2))
    assert frames_echo(crate, 2, 20) == {"sent": 20, "echoed": 20, "bad": 0}


def test_a_board_dma_into_another_slots_memory_is_seen(rogue_crate: Crate) -> None:
    """No IOMMU: a board's DMA reaches every slot's host memory its window
    covers. It cannot be stopped, but it is seen: the checker charges the
    writing board and names whose memory it hit; the victim's link comes
    back with its board's next attach, the bystander never notices."""
    crate = rogue_crate
    cons = {n: crate.console(n) for n in (1, 2, 3)}
    for n in (1, 2):
        cons[n].command("valid")
        wait_for(f"slot {n} attached", attached(crate, n))
    share = str(crate.slot(1)["dma_share"])
    bus, size = (int(x, 16) for x in share.split("+"))
    assert size > 0x10000, share
    # slot 3's board writes 64 bytes over slot 1's host area (its indices)
    assert b"done" in cons[3].command(f"dma 0x{bus:x} 64")
    found = crate.violations()
    assert set(found) == {3}, found
    assert found[3]["viol_dma_foreign"] == 1, found[3]
    with Chassis(crate.dir) as ch:
        text = ch.slot(3, Side.OBSERVER).last_violation()
    assert "board of slot 3" in text and "slot 1's share" in text, text
    # the bystander carries frames as ever
    assert frames_echo(crate, 2, 20) == {"sent": 20, "echoed": 20, "bad": 0}
    # the victim: a new attach re-initialises its host area
    cons[1].command("invalid")
    wait_for("slot 1 detached", lambda: crate.slot(1)["state"] != "attached")
    cons[1].command("valid")
    wait_for("slot 1 attached again", attached(crate, 1))
    assert frames_echo(crate, 1, 20) == {"sent": 20, "echoed": 20, "bad": 0}
    # within its own share the same command is clean
    own = str(crate.slot(3)["dma_share"])
    assert b"done" in cons[3].command(f"dma 0x{int(own.split('+')[0], 16) + 0x8000:x} 64")
    assert crate.violations()[3]["viol_dma_foreign"] == 1
