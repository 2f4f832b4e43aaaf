# SPDX-License-Identifier: GPL-2.0-or-later
"""U-Boot-level tests: what a board can be tested for at its prompt."""
