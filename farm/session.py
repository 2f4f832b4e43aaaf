# SPDX-License-Identifier: GPL-2.0-or-later
"""One farm command on one slot, inside the slot's own process.

A SlotSession holds what every per-slot command needs: the chassis file
loaded again in this process, the slot's lock (so `farm console` names who
has the slot), the watch on its registers-valid handshake, its labgrid
target (built here: labgrid is not thread-safe), timed stages reported as
live progress, and the log: stages, every handshake transition seen from
the host, and the console transcript of the commands run.

Stages raise StageError(stage, reason); the caller turns the first one into
the slot's result.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from pcinet_sim.layout import Layout

from . import results
from .config import BoardType, Chassis, SlotConfig, load
from .console_trace import ConsoleTrace
from .handshake import HandshakeWatch
from .hostctl import host_request
from .parallel import Progress
from .slotlock import SlotLock
from .staging import Image

T = TypeVar("T")


class StageError(RuntimeError):
    def __init__(self, stage: str, reason: str):
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason


@dataclass
class SlotResult:
    slot: int
    ok: bool
    stage: str  # the last stage reached
    detail: str
    stages: list[tuple[str, float]] = field(default_factory=list)
    log: str = ""
    facts: dict[str, Any] = field(default_factory=dict)  # command-specific findings

    @property
    def seconds(self) -> float:
        return sum(t for _, t in self.stages)


def crashed(slot: int, why: str) -> SlotResult:
    return SlotResult(slot, False, "worker", f"the slot's process died: {why}")


def summary(r: SlotResult) -> tuple[str, str]:
    """The final live-progress line of a slot."""
    if r.ok:
        return "done", f"{r.seconds:.2f} s  {r.detail}"
    return "FAILED", f"at {r.stage}: {r.detail}"


CRC_LINE = re.compile(r"==> ([0-9a-f]{8})")
PROBE_S = 6  # a board already at its prompt answers a newline within labgrid's 2 s poll


class SlotSession:
    def __init__(self, chassis_file: Path, slot: int, command: str, progress: Progress,
                 log_dir: Path):
        self.ch: Chassis = load(chassis_file)
        self.slot = slot
        self.conf: SlotConfig = self.ch.slots[slot]
        self.board: BoardType = self.ch.board_types[self.conf.board]
        self.command = command
        self.progress = progress
        self.log_dir = log_dir
        self.result = SlotResult(slot, False, "start", "")
        self.transcript: list[str] = []
        self.watch = HandshakeWatch(Layout(self.ch.sim_dir).pcinetd_sock, slot)
        self.lock = SlotLock(self.ch.sim_dir, slot)
        self.console_trace = ConsoleTrace()
        self.target: Any = None
        self.uboot: Any = None
        # the host's count of this board's resets when its prompt was caught
        self.resets_at_prompt: int | None = None

    # -- the session ----------------------------------------------------------
    def __enter__(self) -> SlotSession:
        self.lock.__enter__()
        self.watch.__enter__()
        self.console_trace.__enter__()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> bool:
        """A failure ends the session and becomes the result (never a traceback)."""
        if isinstance(ev, StageError):
            self.result.ok = False
            self.result.detail = ev.reason
        elif isinstance(ev, Exception):
            self.result.ok = False
            self.result.detail = f"{type(ev).__name__}: {ev}"
        try:
            if self.target is not None:
                self.target.cleanup()
        finally:
            self.console_trace.__exit__()
            self.watch.__exit__(None, None, None)
            self.lock.__exit__(None, None, None)
            self.write_log()
        return isinstance(ev, Exception)

    def stage(self, name: str, fn: Callable[[], T], detail: str = "") -> T:
        self.result.stage = name
        self.progress(name, detail)
        t0 = time.monotonic()
        try:
            return fn()
        finally:  # a failed stage's time counts too: it is where the time went
            self.result.stages.append((name, time.monotonic() - t0))

    def host_resets(self) -> int | None:
        """How many resets of this board the host has observed (None: it does not answer)."""
        try:
            row = host_request(self.watch.control, f"status {self.slot}")["slot"]
            return int(row["resets_seen"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def note_prompt(self) -> None:
        """Remember the host's reset count at the prompt."""
        self.resets_at_prompt = self.host_resets()

    def reset_under_us(self) -> str:
        """Why a command must not be typed, or must not be trusted: the board was
        reset after its prompt was caught, not by this session ("" if not)."""
        if self.resets_at_prompt is None:
            return ""
        now = self.host_resets()
        if now is None:
            return ""  # the host does not answer: nothing known either way
        n = now - self.resets_at_prompt
        if n <= 0:
            return ""
        return (f"the board was reset {n} time(s) after its prompt was caught, not by farm: "
                "a line typed into its new boot loses its first byte to U-Boot's autoboot")

    def run(self, stage: str, cmd: str, timeout: float) -> list[str]:
        """A U-Boot command that must succeed; its output lines."""
        why = self.reset_under_us()
        if why:
            raise StageError(stage, f"'{cmd}' not typed: {why}")
        self.transcript.append(f"{self.board.prompt}{cmd}")
        try:
            lines = list(self.uboot.run_check(cmd, timeout=int(timeout)))
        except Exception as e:
            out = getattr(e, "stdout", None) or []
            self.transcript.extend(out)
            why = self.reset_under_us()
            if why:
                raise StageError(stage, f"'{cmd}' failed: {why}") from e
            tail = " / ".join(line.strip() for line in out[-3:] if line.strip())
            # pexpect.TIMEOUT, or labgrid's own Timeout
            if not out and type(e).__name__.upper() == "TIMEOUT":
                tail = f"no prompt within {timeout:g} s"
            elif not out and not hasattr(e, "stdout"):
                # labgrid could not parse the console's answer (no marker,
                # no exit code): the raw console in the log shows why
                tail = (f"its answer on the console did not parse ({type(e).__name__}: {e}); "
                        "see the raw console in the slot's log")
            raise StageError(stage, f"'{cmd}' failed{': ' + tail if tail else ''}") from e
        self.transcript.extend(lines)
        return lines

    def fill(self, template: str, **values: int) -> str:
        """A board type's command template with farm's values (hex) put in."""
        for key, value in values.items():
            template = template.replace("${" + key + "}", f"{value:x}")
        return template

    # -- stages shared by the commands ----------------------------------------
    def reset_to_prompt(self, stage: str = "reset", or_running: bool = False) -> None:
        """Reset the board through the host; catch U-Boot at its prompt.

        Never a board whose flash farm knows to hold an unverified image: a
        reset would not boot it. That is refused, or with or_running (farm
        reflash, which is how such a board is mended) the board is looked
        for at the prompt of the U-Boot it still runs from RAM.
        """
        from labgrid.driver import UBootDriver

        from .labgrid_parts import PCINetResetDriver
        from .targets import slot_target

        if self.target is not None:  # a second reset: a new target, a fresh console
            self.target.cleanup()
            self.target = None
        state, why = results.flash(self.ch.sim_dir, self.slot)
        if state == "unverified" and not or_running:
            self.result.stage = stage
            raise StageError(stage, f"refused: its flash holds an unverified image ({why}), "
                             "so a reset would not boot it; farm reflash it first")
        if state == "unverified":
            self.target = slot_target(self.ch, self.slot, prompt_timeout=PROBE_S)

            def running() -> Any:
                try:
                    return self.target.get_driver(UBootDriver)
                except Exception as e:
                    raise StageError("prompt", f"not reset: its flash holds an unverified "
                                     f"image ({why}), so it would not boot; and it is not at "
                                     f"a U-Boot prompt. Recover it by hand (JTAG, or the "
                                     f"boot switch), then farm reflash it") from e

            self.uboot = self.stage("prompt", running, "flash unverified: no reset")
            self.note_prompt()
            return
        self.target = slot_target(self.ch, self.slot)
        self.stage(stage, self.target.get_driver(PCINetResetDriver).reset)

        def prompt() -> Any:
            try:
                return self.target.get_driver(UBootDriver)
            except Exception as e:
                raise StageError("prompt", f"no U-Boot prompt within "
                                 f"{self.ch.timeouts.prompt:g} s of the reset "
                                 f"({type(e).__name__}); the console said nothing usable"
                                 ) from e

        self.uboot = self.stage("prompt", prompt)
        self.note_prompt()
        wait = self.ch.timeouts.registers_valid
        if not self.watch.wait_for(False, wait):
            raise StageError("prompt", f"the board's registers were still valid {wait:g} s "
                             "after its reset: its descriptor memory cannot be trusted")

    def configure_network(self) -> None:
        ch, conf = self.ch, self.conf
        self.stage("network", lambda: self.run("network", (
            f"setenv ipaddr {conf.address}; setenv serverip {conf.host_address}; "
            f"setenv netmask 255.255.255.0; "
            f"setenv tftpblocksize {ch.tftp.blocksize}; "
            f"setenv tftpwindowsize {ch.tftp.windowsize}"), ch.timeouts.command))

    def tftp(self, image: Image, addr: int) -> None:
        """tftp image to addr; its size and CRC32 checked on the board."""
        before = self.watch.valid_seen

        def transfer() -> None:
            try:
                self.run("tftp", f"tftpboot {addr:x} {image.name}", self.ch.timeouts.transfer)
            except StageError as e:
                if self.watch.valid_seen == before:
                    raise StageError("tftp", "the board's registers never became valid: its "
                                     "network did not come up on the backplane") from e
                raise

        self.stage("tftp", transfer, f"{image.name}, {image.size} bytes")

        def verify() -> None:
            size = self.run("verify", "printenv filesize", self.ch.timeouts.command)
            got = int(size[-1].split("=", 1)[1], 16)
            if got != image.size:
                raise StageError("verify", f"size {got} != {image.size}")
            self.expect_crc("verify", addr, image.size, image.crc32)

        self.stage("verify", verify)

    def expect_invalid_after_handoff(self) -> None:
        """Before an OS runs, the board must have withdrawn its registers."""
        wait = self.ch.timeouts.registers_valid
        if not self.watch.wait_for(False, wait):
            raise StageError("handoff", f"the board's registers were still valid {wait:g} s "
                             "after it handed off to the OS: the host could still write into "
                             "memory the OS now owns")

    def expect_crc(self, stage: str, addr: int, size: int, crc32: int) -> None:
        out = self.run(stage, f"crc32 {addr:x} {size:x}", self.ch.timeouts.command)
        m = CRC_LINE.search("\n".join(out))
        if not m or int(m.group(1), 16) != crc32:
            raise StageError(stage, f"CRC32 {m.group(1) if m else '?'} != {crc32:08x}")

    def version(self, stage: str = "version") -> str:
        def ask() -> str:
            lines = self.run(stage, "version", self.ch.timeouts.command)
            found = next((line.strip() for line in lines if line.startswith("U-Boot")), "")
            if not found:
                raise StageError(stage, f"no version line in {lines!r}")
            return found

        return self.stage(stage, ask)

    # -- the log --------------------------------------------------------------
    def write_log(self) -> None:
        r = self.result
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"slot{self.slot:02d}-{self.command}.log"
        stages = "".join(f"{name:9} {t:7.2f} s\n" for name, t in r.stages)
        log.write_text(f"farm {self.command} slot {self.slot}: "
                       f"{'ok' if r.ok else 'FAILED'} ({r.stage}: {r.detail})\n\n"
                       f"== stages\n{stages}"
                       f"\n== handshake (registers-valid, carrier) seen from the host\n"
                       + "\n".join(self.watch.lines())
                       + "\n\n== console\n" + "\n".join(self.transcript) + "\n"
                       + "\n== console, raw bytes (UTC; < from the board, > to it)\n"
                       + self.console_trace.render() + "\n")
        r.log = str(log)
