# SPDX-License-Identifier: GPL-2.0-or-later
"""farm boot: reset a slot, catch U-Boot, tftp its images over the backplane,
verify size and CRC32, boot. One process per slot; stages are timed and
the console log and handshake are kept per slot.
"""

from __future__ import annotations

import multiprocessing
import re
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Image:
    path: Path  # where farm staged it in the TFTP root
    name: str  # its name there (what U-Boot asks the server for)
    size: int
    crc32: int


@dataclass
class BootResult:
    slot: int
    ok: bool
    stage: str  # the last stage reached
    detail: str
    stages: list[tuple[str, float]] = field(default_factory=list)
    log: str = ""


def stage_image(src: Path, tftp_root: Path, name: str) -> Image:
    """Copy src into the TFTP root (atomically) and describe it."""
    data = src.read_bytes()
    (tftp_root / "farm").mkdir(exist_ok=True)
    dst = tftp_root / "farm" / name
    tmp = dst.with_suffix(dst.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(dst)
    return Image(dst, f"farm/{name}", len(data), zlib.crc32(data))


class StageError(RuntimeError):
    def __init__(self, stage: str, reason: str):
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason


def boot_one(chassis_file: Path, slot: int, kernel: Image, log_dir: Path) -> BootResult:
    from labgrid.driver import UBootDriver

    from .config import load
    from .handshake import HandshakeWatch
    from .labgrid_parts import PCINetResetDriver
    from .slotlock import SlotLock
    from .targets import slot_target

    result = BootResult(slot, False, "load", "")
    transcript: list[str] = []
    target = None
    ch = load(chassis_file)
    conf = ch.slots[slot]
    board = ch.board_types[conf.board]
    directory = ch.sim_dir

    def run(uboot: Any, stage: str, cmd: str, timeout: float) -> list[str]:
        transcript.append(f"{board.prompt}{cmd}")
        try:
            lines = list(uboot.run_check(cmd, timeout=int(timeout)))
        except Exception as e:
            out = getattr(e, "stdout", None) or []
            transcript.extend(out)
            tail = " / ".join(line.strip() for line in out[-3:] if line.strip())
            raise StageError(stage, f"'{cmd}' failed{': ' + tail if tail else ''}") from e
        transcript.extend(lines)
        return lines

    def timed(stage: str, fn: Any) -> Any:
        result.stage = stage
        t0 = time.monotonic()
        value = fn()
        result.stages.append((stage, time.monotonic() - t0))
        return value

    watch = HandshakeWatch(directory / "pcinetd.sock", slot)
    try:
        with SlotLock(directory, slot), watch:
            target = slot_target(ch, slot)
            timed("reset", target.get_driver(PCINetResetDriver).reset)
            uboot = timed("prompt", lambda: target.get_driver(UBootDriver))
            addr = f"{board.load_addr:x}"
            timed("network", lambda: run(uboot, "network", (
                f"setenv ipaddr {conf.address}; setenv serverip {conf.host_address}; "
                f"setenv netmask 255.255.255.0; "
                f"setenv tftpblocksize {ch.tftp.blocksize}; "
                f"setenv tftpwindowsize {ch.tftp.windowsize}"), ch.timeouts.command))
            before = watch.valid_seen

            def transfer() -> None:
                try:
                    run(uboot, "tftp", f"tftpboot {addr} {kernel.name}", ch.timeouts.transfer)
                except StageError as e:
                    if watch.valid_seen == before:
                        raise StageError("tftp", "the board's registers never became valid: "
                                         "its network did not come up on the backplane") from e
                    raise

            timed("tftp", transfer)

            def verify() -> None:
                size = run(uboot, "verify", "printenv filesize", ch.timeouts.command)
                got = int(size[-1].split("=", 1)[1], 16)
                if got != kernel.size:
                    raise StageError("verify", f"size {got} != {kernel.size}")
                out = run(uboot, "verify", f"crc32 {addr} {kernel.size:x}", ch.timeouts.command)
                m = re.search(r"==> ([0-9a-f]{8})", "\n".join(out))
                if not m or int(m.group(1), 16) != kernel.crc32:
                    raise StageError("verify", f"CRC32 {m.group(1) if m else '?'} != "
                                     f"{kernel.crc32:08x}")

            timed("verify", verify)
            out = timed("boot", lambda: run(uboot, "boot", board.commands["boot"].replace(
                "${loadaddr}", addr), ch.timeouts.command))
            result.ok = True
            result.detail = next((line.strip() for line in reversed(out) if line.strip()),
                                 "booted")
    except StageError as e:
        result.detail = e.reason
    except Exception as e:  # a stage's unexpected failure, reported per slot
        result.detail = f"{type(e).__name__}: {e}"
    finally:
        if target is not None:
            target.cleanup()
        log = log_dir / f"slot{slot:02d}-boot.log"
        stages = "".join(f"{name:8} {t:7.2f} s\n" for name, t in result.stages)
        log.write_text(f"farm boot slot {slot}: {'ok' if result.ok else 'FAILED'} "
                       f"({result.stage}: {result.detail})\n\n== stages\n{stages}"
                       f"\n== handshake (registers-valid, carrier) seen from the host\n"
                       + "\n".join(watch.lines())
                       + "\n\n== console\n" + "\n".join(transcript) + "\n")
        result.log = str(log)
    return result


def boot(chassis_file: Path, slots: list[int], kernel: Image, log_dir: Path) -> list[BootResult]:
    log_dir.mkdir(parents=True, exist_ok=True)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes=len(slots)) as pool:
        jobs = {n: pool.apply_async(boot_one, (chassis_file, n, kernel, log_dir))
                for n in slots}
        results = []
        pending = dict(jobs)
        while pending:
            for n, job in list(pending.items()):
                if job.ready():
                    r = job.get()
                    times = ", ".join(f"{s} {t:.2f} s" for s, t in r.stages)
                    print(f"slot {n:2}: {'booted' if r.ok else 'FAILED at ' + r.stage}: "
                          f"{r.detail} [{times}]", flush=True)
                    results.append(r)
                    del pending[n]
            time.sleep(0.05)
    return sorted(results, key=lambda r: r.slot)
