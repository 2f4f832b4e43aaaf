# SPDX-License-Identifier: GPL-2.0-or-later
"""The chassis supervisor: one process that owns a running simulated chassis.

It starts one board process per slot (inside the chassis' network
namespace), restarts a board when the hardware model resets it (RPR/RCR from
either side, reported on DIR/supervisor.fifo) or when the board process dies
(a crash: the slot is hard-reset first, as a watchdog would), and on
SIGTERM/SIGINT stops every board, removes the namespace and every chassis
file, and exits. Run by ``pcinet-sim up``; ``python -m pcinet_sim.supervisor``
is its entry point.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import select
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import netns
from .defs import const
from .lib import Chassis, Side, Slot

STATE_FILE = "supervisor.json"
LOCK_FILE = "supervisor.lock"
LOG_DIR = "logs"
CRASH_WINDOW_S = 2.0  # a board that dies this soon after starting...
CRASH_LIMIT = 5  # ...this many times in a row is marked failed


@dataclass
class BoardState:
    slot: int
    pid: int = 0
    state: str = "stopped"  # starting, running, failed, stopped
    starts: int = 0
    resets: int = 0
    crashes: int = 0
    last_exit: str = ""
    quick_deaths: int = 0
    started_at: float = 0.0
    handled_epoch: int = 0


@dataclass
class SupervisorState:
    pid: int
    dir: str
    netns: str
    board_cmd: list[str]
    remove_dir: bool
    boards: dict[int, BoardState] = field(default_factory=dict)


class ChassisBusy(RuntimeError):
    """Another live supervisor (or pcinet-sim up) owns the chassis."""


def take_lock(directory: Path, inheritable: bool = False) -> int:
    """Own the chassis in directory: an flock on DIR/supervisor.lock holding our pid.

    The lock lives as long as any process holds the open file (a daemon gets it
    from pcinet-sim up), so "is a supervisor running" never depends on pids.
    """
    flags = os.O_RDWR | os.O_CREAT | (0 if inheritable else os.O_CLOEXEC)
    fd = os.open(directory / LOCK_FILE, flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ChassisBusy(f"a supervisor is running the chassis in {directory}") from None
    set_lock_owner(fd, os.getpid())
    return fd


def set_lock_owner(fd: int, pid: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{pid}\n".encode(), 0)


def lock_holder(directory: Path) -> int:
    """Pid of the live owner of the chassis in directory (-1 if unknown), or 0."""
    try:
        fd = os.open(directory / LOCK_FILE, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return 0
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return 0
    finally:
        os.close(fd)


def state_path(directory: Path) -> Path:
    return directory / STATE_FILE


def read_state(directory: Path) -> dict[str, object] | None:
    """The supervisor's last published state, or None."""
    try:
        data = json.loads(state_path(directory).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def log_path(directory: Path, slot: int) -> Path:
    return directory / LOG_DIR / f"slot{slot:02d}.log"


class Supervisor:
    def __init__(self, directory: Path, board_cmd: list[str], ns: str, remove_dir: bool,
                 boot_timeout: float, lock_fd: int | None = None):
        self.dir = directory
        if lock_fd is None:
            lock_fd = take_lock(directory)
        else:
            set_lock_owner(lock_fd, os.getpid())
        self.lock_fd = lock_fd
        self.boot_timeout = boot_timeout
        self.chassis = Chassis(directory)
        self.state = SupervisorState(os.getpid(), str(directory), ns, board_cmd, remove_dir)
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.observers: dict[int, Slot] = {}
        self.stopping = False
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        fifo = directory / "supervisor.fifo"
        self.fifo = os.open(fifo, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        self.fifo_buf = b""

    # -- boards ---------------------------------------------------------------
    def start_board(self, slot: int) -> None:
        board = self.state.boards[slot]
        cmd = [*self.state.board_cmd, str(self.dir), str(slot)]
        if self.state.netns:
            cmd = ["ip", "netns", "exec", self.state.netns, *cmd]
        log = open(log_path(self.dir, slot), "ab")  # noqa: SIM115 - handed to the child
        try:
            # cwd: whatever a board leaves behind (a core file) stays in the chassis
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, close_fds=True,
                                    cwd=self.dir / LOG_DIR)
        finally:
            log.close()
        self.procs[slot] = proc
        board.pid = proc.pid
        board.state = "running"
        board.starts += 1
        board.started_at = time.monotonic()
        board.handled_epoch = self.observers[slot].epoch()

    def stop_board(self, slot: int, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(slot, None)
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self.state.boards[slot].pid = 0

    def reset_requested(self, slot: int, epoch: int) -> None:
        board = self.state.boards.get(slot)
        if board is None or epoch <= board.handled_epoch or self.stopping:
            return
        # The model has already reset the registers; the CPU is gone too.
        self.stop_board(slot)
        board.resets += 1
        board.last_exit = f"reset (epoch {epoch})"
        if board.state != "failed":
            self.start_board(slot)

    def board_exited(self, slot: int, proc: subprocess.Popen[bytes]) -> None:
        board = self.state.boards[slot]
        self.procs.pop(slot, None)
        code = proc.returncode
        board.last_exit = (f"signal {-code}" if code is not None and code < 0
                           else f"exit {code}")
        board.pid = 0
        if self.stopping:
            return
        # A board that dies without a reset: what its watchdog would do.
        board.crashes += 1
        self.observers[slot].hard_reset(const("M83XX_RSR_HRS"))
        quick = time.monotonic() - board.started_at < CRASH_WINDOW_S
        board.quick_deaths = board.quick_deaths + 1 if quick else 0
        if board.quick_deaths >= CRASH_LIMIT:
            board.state = "failed"
            print(f"slot {slot}: board died {CRASH_LIMIT} times right after starting "
                  f"({board.last_exit}); not restarting it, see {log_path(self.dir, slot)}",
                  file=sys.stderr, flush=True)
            return
        self.start_board(slot)

    # -- loop -----------------------------------------------------------------
    def publish(self) -> None:
        data = asdict(self.state)
        tmp = state_path(self.dir).with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(state_path(self.dir))

    def read_fifo(self) -> None:
        try:
            chunk = os.read(self.fifo, 4096)
        except BlockingIOError:
            return
        self.fifo_buf += chunk
        *lines, self.fifo_buf = self.fifo_buf.split(b"\n")
        for line in lines:
            parts = line.split()
            if len(parts) == 3 and parts[0] == b"reset":
                self.reset_requested(int(parts[1]), int(parts[2]))

    def reap(self) -> None:
        for slot, proc in list(self.procs.items()):
            if proc.poll() is not None:
                self.board_exited(slot, proc)

    def wait_boards_announced(self) -> list[str]:
        """Problems of boards that did not write their status in time."""
        deadline = time.monotonic() + self.boot_timeout
        sig_mask, sig_board = const("PCINET_STATUS_SIG_MASK"), const("PCINET_STATUS_SIG_BOARD")
        pending = set(self.state.boards)
        while pending and time.monotonic() < deadline and not self.stopping:
            for slot in list(pending):
                status = self.observers[slot].read32(const("M83XX_MU_OMR1"))
                if status & sig_mask == sig_board:
                    pending.discard(slot)
            self.reap()
            self.read_fifo()
            time.sleep(0.02)
        return [f"slot {slot}: board did not announce itself within {self.boot_timeout:g} s "
                f"({self._board_fate(slot)}; see {log_path(self.dir, slot)})"
                for slot in sorted(pending)]

    def _board_fate(self, slot: int) -> str:
        board = self.state.boards[slot]
        if board.state == "failed":
            return f"it died {board.quick_deaths} times right after starting, {board.last_exit}"
        if board.last_exit:
            return f"last exit: {board.last_exit}"
        return f"pid {board.pid} still running, no status written"

    def on_signal(self, signum: int, frame: object) -> None:
        self.stopping = True
        with contextlib.suppress(OSError):
            os.write(self.wake_w, b"x")

    def run(self, ready_fd: int | None) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self.on_signal)
        (self.dir / LOG_DIR).mkdir(exist_ok=True)
        try:
            if self.state.netns:
                netns.create(self.state.netns)
            for slot in range(1, self.chassis.config.slots + 1):
                self.observers[slot] = self.chassis.slot(slot, Side.OBSERVER)
                self.state.boards[slot] = BoardState(slot)
                self.start_board(slot)
            problems = self.wait_boards_announced()
            self.publish()
            self._report_ready(ready_fd, problems)
            while not self.stopping:
                select.select([self.fifo, self.wake_r], [], [], 0.2)
                self.read_fifo()
                self.reap()
                self.publish()
        finally:
            self.teardown()
        return 0

    @staticmethod
    def _report_ready(ready_fd: int | None, problems: list[str]) -> None:
        for p in problems:
            print(p, file=sys.stderr, flush=True)
        if ready_fd is not None:
            msg = "ready\n" if not problems else "problems\n" + "\n".join(problems) + "\n"
            os.write(ready_fd, msg.encode())
            os.close(ready_fd)

    def teardown(self) -> None:
        self.stopping = True
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 2.0
        for slot in list(self.procs):
            proc = self.procs[slot]
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            self.procs.pop(slot)
        self.chassis.close()
        if self.state.netns:
            netns.delete(self.state.netns)
        remove_chassis(self.dir, self.state.remove_dir, remove_lock=True)
        os.close(self.lock_fd)
        os.close(self.fifo)
        os.close(self.wake_r)
        os.close(self.wake_w)


def remove_chassis(directory: Path, remove_dir: bool, remove_lock: bool) -> None:
    """Remove every file of a chassis (and the directory if we made it).

    The lock file goes only when its owner is done with the directory.
    """
    Chassis.destroy(directory)
    if remove_lock:
        (directory / LOCK_FILE).unlink(missing_ok=True)
    # pcinetd.sock/.lock: what a host daemon leaves (its lock stays by design)
    for name in (STATE_FILE, STATE_FILE.replace(".json", ".tmp"), "supervisor.log",
                 "pcinetd.sock", "pcinetd.lock"):
        (directory / name).unlink(missing_ok=True)
    logs = directory / LOG_DIR
    if logs.is_dir():
        for f in logs.iterdir():
            f.unlink()
        logs.rmdir()
    if remove_dir and remove_lock:
        with contextlib.suppress(OSError):
            directory.rmdir()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="pcinet_sim.supervisor")
    ap.add_argument("--dir", required=True, type=Path)
    ap.add_argument("--board", required=True, help="board command (shell words)")
    ap.add_argument("--netns", default="")
    ap.add_argument("--remove-dir", action="store_true")
    ap.add_argument("--boot-timeout", type=float, default=10.0)
    ap.add_argument("--ready-fd", type=int)
    ap.add_argument("--lock-fd", type=int, help="the chassis lock, taken by pcinet-sim up")
    args = ap.parse_args(argv)
    try:
        sup = Supervisor(args.dir, shlex.split(args.board), args.netns, args.remove_dir,
                         args.boot_timeout, args.lock_fd)
    except ChassisBusy as e:
        print(e, file=sys.stderr)
        return 1
    return sup.run(args.ready_fd)


if __name__ == "__main__":
    sys.exit(main())
