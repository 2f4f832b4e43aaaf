#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A user-mode Linux 6.1 kernel for running the PCINet host driver against a
# simulated board (docs/uml.md). Debian's 6.1 source (scripts/linux-source.sh,
# kept pristine) is built with O=build/linux-uml, ARCH=um, defconfig plus
# linux/uml.config (PCI over virtio, modules, hostfs), with the fixes of
# linux/uml-patches/*.patch (arch/um and arch/x86/um only) applied to copies of the files in
# the output directory, which Kbuild's VPATH prefers to the source tree (so
# the shared source tree is never written). Then modules_prepare,
# so out-of-tree modules build with
#   make -C build/linux-uml ARCH=um M=<dir> modules
# Idempotent: when the fragment and the patches are unchanged and the kernel is built it only
# prints the kernel's path. Prints build/linux-uml/linux on success.
#
#   scripts/linux-uml.sh [--force]    (JOBS=2 by default, at most 2 here)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/build/linux-uml
frag=$here/linux/uml.config
jobs=${JOBS:-2}
force=0
[ "${1:-}" = "--force" ] && force=1

# Build dependencies of a UML kernel (the usual kernel ones; no cross compiler)
"$here/scripts/bootstrap.sh" debs gcc make flex bison bc libelf-dev >&2
src=$("$here/scripts/linux-source.sh")

mkdir -p "$out"
exec 8>"$out/.lock"
flock 8

# Patches for the UML build only (linux/uml-patches/*.patch, arch/um files
# only): each patched file is a copy in the output directory, which Kbuild's
# VPATH prefers to the source tree, so build/linux-source-6.1 stays pristine
# for the other kernel builds (docs/uml.md "Patches"). A copy is rewritten
# only when its content changes, so an unchanged patch rebuilds nothing.
patches=$(ls "$here"/linux/uml-patches/*.patch 2>/dev/null || true)
overlay() {
	local tmp f p
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" RETURN
	for p in $patches; do
		for f in $(sed -n 's|^+++ b/||p' "$p" | cut -f1); do
			case $f in arch/um/*|arch/x86/um/*) ;; *) echo "linux-uml: $p patches $f, outside arch/um and arch/x86/um" >&2; return 1 ;; esac
			[ -f "$tmp/$f" ] && continue
			mkdir -p "$tmp/$(dirname "$f")"
			cp "$src/$f" "$tmp/$f"
		done
		patch -s -p1 -d "$tmp" --no-backup-if-mismatch <"$p" >&2 ||
			{ echo "linux-uml: $p does not apply" >&2; return 1; }
	done
	(cd "$tmp" && find . -type f | sed 's|^\./||' | sort) >"$tmp.list"
	# a file no patch touches any more goes back to the source tree's
	if [ -f "$out/.pcinet-overlay" ]; then
		while read -r f; do
			rm -f "$out/$f"
			overlay_changed=1
			echo "linux-uml: $f no longer patched" >&2
		done < <(comm -23 "$out/.pcinet-overlay" "$tmp.list")
	fi
	while read -r f; do
		if ! cmp -s "$tmp/$f" "$out/$f"; then
			mkdir -p "$out/$(dirname "$f")"
			cp "$tmp/$f" "$out/$f"
			overlay_changed=1
			echo "linux-uml: $f patched (overlay in $out)" >&2
		fi
	done <"$tmp.list"
	mv "$tmp.list" "$out/.pcinet-overlay"
}
overlay_changed=0
overlay
# a copy that changed (by hand, say) must be rebuilt even with the stamp right
[ "$overlay_changed" = 0 ] || force=1

stamp=$out/.pcinet-stamp
# shellcheck disable=SC2086
want=$(cat "$frag" $patches | sha256sum | cut -d' ' -f1)
if [ $force = 0 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
	[ -x "$out/linux" ] && [ -f "$out/Module.symvers" ]; then
	echo "$out/linux"
	exit 0
fi
rm -f "$stamp"

kmake() {
	nice -n 10 make -C "$src" O="$out" ARCH=um -j"$jobs" "$@" >&2
}

start=$(date +%s)
if [ ! -f "$out/.config" ] || ! cmp -s "$frag" "$out/.pcinet-fragment"; then
	echo "linux-uml: configuring $out (defconfig + linux/uml.config)" >&2
	kmake defconfig
	# merge_config.sh -m: merge into the existing .config only, then let
	# olddefconfig resolve dependencies; it warns about values that did not stick
	(cd "$out" && KCONFIG_CONFIG=.config "$src/scripts/kconfig/merge_config.sh" \
		-m -O "$out" "$out/.config" "$frag" >&2)
	kmake olddefconfig
	cp "$frag" "$out/.pcinet-fragment"
fi
# Every option of the fragment must have survived olddefconfig
bad=0
while IFS= read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	grep -qxF "$line" "$out/.config" || { echo "linux-uml: $line did not stick" >&2; bad=1; }
done <"$frag"
[ $bad = 0 ] || exit 1

echo "linux-uml: building (make -j$jobs, nice)" >&2
kmake
kmake modules
kmake modules_prepare
echo "$want" >"$stamp"
echo "linux-uml: built in $(($(date +%s) - start)) s" >&2
echo "$out/linux"
