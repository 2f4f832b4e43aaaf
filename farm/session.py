# SPDX-License-Identifier: GPL-2.0-or-later
"""One farm command on one slot, inside the slot's own process.

A SlotSession holds what every per-slot command needs: the chassis file
loaded again in this process, the slot's lock (so `farm console` names who
has the slot), the watch on its registers-valid handshake, its labgrid
target (built here: labgrid is not thread-safe) whose PCINetStrategy brings
the board to its prompt, timed stages reported as live progress, and the
log: stages, every handshake transition seen from the host, and the console
transcript of the commands run.

Stages raise StageError(stage, reason): the first one becomes the slot's
result, a failed row. Any other exception is a bug of farm's: the slot's
result says "internal error" and its log has the traceback.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from pcinet_sim.layout import Layout

from . import results
from .config import BoardType, Chassis, SlotConfig, load
from .console_trace import ConsoleTrace
from .errors import StageError
from .handshake import HandshakeWatch
from .labgrid_parts import CommandFailed, PCINetStrategy, UBootShell
from .labgrid_parts.ubootshell import crc32_in
from .logdir import LogDir
from .parallel import Progress
from .results import SlotResult
from .slotlock import SlotLock
from .staging import Image
from .targets import network_setup, slot_target

T = TypeVar("T")

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
        self.internal_error = ""  # the traceback of a bug of farm's
        self.watch = HandshakeWatch(Layout(self.ch.sim_dir).pcinetd_sock, slot)
        self.lock = SlotLock(self.ch.sim_dir, slot)
        self.console_trace = ConsoleTrace()
        self.target: Any = None
        self.uboot: UBootShell | None = None

    # -- the session ----------------------------------------------------------
    def __enter__(self) -> SlotSession:
        self.lock.__enter__()
        self.watch.__enter__()
        self.console_trace.__enter__()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> bool:
        """A failure ends the session and becomes the result (never a traceback
        on the terminal): a stage's as a failed row, farm's own as an error."""
        if isinstance(ev, StageError):
            self.result.ok = False
            self.result.detail = ev.reason
        elif isinstance(ev, Exception):
            self.result.ok = False
            self.result.internal = True
            self.result.detail = (f"internal error, a bug of farm's: {type(ev).__name__}: {ev} "
                                  "(the traceback is in the slot's log)")
            self.internal_error = "".join(traceback.format_exception(ev))
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

    def run(self, stage: str, cmd: str, timeout: float) -> list[str]:
        """A U-Boot command that must succeed; its output lines."""
        if self.uboot is None:
            raise RuntimeError(f"'{cmd}' before the board was at its prompt")
        self.transcript.append(f"{self.board.prompt}{cmd}")
        try:
            lines = self.uboot.check(cmd, timeout)
        except CommandFailed as e:
            self.transcript.extend(e.output)
            raise StageError(stage, e.headline) from e
        self.transcript.extend(lines)
        return lines

    def fill(self, template: str, **values: int) -> str:
        """A board type's command template with farm's values (hex) put in."""
        for key, value in values.items():
            template = template.replace("${" + key + "}", f"{value:x}")
        return template

    # -- stages shared by the commands ----------------------------------------
    def reset_to_prompt(self, stage: str = "reset", or_running: bool = False) -> None:
        """The board fresh from a reset at its U-Boot prompt (PCINetStrategy).

        Never a board whose flash farm knows to hold an unverified image: a
        reset would not boot it. That is refused, or with or_running (farm
        reflash, which is how such a board is mended) the board is looked
        for at the prompt of the U-Boot it still runs from RAM.
        """
        if self.target is not None:  # a second reset: a new target, a fresh console
            self.target.cleanup()
            self.target = None
            self.uboot = None
        refused = results.reset_refused(self.ch.sim_dir, self.slot)
        if refused and not or_running:
            self.result.stage = stage
            raise StageError(stage, refused)
        if refused:
            why = results.flash(self.ch.sim_dir, self.slot)[1]
            strategy = self._strategy(prompt_timeout=PROBE_S)

            def running() -> None:
                try:
                    strategy.force("uboot")
                except StageError as e:
                    raise StageError("prompt", f"not reset: its flash holds an unverified "
                                     f"image ({why}), so it would not boot; and it is not at "
                                     f"a U-Boot prompt. Recover it by hand (JTAG, or the "
                                     f"boot switch), then farm reflash it") from e

            self.stage("prompt", running, "flash unverified: no reset")
        else:
            strategy = self._strategy()

            def as_stage(step: str, fn: Callable[[], T]) -> T:
                # the strategy's steps are this session's stages; its reset may be
                # named after what it is for (farm reflash's second one: "reboot")
                return self.stage(stage if step == "reset" else step, fn)

            strategy.run_step = as_stage
            strategy.transition("uboot")
        self.uboot = strategy.uboot_shell(self.ch.timeouts.command)

    def _strategy(self, prompt_timeout: float | None = None) -> PCINetStrategy:
        self.target = slot_target(self.ch, self.slot, prompt_timeout)
        strategy = self.target.get_driver(PCINetStrategy)
        assert isinstance(strategy, PCINetStrategy)
        return strategy

    def configure_network(self) -> None:
        self.stage("network", lambda: self.run("network", network_setup(self.ch, self.slot),
                                               self.ch.timeouts.command))

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
            try:
                got = int(size[-1].split("=", 1)[1], 16)
            except (IndexError, ValueError):
                raise StageError("verify", f"no filesize in {size!r}") from None
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
        got = crc32_in(out)
        if got != crc32:
            raise StageError(stage, f"CRC32 {'?' if got is None else f'{got:08x}'} "
                             f"!= {crc32:08x}")

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
        log = LogDir(self.log_dir).slot_log(self.slot, self.command)
        stages = "".join(f"{name:9} {t:7.2f} s\n" for name, t in r.stages)
        internal = (f"\n== internal error (a bug of farm's)\n{self.internal_error}"
                    if self.internal_error else "")
        log.write_text(f"farm {self.command} slot {self.slot}: "
                       f"{'ok' if r.ok else r.verdict} ({r.stage}: {r.detail})\n"
                       + internal
                       + f"\n== stages\n{stages}"
                       f"\n== handshake (registers-valid, carrier) seen from the host\n"
                       + "\n".join(self.watch.lines())
                       + "\n\n== console\n" + "\n".join(self.transcript) + "\n"
                       + "\n== console, raw bytes (UTC; < from the board, > to it)\n"
                       + self.console_trace.render() + "\n")
        r.log = str(log)
