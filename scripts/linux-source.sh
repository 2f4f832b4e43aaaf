#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian's Linux 6.1 source, extracted once into build/linux-source-6.1 and
# kept pristine: every kernel build (UML, PowerPC) uses it with its own O=
# output directory. Prints the source directory. Serialised with flock, so
# two builds may ask for it at once.
#
#   scripts/linux-source.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
src=$here/build/linux-source-6.1
"$here/scripts/bootstrap.sh" debs linux-source-6.1 xz-utils >&2

mkdir -p "$here/build"
exec 9>"$here/build/.linux-source.lock"
flock 9
if [ ! -f "$src/.extracted" ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
	if [ -z "$tarball" ]; then
		echo "linux-source: /usr/src/linux-source-6.1.tar.xz missing after installing linux-source-6.1" >&2
		exit 1
	fi
	echo "linux-source: extracting $tarball" >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	touch "$src.tmp/.extracted"
	mv "$src.tmp" "$src"
fi
echo "$src"
