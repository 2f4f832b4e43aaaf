# SPDX-License-Identifier: GPL-2.0-or-later
"""pcinetd, the C host daemon: consoles on ptys and the control socket.

A chassis of test boards comes up with the real pcinet-sim command; pcinetd
serves its host side. The tests use what a user uses: the pty behind
DIR/slotNN/console, opened as a raw terminal, and DIR/pcinetd.sock.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pcinet_sim.layout import Layout

from conftest import REPO
from ptyconsole import Pty
from simhelpers import PROMPT, VERSION_RE, RunningChassis, pcinetd_request

PCINETD = REPO / "build" / "host" / "pcinetd"
PCINETD_ASAN = REPO / "build" / "host" / "pcinetd-asan"
UBOOT = REPO / "build" / "u-boot-sandbox" / "u-boot"
UBOOT_BOARD = REPO / "sim" / "board" / "uboot-board.sh"
FLOOD = 1 << 20


@pytest.fixture(scope="session", autouse=True)
def built() -> None:
    """Build both variants (quick when up to date)."""
    res = subprocess.run(["make", "-s", "-C", str(REPO / "host"), "all", "asan"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stdout + res.stderr


class Daemon:
    """One pcinetd process on a chassis directory."""

    def __init__(self, exe: Path, directory: Path, *args: str) -> None:
        self.dir = directory
        self.layout = Layout(directory)
        self.log = directory.parent / f"pcinetd-{exe.name}.log"
        env = {**os.environ, "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
               "UBSAN_OPTIONS": "print_stacktrace=1"}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([str(exe), "--dir", str(directory), *args],
                                         stdout=log, stderr=subprocess.STDOUT, env=env)
        self.sock = self.layout.pcinetd_sock
        deadline = time.monotonic() + 10
        while not self.sock.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"pcinetd did not start: {self.output()}")
            time.sleep(0.02)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> int:
        """SIGTERM to our own pid; the exit code (SIGKILL after 10 s)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def request(self, line: str, timeout: float = 10.0) -> dict[str, Any]:
        """One command over the control socket, one JSON reply."""
        return pcinetd_request(self.dir, line, timeout)

    def slot(self, n: int) -> dict[str, Any]:
        reply = self.request(f"status {n}")
        assert reply["ok"] is True, reply
        row = reply["slot"]
        assert isinstance(row, dict)
        return row


def printable(n: int, seed: int) -> bytes:
    """n random printable bytes: no CR/LF, so the test board only echoes."""
    rnd = random.Random(seed)
    return bytes(rnd.choices(range(0x20, 0x7F), k=n))


def echo_flood(con: Pty, n: int, seed: int, timeout: float = 300.0) -> float:
    """Type n bytes while reading the echo; exact, in order. Returns bytes/s each way."""
    data = printable(n, seed)
    con.sync()
    start = len(con.received)
    got, elapsed = con.flood(data, n, stall=20, timeout=timeout)
    if got != data:
        bad = next(i for i in range(n) if got[i] != data[i])
        raise AssertionError(f"echo differs at byte {bad}: {got[bad:bad + 20]!r} "
                             f"!= {data[bad:bad + 20]!r}")
    # The line editor now holds the flood: end it, let the board complain
    con.write(b"\r")
    con.expect(PROMPT, start + n)
    con.quiet()
    return n / elapsed


def wait_for(what: str, cond: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def assert_clean_exit(daemon: Daemon, slots: list[int]) -> None:
    code = daemon.stop()
    out = daemon.output()
    assert code == 0, out
    assert "AddressSanitizer" not in out and "runtime error" not in out, out
    assert not daemon.sock.exists()
    for n in slots:
        assert not daemon.layout.console(n).is_symlink()


# -- one chassis of test boards, one production pcinetd ---------------------

@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningChassis]:
    rc = RunningChassis(tmp_path_factory.mktemp("hostcons") / "chassis", 3)
    rc.up()
    try:
        yield rc
    finally:
        rc.down()


@pytest.fixture(scope="module")
def daemon(crate: RunningChassis) -> Iterator[Daemon]:
    d = Daemon(PCINETD, crate.dir)
    try:
        yield d
    finally:
        code = d.stop()
        print(d.output())
    assert code == 0
    assert not d.sock.exists()
    # the daemon cleared its status word on the way out
    for row in crate.rows().values():
        assert row["violations"] == 0, row


def open_console(crate: RunningChassis, slot: int) -> Pty:
    link = crate.layout.console(slot)
    assert link.is_symlink()
    assert os.readlink(link).startswith("/dev/pts/")
    return Pty(link)


def test_version_through_the_pty(crate: RunningChassis, daemon: Daemon) -> None:
    con = open_console(crate, 2)
    try:
        con.write(b"version\r")
        m = con.expect(VERSION_RE)
        assert int(m.group(3)) == 2
        con.expect(PROMPT, m.end())
    finally:
        con.close()
    row = daemon.slot(2)
    assert row["board_status"] == "0x42010001"
    assert row["host_status"] == "0x48010001"
    assert row["present"] is True and row["registers_valid"] is False


def test_flood_one_mib_each_way(crate: RunningChassis, daemon: Daemon) -> None:
    con = open_console(crate, 2)
    try:
        before = daemon.slot(2)
        rate = echo_flood(con, FLOOD, seed=2)
        print(f"\npcinetd console through the pty: {FLOOD} bytes each way, "
              f"{rate / 1024:.1f} KiB/s each way ({FLOOD / rate:.1f} s)")
        after = daemon.slot(2)
        assert after["console_bytes_in"] - before["console_bytes_in"] >= FLOOD
        assert after["console_bytes_out"] - before["console_bytes_out"] >= FLOOD
        assert after["console_dropped"] == 0 and after["console_discarded"] == 0
        assert after["console_duplicates"] == 0
        assert VERSION_RE.fullmatch(con.command("version"))
    finally:
        con.close()


def test_status_of_every_slot(daemon: Daemon) -> None:
    reply = daemon.request("status")
    assert reply["ok"] is True
    rows = reply["slots"]
    assert [r["slot"] for r in rows] == [1, 2, 3]
    for r in rows:
        assert r["present"] is True, r
        assert int(r["board_status"], 16) & 0xFF000000 == 0x42000000
        assert r["host_status"] == "0x48010001"
        assert r["errors"] == 0
        for key in ("console_bytes_in", "console_bytes_out", "resets_seen", "registers_valid"):
            assert key in r


@pytest.mark.parametrize("line", ["", "frobnicate", "status 0", "status 4", "status x",
                                  "status -1", "status 2 3", "reset", "reset 99",
                                  "help me", "\x00\x01\xff", "status " + "9" * 40])
def test_bad_input_is_an_error_object(daemon: Daemon, line: str) -> None:
    if not line:
        line = "bogus\t"
    reply = daemon.request(line)
    assert reply["ok"] is False and isinstance(reply["error"], str), reply
    assert daemon.request("help")["ok"] is True


def test_overlong_line_and_abrupt_clients(daemon: Daemon) -> None:
    assert daemon.request("x" * 5000)["ok"] is False
    for _ in range(20):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(daemon.sock))
            s.sendall(b"status\nstatus\nstat")
    assert daemon.proc.poll() is None
    assert daemon.request("status")["ok"] is True


def test_reset_restarts_the_board(crate: RunningChassis, daemon: Daemon) -> None:
    before = daemon.slot(2)
    con = open_console(crate, 2)
    try:
        con.sync()
        reply = daemon.request("reset 2")
        assert reply["ok"] is True and reply["reset"] == 2, reply
        wait_for("slot 2 to come back", lambda: (
            (row := daemon.slot(2))["board_console"] and row["epoch"] > before["epoch"]
            and row["resets_seen"] > before["resets_seen"]))
        con.quiet()
        con.sync()
        m = VERSION_RE.fullmatch(con.command("version"))
        assert m and int(m.group(3)) == 2 and int(m.group(4)) == before["epoch"] + 1
        rate = echo_flood(con, 64 * 1024, seed=3)
        print(f"\nafter reset: {rate / 1024:.1f} KiB/s each way")
    finally:
        con.close()
    after = daemon.slot(2)
    assert after["resets_requested"] == before["resets_requested"] + 1
    # the reset waited for RCER[CRE] before RCR (10.8): it took, nothing failed
    assert after["resets_failed"] == 0 and after["errors"] == before["errors"], after


def test_killed_board_does_not_disturb_another_slot(crate: RunningChassis,
                                                    daemon: Daemon) -> None:
    before = daemon.slot(3)
    one = open_console(crate, 1)
    three = open_console(crate, 3)
    try:
        one.sync()
        three.sync()
        # slot 3 is busy with a flood of its own when its board dies
        three.write(printable(3000, seed=9))
        os.kill(crate.pids()[3], signal.SIGKILL)
        rate = echo_flood(one, 128 * 1024, seed=4)
        print(f"\nslot 1 while slot 3's board died: {rate / 1024:.1f} KiB/s each way")
        assert VERSION_RE.fullmatch(one.command("version"))
        wait_for("slot 3 to come back", lambda: (
            (row := daemon.slot(3))["board_console"]
            and row["resets_seen"] > before["resets_seen"]))
        three.quiet()
        three.sync()
        m = VERSION_RE.fullmatch(three.command("version"))
        assert m and int(m.group(3)) == 3
        assert daemon.slot(1)["resets_seen"] == 0
    finally:
        one.close()
        three.close()


def test_no_checker_violations(crate: RunningChassis, daemon: Daemon) -> None:
    crate.assert_no_violations()
    assert daemon.proc.poll() is None


# -- the ASan build, command line, on a chassis of its own ------------------

def test_command_line(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(PCINETD), *args], capture_output=True, text=True,
                              timeout=20, check=False)

    res = run("--help")
    assert res.returncode == 0 and "--dir" in res.stdout
    assert run().returncode == 2
    assert run("--dir").returncode == 2
    assert run("--bogus").returncode == 2
    assert run("--dir", str(tmp_path), "extra").returncode == 2
    for bad in ("", "0", "1-", "3-2", "1,,2", "a", "33", "1,"):
        assert run("--dir", str(tmp_path), "--slots", bad).returncode == 2, bad
    res = run("--dir", str(tmp_path / "nothing"))
    assert res.returncode == 1 and "cannot open chassis" in res.stderr


def test_asan_build(tmp_path: Path) -> None:
    rc = RunningChassis(tmp_path / "chassis", 2)
    rc.up()
    d: Daemon | None = None
    try:
        d = Daemon(PCINETD_ASAN, rc.dir, "--slots", "2")
        # a second daemon on the same chassis refuses
        res = subprocess.run([str(PCINETD), "--dir", str(rc.dir)], capture_output=True,
                             text=True, timeout=20, check=False)
        assert res.returncode == 1 and "already" in res.stderr
        assert [r["slot"] for r in d.request("status")["slots"]] == [2]
        assert d.request("status 1")["ok"] is False
        assert not rc.layout.console(1).exists()
        con = Pty(rc.layout.console(2))
        try:
            m = VERSION_RE.search(con.command("version"))
            assert m and int(m.group(3)) == 2
            rate = echo_flood(con, 64 * 1024, seed=5)
            print(f"\nASan build: {rate / 1024:.1f} KiB/s each way")
            for line in ("status 2 x", "reset x", "status", "help"):
                d.request(line)
            before = d.slot(2)
            assert d.request("reset 2")["ok"] is True
            wait_for("slot 2 to come back", lambda: (
                (row := d.slot(2))["board_console"]
                and row["resets_seen"] > before["resets_seen"]))
            con.quiet()
            con.sync()
            assert VERSION_RE.fullmatch(con.command("version"))
            # a client that leaves the pty; the daemon keeps serving it
        finally:
            con.close()
        con = Pty(rc.layout.console(2))
        try:
            assert VERSION_RE.fullmatch(con.command("version"))
        finally:
            con.close()
        assert_clean_exit(d, [2])
        # IMR1 cleared on exit: the board's view of the host is gone
        rows = rc.rows()
        assert all(r["violations"] == 0 for r in rows.values()), rows
    finally:
        if d is not None:
            d.stop()
        rc.down()


def test_console_without_a_reader_does_not_block(tmp_path: Path) -> None:
    """Board output nobody reads is dropped after the stall time, not piled up."""
    rc = RunningChassis(tmp_path / "chassis", 1)
    rc.up()
    d: Daemon | None = None
    try:
        d = Daemon(PCINETD, rc.dir)
        con = Pty(rc.layout.console(1))
        try:
            # type 200 KiB of echo-able text without reading the echo
            con.sync()
            con.write(printable(200 * 1024, seed=6))
            wait_for("the backlog to drop", lambda: d is not None
                     and d.slot(1)["console_dropped"] > 0, timeout=60)
            # a reader comes: what is left drains, the console works again
            con.quiet(idle=1.0, timeout=120)
            con.sync()
            assert VERSION_RE.fullmatch(con.command("version"))
        finally:
            con.close()
        assert_clean_exit(d, [1])
    finally:
        if d is not None:
            d.stop()
        rc.down()


@pytest.mark.skipif(not UBOOT.exists(), reason=f"{UBOOT} is not built (make uboot)")
def test_uboot_version_through_the_pty(tmp_path: Path) -> None:
    rc = RunningChassis(tmp_path / "chassis", 1)
    rc.up("--board", str(UBOOT_BOARD), "--boot-timeout", "30")
    d: Daemon | None = None
    try:
        d = Daemon(PCINETD, rc.dir)
        con = Pty(rc.layout.console(1))
        try:
            con.write(b"\r")
            con.expect(PROMPT, timeout=20)
            con.quiet()
            answer = con.command("version", timeout=20)
            assert b"U-Boot 2023.01" in answer, answer
        finally:
            con.close()
        assert_clean_exit(d, [1])
        rc.assert_no_violations()
    finally:
        if d is not None:
            d.stop()
        rc.down()
