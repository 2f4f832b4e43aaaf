# SPDX-License-Identifier: GPL-2.0-or-later
"""What labgrid lacks for a PCINet crate, as labgrid resources and drivers.

PCINetSlot (resource) names one slot of a crate and the host daemon's
control socket. PCINetResetDriver implements labgrid's ResetProtocol: it
asks the host to reset the board (RPR/RCR through the board's IMMR, protocol
section 10.8) and waits until the host has observed the reset. Both are
registered with labgrid's target_factory, so a labgrid environment file can
name them like labgrid's own.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.protocol import ResetProtocol
from labgrid.resource.common import Resource
from labgrid.step import step

from .hostctl import host_request


@target_factory.reg_resource
@attr.s(eq=False)
class PCINetSlot(Resource):
    """Slot `slot` of a crate whose host daemon answers on `control`."""

    slot: int = attr.ib(validator=attr.validators.instance_of(int))
    control: str = attr.ib(validator=attr.validators.instance_of(str))

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self.avail = True


@target_factory.reg_driver
@attr.s(eq=False)
class PCINetResetDriver(Driver, ResetProtocol):
    """Reset through the host: the board restarts as after its reset pin."""

    bindings: ClassVar[dict[str, str]] = {"slot": "PCINetSlot"}
    timeout: float = attr.ib(default=10.0, validator=attr.validators.instance_of(float))

    def status(self) -> dict[str, Any]:
        row = host_request(Path(self.slot.control), f"status {self.slot.slot}")["slot"]
        assert isinstance(row, dict)
        return row

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
