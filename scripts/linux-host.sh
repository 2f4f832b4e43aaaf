#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the PCINet x86 host driver, build/linux-x86_64/pcinet_host.ko,
# against Debian's newest Linux 6.1 amd64 headers (not `uname -r`: the
# running kernel need not be Debian's) with W=1 and sparse (C=2), then run
# the kernel's checkpatch --strict on its sources. Any compiler or sparse
# warning, or any checkpatch complaint, fails the script.
#
# Linux 6.1 writes an external module's objects next to its sources (M=
# has no separate output directory before 6.13's MO=), so the sources are
# copied - with their timestamps, so rebuilds stay incremental - into
# build/linux-x86_64/src/{linux,include} and built there: nothing is written
# into linux/.
#
# When a user-mode Linux tree prepared by scripts/linux-uml.sh is there
# (build/linux-uml/Module.symvers), the module is also built for ARCH=um,
# the kernel the simulated-board test runs, the same way.
#
#   scripts/linux-host.sh          (JOBS=2 by default)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/build/linux-x86_64
jobs=${JOBS:-2}
cd "$here"

"$here/scripts/bootstrap.sh" debs linux-headers-amd64 sparse >&2

srcs=(linux/pcinet_host.h linux/pcinet_host_main.c linux/pcinet_host_net.c
      linux/pcinet_host_tty.c)

# copy_tree DIR: the module's sources and the protocol headers, into DIR
copy_tree() {
	mkdir -p "$1/linux" "$1/include"
	cp -p linux/Kbuild "${srcs[@]}" "$1/linux/"
	rm -rf "$1/include/pcinet"
	cp -rp include/pcinet "$1/include/"
}

# kbuild LOG KDIR [MAKE ARGS...]: build the module, fail on any warning
kbuild() {
	local log=$1 kdir=$2
	shift 2
	if ! nice -n 10 make -C "$kdir" -j"$jobs" PCINET_HOST=m W=1 C=2 "$@" modules \
		>"$log" 2>&1; then
		tail -n 40 "$log" >&2
		return 1
	fi
	if grep -E 'warning|error' "$log" >&2; then
		return 1
	fi
}

kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$kdir" ]; then
	echo "linux-host: no /usr/src/linux-headers-*-amd64 after installing linux-headers-amd64" >&2
	exit 1
fi

copy_tree "$out/src"
echo "linux-host: building against ${kdir##*/} (W=1 C=2)" >&2
if ! kbuild "$out/build.log" "$kdir" M="$out/src/linux"; then
	echo "linux-host: x86_64 build FAILED (log: $out/build.log)" >&2
	exit 1
fi
cp "$out/src/linux/pcinet_host.ko" "$out/pcinet_host.ko"

uml=$here/build/linux-uml
if [ -f "$uml/Module.symvers" ]; then
	echo "linux-host: building for ARCH=um against $uml (W=1 C=2)" >&2
	copy_tree "$out/uml"
	if ! kbuild "$out/uml.log" "$uml" ARCH=um M="$out/uml/linux"; then
		echo "linux-host: ARCH=um build FAILED (log: $out/uml.log)" >&2
		exit 1
	fi
	cp "$out/uml/linux/pcinet_host.ko" "$out/pcinet_host-um.ko"
else
	echo "linux-host: no prepared UML tree in $uml: ARCH=um build skipped" >&2
fi

# The kernel's checkpatch.pl, from Debian's linux-source tarball, once
cp_dir=$here/build/checkpatch
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	"$here/scripts/bootstrap.sh" debs linux-source-6.1 xz-utils >&2
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -z "$tarball" ]; then
		echo "linux-host: no /usr/src/linux-source-*.tar.xz for checkpatch.pl" >&2
		exit 1
	fi
	mkdir -p "$cp_dir"
	top=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$cp_dir" --strip-components=1 "$top/scripts/checkpatch.pl" \
		"$top/scripts/spelling.txt" "$top/scripts/const_structs.checkpatch"
fi
echo "linux-host: checkpatch --strict" >&2
if ! "$cp_dir/scripts/checkpatch.pl" --strict --no-tree --quiet -f "${srcs[@]}" \
	>"$out/checkpatch.log" 2>&1; then
	cat "$out/checkpatch.log" >&2
	echo "linux-host: checkpatch FAILED" >&2
	exit 1
fi
echo "$out/pcinet_host.ko"
