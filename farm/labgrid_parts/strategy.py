# SPDX-License-Identifier: GPL-2.0-or-later
# mypy: disallow-subclassing-any=False, disallow-untyped-decorators=False
"""The strategy of a PCINet slot: its board from any state to its U-Boot prompt.

labgrid's UBootStrategy cycles a power switch and expects a Linux with
systemd after U-Boot; a PCINet board has no power switch farm reaches, only
a reset through the host. PCINetStrategy is the one place farm writes how a
board comes to its prompt, for farm's commands (farm.session) and the HIL
suite (farm/hil/conftest.py) alike:

- off: farm does not drive the board: its console is closed. The board
  runs whatever it runs (nothing farm can reach switches it off).
- uboot: reset through the host (PCINetResetDriver, which waits until the
  host has seen the reset); only then the console opened and labgrid's
  UBootDriver left to answer the autoboot line and check the prompt with
  its echo marker (a line typed before the new boot's prompt loses its
  first byte to the autoboot); the host's count of the board's resets
  noted; and the board's registers invalid within registers_valid_timeout,
  or its descriptor memory cannot be trusted.
- shell: Linux booted, logged in. Not reachable yet: see transition().

A failure of the board or the host is a StageError naming the step
("reset", "prompt"), the stage farm's commands report. Whoever drives the
strategy may time its steps: run_step(name, fn) runs each (farm.session
sets its own stage timer there).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from typing import Any, ClassVar

import attr
from labgrid.factory import target_factory
from labgrid.step import step
from labgrid.strategy.common import Strategy, StrategyError
from pexpect import EOF, TIMEOUT

from ..errors import StageError
from .driver import HOST_SILENT
from .ubootshell import UBootShell

POLL_S = 0.02


class Status(enum.Enum):
    unknown = 0
    off = 1
    uboot = 2
    shell = 3


StepRunner = Callable[[str, Callable[[], Any]], Any]


def run_step(name: str, fn: Callable[[], Any]) -> Any:
    """Run a step of a transition as it is (the default: nobody times them)."""
    return fn()


@target_factory.reg_driver
@attr.s(eq=False)
class PCINetStrategy(Strategy):
    """Off -> U-Boot prompt (-> Linux shell, later) on a reset through the host."""

    bindings: ClassVar[dict[str, str]] = {
        "reset": "PCINetResetDriver",
        "console": "ConsoleProtocol",
        "uboot": "UBootDriver",
    }
    registers_valid_timeout: float = attr.ib(
        default=5.0, validator=attr.validators.instance_of(float))
    status: Status = attr.ib(default=Status.unknown)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self.run_step: StepRunner = run_step
        # the host's count of the board's resets when its prompt was caught
        self.resets_at_prompt: int | None = None

    @step(args=["status"])
    def transition(self, status: Status | str, *, step: Any) -> None:
        """Bring the board to status. Not labgrid's never_retry: a board that did
        not come up is a result, and the next transition tries again."""
        status = self._status(status)
        if status == Status.unknown:
            raise StrategyError(f"can not transition to {status}")
        if status == self.status:
            step.skip("nothing to do")
            return
        if status == Status.off:
            self.target.deactivate(self.console)
            self.resets_at_prompt = None
        elif status == Status.uboot:
            self.transition(Status.off)
            self.run_step("reset", self._reset)
            self.run_step("prompt", self._catch_prompt)
        else:
            raise StrategyError(
                "the shell state (Linux booted, logged in) is not reachable yet: the slot's "
                "target has no ShellDriver and chassis.yaml no login for its board types "
                "(farm/hil/linux/__init__.py says how it joins)")
        self.status = status

    @step(args=["status"])
    def force(self, status: Status | str) -> None:
        """Take the board as being in status already, without a reset: uboot finds
        it at the prompt of the U-Boot it runs (farm reflash mends a board whose
        flash would not boot that way)."""
        status = self._status(status)
        if status == Status.off:
            self.target.deactivate(self.console)
            self.resets_at_prompt = None
        elif status == Status.uboot:
            self.target.activate(self.reset)
            self._activate_uboot("")
            self.resets_at_prompt = self.reset.resets_seen()
        else:
            raise StrategyError(f"can not force state {status}")
        self.status = status

    def uboot_shell(self, timeout: float) -> UBootShell:
        """Commands at the prompt, each refused once the board was reset under us."""
        if self.status != Status.uboot:
            raise StrategyError(f"not at the U-Boot prompt (state {self.status.name}): "
                                "transition('uboot') first")
        return UBootShell(self.uboot, timeout, self.reset_since_prompt)

    def reset_since_prompt(self) -> str:
        """Why a command must not be typed, or must not be trusted: the board was
        reset after its prompt was caught, not by farm ("" if not, or unknown)."""
        if self.resets_at_prompt is None:
            return ""
        now = self.reset.resets_seen()
        if now is None:
            return ""  # the host does not answer: nothing known either way
        n = now - self.resets_at_prompt
        if n <= 0:
            return ""
        return (f"the board was reset {n} time(s) after its prompt was caught, not by farm: "
                "a line typed into its new boot loses its first byte to U-Boot's autoboot")

    # -- the steps -------------------------------------------------------------
    @staticmethod
    def _status(status: Status | str) -> Status:
        if isinstance(status, Status):
            return status
        try:
            return Status[status]
        except KeyError:
            raise StrategyError(f"no state {status!r} (one of: "
                                f"{', '.join(s.name for s in Status)})") from None

    def _reset(self) -> None:
        self.target.activate(self.reset)
        try:
            self.reset.reset()
        except TimeoutError as e:
            raise StageError("reset", str(e)) from e
        except HOST_SILENT as e:
            raise StageError("reset", f"the host does not answer ({type(e).__name__}: {e})"
                             ) from e

    def _catch_prompt(self) -> None:
        # the console opens only now: pyserial drops what the pty held from before
        self._activate_uboot(" of the reset")
        self.resets_at_prompt = self.reset.resets_seen()
        deadline = time.monotonic() + self.registers_valid_timeout
        while True:
            try:
                valid = self.reset.registers_valid()
            except HOST_SILENT as e:
                raise StageError("prompt", f"the host does not answer ({type(e).__name__}: "
                                 f"{e}): the board's registers cannot be checked") from e
            if not valid:
                return
            if time.monotonic() > deadline:
                raise StageError("prompt", f"the board's registers were still valid "
                                 f"{self.registers_valid_timeout:g} s after its reset: its "
                                 "descriptor memory cannot be trusted")
            time.sleep(POLL_S)

    def _activate_uboot(self, since: str) -> None:
        try:
            self.target.activate(self.uboot)
        except (TIMEOUT, EOF, OSError) as e:
            raise StageError("prompt", f"no U-Boot prompt within {self.uboot.login_timeout:g} "
                             f"s{since} ({type(e).__name__}: {e}); the console said nothing "
                             "usable") from e
