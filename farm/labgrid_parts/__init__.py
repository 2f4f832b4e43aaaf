# SPDX-License-Identifier: GPL-2.0-or-later
"""What labgrid lacks for a PCINet crate, laid out as labgrid's own parts.

- resource: PCINetSlot, where a slot is (its number, the host daemon's
  control socket);
- driver: PCINetResetDriver, labgrid's ResetProtocol through the host;
- strategy: PCINetStrategy, a board from off to its U-Boot prompt (and
  later to a Linux shell), on the reset driver and labgrid's UBootDriver;
- ubootshell: UBootShell, the commands at that prompt, with one error
  type, CommandFailed.

Importing this package registers the resource, the driver and the strategy
with labgrid's target_factory, so a labgrid environment file names them
like labgrid's own (its `imports:` lists this package).
"""

from __future__ import annotations

from .driver import PCINetResetDriver
from .resource import PCINetSlot
from .strategy import PCINetStrategy, Status
from .ubootshell import CommandFailed, UBootShell

__all__ = ["CommandFailed", "PCINetResetDriver", "PCINetSlot", "PCINetStrategy", "Status",
           "UBootShell"]
