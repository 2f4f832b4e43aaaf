# SPDX-License-Identifier: GPL-2.0-or-later
"""The crate as farm's commands see it: which slots a command works on, the
simulated chassis brought up or down, the TFTP root, the result table.

Below every command module (cli.py parses and dispatches, testrun.py runs
the nightly suite): they import this, never each other.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from pcinet_sim import cli as sim_cli
from pcinet_sim.layout import Layout
from pcinet_sim.supervisor import read_state

from . import results
from .config import Chassis
from .session import SlotResult


def remove_farm_files(directory: Path) -> None:
    """What farm keeps in a chassis directory (slot locks), before it goes."""
    farm_dir = Layout(directory).farm
    if farm_dir.is_dir():
        for f in farm_dir.glob("slot*.lock"):
            f.unlink(missing_ok=True)
        results.remove(directory)
        with contextlib.suppress(OSError):
            farm_dir.rmdir()


def sim(ch: Chassis, action: str) -> int:
    """`pcinet-sim ACTION` (up, down, status) on the chassis of ch; its exit code."""
    if ch.backend != "sim":
        print(f"farm sim: chassis {ch.name} has backend {ch.backend}, not sim", file=sys.stderr)
        return 2
    argv = [action, "--dir", str(ch.sim_dir)]
    if action == "down":
        remove_farm_files(ch.sim_dir)
    if action == "up":
        argv += ["--slots", str(max(ch.slots)), "--subnet", ch.subnet]
        if ch.tftp.root is not None:
            argv += ["--tftp-root", str(ch.tftp.root)]
    return sim_cli.main(argv)


def ensure_sim_up(ch: Chassis) -> bool:
    """The simulated chassis runs (started if it was not); False if it cannot."""
    if ch.backend != "sim" or read_state(ch.sim_dir) is not None:
        return True
    print(f"farm: starting the simulated chassis in {ch.sim_dir}", flush=True)
    return sim(ch, "up") == 0


def pick_slots(ch: Chassis, args: argparse.Namespace) -> list[int] | None:
    """The slots a command works on; None (after a message) if they are wrong."""
    if args.all:
        return ch.enabled_slots()
    if not args.slots:
        print("farm: name the slots, or --all", file=sys.stderr)
        return None
    for n in args.slots:
        if n not in ch.slots:
            print(f"farm: slot {n} is not in {ch.file} (slots: "
                  f"{', '.join(map(str, sorted(ch.slots)))})", file=sys.stderr)
            return None
        if not ch.slots[n].enabled:
            print(f"farm: slot {n} is disabled in {ch.file}", file=sys.stderr)
            return None
    return sorted(set(args.slots))


def tftp_root(ch: Chassis) -> Path | None:
    if ch.tftp.root is not None:
        return ch.tftp.root
    state = read_state(ch.sim_dir) if ch.backend == "sim" else None
    root = state.get("tftp_root") if state else None
    return Path(str(root)) if root else None


def result_table(ch: Chassis, command: str, rows: list[SlotResult], log_dir: Path,
                 extra: tuple[str, str] | None = None) -> int:
    """The per-slot table every multi-slot command ends with; its exit code.

    extra: (heading, facts key) of one more column.
    """
    head = f" {extra[0]:<10}" if extra else ""
    print(f"\n{'SLOT':>4}  {'RESULT':<7} {'STAGE':<9} {'TIME':>7}{head}  DETAIL")
    for r in rows:
        more = f" {r.facts.get(extra[1], '-')!s:<10}" if extra else ""
        print(f"{r.slot:>4}  {'ok' if r.ok else 'FAILED':<7} {r.stage:<9} "
              f"{r.seconds:6.2f}s{more}  {r.detail}")
        results.record(ch.sim_dir, r.slot, command, r.ok, f"{r.stage}: {r.detail}")
    failed = [r.slot for r in rows if not r.ok]
    print(f"farm {command}: {len(rows) - len(failed)} of {len(rows)} ok"
          + (f"; failed: {' '.join(map(str, failed))}" if failed else "")
          + f"; logs in {log_dir}")
    return 1 if failed else 0
