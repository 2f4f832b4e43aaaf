# SPDX-License-Identifier: GPL-2.0-or-later
"""A whole chassis through the real pcinet-sim command: up/down without
leaks, resets from the host and from the board, crashes, CLI behaviour."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pcinet_sim import Side, netns
from pcinet_sim.defs import board_valid, const

from conftest import reset_handshake, run_cli
from simhelpers import NO_HOST, OMR1, TEST_BOARD, HostConsole, RunningChassis

RSR = const("M83XX_RST_RSR")
RPR = const("M83XX_RST_RPR")
RCR = const("M83XX_RST_RCR")
RPR_UNLOCK = const("M83XX_RPR_UNLOCK")
RCR_SWHR = const("M83XX_RCR_SWHR")
RCR_SWSR = const("M83XX_RCR_SWSR")
RSR_HRS = const("M83XX_RSR_HRS")
RSR_SWHR = const("M83XX_RSR_SWHR")
SIG_MASK = const("PCINET_STATUS_SIG_MASK")
SIG_BOARD = const("PCINET_STATUS_SIG_BOARD")
UART_RX_ENABLED = const("PCINET_UART_RX_ENABLED")


# -- what a chassis may leave behind -------------------------------------------
def _proc_state(pid: int) -> str:
    """State letter of pid ('' if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[0]


def alive(pid: int) -> bool:
    """pid runs (a zombie is dead: only its parent's wait() is missing)."""
    return _proc_state(pid) not in ("", "Z", "X")


def procs_mentioning(text: str) -> list[str]:
    """Processes (other than us) whose command line contains text."""
    needle = text.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # exited while we looked
        # A zombie's (or an exiting process's) command line reads empty
        if needle in cmdline:
            words = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{entry.name}: {words}")
    return found


def wait_for(cond: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def leftover_procs(text: str, timeout: float = 5.0) -> list[str]:
    """Processes mentioning text that do not go away within timeout."""
    left: list[str] = []

    def none_left() -> bool:
        left[:] = procs_mentioning(text)
        return not left

    wait_for(none_left, timeout)
    return left


def zombie_children() -> list[int]:
    """Children of this process that exited and were never waited for."""
    me = str(os.getpid())
    zombies = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if fields[0] == "Z" and fields[1] == me:
            zombies.append(int(entry.name))
    return zombies


def netns_names() -> list[str]:
    res = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    return [line.split()[0] for line in res.stdout.splitlines() if line.strip()]


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def assert_nothing_left(directory: Path, existed_before: bool = False) -> None:
    """After down: no files, no process, no namespace, no zombie of ours."""
    if existed_before:
        assert directory.is_dir(), f"{directory} was ours to keep"
        assert not list(directory.iterdir()), list(directory.iterdir())
    else:
        assert not directory.exists(), sorted(p.name for p in directory.iterdir())
    left = leftover_procs(str(directory))
    assert not left, f"processes left behind: {left}"
    assert netns.name_for(directory) not in netns_names()
    assert not zombie_children()


@pytest.fixture
def crate(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[RunningChassis]:
    """A running 4-slot chassis, taken down and checked afterwards."""
    rc = RunningChassis(tmp_path / "chassis", 4)
    rc.up()
    try:
        yield rc
        if request.node.get_closest_marker("expect_violations") is None:
            rc.assert_no_violations()
    finally:
        rc.down()
    assert_nothing_left(rc.dir)


def check_board_restarted(crate: RunningChassis, slot: int, old_pids: dict[int, int],
                          old_resets: dict[int, int]) -> int:
    """slot runs a new board process; nothing else changed. Returns the new pid."""
    old = old_pids[slot]
    assert wait_for(lambda: crate.pids()[slot] not in (0, old), 5), crate.board_state(slot)
    assert wait_for(lambda: not alive(old), 5), f"old board {old} still runs"
    obs = crate.open().slot(slot, Side.OBSERVER)
    try:
        assert wait_for(lambda: obs.read32(OMR1) & SIG_MASK == SIG_BOARD, 5)
        assert obs.read32(OMR1) & UART_RX_ENABLED
    finally:
        obs.close()
    rows = crate.rows()
    new = int(str(rows[slot]["pid"]))
    assert new not in (0, old) and alive(new)
    assert rows[slot]["console"] is True
    assert rows[slot]["resets"] == old_resets[slot] + 1
    for other, row in rows.items():
        if other != slot:
            assert row["pid"] == old_pids[other], f"slot {other} was disturbed"
            assert row["resets"] == old_resets[other]
    return new


def resets_by_slot(crate: RunningChassis) -> dict[int, int]:
    return {slot: int(str(row["resets"])) for slot, row in crate.rows().items()}


# -- a) up/down without leaks ---------------------------------------------------
@pytest.mark.slow
def test_up_down_19_slots_20_times_leaves_nothing(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    directory = (tmp_path / "c19").resolve()
    ns = netns.name_for(directory)
    fds = fd_count()
    t0 = time.monotonic()
    for i in range(20):
        existed = i % 2 == 1  # every other round the directory is the user's
        if existed:
            directory.mkdir()
        res = run_cli("up", "--dir", str(directory), "--slots", "19", *TEST_BOARD, *NO_HOST)
        assert res.returncode == 0, res.stderr
        assert ns in netns_names()
        status = RunningChassis(directory, 19).status()
        assert status["netns"] == ns
        assert isinstance(status["supervisor"], int) and alive(status["supervisor"])
        rows = status["slots"]
        assert isinstance(rows, list) and len(rows) == 19
        pids = set()
        for row in rows:
            pid = row["pid"]
            assert isinstance(pid, int) and pid > 0 and alive(pid), row
            assert str(directory).encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
            assert row["state"] == "running"
            assert row["console"] is True
            assert row["violations"] == 0, row["counters"]
            pids.add(pid)
        assert len(pids) == 19
        res = run_cli("down", "--dir", str(directory))
        assert res.returncode == 0, res.stderr
        assert_nothing_left(directory, existed)
        if existed:
            directory.rmdir()
    elapsed = time.monotonic() - t0
    assert fd_count() == fds
    with capsys.disabled():
        print(f"\n20 x up/status/down of 19 slots: {elapsed:.1f} s")


def test_down_returns_after_every_process_is_gone(tmp_path: Path) -> None:
    """When `down` returns, the supervisor and every board it ran have exited:
    a script may take the next crate up at once (the supervisor's lock file
    went a moment before the process ended, and `down` used to return then)."""
    directory = (tmp_path / "c").resolve()
    for _ in range(3):
        res = run_cli("up", "--dir", str(directory), "--slots", "2", *TEST_BOARD, *NO_HOST)
        assert res.returncode == 0, res.stderr
        status = RunningChassis(directory, 2).status()
        sup = status["supervisor"]
        assert isinstance(sup, int) and alive(sup)
        rows = status["slots"]
        assert isinstance(rows, list)
        boards = [int(str(row["pid"])) for row in rows]
        res = run_cli("down", "--dir", str(directory))
        assert res.returncode == 0, res.stderr
        running = [pid for pid in (sup, *boards) if alive(pid)]
        assert not running, f"still running after down: {running} (supervisor {sup})"
    assert_nothing_left(directory)


# A supervisor whose teardown takes long after it let go of its lock file,
# as a loaded machine stretches the real one's last steps (closing files,
# leaving the interpreter): deterministic where the real race is not.
SLOW_EXIT_SUPERVISOR = """
import os, signal, sys, time
from pathlib import Path
from pcinet_sim.layout import Layout
from pcinet_sim.supervisor import take_lock
directory = Path(sys.argv[1])
fd = take_lock(directory)
Layout(directory).supervisor_state.write_text("{}")
def stop(signum, frame):
    Layout(directory).supervisor_lock.unlink()
    os.close(fd)
    time.sleep(1.5)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
while True:
    time.sleep(1)
"""


def test_down_waits_for_the_supervisor_process_not_its_lock(tmp_path: Path) -> None:
    directory = tmp_path / "slow"
    directory.mkdir()
    sup = subprocess.Popen([sys.executable, "-c", SLOW_EXIT_SUPERVISOR, str(directory)],
                           stdout=subprocess.PIPE, text=True)
    try:
        assert sup.stdout is not None and sup.stdout.readline() == "ready\n"
        res = run_cli("down", "--dir", str(directory))
        assert res.returncode == 0, res.stderr
        assert sup.poll() is not None, "down returned while the supervisor still ran"
    finally:
        if sup.poll() is None:
            sup.kill()
        sup.wait()


# -- b) reset from the host -----------------------------------------------------
def test_host_reset_restarts_board(crate: RunningChassis) -> None:
    ch = crate.open()
    con = HostConsole(ch, 2)
    host = con.s
    con.sync()
    con.command("valid")
    assert wait_for(lambda: board_valid(host.read32(OMR1)), 2), hex(host.read32(OMR1))
    pids, resets = crate.pids(), resets_by_slot(crate)
    epoch = host.epoch()

    reset_handshake(host, RCR_SWHR)
    # The reset is synchronous in the model: the registers are already gone,
    # and with them the board's configuration space: the host reads all ones
    # until it restores that (the console below does), the observer sees all
    assert host.read32(OMR1) == const("PCINET_ALL_ONES")
    obs = crate.open().slot(2, Side.OBSERVER)
    assert obs.read32(OMR1) == 0
    assert obs.read32(RSR) == RSR_SWHR | RSR_HRS
    assert host.epoch() == epoch + 1

    new = check_board_restarted(crate, 2, pids, resets)
    # The console comes back: the new board announces itself, the host
    # rewrites the status word the reset cleared, and the board greets it.
    start = len(con.received)
    con.pump(lambda: con.board_restarts == 1, timeout=5)
    con.expect(b"pcinet-sim-board slot 2 ready\r\n=> ", start)
    assert f"slot 2 epoch {epoch + 1}".encode() in con.command("version")
    assert not board_valid(host.read32(OMR1))
    assert crate.pids()[2] == new


@pytest.mark.expect_violations
def test_rcr_needs_rpr_unlock_and_rcer_cre(crate: RunningChassis) -> None:
    host = crate.open().slot(3, Side.HOST)
    pids, resets = crate.pids(), resets_by_slot(crate)
    epoch, status = host.epoch(), host.read32(OMR1)
    host.write32(RCR, RCR_SWHR)  # never unlocked
    host.write32(RCR, RCR_SWSR)
    host.write32(RPR, RPR_UNLOCK ^ 1)  # wrong key
    host.write32(RCR, RCR_SWHR)
    host.write32(RPR, RPR_UNLOCK)
    host.write32(RCR, RCR_SWHR)  # the old hosts' back-to-back write: before RCER[CRE]
    reset_handshake(host, 0)  # the enable is for one request, even an empty one
    host.write32(RCR, RCR_SWHR)
    time.sleep(0.5)  # a reset would have restarted the board by now
    assert host.epoch() == epoch
    assert host.read32(OMR1) == status
    assert crate.pids() == pids
    assert resets_by_slot(crate) == resets
    # every lost RCR write is charged to the host, and to nothing else
    row = crate.rows()[3]
    counters = row["counters"]
    assert isinstance(counters, dict)
    assert counters["viol_rcr_lost"] == 5, counters
    assert row["violations"] == 5, counters


# -- c) crash and board-initiated reset -------------------------------------------
def test_crashed_board_is_hard_reset_and_restarted(crate: RunningChassis) -> None:
    con = HostConsole(crate.open(), 3)
    con.sync()
    pids, resets = crate.pids(), resets_by_slot(crate)
    crashes = int(str(crate.board_state(3)["crashes"]))
    epoch = con.s.epoch()
    con.send(b"crash\r")
    check_board_restarted(crate, 3, pids, resets)
    state = crate.board_state(3)
    assert state["crashes"] == crashes + 1
    assert state["last_exit"] == f"signal {int(signal.SIGABRT)}"
    # What the supervisor's watchdog did: a hard reset, not a software one
    assert crate.open().slot(3, Side.OBSERVER).read32(RSR) == RSR_HRS
    assert con.s.epoch() == epoch + 1
    con.pump(lambda: con.board_restarts == 1, timeout=5)
    assert f"slot 3 epoch {epoch + 1}".encode() in con.command("version")


def test_board_reset_command_restarts_board(crate: RunningChassis) -> None:
    con = HostConsole(crate.open(), 4)
    con.sync()
    con.command("valid")
    assert wait_for(lambda: board_valid(con.s.read32(OMR1)), 2)
    pids, resets = crate.pids(), resets_by_slot(crate)
    crashes = crate.board_state(4)["crashes"]
    epoch = con.s.epoch()
    con.send(b"reset\r")
    check_board_restarted(crate, 4, pids, resets)
    state = crate.board_state(4)
    assert state["crashes"] == crashes
    assert state["last_exit"] == f"reset (epoch {epoch + 1})"
    assert crate.open().slot(4, Side.OBSERVER).read32(RSR) == RSR_SWHR | RSR_HRS
    con.pump(lambda: con.board_restarts == 1, timeout=5)
    assert f"slot 4 epoch {epoch + 1}".encode() in con.command("version")


# -- d) the command line ----------------------------------------------------------
def test_up_twice_refuses(crate: RunningChassis) -> None:
    pids = crate.pids()
    res = run_cli("up", "--dir", str(crate.dir), "--slots", "4", *TEST_BOARD, *NO_HOST)
    assert res.returncode == 1
    assert "already up" in res.stderr
    assert crate.pids() == pids
    assert all(alive(p) for p in pids.values())


def test_status_without_chassis(tmp_path: Path) -> None:
    for directory in (tmp_path, tmp_path / "nowhere"):
        res = run_cli("status", "--dir", str(directory))
        assert res.returncode == 1
        assert f"no chassis in {directory}" in res.stderr
        res = run_cli("status", "--dir", str(directory), "--json")
        assert res.returncode == 1
        assert res.stdout == ""
    assert not (tmp_path / "nowhere").exists()


def test_down_on_nothing(tmp_path: Path) -> None:
    for directory in (tmp_path, tmp_path / "nowhere"):
        res = run_cli("down", "--dir", str(directory))
        assert res.returncode == 0, res.stderr
        assert "nothing to do" in res.stdout
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("slots", ["0", "33", "-1"])
def test_bad_slot_count_is_usage_error(tmp_path: Path, slots: str) -> None:
    directory = tmp_path / "c"
    res = run_cli("up", "--dir", str(directory), "--slots", slots, *TEST_BOARD, *NO_HOST)
    assert res.returncode == 2
    assert "--slots" in res.stderr
    assert not directory.exists()


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert run_cli().returncode == 2
    assert run_cli("sideways").returncode == 2
    assert run_cli("up", "--dir", str(tmp_path), "--slots", "many").returncode == 2


def test_board_that_never_announces(tmp_path: Path) -> None:
    directory = tmp_path / "bad"
    res = run_cli("up", "--dir", str(directory), "--slots", "3", "--board", "/nonexistent",
                  "--boot-timeout", "1", *NO_HOST)
    assert res.returncode == 1
    for slot in (1, 2, 3):
        assert f"slot {slot}: board did not announce itself" in res.stderr, res.stderr
    res = run_cli("down", "--dir", str(directory))
    assert res.returncode == 0, res.stderr
    assert_nothing_left(directory)


def _kill_supervisor(crate: RunningChassis) -> tuple[int, list[int]]:
    status = crate.status()
    sup = status["supervisor"]
    assert isinstance(sup, int) and sup > 0
    boards = list(crate.pids().values())
    os.kill(sup, signal.SIGKILL)
    assert wait_for(lambda: not alive(sup), 5)
    # The boards outlive it, as real boards outlive a dead host process
    assert all(alive(p) for p in boards)
    return sup, boards


def test_down_after_supervisor_sigkill(tmp_path: Path) -> None:
    rc = RunningChassis(tmp_path / "k", 3)
    rc.up()
    _, boards = _kill_supervisor(rc)
    assert netns.name_for(rc.dir) in netns_names()
    status = rc.status()
    assert status["supervisor"] == 0
    rc.down()
    assert wait_for(lambda: not any(alive(p) for p in boards), 5)
    assert_nothing_left(rc.dir)


def test_up_after_supervisor_sigkill(tmp_path: Path) -> None:
    rc = RunningChassis(tmp_path / "k", 3)
    rc.up()
    _, boards = _kill_supervisor(rc)
    res = run_cli("up", "--dir", str(rc.dir), "--slots", "3", *TEST_BOARD, *NO_HOST)
    assert res.returncode == 0, res.stderr
    assert "remains" in res.stderr
    try:
        assert wait_for(lambda: not any(alive(p) for p in boards), 5)
        new = rc.pids()
        assert all(alive(p) for p in new.values())
        assert not set(new.values()) & set(boards)
        rc.assert_no_violations()
    finally:
        rc.down()
    assert_nothing_left(rc.dir)


# -- e) foreground ----------------------------------------------------------------
def _start_foreground(directory: Path, slots: int) -> subprocess.Popen[str]:
    exe = Path(sys.executable).parent / "pcinet-sim"
    proc = subprocess.Popen([str(exe), "up", "--foreground", "--dir", str(directory),
                             "--slots", str(slots), *TEST_BOARD, *NO_HOST],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rc = RunningChassis(directory, slots)

    def ready() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"foreground chassis exited: {proc.communicate()}")
        try:
            pids = rc.pids()
        except (AssertionError, KeyError):
            return False
        return len(pids) == slots and all(alive(p) for p in pids.values())

    assert wait_for(ready, 15)
    return proc


def test_foreground_sigint_leaves_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "fg"
    proc = _start_foreground(directory, 3)
    try:
        boards = list(RunningChassis(directory, 3).pids().values())
        assert netns.name_for(directory) in netns_names()
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert not any(alive(p) for p in boards)
    assert_nothing_left(directory)


def test_foreground_chassis_is_seen_as_up(tmp_path: Path) -> None:
    directory = tmp_path / "fg"
    proc = _start_foreground(directory, 2)
    try:
        status = RunningChassis(directory, 2).status()
        assert status["supervisor"] == proc.pid
        res = run_cli("up", "--dir", str(directory), "--slots", "2", *TEST_BOARD, *NO_HOST)
        assert res.returncode == 1
        assert "already up" in res.stderr
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
        run_cli("down", "--dir", str(directory))
    assert_nothing_left(directory)
