# SPDX-License-Identifier: GPL-2.0-or-later
"""The PCINet simulated chassis: binding, supervisor and command line."""

from .lib import COUNTERS, VIOLATIONS, Chassis, Config, Side, SimError, Slot

__all__ = ["COUNTERS", "VIOLATIONS", "Chassis", "Config", "Side", "SimError", "Slot"]
