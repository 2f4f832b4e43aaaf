#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run U-Boot sandbox as the board in SLOT of the simulated chassis in DIR,
# its files in the slot's directory PCINET_SLOT_DIR (DIR/slotNN):
#   pcinet-sim up --board sim/board/uboot-board.sh
# Its console and Ethernet are the PCINet drivers on the simulated MPC83xx
# (the device tree has nothing else), so its own stdout stays quiet.
#
# The board boots like hardware: its boot ROM (bootrom.py) runs the U-Boot
# image held in the slot's boot flash, DIR/slotNN/flash.bin - the backing
# file of U-Boot's SPI flash emulator, so `sf write` and farm reflash change
# what the next reset runs. A new slot's flash is programmed with
# build/u-boot-sandbox/u-boot-flash.img (PCINET_UBOOT_IMAGE overrides).
#
# Each board has its own copy of the device tree, DIR/slotNN/u-boot.dtb:
# its flash file, its injected faults (DIR/slotNN/faults/, see
# `pcinet-sim fault`) and, with PCINET_SLOT_IPADDR, PCINET_SLOT_SERVERIP and
# PCINET_SLOT_NETMASK (the supervisor sets them when the chassis has a
# network), a /config/environment node that carries them: U-Boot
# (CONFIG_ENV_IMPORT_FDT) makes them its ipaddr, serverip and netmask at
# boot. U-Boot 2023.01 imports them with env_set(), which its network stack
# does not notice (the ipaddr, serverip and netmask callbacks ignore
# H_PROGRAMMATIC changes), so the board sets each once more as a command
# (-c, then -i: carry on as usual).
set -eu
[ $# -eq 2 ] || { echo "usage: $0 CHASSIS_DIR SLOT" >&2; exit 2; }
# DIR/slotNN, named by the supervisor (pcinet_sim.layout), not spelled here
slot_dir=${PCINET_SLOT_DIR:?is not set: run the board by pcinet-sim up --board $0}
here=$(cd "$(dirname "$0")/../.." && pwd)
uboot=${PCINET_UBOOT:-$here/build/u-boot-sandbox}
dtb=$uboot/arch/sandbox/dts/pcinet-board.dtb
image=${PCINET_UBOOT_IMAGE:-$uboot/u-boot-flash.img}
PCINET_SIM_DIR=$1
PCINET_SIM_SLOT=$2
export PCINET_SIM_DIR PCINET_SIM_SLOT

command -v fdtput >/dev/null || {
	echo "$0: fdtput is missing: apt-get install device-tree-compiler" >&2
	exit 1
}
own=$slot_dir/u-boot.dtb
mkdir -p "$slot_dir/faults"
cp "$dtb" "$own.tmp"
flash=/spi@0/flash@0
fdtput -t s "$own.tmp" "$flash" sandbox,filename "$slot_dir/flash.bin"
fdtput -t s "$own.tmp" "$flash" sandbox,fault-file "$slot_dir/faults/flash-write"
rom() {
	exec python3 "$here/sim/board/bootrom.py" --flash "$slot_dir/flash.bin" \
		--factory "$image" --cache "$slot_dir/boot" \
		--hang-if "$slot_dir/faults/no-prompt" -- "$@"
}

if [ -n "${PCINET_SLOT_IPADDR:-}" ]; then
	env=/config/environment
	fdtput -t s "$own.tmp" "$env" ipaddr "$PCINET_SLOT_IPADDR"
	fdtput -t s "$own.tmp" "$env" serverip "${PCINET_SLOT_SERVERIP:?}"
	fdtput -t s "$own.tmp" "$env" netmask "${PCINET_SLOT_NETMASK:?}"
	mv "$own.tmp" "$own"	# never half a file under that name
	rom -d "$own" -i \
		-c 'setenv ipaddr ${ipaddr}; setenv serverip ${serverip}; setenv netmask ${netmask}'
fi
mv "$own.tmp" "$own"
rom -d "$own"
