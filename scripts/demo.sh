#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: the main job on the simulated chassis.
#
# The whole job - "farm boot 7" over the backplane - needs the U-Boot drivers,
# the host side and farm, which are not written yet. What runs today is the
# simulated chassis they will run on: this brings 19 boards up, shows the
# chassis, resets slot 7 through its reset registers as the host will, shows
# it came back, and takes everything down again.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
sim="$here/.venv/bin/pcinet-sim"
py="$here/.venv/bin/python"
dir=$(mktemp -d /tmp/pcinet-demo.XXXXXX)
rmdir "$dir"	# pcinet-sim makes it, and removes it on down

cleanup() { "$sim" down --dir "$dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM

echo "== pcinet-sim up: a chassis of 19 MPC83xx boards in PCI agent mode"
"$sim" up --dir "$dir" --slots 19
echo
"$sim" status --dir "$dir"
echo
echo "== reset slot 7 from the host side: RPR \"RSTE\", then RCR software hard reset"
"$py" - "$dir" <<'PY'
import sys, time
from pcinet_sim import Chassis, Side
from pcinet_sim.defs import const

with Chassis(sys.argv[1]) as ch:
    host = ch.slot(7, Side.HOST)
    host.write32(const("M83XX_RST_RPR"), const("M83XX_RPR_UNLOCK"))
    host.write32(const("M83XX_RST_RCR"), const("M83XX_RCR_SWHR"))
    print(f"slot 7 status right after reset: 0x{host.read32(const('M83XX_MU_OMR1')):08x}, "
          f"RSR 0x{host.read32(const('M83XX_RST_RSR')):08x}")
    start = time.monotonic()
    while not host.read32(const("M83XX_MU_OMR1")):
        time.sleep(0.01)
    print(f"slot 7 announced itself again after {1000 * (time.monotonic() - start):.0f} ms")
PY
echo
"$sim" status --dir "$dir"
echo
echo "== pcinet-sim down"
"$sim" down --dir "$dir"
trap - EXIT INT TERM
echo
echo "Not yet: 'farm boot 7' (tftp over the backplane, reflash) needs the host daemon's"
echo "network side and farm - the next issues. See README.md."
