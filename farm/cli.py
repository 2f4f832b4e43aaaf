# SPDX-License-Identifier: GPL-2.0-or-later
"""The farm command: parses the command line and dispatches; nothing else.

    farm [--chassis FILE] check
    farm [--chassis FILE] status [--json]
    farm [--chassis FILE] sim up|down|status
    farm [--chassis FILE] reboot SLOT... | --all [--log-dir D]
    farm [--chassis FILE] boot SLOT... | --all [--kernel F] [--dtb F] [--log-dir D]
    farm [--chassis FILE] console SLOT [--log F] [--listen-only]
    farm [--chassis FILE] reflash [SLOT... | --all] --image F [--log-dir D] [--report F]
    farm [--chassis FILE] reflash --retry-failed [--report F]
    farm [--chassis FILE] test [SLOT... | --all] [--suite S] [-k EXPR] [--log-dir D]

Each command is a module's command() (boot, reboot, reflash, testrun,
console, status; sim is farm.crate's). A command that cannot go on raises
FarmError; main() prints its message once and exits with its code.

Exit codes: 0 success, 1 a failed operation, 2 bad usage or a bad chassis
file (one message per problem, with file, line and key path).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import boot, console, crate, reboot, reflash, status, testrun
from .config import ConfigErrors, load
from .errors import USAGE, FarmError
from .hil import suites

DEFAULT_CHASSIS = Path(__file__).resolve().parent / "chassis.yaml"


def _slots(p: argparse.ArgumentParser, what: str | None = None) -> None:
    p.add_argument("slots", nargs="*", type=int, metavar="SLOT", help=what)
    p.add_argument("--all", action="store_true", help="every enabled slot")


def _log_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--log-dir", type=Path,
                   help="where each slot's log goes (default: ./farm-logs)")


def _add_test(sub: argparse._SubParsersAction[argparse.ArgumentParser],
              common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "test", parents=[common], help="the hardware-in-the-loop suite, per slot, in parallel",
        description="Run the hardware-in-the-loop suite on each slot: one pytest process per "
        "slot, through labgrid's pytest plugin, all slots at once. Each slot's board is reset "
        "and tested at its U-Boot prompt: version, memory test, TFTP over the backplane "
        "(size, CRC32, throughput), console echo, flash read-back, the registers-valid "
        "handshake.",
        epilog="Writes a JUnit file, a console log, pytest's report and the labgrid "
        "environment per slot, and junit.xml with every slot, to the log directory. Exit "
        "status: 0 all passed (skips allowed), 1 a failure, an error or a slot that could "
        "not be tested, 2 bad usage.")
    _slots(p)
    names = suites()
    p.add_argument("--suite", choices=names, default="uboot" if "uboot" in names else None,
                   help="which tests: uboot, at the board's U-Boot prompt (default: "
                   "%(default)s); linux joins when farm/hil/linux has tests")
    p.add_argument("-k", dest="keyword", metavar="EXPR",
                   help="only the tests matching EXPR (pytest's -k), e.g. 'tftp or echo'")
    p.add_argument("--log-dir", type=Path,
                   help="where the logs go (default: ./farm-logs/test-YYYYmmdd-HHMMSS)")
    p.set_defaults(func=lambda ch, a: testrun.command(ch, a.slots, a.all, a.suite, a.keyword,
                                                      a.log_dir))


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--chassis", type=Path, default=argparse.SUPPRESS,
                        help=f"the chassis file (default: {DEFAULT_CHASSIS})")
    ap = argparse.ArgumentParser(prog="farm", parents=[common],
                                 description="Run a crate of PCINet boards.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", parents=[common], help="validate the chassis file")
    p.set_defaults(func=lambda ch, a: status.check(ch))
    p = sub.add_parser("status", parents=[common], help="one line per slot")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=lambda ch, a: status.status(ch, a.json))
    p = sub.add_parser("reboot", parents=[common],
                       help="reset slots through the host, wait for their U-Boot prompt")
    _slots(p)
    _log_dir(p)
    p.set_defaults(func=lambda ch, a: reboot.command(ch, a.slots, a.all, a.log_dir))
    p = sub.add_parser("boot", parents=[common],
                       help="reset, tftp the kernel over the backplane, verify, boot")
    _slots(p)
    p.add_argument("--kernel", type=Path, help="the image to boot (default: images.kernel)")
    p.add_argument("--dtb", type=Path, help="a device tree to pass it (default: images.dtb)")
    _log_dir(p)
    p.set_defaults(func=lambda ch, a: boot.command(ch, a.slots, a.all, a.kernel, a.dtb,
                                                   a.log_dir))
    p = sub.add_parser("reflash", parents=[common],
                       help="write a U-Boot image into the boot flash, verify, reset")
    _slots(p, "default: every enabled slot")
    p.add_argument("--image", type=Path,
                   help="a U-Boot firmware image (mkimage -T firmware -O u-boot)")
    p.add_argument("--retry-failed", action="store_true",
                   help="reflash only the slots the report says failed, with its image")
    _log_dir(p)
    p.add_argument("--report", type=Path,
                   help="the JSON report (default: LOG_DIR/reflash-report.json)")
    p.set_defaults(func=lambda ch, a: reflash.command(ch, a.slots, a.all, a.image,
                                                      a.retry_failed, a.log_dir, a.report))
    _add_test(sub, common)
    p = sub.add_parser("console", parents=[common], help="a terminal on a slot's console")
    p.add_argument("slot", type=int, metavar="SLOT")
    p.add_argument("--log", type=Path, help="also append the board's output to this file")
    p.add_argument("--listen-only", action="store_true", help="send nothing to the board")
    p.set_defaults(func=lambda ch, a: console.command(ch, a.slot, a.log, a.listen_only))
    p = sub.add_parser("sim", parents=[common], help="the simulated chassis")
    p.add_argument("action", choices=("up", "down", "status"))
    p.set_defaults(func=lambda ch, a: crate.sim(ch, a.action))
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    file = getattr(args, "chassis", DEFAULT_CHASSIS)
    try:
        ch = load(file)
    except ConfigErrors as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        n = len(e.problems)
        print(f"farm: {file}: {n} problem{'s' if n > 1 else ''}; nothing done",
              file=sys.stderr)
        return USAGE
    try:
        return int(args.func(ch, args))
    except FarmError as e:  # the one place a command's failure is printed
        print(f"farm {args.command}: {e}", file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:  # farm status | head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
