#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: the main job on the simulated chassis, with farm.
#
# farm brings up the crate of farm/chassis.yaml: 19 MPC83xx boards running
# U-Boot from their boot flash, the host daemon (a console pty and a network
# interface per slot) and a TFTP server, in the chassis' own network
# namespace. Then `farm boot 7`: reset slot 7 through the host, catch U-Boot
# on its virtual console, tftp a 7 MiB FIT image over the backplane, check
# size and CRC32 on the board, boot it - each stage timed, the handshake
# logged. `farm status` shows the crate, and the crate goes down again,
# nothing left behind (unless it was already up before the demo).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
farm="$here/.venv/bin/farm"
out="$here/build/demo"
sandbox="$here/build/u-boot-sandbox"
mkdir -p "$out"

# The image to boot: 7 MiB of payload with the board's device tree, as a FIT
# (sandbox's bootm wants one; it takes kernels up to 8 MiB, CONFIG_SYS_BOOTM_LEN)
if [ ! -f "$out/kernel.itb" ]; then
	head -c $((7 << 20)) /dev/urandom >"$out/payload"
	"$sandbox/tools/mkimage" -f auto -A sandbox -O linux -T kernel -C none \
		-a 0x3000000 -e 0x3000000 -n "pcinet demo" -d "$out/payload" \
		-b "$sandbox/arch/sandbox/dts/pcinet-board.dtb" "$out/kernel.itb" >/dev/null
	rm -f "$out/payload"
fi

was_up=no
"$farm" sim status >/dev/null 2>&1 && was_up=yes
cleanup() { [ "$was_up" = yes ] || "$farm" sim down >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM

show() { echo; echo "\$ farm $*"; "$farm" "$@"; }

show check
show boot 7 --kernel "$out/kernel.itb" --log-dir "$out/logs"
echo
echo "== from $out/logs/slot07-boot.log: the stages and the handshake seen from the host"
sed -n '/^== stages/,/^== console/p' "$out/logs/slot07-boot.log" | sed '$d'
show status
if [ "$was_up" = no ]; then
	show sim down
fi
trap - EXIT INT TERM
