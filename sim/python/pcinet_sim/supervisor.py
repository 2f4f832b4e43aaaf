# SPDX-License-Identifier: GPL-2.0-or-later
"""The chassis supervisor: one process that owns a running simulated chassis.

In the chassis' network namespace it starts the host daemon pcinetd (one
console pty and, with a subnet, one TAP per slot), the TFTP server atftpd,
and one board process per slot, in that order. It restarts a board when the
hardware model resets it (RPR/RCR from either side, reported on
DIR/supervisor.fifo) or when the board process dies (a crash: the slot is
hard-reset first, as a watchdog would), and restarts pcinetd or atftpd when
they die. On SIGTERM/SIGINT it stops the boards, then the services, removes
the namespace and every chassis file, and exits. Run by ``pcinet-sim up``;
``python -m pcinet_sim.supervisor`` is its entry point.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import netns
from .defs import const
from .layout import Layout
from .lib import Chassis, Side, Slot
from .paths import atftpd_program, pcinetd_program

CRASH_WINDOW_S = 2.0  # a board or service that dies this soon after starting...
CRASH_LIMIT = 5  # ...this many times in a row is marked failed
SERVICE_START_S = 10.0  # pcinetd and atftpd must be serving within this
SERVICE_STOP_S = 5.0  # SIGTERM, then SIGKILL after this
TFTP_PORT = 69
BOARD_DTB = "u-boot.dtb"  # a U-Boot board's device tree with its addresses (uboot-board.sh)
BOARD_FLASH = "flash.bin"  # a U-Boot board's boot flash (sim/board/bootrom.py)
MAX_SLOTS = 32


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
    ifname: str = ""  # the host daemon's TAP for this slot ("" if none)
    host_addr: str = ""  # its address, the board's serverip ("" if no TAP)
    board_addr: str = ""  # the board's ipaddr ("" without a subnet)


@dataclass
class ServiceState:
    """pcinetd or atftpd: one process the supervisor keeps running."""

    name: str
    cmd: list[str] = field(default_factory=list)  # what it runs as (after ip netns exec)
    log: str = ""
    pid: int = 0
    state: str = "disabled"  # disabled, running, failed, stopped
    starts: int = 0
    crashes: int = 0
    last_exit: str = ""
    quick_deaths: int = 0
    started_at: float = 0.0


@dataclass
class SupervisorState:
    pid: int
    dir: str
    netns: str
    board_cmd: list[str]
    remove_dir: bool
    subnet: str = ""
    tftp_root: str = ""
    tftp_remove: bool = False  # the default root DIR/tftp, made by us: it goes with the chassis
    pcinetd: ServiceState = field(default_factory=lambda: ServiceState("pcinetd"))
    atftpd: ServiceState = field(default_factory=lambda: ServiceState("atftpd"))
    boards: dict[int, BoardState] = field(default_factory=dict)


class ChassisBusy(RuntimeError):
    """Another live supervisor (or pcinet-sim up) owns the chassis."""


def take_lock(directory: Path, inheritable: bool = False) -> int:
    """Own the chassis in directory: an flock on DIR/supervisor.lock holding our pid.

    The lock lives as long as any process holds the open file (a daemon gets it
    from pcinet-sim up), so "is a supervisor running" never depends on pids.
    """
    flags = os.O_RDWR | os.O_CREAT | (0 if inheritable else os.O_CLOEXEC)
    fd = os.open(Layout(directory).supervisor_lock, flags, 0o600)
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
        fd = os.open(Layout(directory).supervisor_lock, os.O_RDONLY | os.O_CLOEXEC)
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
    return Layout(directory).supervisor_state


def read_state(directory: Path) -> dict[str, object] | None:
    """The supervisor's last published state, or None."""
    try:
        data = json.loads(state_path(directory).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def log_path(directory: Path, slot: int) -> Path:
    return Layout(directory).slot_log(slot)


def service_log(directory: Path, name: str) -> Path:
    return Layout(directory).service_log(name)


def tail(path: Path, lines: int = 15) -> str:
    """The end of a log, for a message to the user."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


def exit_text(code: int | None) -> str:
    return f"signal {-code}" if code is not None and code < 0 else f"exit {code}"


class StartError(RuntimeError):
    """A service did not come up; the message tells the user why."""


class Supervisor:
    def __init__(self, directory: Path, board_cmd: list[str], ns: str, remove_dir: bool,
                 boot_timeout: float, lock_fd: int | None = None, *, subnet: str = "",
                 tftp_root: Path | None = None, host: bool = True):
        self.dir = directory
        if lock_fd is None:
            lock_fd = take_lock(directory)
        else:
            set_lock_owner(lock_fd, os.getpid())
        self.lock_fd = lock_fd
        self.boot_timeout = boot_timeout
        self.chassis = Chassis(directory)
        self.state = SupervisorState(os.getpid(), str(directory), ns, board_cmd, remove_dir,
                                     subnet=subnet if ns else "")
        self.net = netns.parse_subnet(subnet) if self.state.subnet else None
        self.host = host
        self.tftp_given = tftp_root
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.services: dict[str, subprocess.Popen[bytes]] = {}
        self.observers: dict[int, Slot] = {}
        self.stopping = False
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        fifo = Layout(directory).supervisor_fifo
        self.fifo = os.open(fifo, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        self.fifo_buf = b""

    # -- boards ---------------------------------------------------------------
    def new_board(self, slot: int) -> BoardState:
        board = BoardState(slot)
        if self.net is not None:
            host_addr, board.board_addr = netns.slot_addresses(self.net, slot)
            if "--subnet" in self.state.pcinetd.cmd:
                board.ifname, board.host_addr = netns.slot_ifname(slot), host_addr
        return board

    def board_env(self, slot: int) -> dict[str, str]:
        """The caller's environment, the slot's directory (a board script finds
        its files there, never spelling the chassis' layout itself) and, with a
        subnet, the slot's addresses."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PCINET_SLOT_")}
        env["PCINET_SLOT_DIR"] = str(Layout(self.dir).slot_dir(slot))
        if self.net is not None:
            host_addr, board_addr = netns.slot_addresses(self.net, slot)
            env.update(PCINET_SLOT_IPADDR=board_addr, PCINET_SLOT_SERVERIP=host_addr,
                       PCINET_SLOT_NETMASK=netns.SLOT_NETMASK)
        return env

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
                                    cwd=Layout(self.dir).logs, env=self.board_env(slot))
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
        board.last_exit = exit_text(proc.returncode)
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
            board.handled_epoch = self.observers[slot].epoch()  # our own reset, just now
            print(f"slot {slot}: board died {CRASH_LIMIT} times right after starting "
                  f"({board.last_exit}); not restarting it, see {log_path(self.dir, slot)}",
                  file=sys.stderr, flush=True)
            return
        self.start_board(slot)

    # -- services: pcinetd and atftpd -----------------------------------------
    def configure_services(self) -> None:
        """The command lines of the services this chassis runs."""
        st = self.state
        if self.host:
            exe = pcinetd_program()
            cmd = [str(exe), "--dir", str(self.dir)]
            if st.subnet:
                cmd += ["--subnet", st.subnet]
            st.pcinetd.cmd = cmd
            st.pcinetd.log = str(service_log(self.dir, "pcinetd"))
            st.pcinetd.state = "stopped"
        if st.netns:
            log = str(service_log(self.dir, "atftpd"))
            # root: the TFTP root may be a 0700 directory of root's (a pytest tmp dir)
            st.atftpd.cmd = [str(atftpd_program() or "atftpd"), "--daemon", "--no-fork",
                             "--user", "root", "--group", "root", "--port", str(TFTP_PORT),
                             "--bind-address", "0.0.0.0", "--logfile", log, st.tftp_root]
            st.atftpd.log = log
            st.atftpd.state = "stopped"

    def service(self, name: str) -> ServiceState:
        return self.state.pcinetd if name == "pcinetd" else self.state.atftpd

    def start_service(self, svc: ServiceState) -> subprocess.Popen[bytes]:
        cmd = svc.cmd
        if self.state.netns:
            cmd = ["ip", "netns", "exec", self.state.netns, *cmd]  # execs: the pid is svc's
        # atftpd appends to its --logfile but does not create it
        log = open(svc.log, "ab")  # noqa: SIM115 - handed to the child
        try:
            # its own process group: a terminal's Ctrl-C reaches us, and we stop the
            # boards before their host
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, close_fds=True,
                                    cwd=Layout(self.dir).logs, process_group=0)
        finally:
            log.close()
        self.services[svc.name] = proc
        svc.pid = proc.pid
        svc.state = "running"
        svc.starts += 1
        svc.started_at = time.monotonic()
        return proc

    def pcinetd_serving(self, proc: subprocess.Popen[bytes]) -> bool:
        """pcinetd makes its socket after every slot is served."""
        return Layout(self.dir).pcinetd_sock.exists()

    def atftpd_serving(self, proc: subprocess.Popen[bytes]) -> bool:
        """Its UDP port is bound in the chassis namespace (not ip's, before it execs)."""
        try:
            if (os.stat(f"/proc/{proc.pid}/ns/net").st_ino
                    != os.stat(netns.NETNS_DIR / self.state.netns).st_ino):
                return False
            lines = Path(f"/proc/{proc.pid}/net/udp").read_text().splitlines()[1:]
        except OSError:
            return False
        port = f":{TFTP_PORT:04X}"
        return any(line.split()[1].endswith(port) for line in lines if line.strip())

    def wait_serving(self, svc: ServiceState, proc: subprocess.Popen[bytes],
                     serving: Callable[[subprocess.Popen[bytes]], bool], what: str) -> None:
        deadline = time.monotonic() + SERVICE_START_S
        while not serving(proc):
            if proc.poll() is not None:
                why = f"it exited ({exit_text(proc.returncode)})"
            elif time.monotonic() > deadline:
                why = f"no {what} after {SERVICE_START_S:g} s"
            elif self.stopping:
                return
            else:
                time.sleep(0.02)
                continue
            raise StartError(f"{svc.name} did not come up: {why}; the end of {svc.log}:\n"
                             f"{tail(Path(svc.log))}")

    def start_services(self) -> None:
        st = self.state
        if st.pcinetd.cmd:
            proc = self.start_service(st.pcinetd)
            self.wait_serving(st.pcinetd, proc, self.pcinetd_serving,
                              f"{Layout(self.dir).pcinetd_sock}")
        if st.atftpd.cmd and not self.stopping:
            proc = self.start_service(st.atftpd)
            self.wait_serving(st.atftpd, proc, self.atftpd_serving,
                              f"UDP port {TFTP_PORT} in {st.netns}")

    def service_exited(self, svc: ServiceState, proc: subprocess.Popen[bytes]) -> None:
        self.services.pop(svc.name, None)
        svc.last_exit = exit_text(proc.returncode)
        svc.pid = 0
        if self.stopping:
            svc.state = "stopped"
            return
        svc.crashes += 1
        quick = time.monotonic() - svc.started_at < CRASH_WINDOW_S
        svc.quick_deaths = svc.quick_deaths + 1 if quick else 0
        if svc.quick_deaths >= CRASH_LIMIT:
            svc.state = "failed"
            print(f"{svc.name} died {CRASH_LIMIT} times right after starting "
                  f"({svc.last_exit}); not restarting it, see {svc.log}",
                  file=sys.stderr, flush=True)
            return
        print(f"{svc.name} (pid {proc.pid}) died ({svc.last_exit}); restarting it, "
              f"see {svc.log}", file=sys.stderr, flush=True)
        self.start_service(svc)

    def stop_services(self) -> None:
        """SIGTERM to every service, SIGKILL to those still there after SERVICE_STOP_S."""
        procs = list(self.services.items())
        for _, proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + SERVICE_STOP_S
        for name, proc in procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"{name} (pid {proc.pid}) did not stop {SERVICE_STOP_S:g} s after "
                      "SIGTERM; killing it", file=sys.stderr, flush=True)
                proc.kill()
                proc.wait()
            svc = self.service(name)
            svc.pid = 0
            svc.state = "stopped"
            svc.last_exit = exit_text(proc.returncode)
        self.services.clear()

    def make_tftp_root(self) -> None:
        """The user's --tftp-root, or DIR/tftp: made here, and then it goes with the chassis."""
        if self.tftp_given is not None:
            self.state.tftp_root = str(self.tftp_given)
            return
        root = Layout(self.dir).tftp_root
        try:
            root.mkdir()
            self.state.tftp_remove = True
        except FileExistsError:
            pass  # the user's: served, never removed
        self.state.tftp_root = str(root)

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
        for name, proc in list(self.services.items()):
            if proc.poll() is not None:
                self.service_exited(self.service(name), proc)

    def wait_boards_announced(self) -> list[str]:
        """Problems of boards that did not write their status in time."""
        deadline = time.monotonic() + self.boot_timeout
        sig_mask, sig_board = const("PCINET_STATUS_SIG_MASK"), const("PCINET_STATUS_SIG_BOARD")
        pending = set(self.state.boards)
        boards = self.state.boards
        # a failed board will not announce itself: no need to wait for it
        while (any(boards[slot].state != "failed" for slot in pending)
               and time.monotonic() < deadline and not self.stopping):
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
        Layout(self.dir).logs.mkdir(exist_ok=True)
        try:
            if self.state.netns:
                netns.create(self.state.netns)
                self.make_tftp_root()
            self.configure_services()
            for slot in range(1, self.chassis.config.slots + 1):
                self.observers[slot] = self.chassis.slot(slot, Side.OBSERVER)
                self.state.boards[slot] = self.new_board(slot)
            self.publish()  # from here, what to clean up is on disk
            try:
                self.start_services()
            except StartError as e:
                self._report_failed(ready_fd, str(e))
                return 1
            for slot in self.state.boards:
                if not self.stopping:
                    self.start_board(slot)
            self.publish()
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

    @staticmethod
    def _report_failed(ready_fd: int | None, message: str) -> None:
        """The chassis cannot come up: say why, to pcinet-sim up or to our terminal."""
        print(message, file=sys.stderr, flush=True)
        if ready_fd is not None:
            os.write(ready_fd, f"failed\n{message}\n".encode())
            os.close(ready_fd)

    def teardown(self) -> None:
        """Boards first, then their host and the TFTP server, then the namespace and files."""
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
        self.stop_services()
        self.chassis.close()
        if self.state.netns:
            netns.delete(self.state.netns)
        tftp = Path(self.state.tftp_root) if self.state.tftp_remove else None
        remove_chassis(self.dir, self.state.remove_dir, remove_lock=True, tftp_root=tftp)
        os.close(self.lock_fd)
        os.close(self.fifo)
        os.close(self.wake_r)
        os.close(self.wake_w)


def remove_chassis(directory: Path, remove_dir: bool, remove_lock: bool,
                   tftp_root: Path | None = None) -> None:
    """Remove every file of a chassis (and the directory if we made it).

    The lock file goes only when its owner is done with the directory.
    tftp_root goes with everything in it: pass only DIR/tftp that the chassis made.
    """
    for slot in range(1, MAX_SLOTS + 1):
        slot_dir = Layout(directory).slot_dir(slot)
        for name in (BOARD_DTB, BOARD_DTB + ".tmp", BOARD_FLASH, BOARD_FLASH + ".tmp"):
            (slot_dir / name).unlink(missing_ok=True)
        # the boot ROM's unpacked images and the injected faults (uboot-board.sh)
        for sub in (slot_dir / "boot", Layout(directory).faults(slot)):
            shutil.rmtree(sub, ignore_errors=True)
    Chassis.destroy(directory)
    layout = Layout(directory)
    if remove_lock:
        layout.supervisor_lock.unlink(missing_ok=True)
    # pcinetd.sock/.lock: what a host daemon leaves (its lock stays by design)
    for f in (layout.supervisor_state, layout.supervisor_state.with_suffix(".tmp"),
              layout.supervisor_log, layout.pcinetd_sock, layout.pcinetd_lock):
        f.unlink(missing_ok=True)
    logs = layout.logs
    if logs.is_dir():
        for f in logs.iterdir():
            f.unlink()
        logs.rmdir()
    if tftp_root is not None and tftp_root.parent == directory:
        shutil.rmtree(tftp_root, ignore_errors=True)
    if remove_dir and remove_lock:
        with contextlib.suppress(OSError):
            directory.rmdir()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="pcinet_sim.supervisor")
    ap.add_argument("--dir", required=True, type=Path)
    ap.add_argument("--board", required=True, help="board command (shell words)")
    ap.add_argument("--netns", default="")
    ap.add_argument("--subnet", default=netns.DEFAULT_SUBNET,
                    help="the chassis' addresses (with --netns only)")
    ap.add_argument("--tftp-root", type=Path, help="default: DIR/tftp, made and removed here")
    ap.add_argument("--no-host", action="store_true", help="do not run pcinetd")
    ap.add_argument("--remove-dir", action="store_true")
    ap.add_argument("--boot-timeout", type=float, default=60.0)
    ap.add_argument("--ready-fd", type=int)
    ap.add_argument("--lock-fd", type=int, help="the chassis lock, taken by pcinet-sim up")
    args = ap.parse_args(argv)
    try:
        sup = Supervisor(args.dir, shlex.split(args.board), args.netns, args.remove_dir,
                         args.boot_timeout, args.lock_fd, subnet=args.subnet,
                         tftp_root=args.tftp_root, host=not args.no_host)
    except ChassisBusy as e:
        print(e, file=sys.stderr)
        return 1
    return sup.run(args.ready_fd)


if __name__ == "__main__":
    sys.exit(main())
