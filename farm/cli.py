# SPDX-License-Identifier: GPL-2.0-or-later
"""The farm command.

    farm [--chassis FILE] check
    farm [--chassis FILE] status [--json]
    farm [--chassis FILE] sim up|down|status
    farm [--chassis FILE] reboot SLOT... | --all [--log-dir D]
    farm [--chassis FILE] boot SLOT... | --all [--kernel F] [--dtb F] [--log-dir D]
    farm [--chassis FILE] console SLOT [--log F] [--listen-only]
    farm [--chassis FILE] reflash [SLOT... | --all] --image F [--log-dir D] [--report F]
    farm [--chassis FILE] reflash --retry-failed [--report F]
    farm [--chassis FILE] test [SLOT... | --all] [--log-dir D]

Exit codes: 0 success, 1 a failed operation, 2 bad usage or a bad chassis
file (one message per problem, with file, line and key path).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from pcinet_sim.layout import Layout
from pcinet_sim.supervisor import read_state

from . import console, results, testrun
from .boot import boot
from .config import Chassis, ConfigErrors, load
from .crate import ensure_sim_up, pick_slots, result_table, sim, tftp_root
from .firmware import ImageError, check_fits, read_image
from .hostctl import host_request
from .reboot import reboot
from .reflash import Expect, read_report, reflash, write_report
from .slotlock import SlotBusy, SlotLock
from .staging import StagingError, stage

DEFAULT_CHASSIS = Path(__file__).resolve().parent / "chassis.yaml"


def _pcinetd(directory: Path) -> dict[int, dict[str, Any]]:
    """pcinetd's row per slot, or nothing if it does not answer."""
    try:
        reply = host_request(Layout(directory).pcinetd_sock, "status", timeout=5)
    except (OSError, ValueError):
        return {}
    return {int(r["slot"]): r for r in reply.get("slots", [])}


def status_rows(ch: Chassis) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    live: dict[int, dict[str, Any]] = {}
    running = False
    if ch.backend == "sim":
        directory = ch.sim_dir
        running = read_state(directory) is not None
        live = _pcinetd(directory) if running else {}
    for n, slot in sorted(ch.slots.items()):
        row = live.get(n, {})
        rows.append({
            "slot": n,
            "board": slot.board,
            "enabled": slot.enabled,
            "address": slot.address,
            "state": row.get("state", "up" if running else "down"),
            "registers_valid": bool(row.get("registers_valid", False)),
            "console": bool(row.get("board_console", False)),
            "last_result": results.last(ch.sim_dir, n),
        })
    return rows


def cmd_check(ch: Chassis, args: argparse.Namespace) -> int:
    enabled = ch.enabled_slots()
    print(f"{ch.file}: chassis {ch.name}, backend {ch.backend}, {len(ch.slots)} slots "
          f"({len(enabled)} enabled), board types {', '.join(sorted(ch.board_types))}, "
          f"{len(ch.images)} images: ok")
    return 0


def cmd_sim(ch: Chassis, args: argparse.Namespace) -> int:
    return sim(ch, str(args.action))


def cmd_status(ch: Chassis, args: argparse.Namespace) -> int:
    rows = status_rows(ch)
    if args.json:
        print(json.dumps({"chassis": ch.name, "backend": ch.backend, "slots": rows}, indent=1))
        return 0
    print(f"chassis {ch.name} ({ch.backend})")
    print(f"{'SLOT':>4}  {'BOARD':<18} {'ENABLED':<7}  {'ADDRESS':<15} {'STATE':<12} "
          f"{'VALID':<5}  {'CONSOLE':<7}  LAST")
    for r in rows:
        print(f"{r['slot']:>4}  {r['board']:<18} {'yes' if r['enabled'] else 'no':<7}  "
              f"{r['address']:<15} {r['state']:<12} {'yes' if r['registers_valid'] else 'no':<5}"
              f"  {'yes' if r['console'] else 'no':<7}  {r['last_result'] or '-'}")
    return 0


def cmd_reboot(ch: Chassis, args: argparse.Namespace) -> int:
    slots = pick_slots(ch, args)
    if slots is None:
        return 2
    if not ensure_sim_up(ch):
        return 1
    log_dir = args.log_dir or Path("farm-logs")
    print(f"farm reboot: slot{'s' if len(slots) > 1 else ''} {', '.join(map(str, slots))}",
          flush=True)
    return result_table(ch, "reboot", reboot(ch.file, slots, log_dir), log_dir)


def cmd_boot(ch: Chassis, args: argparse.Namespace) -> int:
    slots = pick_slots(ch, args)
    if slots is None:
        return 2
    kernel = args.kernel or ch.images.get("kernel")
    if kernel is None:
        print("farm boot: no kernel: give --kernel F or images.kernel in the chassis file",
              file=sys.stderr)
        return 2
    dtb = args.dtb or ch.images.get("dtb")
    for what, f in (("kernel", kernel), ("device tree", dtb)):
        if f is not None and not Path(f).is_file():
            print(f"farm boot: {what} {f}: no such file", file=sys.stderr)
            return 2
    if not ensure_sim_up(ch):
        return 1
    root = tftp_root(ch)
    if root is None:
        print("farm boot: no TFTP root (tftp.root in the chassis file)", file=sys.stderr)
        return 2
    try:
        image, *rest = stage([Path(kernel)] + ([Path(dtb)] if dtb else []), root)
    except StagingError as e:
        print(f"farm boot: {e}", file=sys.stderr)
        return 1
    fdt = rest[0] if rest else None
    log_dir = args.log_dir or Path("farm-logs")  # kept: not in the chassis' own directory
    print(f"farm boot: {image.name}, {image.size} bytes, CRC32 {image.crc32:08x}"
          + (f", device tree {fdt.name}, {fdt.size} bytes" if fdt else "")
          + f", on slot{'s' if len(slots) > 1 else ''} {', '.join(map(str, slots))}",
          flush=True)
    return result_table(ch, "boot", boot(ch.file, slots, image, fdt, log_dir), log_dir)


def cmd_reflash(ch: Chassis, args: argparse.Namespace) -> int:
    log_dir = args.log_dir or (args.report.parent if args.report else Path("farm-logs"))
    report_file = args.report or log_dir / "reflash-report.json"
    earlier: dict[int, dict[str, Any]] = {}
    if args.retry_failed:
        if args.slots or args.all or args.image:
            print("farm reflash: --retry-failed takes the slots and the image from the "
                  "report; name neither", file=sys.stderr)
            return 2
        try:
            report = read_report(report_file)
        except ValueError as e:
            print(f"farm reflash: {e}", file=sys.stderr)
            return 2
        earlier = {int(row["slot"]): row for row in report["slots"]}
        slots = sorted(n for n, row in earlier.items() if not row["ok"])
        gone = [n for n in slots if n not in ch.slots or not ch.slots[n].enabled]
        if gone:
            print(f"farm reflash: {report_file}: slot{'s' if len(gone) > 1 else ''} "
                  f"{', '.join(map(str, gone))} not enabled in {ch.file}", file=sys.stderr)
            return 2
        if not slots:
            print(f"farm reflash: {report_file}: no failed slot to retry")
            return 0
        image_file = Path(report["image"]["path"])
        want_crc = report["image"]["crc32"]
    else:
        if args.image is None:
            print("farm reflash: give the image: --image F", file=sys.stderr)
            return 2
        picked = pick_slots(ch, args) if (args.slots or args.all) else ch.enabled_slots()
        if picked is None:
            return 2
        slots, image_file, want_crc = picked, args.image, None
    # Everything about the image is checked before any board is touched
    try:
        image = read_image(image_file)
        if want_crc is not None and f"{image.crc32:08x}" != want_crc:
            raise ImageError(f"{image_file} changed since the report (CRC32 "
                             f"{image.crc32:08x}, was {want_crc}): reflash it afresh")
        for n in slots:
            board = ch.slots[n].board
            check_fits(image, board, ch.board_types[board].firmware)
    except ImageError as e:
        print(f"farm reflash: refused, nothing written: {e}", file=sys.stderr)
        return 2
    if not ensure_sim_up(ch):
        return 1
    root = tftp_root(ch)
    if root is None:
        print("farm reflash: no TFTP root (tftp.root in the chassis file)", file=sys.stderr)
        return 2
    try:
        [staged] = stage([image.path], root, {image.path.resolve(): image.data})
    except StagingError as e:
        print(f"farm reflash: nothing written: {e}", file=sys.stderr)
        return 1
    print(f"farm reflash: {image.path} ({image.version}), {image.size} bytes, CRC32 "
          f"{image.crc32:08x}, on slot{'s' if len(slots) > 1 else ''} "
          f"{', '.join(map(str, slots))}" + (" (retry)" if args.retry_failed else ""),
          flush=True)
    rows = reflash(ch.file, slots, staged, Expect(image.crc32, image.size, image.version),
                   log_dir)
    code = result_table(ch, "reflash", rows, log_dir, ("FLASH", "flash"))
    report = write_report(report_file, image, rows, earlier)
    for row in report["slots"]:
        if row["slot"] in slots and not row["ok"] and row["flash"] != "unchanged":
            print(f"slot {row['slot']}: {row['consequence']}")
    print(f"report: {report_file}"
          + (f"; retry the failed slots: farm reflash --retry-failed --report {report_file}"
             if report["failed"] else ""))
    return code


def cmd_console(ch: Chassis, args: argparse.Namespace) -> int:
    if args.slot not in ch.slots:
        print(f"farm console: slot {args.slot} is not in {ch.file}", file=sys.stderr)
        return 2
    if not ensure_sim_up(ch):
        return 1
    directory = ch.sim_dir
    try:
        with SlotLock(directory, args.slot):
            return console.run(Layout(directory).console(args.slot), args.slot,
                               args.log, args.listen_only)
    except SlotBusy as e:
        print(f"farm console: {e}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--chassis", type=Path, default=argparse.SUPPRESS,
                        help=f"the chassis file (default: {DEFAULT_CHASSIS})")
    ap = argparse.ArgumentParser(prog="farm", parents=[common],
                                 description="Run a crate of PCINet boards.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", parents=[common], help="validate the chassis file")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("status", parents=[common], help="one line per slot")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("reboot", parents=[common],
                       help="reset slots through the host, wait for their U-Boot prompt")
    p.add_argument("slots", nargs="*", type=int, metavar="SLOT")
    p.add_argument("--all", action="store_true", help="every enabled slot")
    p.add_argument("--log-dir", type=Path,
                   help="where each slot's log goes (default: ./farm-logs)")
    p.set_defaults(func=cmd_reboot)
    p = sub.add_parser("boot", parents=[common],
                       help="reset, tftp the kernel over the backplane, verify, boot")
    p.add_argument("slots", nargs="*", type=int, metavar="SLOT")
    p.add_argument("--all", action="store_true", help="every enabled slot")
    p.add_argument("--kernel", type=Path, help="the image to boot (default: images.kernel)")
    p.add_argument("--dtb", type=Path, help="a device tree to pass it (default: images.dtb)")
    p.add_argument("--log-dir", type=Path,
                   help="where each slot's log goes (default: ./farm-logs)")
    p.set_defaults(func=cmd_boot)
    p = sub.add_parser("reflash", parents=[common],
                       help="write a U-Boot image into the boot flash, verify, reset")
    p.add_argument("slots", nargs="*", type=int, metavar="SLOT",
                   help="default: every enabled slot")
    p.add_argument("--all", action="store_true", help="every enabled slot")
    p.add_argument("--image", type=Path,
                   help="a U-Boot firmware image (mkimage -T firmware -O u-boot)")
    p.add_argument("--retry-failed", action="store_true",
                   help="reflash only the slots the report says failed, with its image")
    p.add_argument("--log-dir", type=Path,
                   help="where each slot's log goes (default: ./farm-logs)")
    p.add_argument("--report", type=Path,
                   help="the JSON report (default: LOG_DIR/reflash-report.json)")
    p.set_defaults(func=cmd_reflash)
    testrun.add_parser(sub, common)
    p = sub.add_parser("console", parents=[common], help="a terminal on a slot's console")
    p.add_argument("slot", type=int, metavar="SLOT")
    p.add_argument("--log", type=Path, help="also append the board's output to this file")
    p.add_argument("--listen-only", action="store_true", help="send nothing to the board")
    p.set_defaults(func=cmd_console)
    p = sub.add_parser("sim", parents=[common], help="the simulated chassis")
    p.add_argument("action", choices=("up", "down", "status"))
    p.set_defaults(func=cmd_sim)
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
        return 2
    try:
        return int(args.func(ch, args))
    except BrokenPipeError:  # farm status | head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
