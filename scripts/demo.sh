#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: the main job on the simulated chassis, as far as it goes today.
#
# A crate of 19 U-Boot boards comes up with its host daemon (a console pty
# and a network interface per slot) and a TFTP server, all in the chassis'
# own network namespace. At slot 7's console: U-Boot loads a 16 MiB image by
# TFTP over the backplane and checks its CRC32; the host resets the board
# and it comes back. Then everything goes down again, nothing left behind.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
sim="$here/.venv/bin/pcinet-sim"
py="$here/.venv/bin/python"
dir=$(mktemp -d /tmp/pcinet-demo.XXXXXX)
rmdir "$dir"	# pcinet-sim makes it, and removes it on down

cleanup() { "$sim" down --dir "$dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM

echo "== pcinet-sim up: 19 MPC83xx boards running U-Boot, pcinetd, atftpd"
"$sim" up --dir "$dir" --slots 19 --board "$here/sim/board/uboot-board.sh" --boot-timeout 120
echo
"$sim" status --dir "$dir"
echo
"$py" "$here/scripts/demo.py" "$dir"
echo
"$sim" status --dir "$dir"
echo
echo "== pcinet-sim down"
"$sim" down --dir "$dir"
trap - EXIT INT TERM
echo
echo "Not yet: 'farm boot 7' and mass reflash (farm/, on labgrid) - the next issue."
