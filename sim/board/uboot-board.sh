#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run U-Boot sandbox as the board in SLOT of the simulated chassis in DIR:
#   pcinet-sim up --board sim/board/uboot-board.sh
# Its console and Ethernet are the PCINet drivers on the simulated MPC83xx
# (the device tree has nothing else), so its own stdout stays quiet.
#
# With PCINET_SLOT_IPADDR, PCINET_SLOT_SERVERIP and PCINET_SLOT_NETMASK (the
# supervisor sets them when the chassis has a network) the board runs with
# its own copy of the device tree, DIR/slotNN/u-boot.dtb, whose
# /config/environment node carries them: U-Boot (CONFIG_ENV_IMPORT_FDT)
# makes them its ipaddr, serverip and netmask at boot. U-Boot 2023.01 imports
# them with env_set(), which its network stack does not notice (the ipaddr,
# serverip and netmask callbacks ignore H_PROGRAMMATIC changes), so the
# board sets each once more as a command (-c, then -i: carry on as usual).
set -eu
[ $# -eq 2 ] || { echo "usage: $0 CHASSIS_DIR SLOT" >&2; exit 2; }
here=$(cd "$(dirname "$0")/../.." && pwd)
uboot=${PCINET_UBOOT:-$here/build/u-boot-sandbox}
dtb=$uboot/arch/sandbox/dts/pcinet-board.dtb
PCINET_SIM_DIR=$1
PCINET_SIM_SLOT=$2
export PCINET_SIM_DIR PCINET_SIM_SLOT

if [ -n "${PCINET_SLOT_IPADDR:-}" ]; then
	command -v fdtput >/dev/null || {
		echo "$0: fdtput is missing: apt-get install device-tree-compiler" >&2
		exit 1
	}
	own=$(printf '%s/slot%02d/u-boot.dtb' "$1" "$2")
	cp "$dtb" "$own.tmp"
	env=/config/environment
	fdtput -t s "$own.tmp" "$env" ipaddr "$PCINET_SLOT_IPADDR"
	fdtput -t s "$own.tmp" "$env" serverip "${PCINET_SLOT_SERVERIP:?}"
	fdtput -t s "$own.tmp" "$env" netmask "${PCINET_SLOT_NETMASK:?}"
	mv "$own.tmp" "$own"	# never half a file under that name
	exec "$uboot/u-boot" -d "$own" -i \
		-c 'setenv ipaddr ${ipaddr}; setenv serverip ${serverip}; setenv netmask ${netmask}'
fi
exec "$uboot/u-boot" -d "$dtb"
