# SPDX-License-Identifier: GPL-2.0-or-later
"""Linux-level tests: the place they join the suite (none yet).

`farm test --suite linux` offers a suite once this directory holds
test_*.py files (farm.hil.suites()); until then it is not a choice. How
they join:

- The slot's labgrid environment (farm.hil.env, from chassis.yaml) gains
  what Linux needs: a ShellDriver (the board type's login prompt and user,
  which chassis.yaml's board types will describe), and PCINetStrategy
  (farm/labgrid_parts/strategy.py) its `shell` state: from `uboot`, the
  board type's `boot` command as farm boot types it, then the ShellDriver's
  login. The state exists and says it is not reachable yet. labgrid's
  plugin already gives the tests the slot's strategy as its `strategy`
  fixture; a conftest.py here brings the board to the shell state once per
  session (`strategy.transition("shell")`).
- The kernel comes as the U-Boot suite's image does: farm test stages it in
  the TFTP root and names it in the environment's images.
- Tests take labgrid's ShellDriver (`target.get_driver("ShellDriver")`) and
  check what Linux sees of the backplane: the pcinet network interface
  (link, addresses, throughput to the host), the console as a tty, and the
  handshake at the handoff (registers valid once the Linux driver runs).
- Tests that only some boards can run carry `@pytest.mark.lg_feature(...)`
  with a feature the environment lists (today: the board type and
  `backend-<backend>`).
"""
