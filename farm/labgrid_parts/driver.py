# SPDX-License-Identifier: GPL-2.0-or-later
# mypy: disallow-subclassing-any=False, disallow-untyped-decorators=False
"""The driver labgrid lacks for a PCINet crate: reset through the host.

PCINetResetDriver implements labgrid's ResetProtocol: it asks the host to
reset the board (RPR/RCR through the board's IMMR, protocol section 10.8)
and waits until the host has observed the reset. farm never touches a
board's registers itself; what it knows of the board beyond the console
(its reset count, whether its registers are valid) it asks the host, here.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.protocol import ResetProtocol
from labgrid.step import step

from ..hostctl import host_request

# what host_request raises when the host does not answer, or not as it should
HOST_SILENT = (OSError, ValueError, KeyError, TypeError)


@target_factory.reg_driver
@attr.s(eq=False)
class PCINetResetDriver(Driver, ResetProtocol):
    """Reset through the host: the board restarts as after its reset pin."""

    bindings: ClassVar[dict[str, str]] = {"slot": "PCINetSlot"}
    timeout: float = attr.ib(default=10.0, validator=attr.validators.instance_of(float))

    def status(self) -> dict[str, Any]:
        """The host's status row of the slot (HOST_SILENT if it does not answer)."""
        row = host_request(Path(self.slot.control), f"status {self.slot.slot}")["slot"]
        if not isinstance(row, dict):
            raise TypeError(f"the host's status of slot {self.slot.slot} is {row!r}")
        return row

    @Driver.check_active
    def resets_seen(self) -> int | None:
        """How many resets of the board the host has observed (None: it does not answer)."""
        try:
            return int(self.status()["resets_seen"])
        except HOST_SILENT:
            return None

    @Driver.check_active
    def registers_valid(self) -> bool:
        """Whether the board's registers are valid, as the host sees them now."""
        return bool(self.status()["registers_valid"])

    @Driver.check_active
    @step()
    def reset(self) -> None:
        before = int(self.status()["resets_seen"])
        host_request(Path(self.slot.control), f"reset {self.slot.slot}")
        deadline = time.monotonic() + self.timeout
        while int(self.status()["resets_seen"]) <= before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"slot {self.slot.slot}: the host did not see the board "
                                   f"reset within {self.timeout:g} s")
            time.sleep(0.02)
