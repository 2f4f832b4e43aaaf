#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run U-Boot sandbox as the board in SLOT of the simulated chassis in DIR:
#   pcinet-sim up --board sim/board/uboot-board.sh
# Its console and Ethernet are the PCINet drivers on the simulated MPC83xx
# (the device tree has nothing else), so its own stdout stays quiet.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 CHASSIS_DIR SLOT" >&2; exit 2; }
here=$(cd "$(dirname "$0")/../.." && pwd)
uboot=${PCINET_UBOOT:-$here/build/u-boot-sandbox}
PCINET_SIM_DIR=$1
PCINET_SIM_SLOT=$2
export PCINET_SIM_DIR PCINET_SIM_SLOT
exec "$uboot/u-boot" -d "$uboot/arch/sandbox/dts/pcinet-board.dtb"
