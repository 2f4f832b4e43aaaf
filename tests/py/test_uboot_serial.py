# SPDX-License-Identifier: GPL-2.0-or-later
"""U-Boot's PCINet console (u-boot/drivers/serial/pcinet_serial.c) on the simulated chassis.

Two levels:

* the driver-model unit tests (u-boot/test/dm/pcinet_serial.c), run with `ut dm` in a sandbox
  process that plays the PCI host itself through the slot's host side;
* end to end: U-Boot sandbox as the board of a one-slot chassis, whose only console is the
  driver (pcinet-board.dtb), typed at from the host side by simhelpers.HostConsole.

Both need the sandbox build (scripts/uboot.sh build); without it they are skipped.
PCINET_UBOOT_SANDBOX names another build directory.
"""

from __future__ import annotations

import os
import random
import re
import string
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pcinet_sim import Chassis, Config, Side
from pcinet_sim.defs import const

from conftest import REPO
from simhelpers import OM0I, OMISR, OMR0, OMR1, SIG_BOARD, SIG_MASK, ConsoleError, HostConsole

BUILD = Path(os.environ.get("PCINET_UBOOT_SANDBOX", REPO / "build" / "u-boot-sandbox"))
UBOOT = BUILD / "u-boot"
BOARD_DTB = BUILD / "arch" / "sandbox" / "dts" / "pcinet-board.dtb"
PROMPT = b"=> "
CONS_FIRST = const("PCINET_CONS_FIRST")
UT_TESTS = ("start", "msg", "nohost", "stall", "flow", "handoff")

pytestmark = pytest.mark.skipif(
    not UBOOT.exists(),
    reason=f"no U-Boot sandbox build at {UBOOT} (scripts/uboot.sh build makes it)")


def board_env(directory: Path) -> dict[str, str]:
    """The environment the chassis supervisor gives a board of slot 1."""
    return {**os.environ, "PCINET_SIM_DIR": str(directory), "PCINET_SIM_SLOT": "1"}


def assert_clean(ch: Chassis) -> None:
    obs = ch.slot(1, Side.OBSERVER)
    assert obs.violations() == 0, f"{obs.counters()}: {obs.last_violation()}"


@pytest.fixture
def chassis(tmp_path: Path) -> Iterator[Chassis]:
    """A one-slot chassis without a supervisor: the test starts the board itself."""
    directory = tmp_path / "chassis"
    directory.mkdir()
    ch = Chassis.create(directory, Config.default(slots=1))
    try:
        yield ch
        assert_clean(ch)
    finally:
        ch.close()
        Chassis.destroy(directory)


@dataclass
class Board:
    """A running U-Boot sandbox board and the host console typing at it."""

    proc: subprocess.Popen[bytes]
    con: HostConsole
    stdout: Path
    stderr: Path


def start_board(ch: Chassis, tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], Path,
                                                                  Path]:
    out, err = tmp_path / "uboot.stdout", tmp_path / "uboot.stderr"
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen([str(UBOOT), "-d", str(BOARD_DTB), *args],
                                env=board_env(ch.dir), cwd=tmp_path, stdin=subprocess.DEVNULL,
                                stdout=fo, stderr=fe)
    return proc, out, err


@pytest.fixture
def board(chassis: Chassis, tmp_path: Path) -> Iterator[Board]:
    """U-Boot at its prompt; afterwards its own stdout and stderr must be empty."""
    con = HostConsole(chassis, 1)
    # -i: stay interactive after the -c command; bootdelay -1: no autoboot
    proc, out, err = start_board(chassis, tmp_path, "-i", "-c", "setenv bootdelay -1")
    b = Board(proc, con, out, err)
    try:
        wait_for(con, PROMPT, 0, timeout=30)
        yield b
    finally:
        b.proc.terminate()
        try:
            b.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            b.proc.kill()
            b.proc.wait()
        b.con.close()
    assert out.read_bytes() == b"", "console output leaked to the process's stdout"
    assert err.read_bytes() == b""


def wait_for(con: HostConsole, needle: bytes, start: int, timeout: float) -> int:
    """Serve the console until needle arrives at or after start; its offset.

    Looks only at what is new since the last look, so that floods stay linear.
    """
    pos = start
    found = -1

    def seen() -> bool:
        nonlocal pos, found
        found = con.received.find(needle, max(start, pos - len(needle)))
        pos = len(con.received)
        return found >= 0

    try:
        con.pump(seen, timeout=timeout)
    except ConsoleError as e:
        tail = bytes(con.received[-200:])
        raise ConsoleError(f"{e}; waiting for {needle[-60:]!r}, got {tail!r}") from None
    return found


# -- driver-model unit tests ----------------------------------------------------------------

def test_ut_dm_pcinet_serial(chassis: Chassis, tmp_path: Path) -> None:
    """ut dm: token and ack, FIRST and seq, no host, stall, flow control, OS handoff."""
    # cwd: test.dtb's sandbox MMC creates its image files there
    res = subprocess.run([str(UBOOT), "-T", "-c", "ut dm pcinet_serial*"],
                         env=board_env(chassis.dir), cwd=tmp_path, capture_output=True,
                         timeout=120, check=False)
    out = res.stdout.decode(errors="replace")
    assert res.returncode == 0, out[-3000:] + res.stderr.decode(errors="replace")
    assert "Failures: 0" in out, out[-3000:]
    assert "Skipped" not in out, out[-3000:]
    for name in UT_TESTS:
        assert f"Test: dm_test_pcinet_serial_{name}:" in out, f"{name} did not run"


# -- end to end -------------------------------------------------------------------------------

def test_first_line_and_version(board: Board) -> None:
    """The board's console is the driver from its very first line; `version` answers."""
    con = board.con
    banner = bytes(con.received)
    m = re.match(rb"(?:\r\n)*(U-Boot 2023\.01[^\r\n]*)\r\n", banner)
    assert m, f"first line lost: {banner[:200]!r}"
    # before relocation and after it: nothing lost at the hand-over
    assert re.search(rb"\r\nDRAM: [^\r\n]+\r\nCore: ", banner), banner
    answer = con.command("version")
    assert answer.startswith(m.group(1) + b"\r\n"), answer
    assert con.duplicates == 0


def test_flood_typed_into_echo(board: Board) -> None:
    """64 KiB+ typed as echo lines: every byte echoed and printed once, in order."""
    con = board.con
    rnd = random.Random(0x0DE)
    alphabet = (string.ascii_letters + string.digits).encode()
    lines = [bytes(rnd.choices(alphabet, k=200)) for _ in range(330)]
    typed = b"".join(b"echo " + line + b"\r" for line in lines)
    assert len(typed) >= 64 * 1024
    start = len(con.received)
    t0 = time.monotonic()
    con.write(typed)
    end = wait_for(con, lines[-1] + b"\r\n" + PROMPT, start, timeout=300)
    got = bytes(con.received[start:end + len(lines[-1]) + 2 + len(PROMPT)])
    expected = b"".join(b"echo " + line + b"\r\n" + line + b"\r\n" + PROMPT for line in lines)
    assert got == expected, "input or output lost, repeated or reordered"
    assert con.duplicates == 0
    print(f"typed {len(typed)} B, read back {len(got)} B in {time.monotonic() - t0:.1f} s")


MD_LINE = re.compile(rb"([0-9a-f]{8}):((?: [0-9a-f]{2}){16})  (.{16})")


def test_flood_output(board: Board) -> None:
    """64 KiB+ of md.b output: consecutive addresses, hex and ASCII columns agree."""
    con = board.con
    base, size = 0x1000000, 0x4000
    con.command(f"random {base:x} {size:x} 1234")  # varied bytes, printable and not
    start = len(con.received)
    t0 = time.monotonic()
    con.write(f"md.b {base:x} {size:x}\r".encode())
    last = f"{base + size - 16:08x}:".encode()
    at = wait_for(con, last, start, timeout=120)
    end = wait_for(con, b"\r\n" + PROMPT, at, timeout=30)
    text = bytes(con.received[start:end])
    rows = text.split(b"\r\n")
    assert rows[0] == f"md.b {base:x} {size:x}".encode()
    rows = rows[1:]
    assert len(rows) == size // 16
    assert len(text) >= 64 * 1024
    for i, row in enumerate(rows):
        m = MD_LINE.fullmatch(row)
        assert m, f"row {i} mangled: {row!r}"
        assert int(m.group(1), 16) == base + 16 * i, f"row {i} out of order: {row!r}"
        data = bytes.fromhex(m.group(2).decode())
        ascii_col = bytes(c if 0x20 <= c < 0x7F else ord(".") for c in data)
        assert m.group(3) == ascii_col, f"row {i} columns disagree: {row!r}"
    assert con.duplicates == 0
    print(f"read {len(text)} B in {time.monotonic() - t0:.1f} s")


def test_host_driver_reload(board: Board, chassis: Chassis) -> None:
    """A host console that unloads and loads again (section 9.3/10.7) finds the board there."""
    board.con.command("echo before")
    board.con.unload()
    board.con = HostConsole(chassis, 1)
    assert board.con.command("echo after") == b"after\r\n"


def test_board_restart(board: Board, chassis: Chassis, tmp_path: Path) -> None:
    """The board's software dies and starts again: its new console starts afresh (9.3)."""
    assert board.con.command("echo one") == b"one\r\n"
    board.proc.kill()
    board.proc.wait()
    start = len(board.con.received)
    board.proc, _, _ = start_board(chassis, tmp_path, "-i", "-c", "setenv bootdelay -1")
    wait_for(board.con, b"U-Boot 2023.01", start, timeout=30)
    wait_for(board.con, PROMPT, start, timeout=30)
    assert board.con.command("echo two") == b"two\r\n"


def test_no_host_never_blocks(chassis: Chassis, tmp_path: Path) -> None:
    """No host console (its status lacks UART_RX_ENABLED): output is discarded, no wait.

    The board waits only for the ack of a message it sent: with OMR0 never
    written it never waited (no wall-clock bound: a timed assertion failed
    about 1 run in 5 on a busy 2-core machine, where the whole run took 1 s).
    """
    proc, out, _ = start_board(chassis, tmp_path, "-c", "version; echo done")
    assert proc.wait(timeout=30) == 0
    host = chassis.slot(1, Side.HOST)
    assert host.read32(OMR0) == 0 and not host.read32(OMISR) & OM0I, "board wrote OMR0"
    assert host.read32(OMR1) & SIG_MASK == SIG_BOARD, "the board never ran"
    assert out.read_bytes() == b""


def test_dead_host_bounded(chassis: Chassis, tmp_path: Path) -> None:
    """A host console that never acks stalls the board once per console start, then no more."""
    con = HostConsole(chassis, 1)
    try:
        proc, out, _ = start_board(chassis, tmp_path, "-c", "version; echo done")
        assert proc.wait(timeout=30) == 0  # bounded: it ended on its own
        # one message per console start (before and after relocation), each
        # marked FIRST; after its stall the board discarded, never sent again
        msg = con.s.read32(OMR0)
        assert msg & CONS_FIRST, f"the board kept sending after its stall: OMR0 0x{msg:08x}"
        assert out.read_bytes() == b""
    finally:
        con.close()
