# SPDX-License-Identifier: GPL-2.0-or-later
"""pcinet-sim: bring a simulated PCINet chassis up, look at it, take it down.

Exit codes: 0 success, 1 the operation failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import faults, netns
from .defs import const
from .layout import Layout
from .lib import VIOLATIONS, Chassis, Config, Side, SimError
from .paths import (
    atftpd_program,
    board_program,
    default_runtime_dir,
    pcinetd_program,
    uboot_board,
    uboot_build,
)
from .supervisor import (
    SERVICE_START_S,
    ChassisBusy,
    lock_holder,
    read_state,
    remove_chassis,
    take_lock,
)

EPILOG = """\
examples:
  pcinet-sim up                     19 slots in the default directory
  pcinet-sim up --slots 4 --dir /tmp/c4
  pcinet-sim status --dir /tmp/c4   one line per slot (--json for scripts)
  screen /tmp/c4/slot02/console     slot 2's console (pcinetd's pty)
  cp image /tmp/c4/tftp/            then at a board's prompt: tftpboot ${loadaddr} image
  pcinet-sim fault 3 link-down --dir /tmp/c4
                                    inject a fault on slot 3 (--clear ends it)
  pcinet-sim down --dir /tmp/c4     stop boards, remove files and namespace

The default directory is $PCINET_SIM_DIR, else /run/pcinet-sim as root.
docs/sim.md explains the files a chassis is made of."""


class CliError(Exception):
    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


# The layout as help and error texts name it: DIR/...
_DIR = Layout(Path("DIR"))


def _chassis_present(directory: Path) -> bool:
    return Layout(directory).chassis_conf.exists()


def _check_up_usage(args: argparse.Namespace) -> None:
    """What is wrong with the command line itself: exit 2, before anything is made."""
    if args.no_netns:
        for given, flag in ((args.subnet, "--subnet"), (args.tftp_root, "--tftp-root")):
            if given is not None:
                raise CliError(f"{flag} needs the chassis' network namespace; it does not go "
                               "with --no-netns", code=2)
        return
    try:
        netns.parse_subnet(args.subnet or netns.DEFAULT_SUBNET)
    except ValueError as e:
        raise CliError(str(e), code=2) from None
    if args.tftp_root is not None:
        root: Path = args.tftp_root
        if not root.is_dir():
            what = "is not a directory" if root.exists() else "does not exist"
            raise CliError(f"--tftp-root {root} {what} (leave it out for {_DIR.tftp_root}, "
                           "made and removed with the chassis)", code=2)


def _default_board() -> str:
    """U-Boot sandbox when it is built, else the test firmware ($PCINET_SIM_BOARD first)."""
    if "PCINET_SIM_BOARD" not in os.environ and (uboot_build() / "u-boot").exists():
        return shlex.quote(str(uboot_board()))
    if not board_program().exists():
        raise CliError(f"{board_program()} is missing: run 'make sim' first")
    if "PCINET_SIM_BOARD" not in os.environ:
        print(f"pcinet-sim: no U-Boot sandbox build in {uboot_build()} ('make uboot'): "
              "the boards run the test firmware", file=sys.stderr)
    return shlex.quote(str(board_program()))


def _absolute_board(board: str) -> str:
    """A relative board path means the caller's directory (boards run in DIR/logs)."""
    words = shlex.split(board)
    if words and "/" in words[0] and not os.path.isabs(words[0]):
        words[0] = str(Path(words[0]).resolve())
    return shlex.join(words)


def cmd_up(args: argparse.Namespace) -> int:
    _check_up_usage(args)
    directory: Path = args.dir.resolve()
    if not args.no_netns and not netns.available():
        raise CliError("network namespaces need root and iproute2; use --no-netns "
                       "for a chassis without one")
    if not args.no_host and not pcinetd_program().exists():
        raise CliError(f"{pcinetd_program()} is missing: run 'make host' first "
                       "(or --no-host for a chassis without its host daemon)")
    if not args.no_netns and atftpd_program() is None:
        raise CliError("atftpd is missing: apt-get install atftpd "
                       "(scripts/bootstrap.sh debs installs everything)")
    board = _absolute_board(args.board) if args.board else _default_board()
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        lock_fd = take_lock(directory, inheritable=True)
    except ChassisBusy:
        raise CliError(f"a chassis is already up in {directory} "
                       "(pcinet-sim status / pcinet-sim down)") from None
    try:
        return _up_locked(args, directory, board, created, lock_fd)
    finally:
        os.close(lock_fd)  # the supervisor holds the lock from here


def _up_locked(args: argparse.Namespace, directory: Path, board: str, created: bool,
               lock_fd: int) -> int:
    if _chassis_present(directory):
        print(f"removing the remains of a chassis in {directory} whose supervisor is gone",
              file=sys.stderr)
        # a directory the dead chassis made stays ours to remove
        created = _cleanup_stale(directory, remove_lock=False) or created
    ns = "" if args.no_netns else netns.name_for(directory)
    try:
        Chassis.make(directory, _up_config(args), args.host_mem)
    except (SimError, ValueError, OSError) as e:
        remove_chassis(directory, created, remove_lock=True)
        raise CliError(f"cannot create the chassis: {e}") from e
    sup_args = ["--dir", str(directory), "--board", board, "--netns", ns,
                "--boot-timeout", str(args.boot_timeout), "--lock-fd", str(lock_fd)]
    if ns:
        sup_args += ["--subnet", str(netns.parse_subnet(args.subnet or netns.DEFAULT_SUBNET))]
    if args.tftp_root is not None:
        sup_args += ["--tftp-root", str(args.tftp_root.resolve())]
    if args.no_host:
        sup_args.append("--no-host")
    if created:
        sup_args.append("--remove-dir")
    if args.foreground:
        # the supervisor closes its own descriptor of the lock; we close ours
        sup_args[sup_args.index("--lock-fd") + 1] = str(os.dup(lock_fd))
        return _run_foreground(sup_args)
    return _run_daemon(directory, sup_args, args.boot_timeout, lock_fd)


def _up_config(args: argparse.Namespace) -> Config:
    """--slots and the host memory window: with --host-mem its size defaults to the file's."""
    over = {"slots": args.slots}
    if args.host_mem_bus is not None:
        over["host_mem_bus"] = args.host_mem_bus
    if args.host_mem_size is not None:
        over["host_mem_size"] = args.host_mem_size
    elif args.host_mem is not None:
        over["host_mem_size"] = os.stat(args.host_mem).st_size & ~0xFFF
    return Config.default(**over)


def _int_arg(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _run_foreground(sup_args: list[str]) -> int:
    from .supervisor import main as supervisor_main

    print("chassis up; Ctrl-C takes it down", file=sys.stderr)
    return supervisor_main(sup_args)


def _run_daemon(directory: Path, sup_args: list[str], boot_timeout: float,
                lock_fd: int) -> int:
    ready_r, ready_w = os.pipe()
    log = open(Layout(directory).supervisor_log, "ab")  # noqa: SIM115 - handed to the child
    # cwd "/": the daemon keeps no directory busy (the package is installed)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pcinet_sim.supervisor", *sup_args, "--ready-fd", str(ready_w)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(ready_w, lock_fd),
        start_new_session=True, cwd="/")
    log.close()
    os.close(ready_w)
    try:
        # the services' start first (pcinetd, atftpd), then the boards'
        reply = _read_ready(ready_r, 2 * SERVICE_START_S + boot_timeout + 20)
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait()
        raise
    finally:
        os.close(ready_r)
    if reply.startswith("ready"):
        print(f"chassis up in {directory}: {_slot_count(directory)} slots, supervisor pid "
              f"{proc.pid}")
        return 0
    if reply.startswith("problems"):
        print(reply.split("\n", 1)[1].rstrip(), file=sys.stderr)
        print(f"chassis up in {directory} with problems (supervisor pid {proc.pid})",
              file=sys.stderr)
        return 1
    if reply.startswith("failed"):
        # It takes the chassis down itself; what it leaves we remove.
        proc.wait()
        _cleanup_stale(directory, remove_lock=True)
        raise CliError(reply.split("\n", 1)[1].rstrip())
    # The supervisor died before it was ready: say why and leave nothing.
    if proc.poll() is None:
        proc.terminate()
    proc.wait()
    tail = _tail(Layout(directory).supervisor_log)
    _cleanup_stale(directory, remove_lock=True)
    raise CliError(f"the supervisor failed to start the chassis:\n{tail}")


def _read_ready(fd: int, timeout: float) -> str:
    """The supervisor's one report: it writes it, then closes its end."""
    deadline = time.monotonic() + timeout
    data = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _slot_count(directory: Path) -> int:
    with Chassis(directory) as ch:
        return ch.config.slots


def _pid_gone(pid: int) -> bool:
    """pid has exited (a zombie holds no files and no locks any more)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X")


def _kill_stale_services(state: dict[str, object]) -> None:
    """SIGKILL the pcinetd and atftpd a dead supervisor left, known by their exact argv."""
    killed = []
    for name in ("pcinetd", "atftpd"):
        svc = state.get(name)
        if not isinstance(svc, dict):
            continue
        pid, cmd = svc.get("pid"), svc.get("cmd")
        if not (isinstance(pid, int) and pid > 0 and isinstance(cmd, list) and cmd):
            continue
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
            if argv == [str(c).encode() for c in cmd]:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        except OSError:
            pass
    # gone before anyone starts another pcinetd on the same pcinetd.lock
    deadline = time.monotonic() + 5
    while not all(_pid_gone(p) for p in killed) and time.monotonic() < deadline:
        time.sleep(0.02)


def _cleanup_stale(directory: Path, remove_lock: bool) -> bool:
    """Remove what a dead supervisor left: its boards, services, namespace and files.

    Returns whether that chassis had made its directory.
    """
    state = read_state(directory) or {}
    boards = state.get("boards")
    cmd = state.get("board_cmd")
    marker = str(cmd[-1]).encode() if isinstance(cmd, list) and cmd else b""
    if isinstance(boards, dict):
        for info in boards.values():
            pid = info.get("pid") if isinstance(info, dict) else None
            if isinstance(pid, int) and pid > 0 and marker:
                try:
                    if marker in Path(f"/proc/{pid}/cmdline").read_bytes():
                        os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
    _kill_stale_services(state)
    ns = state.get("netns")
    netns.delete(ns if isinstance(ns, str) and ns else netns.name_for(directory))
    remove_dir = bool(state.get("remove_dir"))
    # only the DIR/tftp the chassis made; never a user's --tftp-root
    tftp = Layout(directory).tftp_root if state.get("tftp_remove") is True else None
    remove_chassis(directory, remove_dir, remove_lock, tftp_root=tftp)
    return remove_dir


def _exited(pidfd: int, timeout: float) -> bool:
    """Has the process behind pidfd exited (within timeout seconds)?"""
    return bool(select.select([pidfd], [], [], max(0.0, timeout))[0])


def _stop_supervisor(directory: Path, pid: int, timeout: float) -> None:
    """SIGTERM the supervisor and return once the process itself has exited.

    Its lock file goes away during its teardown, a moment before the process
    ends: waiting for the lock alone let `down` return while the supervisor
    still ran. A pidfd, taken before the signal, names that one process even
    if its pid is reused, and becomes readable when it exits.
    """
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        os.kill(pid, signal.SIGTERM)
        if not _exited(pidfd, timeout):
            print(f"supervisor {pid} did not stop in {timeout:g} s; killing it",
                  file=sys.stderr)
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            _exited(pidfd, 30.0)
        # its lock goes with its last open file (a child may still hold it)
        deadline = time.monotonic() + timeout
        while lock_holder(directory) == pid and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.close(pidfd)


def cmd_down(args: argparse.Namespace) -> int:
    directory: Path = args.dir.resolve()
    if not _chassis_present(directory) and not Layout(directory).supervisor_state.exists():
        print(f"no chassis in {directory}: nothing to do")
        return 0
    pid = lock_holder(directory)
    if pid > 0:
        _stop_supervisor(directory, pid, args.timeout)
    elif pid < 0:
        raise CliError(f"the chassis in {directory} is locked by a process that did not "
                       "say who it is; not touching it")
    if _chassis_present(directory) or Layout(directory).supervisor_state.exists():
        _cleanup_stale(directory, remove_lock=True)
    print(f"chassis in {directory} is down")
    return 0


def _decode_status(status: int) -> tuple[str, bool, bool]:
    if status & const("PCINET_STATUS_SIG_MASK") != const("PCINET_STATUS_SIG_BOARD"):
        return ("absent" if status == 0 else "garbage", False, False)
    version = (status & const("PCINET_STATUS_VERSION_MASK")) >> const("PCINET_STATUS_VERSION_SHIFT")
    flags = []
    if status & const("PCINET_NET_STATUS_RUNNING"):
        flags.append("running")
    if status & const("PCINET_NET_RXINT_OFF"):
        flags.append("polling")
    text = f"v{version}" + ("," + ",".join(flags) if flags else "")
    return (text, bool(status & const("PCINET_NET_REGISTERS_VALID")),
            bool(status & const("PCINET_UART_RX_ENABLED")))


def _service_row(state: dict[str, object], name: str, sup_pid: int) -> dict[str, object]:
    """pcinetd or atftpd as the supervisor published it."""
    info = state.get(name)
    info = info if isinstance(info, dict) else {}
    return {
        "pid": info.get("pid", 0) if sup_pid else 0,
        "state": info.get("state", "unknown") if sup_pid else "no supervisor",
        "starts": info.get("starts", 0),
        "crashes": info.get("crashes", 0),
        "last_exit": info.get("last_exit", ""),
        "log": info.get("log", ""),
    }


def cmd_status(args: argparse.Namespace) -> int:
    directory: Path = args.dir.resolve()
    if not _chassis_present(directory):
        raise CliError(f"no chassis in {directory} (pcinet-sim up --dir {directory})")
    state = read_state(directory) or {}
    boards = state.get("boards") if isinstance(state.get("boards"), dict) else {}
    assert isinstance(boards, dict)
    sup_pid = lock_holder(directory)
    rows = []
    with Chassis(directory) as ch:
        for slot in range(1, ch.config.slots + 1):
            obs = ch.slot(slot, Side.OBSERVER)
            status = obs.read32(const("M83XX_MU_OMR1"))
            text, valid, console = _decode_status(status)
            counters = obs.counters()
            info = boards.get(str(slot), {})
            rows.append({
                "slot": slot,
                "pid": info.get("pid", 0) if sup_pid else 0,
                "state": info.get("state", "unknown") if sup_pid else "no supervisor",
                "status": f"0x{status:08x}",
                "board": text,
                "registers_valid": valid,
                "console": console,
                "resets": counters["resets"],
                "violations": sum(counters[v] for v in VIOLATIONS),
                "counters": counters,
                "ifname": info.get("ifname", ""),
                "host_addr": info.get("host_addr", ""),
                "board_addr": info.get("board_addr", ""),
            })
    services = {name: _service_row(state, name, sup_pid) for name in ("pcinetd", "atftpd")}
    subnet, tftp_root = state.get("subnet", ""), state.get("tftp_root", "")
    if args.json:
        json.dump({"dir": str(directory), "supervisor": sup_pid, "netns": state.get("netns", ""),
                   **services, "subnet": subnet, "tftp_root": tftp_root, "slots": rows},
                  sys.stdout, indent=1)
        print()
        return 0
    print(f"chassis {directory}  supervisor "
          f"{sup_pid or 'not running'}  netns {state.get('netns') or '-'}")
    print("  ".join(f"{name} {svc['pid'] or '-'} ({svc['state']})"
                    for name, svc in services.items())
          + f"  tftp root {tftp_root or '-'}")
    if subnet:
        net = netns.parse_subnet(str(subnet))
        a, b = (str(net.network_address).split(".")[i] for i in (0, 1))
        print(f"network {subnet}: slot N is board {a}.{b}.N.2/24, host {a}.{b}.N.1 on pcinetN "
              "(only inside the netns)")
    print(f"{'SLOT':>4}  {'PID':>7}  {'STATE':<13} {'STATUS':<10}  {'BOARD':<18} "
          f"{'VALID':<5}  {'CONSOLE':<7}  {'RESETS':>6}  {'VIOL':>4}  {'IFACE':<8}  ADDRESS")
    for r in rows:
        print(f"{r['slot']:>4}  {r['pid'] or '-':>7}  {r['state']:<13} {r['status']:<10}  "
              f"{r['board']:<18} {'yes' if r['registers_valid'] else 'no':<5}  "
              f"{'yes' if r['console'] else 'no':<7}  {r['resets']:>6}  {r['violations']:>4}  "
              f"{r['ifname'] or '-':<8}  {r['board_addr'] or '-'}")
    return 0


def cmd_fault(args: argparse.Namespace) -> int:
    directory: Path = args.dir.resolve()
    if not _chassis_present(directory):
        raise CliError(f"no chassis in {directory} (pcinet-sim up --dir {directory})")
    with Chassis(directory) as ch:
        slots = ch.config.slots
    if args.slot not in range(1, slots + 1):
        raise CliError(f"slot {args.slot}: the chassis in {directory} has slots 1..{slots}", 2)
    faults.set_fault(directory, args.slot, args.kind, not args.clear)
    now = faults.active_faults(directory, args.slot)
    print(f"slot {args.slot}: {args.kind} {'cleared' if args.clear else 'injected'}; "
          f"active: {', '.join(now) or 'none'}")
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="pcinet-sim", description="Run a simulated PCINet chassis: MPC83xx boards in PCI "
        "agent mode, their message units, DMA controllers and reset logic.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--dir", type=Path, default=default_runtime_dir(),
                       help="chassis runtime directory (default: %(default)s)")

    up = sub.add_parser("up", help="create a chassis; start pcinetd, the TFTP server and "
                        "the boards")
    common(up)
    up.add_argument("--slots", type=int, default=19, help="boards in the crate, 1..32 "
                    "(default: %(default)s)")
    up.add_argument("--board", help="board command; gets DIR and SLOT appended (default: "
                    "U-Boot sandbox, sim/board/uboot-board.sh, when built, else the "
                    "pcinet-sim-board test firmware)")
    up.add_argument("--subnet", help="the chassis' addresses, A.B.0.0/16: slot N is board "
                    f"A.B.N.2, host A.B.N.1 (default: {netns.DEFAULT_SUBNET})")
    up.add_argument("--tftp-root", type=Path, help="directory the TFTP server serves, left "
                    f"as it is (default: {_DIR.tftp_root}, made and removed with the chassis)")
    up.add_argument("--no-host", action="store_true",
                    help="do not start the host daemon pcinetd (for tests that play the host)")
    up.add_argument("--no-netns", action="store_true",
                    help="no network namespace: boards and pcinetd run in the caller's, "
                    "without addresses, TAPs or TFTP server")
    up.add_argument("--boot-timeout", type=float, default=60.0,
                    help="seconds each board has to announce itself (default: %(default)s; "
                    "19 U-Boot boards take about 10 on two cores)")
    up.add_argument("--host-mem", metavar="FILE",
                    help="host DMA memory is this existing file instead of DIR/host-mem, "
                    "e.g. a user-mode Linux kernel's RAM as /proc/PID/fd/N (docs/uml.md); "
                    "never created or removed")
    up.add_argument("--host-mem-bus", type=_int_arg, metavar="ADDR",
                    help="PCI bus address of host memory byte 0 (default: 0x10000000)")
    up.add_argument("--host-mem-size", type=_int_arg, metavar="BYTES",
                    help="bytes of host memory (default: 64 MiB, with --host-mem the "
                    "file's size)")
    up.add_argument("--foreground", action="store_true",
                    help="supervise in this process; Ctrl-C takes the chassis down")
    up.set_defaults(func=cmd_up)

    down = sub.add_parser("down", help="stop the boards, remove every file and the namespace")
    common(down)
    down.add_argument("--timeout", type=float, default=15.0,
                      help="seconds to wait for the supervisor (default: %(default)s)")
    down.set_defaults(func=cmd_down)

    st = sub.add_parser("status", help="one line per slot: board status, registers-valid, "
                        "console, resets, checker violations")
    common(st)
    st.add_argument("--json", action="store_true", help="machine-readable output")
    st.set_defaults(func=cmd_status)

    fault = sub.add_parser("fault", help="inject a fault on a slot, or clear it (tests)",
                           description=faults.__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    common(fault)
    fault.add_argument("slot", type=int, metavar="SLOT")
    fault.add_argument("kind", choices=faults.FAULTS, metavar="KIND",
                       help=f"one of {', '.join(faults.FAULTS)}")
    fault.add_argument("--clear", action="store_true", help="end the fault")
    fault.set_defaults(func=cmd_fault)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "slots", 1) not in range(1, 33):
        print("pcinet-sim: --slots must be 1..32", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except CliError as e:
        print(f"pcinet-sim: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print("pcinet-sim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # status | head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
