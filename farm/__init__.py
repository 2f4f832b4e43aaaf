# SPDX-License-Identifier: GPL-2.0-or-later
"""farm: run a crate of PCINet boards - boot, console, reflash, nightly tests."""
