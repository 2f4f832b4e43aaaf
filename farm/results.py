# SPDX-License-Identifier: GPL-2.0-or-later
"""What a farm command found on each slot, and what farm knows of each slot
between commands.

- SlotResult: the outcome of a command on one slot, a row of the result
  table (made in the slot's process, sent to the parent);
- the last result of a farm command, for `farm status` (DIR/farm/last/);
- what its boot flash holds, as far as farm reflash knows
  (DIR/farm/flash/slotNN): "unverified" from the first write of a reflash
  until its read-back proved it, "verified" after. No farm command resets
  a board whose flash is unverified: it would not boot.

Kept in the chassis' runtime directory: it describes the boards as they
are now, so it goes when the chassis does.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pcinet_sim.layout import Layout

# what a slot's boot flash holds, as far as farm reflash knows (farm/reflash.py)
UNCHANGED, UNVERIFIED, VERIFIED = "unchanged", "unverified", "verified"


@dataclass
class SlotResult:
    slot: int
    ok: bool
    stage: str  # the last stage reached
    detail: str
    stages: list[tuple[str, float]] = field(default_factory=list)
    log: str = ""
    facts: dict[str, Any] = field(default_factory=dict)  # command-specific findings
    internal: bool = False  # failed by a bug of farm's, not by the board or the host

    @property
    def seconds(self) -> float:
        return sum(t for _, t in self.stages)

    @property
    def verdict(self) -> str:
        """The RESULT column: ok, FAILED, or ERROR (farm's own fault)."""
        return "ok" if self.ok else "ERROR" if self.internal else "FAILED"


def crashed(slot: int, why: str) -> SlotResult:
    """A slot whose process died without a result."""
    return SlotResult(slot, False, "worker", f"the slot's process died: {why}", internal=True)


def summary(r: SlotResult) -> tuple[str, str]:
    """The final live-progress line of a slot."""
    if r.ok:
        return "done", f"{r.seconds:.2f} s  {r.detail}"
    return r.verdict, f"at {r.stage}: {r.detail}"


def _file(directory: Path, slot: int) -> Path:
    return Layout(directory).last_result(slot)


def record(directory: Path, slot: int, command: str, ok: bool, detail: str) -> None:
    f = _file(directory, slot)
    with contextlib.suppress(OSError):  # status is a convenience: never fail a command
        f.parent.mkdir(parents=True, exist_ok=True)
        tmp = f.with_suffix(".tmp")
        tmp.write_text(json.dumps({"command": command, "ok": ok, "detail": detail,
                                   "time": time.time()}))
        tmp.replace(f)


def last(directory: Path, slot: int) -> str:
    """'boot ok', 'reflash FAILED: write: ...', or '' when nothing ran."""
    try:
        r = json.loads(_file(directory, slot).read_text())
        when = time.strftime("%H:%M", time.localtime(float(r["time"])))
        text = f"{r['command']} {'ok' if r['ok'] else 'FAILED'} {when}"
        return text if r["ok"] else f"{text}: {r['detail']}"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def set_flash(directory: Path, slot: int, state: str, why: str) -> None:
    """Record what the slot's flash holds (must not fail silently: resets depend on it)."""
    f = Layout(directory).flash_state(slot)
    f.parent.mkdir(parents=True, exist_ok=True)
    tmp = f.with_suffix(".tmp")
    tmp.write_text(f"{state}\n{why}\n")
    tmp.replace(f)


def flash(directory: Path, slot: int) -> tuple[str, str]:
    """(state, why) of the slot's flash; ("", "") if farm never wrote it."""
    try:
        state, _, why = Layout(directory).flash_state(slot).read_text().partition("\n")
    except OSError:
        return "", ""
    return state, why.strip()


def reset_refused(directory: Path, slot: int) -> str:
    """Why no farm command may reset the slot's board ("" if it may): its flash
    holds an image a reflash wrote and did not prove, which may not boot."""
    state, why = flash(directory, slot)
    if state != UNVERIFIED:
        return ""
    return (f"refused: its flash holds an unverified image ({why}), so a reset would not "
            "boot it; farm reflash it first")


def remove(directory: Path) -> None:
    layout = Layout(directory)
    for d in (layout.last_results, layout.flash_states):
        if d.is_dir():
            for f in d.iterdir():
                f.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                d.rmdir()
