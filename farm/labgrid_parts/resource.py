# SPDX-License-Identifier: GPL-2.0-or-later
# mypy: disallow-subclassing-any=False, disallow-untyped-decorators=False
"""The resource labgrid lacks for a PCINet crate: one slot of it.

Where a slot is, as labgrid's resources say where a serial port or a power
switch is: the slot number and the host daemon's control socket, through
which the host resets the board and reports what it sees of it.
"""

from __future__ import annotations

import attr
from labgrid.factory import target_factory
from labgrid.resource.common import Resource


@target_factory.reg_resource
@attr.s(eq=False)
class PCINetSlot(Resource):
    """Slot `slot` of a crate whose host daemon answers on `control`."""

    slot: int = attr.ib(validator=attr.validators.instance_of(int))
    control: str = attr.ib(validator=attr.validators.instance_of(str))

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        # the host daemon answers for every slot of its crate: nothing to wait for
        self.avail = True
