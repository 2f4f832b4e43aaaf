# SPDX-License-Identifier: GPL-2.0-or-later
"""The crate as farm's commands see it: which slots a command works on, the
simulated chassis brought up or down, the TFTP root, each slot at a glance,
the result table.

Below every command module (boot, reboot, reflash, test, console, status),
which import this and never each other; cli.py, above them, only parses and
dispatches. What cannot be done is a FarmError with its exit code, raised
here and printed once by farm.cli.main.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from pcinet_sim import cli as sim_cli
from pcinet_sim.layout import Layout
from pcinet_sim.supervisor import read_state

from . import results
from .config import Chassis
from .errors import USAGE, FarmError
from .hostctl import host_request
from .results import SlotResult


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
        raise FarmError(f"chassis {ch.name} has backend {ch.backend}, not sim", USAGE)
    argv = [action, "--dir", str(ch.sim_dir)]
    if action == "down":
        remove_farm_files(ch.sim_dir)
    if action == "up":
        argv += ["--slots", str(max(ch.slots)), "--subnet", ch.subnet]
        if ch.tftp.root is not None:
            argv += ["--tftp-root", str(ch.tftp.root)]
    return sim_cli.main(argv)


def ensure_sim_up(ch: Chassis) -> None:
    """The simulated chassis runs (started if it was not); FarmError if it cannot."""
    if ch.backend != "sim" or read_state(ch.sim_dir) is not None:
        return
    print(f"farm: starting the simulated chassis in {ch.sim_dir}", flush=True)
    code = sim(ch, "up")
    if code != 0:
        raise FarmError(f"the simulated chassis in {ch.sim_dir} did not start "
                        f"(pcinet-sim up: exit status {code})")


def pick_slots(ch: Chassis, slots: list[int], every: bool) -> list[int]:
    """The slots a command works on: those named, or every enabled one."""
    if every:
        return ch.enabled_slots()
    if not slots:
        raise FarmError("name the slots, or --all", USAGE)
    for n in slots:
        if n not in ch.slots:
            raise FarmError(f"slot {n} is not in {ch.file} (slots: "
                            f"{', '.join(map(str, sorted(ch.slots)))})", USAGE)
        if not ch.slots[n].enabled:
            raise FarmError(f"slot {n} is disabled in {ch.file}", USAGE)
    return sorted(set(slots))


def tftp_root(ch: Chassis) -> Path:
    """Where the TFTP server serves from: the chassis file's, or the simulated
    chassis' own."""
    if ch.tftp.root is not None:
        return ch.tftp.root
    state = read_state(ch.sim_dir) if ch.backend == "sim" else None
    root = state.get("tftp_root") if state else None
    if not root:
        raise FarmError("no TFTP root (tftp.root in the chassis file)", USAGE)
    return Path(str(root))


def _pcinetd(directory: Path) -> dict[int, dict[str, Any]]:
    """pcinetd's row per slot, or nothing if it does not answer."""
    try:
        reply = host_request(Layout(directory).pcinetd_sock, "status", timeout=5)
    except (OSError, ValueError):
        return {}
    return {int(r["slot"]): r for r in reply.get("slots", [])}


def status_rows(ch: Chassis) -> list[dict[str, Any]]:
    """Each slot at a glance: the chassis file's view, the host's, farm's last result."""
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


def result_table(ch: Chassis, command: str, rows: list[SlotResult], log_dir: Path,
                 extra: tuple[str, str] | None = None) -> int:
    """The per-slot table every multi-slot command ends with; its exit code.

    extra: (heading, facts key) of one more column.
    """
    head = f" {extra[0]:<10}" if extra else ""
    print(f"\n{'SLOT':>4}  {'RESULT':<7} {'STAGE':<9} {'TIME':>7}{head}  DETAIL")
    for r in rows:
        more = f" {r.facts.get(extra[1], '-')!s:<10}" if extra else ""
        print(f"{r.slot:>4}  {r.verdict:<7} {r.stage:<9} "
              f"{r.seconds:6.2f}s{more}  {r.detail}")
        results.record(ch.sim_dir, r.slot, command, r.ok, f"{r.stage}: {r.detail}")
    failed = [r.slot for r in rows if not r.ok]
    internal = [r.slot for r in rows if r.internal]
    print(f"farm {command}: {len(rows) - len(failed)} of {len(rows)} ok"
          + (f"; failed: {' '.join(map(str, failed))}" if failed else "")
          + (f"; internal error (a bug of farm's) on: {' '.join(map(str, internal))}"
             if internal else "")
          + f"; logs in {log_dir}")
    return 1 if failed else 0


def slot_list(slots: list[int]) -> str:
    """'slot 3' or 'slots 3, 5', for a command's first line."""
    return f"slot{'s' if len(slots) > 1 else ''} {', '.join(map(str, slots))}"
