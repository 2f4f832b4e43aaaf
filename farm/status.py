# SPDX-License-Identifier: GPL-2.0-or-later
"""farm check and farm status: the chassis file and the crate, looked at,
nothing touched."""

from __future__ import annotations

import json

from .config import Chassis
from .crate import status_rows


def check(ch: Chassis) -> int:
    """farm check: the chassis file loaded (main reported its problems, if any)."""
    enabled = ch.enabled_slots()
    print(f"{ch.file}: chassis {ch.name}, backend {ch.backend}, {len(ch.slots)} slots "
          f"({len(enabled)} enabled), board types {', '.join(sorted(ch.board_types))}, "
          f"{len(ch.images)} images: ok")
    return 0


def status(ch: Chassis, as_json: bool) -> int:
    """farm status [--json]: one line per slot."""
    rows = status_rows(ch)
    if as_json:
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
