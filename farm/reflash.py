# SPDX-License-Identifier: GPL-2.0-or-later
"""farm reflash: write a new U-Boot into the boot flash of many boards.

Per slot, in its own process: reset, catch U-Boot, tftp the image over the
backplane, check size and CRC32 in RAM, write it with the board type's
flash_write command, read it back with flash_verify and check the CRC32 of
what came back, and only then reset the board and ask it for its version,
which must be the image's. Each slot's report says what its flash holds:

- ``unchanged``: nothing was written (the slot failed before the write)
  and its flash was not left unverified by an earlier reflash;
- ``unverified``: a write began and was not proven: the board was NOT
  reset (it still runs its old U-Boot from RAM) and its flash may not boot;
- ``verified``: the image was read back intact; the board was reset.

The image was checked (farm.firmware) before any slot began.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import results
from .config import Chassis
from .crate import ensure_sim_up, pick_slots, result_table, slot_list, tftp_root
from .errors import USAGE, FarmError, StageError
from .firmware import FirmwareImage, ImageError, check_fits, read_image
from .logdir import DEFAULT, LogDir
from .parallel import Progress, no_progress, run_per_slot
from .results import UNCHANGED, UNVERIFIED, VERIFIED, SlotResult, crashed
from .session import SlotSession
from .slotlock import SlotBusy
from .staging import Image, StagingError, stage


@dataclass(frozen=True)
class Expect:
    """What each slot checks against (picklable for the slot's process)."""

    crc32: int
    size: int
    version: str


def command(ch: Chassis, slots: list[int], every: bool, image_file: Path | None,
            retry_failed: bool, log_dir: Path | None, report_file: Path | None) -> int:
    """farm reflash [SLOT... | --all] --image F | --retry-failed; its exit code."""
    log_dir = log_dir or (report_file.parent if report_file else DEFAULT)
    report_file = report_file or LogDir(log_dir).reflash_report
    earlier: dict[int, dict[str, Any]] = {}
    want_crc = None
    if retry_failed:
        if slots or every or image_file:
            raise FarmError("--retry-failed takes the slots and the image from the report; "
                            "name neither", USAGE)
        slots, image_file, want_crc, earlier = _retry(ch, report_file)
        if not slots:
            print(f"farm reflash: {report_file}: no failed slot to retry")
            return 0
    else:
        if image_file is None:
            raise FarmError("give the image: --image F", USAGE)
        slots = pick_slots(ch, slots, every) if (slots or every) else ch.enabled_slots()
    image = _checked_image(ch, image_file, slots, want_crc)
    ensure_sim_up(ch)
    try:
        [staged] = stage([image.path], tftp_root(ch), {image.path.resolve(): image.data})
    except StagingError as e:
        raise FarmError(f"nothing written: {e}") from None
    print(f"farm reflash: {image.path} ({image.version}), {image.size} bytes, CRC32 "
          f"{image.crc32:08x}, on {slot_list(slots)}" + (" (retry)" if retry_failed else ""),
          flush=True)
    rows = reflash(ch.file, slots, staged, Expect(image.crc32, image.size, image.version),
                   log_dir)
    code = result_table(ch, "reflash", rows, log_dir, ("FLASH", "flash"))
    written = write_report(report_file, image, rows, earlier)
    for row in written["slots"]:
        if row["slot"] in slots and not row["ok"] and row["flash"] != UNCHANGED:
            print(f"slot {row['slot']}: {row['consequence']}")
    print(f"report: {report_file}"
          + (f"; retry the failed slots: farm reflash --retry-failed --report {report_file}"
             if written["failed"] else ""))
    return code


def _retry(ch: Chassis, report_file: Path) -> tuple[list[int], Path, str,
                                                    dict[int, dict[str, Any]]]:
    """What --retry-failed takes from an earlier report: the failed slots, the
    image and its CRC32 then, and the report's rows."""
    try:
        report = read_report(report_file)
    except ValueError as e:
        raise FarmError(str(e), USAGE) from None
    earlier = {int(row["slot"]): row for row in report["slots"]}
    slots = sorted(n for n, row in earlier.items() if not row["ok"])
    gone = [n for n in slots if n not in ch.slots or not ch.slots[n].enabled]
    if gone:
        raise FarmError(f"{report_file}: {slot_list(gone)} not enabled in {ch.file}", USAGE)
    return slots, Path(report["image"]["path"]), str(report["image"]["crc32"]), earlier


def _checked_image(ch: Chassis, image_file: Path, slots: list[int],
                   want_crc: str | None) -> FirmwareImage:
    """The image, checked for every slot's board type before any board is touched."""
    try:
        image = read_image(image_file)
        if want_crc is not None and f"{image.crc32:08x}" != want_crc:
            raise ImageError(f"{image_file} changed since the report (CRC32 "
                             f"{image.crc32:08x}, was {want_crc}): reflash it afresh")
        for n in slots:
            board = ch.slots[n].board
            check_fits(image, board, ch.board_types[board].firmware)
    except ImageError as e:
        raise FarmError(f"refused, nothing written: {e}", USAGE) from None
    return image


def reflash_one(slot: int, chassis_file: Path, staged: Image, expect: Expect, log_dir: Path,
                progress: Progress = no_progress) -> SlotResult:
    try:
        with SlotSession(chassis_file, slot, "reflash", progress, log_dir) as s:
            facts = s.result.facts
            # an earlier reflash's unverified flash stays so until this one writes
            before = results.flash(s.ch.sim_dir, slot)[0]
            facts["flash"] = UNVERIFIED if before == UNVERIFIED else UNCHANGED
            fw = s.board.firmware
            if fw is None:
                raise StageError("config", f"board type {s.board.name} has no firmware section")
            addr = s.board.load_addr
            values = {"loadaddr": addr, "filesize": expect.size, "verify_addr": fw.scratch_addr}
            s.reset_to_prompt(or_running=True)
            s.configure_network()
            s.tftp(staged, addr)
            facts["flash"] = UNVERIFIED  # from the first write on, until read back
            results.set_flash(s.ch.sim_dir, slot, UNVERIFIED,
                              f"farm reflash of {staged.name} began writing "
                              f"{time.strftime('%Y-%m-%d %H:%M')}")
            write = s.fill(s.board.commands["flash_write"], **values)
            s.stage("write", lambda: s.run("write", write, s.ch.timeouts.flash))

            def readback() -> None:
                s.run("readback", s.fill(s.board.commands["flash_verify"], **values),
                      s.ch.timeouts.flash)
                s.expect_crc("readback", fw.scratch_addr, expect.size, expect.crc32)

            s.stage("readback", readback)
            facts["flash"] = VERIFIED
            results.set_flash(s.ch.sim_dir, slot, VERIFIED, f"{expect.version}, read back")
            s.reset_to_prompt("reboot")
            running = s.version()
            facts["version"] = running
            if running != expect.version:
                raise StageError("version", f"after the reset the board runs '{running}', "
                                 f"not the new '{expect.version}'")
            s.result.ok = True
            s.result.detail = running
        return s.result
    except SlotBusy as e:
        return SlotResult(slot, False, "lock", str(e), facts={"flash": UNCHANGED})


def summary(r: SlotResult) -> tuple[str, str]:
    if r.ok:
        return "done", f"{r.seconds:.2f} s  flash verified, runs {r.detail}"
    return r.verdict, f"at {r.stage}: {r.detail}  [flash {r.facts.get('flash', '?')}]"


def reflash(chassis_file: Path, slots: list[int], staged: Image, expect: Expect,
            log_dir: Path) -> list[SlotResult]:
    return run_per_slot(reflash_one, slots, (chassis_file, staged, expect, log_dir),
                        crashed, summary)


def consequence(r: SlotResult) -> str:
    """What the slot's board does now, in words for the report."""
    flash = r.facts.get("flash", UNCHANGED)
    if r.ok:
        return "runs the new image from verified flash"
    if flash == VERIFIED:
        return ("flash verified and the board reset, but it did not confirm the new "
                "version: look at its log")
    if flash == UNVERIFIED:
        return ("NOT reset: still runs its old U-Boot from RAM; its flash holds an "
                "unverified image and may not boot - retry before any reset")
    return "nothing written: the board keeps its old flash"


def write_report(path: Path, image: FirmwareImage, results: list[SlotResult],
                 earlier: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The machine-readable report; slots of an earlier report not retried are kept."""
    slots = dict(earlier or {})
    for r in results:
        row = asdict(r)
        row["stages"] = {name: round(t, 3) for name, t in r.stages}
        row["flash"] = r.facts.get("flash", UNCHANGED)
        row["version"] = r.facts.get("version", "")
        row["consequence"] = consequence(r)
        del row["facts"]
        slots[r.slot] = row
    report = {
        "command": "reflash",
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "image": {"path": str(image.path), "name": image.name, "size": image.size,
                  "crc32": f"{image.crc32:08x}", "version": image.version},
        "ok": all(row["ok"] for row in slots.values()),
        "failed": sorted(n for n, row in slots.items() if not row["ok"]),
        "slots": [slots[n] for n in sorted(slots)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(report, indent=1) + "\n")
    tmp.replace(path)
    return report


def read_report(path: Path) -> dict[str, Any]:
    """An earlier report, for --retry-failed; ValueError saying what is wrong."""
    try:
        report = json.loads(path.read_text())
        _ = report["image"]["path"], report["image"]["crc32"], report["slots"]
    except OSError as e:
        raise ValueError(f"{path}: {e.strerror}: no earlier reflash report to retry") from None
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: not a farm reflash report ({e})") from None
    if not isinstance(report, dict) or report.get("command") != "reflash":
        raise ValueError(f"{path}: not a farm reflash report")
    return report
