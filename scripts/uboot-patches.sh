#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make uboot-patches: our U-Boot work as a `git format-patch` series against
# the pristine tree, one patch per subject, ready for the mailing list, then
# U-Boot's checkpatch over the series.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
src=$build/u-boot-src
repo=$build/u-boot-series
out=$build/u-boot-patches
ident=(-c user.name="PCINet developers" -c user.email="pcinet@example.invalid")

"$here/scripts/uboot.sh" source

rm -rf "$repo" "$out"
cp -a "$src" "$repo"
rm -f "$repo/.pcinet-pristine"
cd "$repo"
git init -q
git "${ident[@]}" add -A
git "${ident[@]}" commit -q -m "U-Boot 2023.01 as Debian ships it (base of the series)"
base=$(git rev-parse HEAD)

# commit SUBJECT BODY HOOKED-FILES... -- OUR-FILES...
commit() {
	local subject=$1 body=$2 hooked=() ours=() f
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do hooked+=("$1"); shift; done
	shift
	ours=("$@")
	for f in "${hooked[@]}"; do
		git apply --include="$f" "$here/u-boot/hook.patch"
	done
	for f in "${ours[@]}"; do
		mkdir -p "$(dirname "$f")"
		case "$f" in
		include/pcinet/*) cp "$here/$f" "$f" ;;
		*) cp "$here/u-boot/$f" "$f" ;;
		esac
	done
	maintain "${ours[@]}"
	git add -A
	git "${ident[@]}" commit -q -s -m "$subject" -m "$body"
}

# Our files under a PCINET entry of MAINTAINERS, each patch adding its own
maintain() {
	[ $# -gt 0 ] || return 0
	ENTRIES=$({ sed -n '/^PCINET$/,/^$/p' MAINTAINERS | grep '^F:' || true
		    printf 'F:\t%s\n' "$@"; } | sort -u) \
	awk '/^PCINET$/ { skip = 1; next }
		skip { if (/^$/) skip = 0; next }
		/^POWER$/ && !done { print "PCINET"; print "S:\tMaintained"
			print ENVIRON["ENTRIES"]; print ""; done = 1 }
		{ print }' MAINTAINERS >MAINTAINERS.new
	mv MAINTAINERS.new MAINTAINERS
}

commit "misc: pcinet: hardware access for the PCINet drivers" \
"PCINet carries a console and Ethernet between an MPC83xx board in PCI
agent mode and its PCI host, through the backplane alone. Its two drivers
share one small layer for the registers and memory they touch (the
message unit, the DMA controller, the PCI windows, the status word), and
the protocol headers that define layout, bits and ring logic once." \
	drivers/misc/Kconfig drivers/misc/Makefile -- \
	include/pcinet_hw.h drivers/misc/pcinet_hw.c drivers/misc/pcinet_hw_83xx.c \
	include/pcinet/mpc83xx.h include/pcinet/pcinet_types.h include/pcinet/pcinet_proto.h \
	include/pcinet/pcinet_ring.h include/pcinet/pcinet_console.h

commit "serial: pcinet: console over the MPC83xx PCI message unit" \
"A virtual serial console for boards in a crate without serial cables:
characters travel in the message unit's IMR0/OMR0 registers, three per
message, with a doorbell acknowledgment as flow control, so nothing is
lost or duplicated and a board with no host listening never blocks." \
	drivers/serial/Kconfig drivers/serial/Makefile -- \
	drivers/serial/pcinet_serial.c doc/device-tree-bindings/serial/fsl,mpc83xx-pcinet-serial.txt

commit "net: pcinet: Ethernet over PCI for MPC83xx agents" \
"A board in PCI agent mode gets Ethernet to its host through the
backplane: the host posts descriptors into the board's memory, the board's
DMA controller moves the frames through its outbound window. Each net
command publishes the descriptor memory (registers valid) at start and
withdraws it at stop, so a board can tftp its kernel and boot it." \
	drivers/net/Kconfig drivers/net/Makefile -- \
	drivers/net/pcinet.c doc/device-tree-bindings/net/fsl,mpc83xx-pcinet.txt

commit "sandbox: pcinet: run the PCINet drivers on a simulated chassis" \
"A host-OS backend (like eth-raw-os) connects the PCINet hardware layer to
a simulated MPC83xx chassis, so the drivers run and are tested in sandbox;
the board device tree has no raw-socket bus, so a simulated board reaches
nothing but its simulated backplane." \
	arch/sandbox/config.mk arch/sandbox/cpu/Makefile arch/sandbox/dts/Makefile \
	arch/sandbox/dts/test.dts test/dm/Makefile -- \
	drivers/misc/pcinet_hw_sandbox.c arch/sandbox/cpu/pcinet-os.c \
	arch/sandbox/include/asm/pcinet-os.h arch/sandbox/dts/pcinet-board.dts \
	arch/sandbox/dts/pcinet-test.dtsi test/dm/pcinet.c test/dm/pcinet_serial.c \
	board/sandbox/pcinet.env

commit "powerpc: bootm: remove active devices before booting the OS" \
"bootm on PowerPC removes no devices, so a device that shares memory with
another bus master (a PCI agent's descriptor rings) or has DMA in flight
keeps going while the OS takes the memory over. Quiesce and remove them
as ARM does in announce_and_cleanup()." \
	arch/powerpc/lib/bootm.c --

commit "mpc837xerdb: console and Ethernet over PCINet" \
"With DM_SERIAL the UARTs come from the device tree, as on gazerbeam; the
board's -u-boot.dtsi shows a PCINet console and Ethernet for a board in a
CompactPCI crate." \
	include/configs/MPC837XERDB.h -- arch/powerpc/dts/mpc8379erdb-u-boot.dtsi

if [ -n "$(git status --porcelain)" ]; then
	echo "uboot-patches: files of ours that no patch carries:" >&2
	git status --porcelain >&2
	exit 1
fi
git format-patch -q -o "$out" --cover-letter "$base"..HEAD
# The cover letter: what the series is, instead of format-patch's blanks
sed -i -e 's/\*\*\* SUBJECT HERE \*\*\*/Add PCINet: console and Ethernet for MPC83xx PCI agents/' \
	-e '/\*\*\* BLURB HERE \*\*\*/{
r '"$here"'/u-boot/cover-letter.txt
d
}' "$out"/0000-cover-letter.patch
echo "uboot-patches: $(ls "$out" | wc -l) files in $out"
# checkpatch reads the patches, not the cover letter's diffstat
"$src/scripts/checkpatch.pl" --u-boot --strict --no-tree --quiet \
	$(ls "$out"/0*.patch | grep -v cover-letter)
echo "uboot-patches: checkpatch --u-boot --strict is clean on every patch"
