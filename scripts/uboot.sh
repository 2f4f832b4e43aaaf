#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make uboot: Debian's u-boot 2023.01 source package, our drivers laid over
# it, and two builds - U-Boot sandbox on the simulated chassis and the
# MPC837XERDB board with our drivers - both with warnings as errors.
#
#   scripts/uboot.sh source    fetch and unpack the pristine tree (once)
#   scripts/uboot.sh tree      pristine tree + u-boot/ + the hook patch + u-boot/fixes/
#                              + u-boot/sandbox-emul/
#   scripts/uboot.sh build     both builds (does the two steps above first), and
#                              the sandbox boards' flash image, u-boot-flash.img
#   scripts/uboot.sh check     checkpatch and sparse on our files (after build)
#   scripts/uboot.sh variant NAME
#                              sandbox again as version 2023.01-NAME, in
#                              build/u-boot-sandbox-NAME (a copy of the main
#                              build, so only the version and the link are
#                              redone): a new image for reflash tests
#
# The source comes through a private apt configuration derived from the
# machine's own entries (deb -> deb-src): the machine's apt setup is never
# changed and no mirror is named here.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
src=$build/u-boot-src		# pristine: Debian's source with Debian's patches
tree=$build/u-boot-tree		# what we build: pristine + ours
apt_dir=$build/apt
jobs=${JOBS:-$(( $(nproc) + 1 ))}

# Build dependencies seen to suffice (shared/RECIPES.md), and dpkg-source;
# lrzsz (sx, sb) is what the tests send loadx/loady downloads with
DEBS=(bison flex libssl-dev swig python3-dev python3-setuptools python3-pyelftools
      uuid-dev libgnutls28-dev bc device-tree-compiler gcc-powerpc-linux-gnu dpkg-dev
      lrzsz)

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

debs() {
	"$here/scripts/bootstrap.sh" debs "${DEBS[@]}"
}

private_apt() {
	local f
	mkdir -p "$apt_dir/sources" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	rm -f "$apt_dir/sources/"*
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		sed 's/^Types:.*/Types: deb-src/' "$f" >"$apt_dir/sources/$(basename "$f")"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		sed -n 's/^deb /deb-src /p' "$f" >"$apt_dir/sources/$(basename "$f" .list)-src.list"
	done
	APT_OPTS=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_dir/sources"
		  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
}

source_tree() {
	[ -f "$src/.pcinet-pristine" ] && return 0
	debs
	private_apt
	echo "uboot: fetching Debian's u-boot source package"
	need_root apt-get "${APT_OPTS[@]}" update -qq >/dev/null
	rm -rf "$build/u-boot-dl" "$src"
	mkdir -p "$build/u-boot-dl"
	# apt's own chatter (it names the mirror) goes to a log, not the console
	(cd "$build/u-boot-dl" && apt-get "${APT_OPTS[@]}" source --download-only u-boot \
		>"$build/u-boot-dl.log" 2>&1) ||
		{ tail -n 5 "$build/u-boot-dl.log"; return 1; }
	ls "$build/u-boot-dl"/u-boot_2023.01*.dsc >/dev/null 2>&1 || {
		echo "uboot: expected Debian's u-boot 2023.01 source, got:" \
			"$(ls "$build/u-boot-dl")" >&2
		return 1
	}
	dpkg-source --no-check -x "$build/u-boot-dl"/u-boot_2023.01*.dsc "$src" >/dev/null
	touch "$src/.pcinet-pristine"
}

# The pristine tree, then our files, then the small hook patch (Kconfig and
# Makefile lines) and the upstream bug fixes we carry (u-boot/fixes/, each a
# patch with its reason). Files are copied only when they changed, so
# rebuilds stay incremental.
overlay() {
	local stamp
	source_tree
	stamp=$(cat "$here/u-boot/hook.patch" "$here"/u-boot/fixes/*.patch \
		"$here"/u-boot/sandbox-emul/*.patch | sha256sum)
	# A changed patch means a fresh tree: patches do not stack
	if [ "$stamp" != "$(cat "$tree/.pcinet-hooked" 2>/dev/null)" ]; then
		local was_patched=() p
		[ -f "$tree/.pcinet-patched" ] && mapfile -t was_patched <"$tree/.pcinet-patched"
		rm -rf "$tree"
		cp -a "$src" "$tree"
		rm -f "$tree/.pcinet-pristine"
		patch -d "$tree" -p1 --quiet <"$here/u-boot/hook.patch"
		# upstream bug fixes, then sandbox-only emulator changes (fault
		# injection for the simulated chassis; never sent upstream)
		for f in "$here"/u-boot/fixes/*.patch "$here"/u-boot/sandbox-emul/*.patch; do
			patch -d "$tree" -p1 --quiet <"$f"
		done
		# A file some earlier patch changed and none changes now came back
		# from the pristine tree with its old time, older than the object
		# built from the patched file: make would keep that object
		for p in "${was_patched[@]}"; do
			[ -f "$tree/$p" ] && touch "$tree/$p"
		done
		sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$here/u-boot/hook.patch" \
			"$here"/u-boot/fixes/*.patch "$here"/u-boot/sandbox-emul/*.patch \
			>"$tree/.pcinet-patched"
		echo "$stamp" >"$tree/.pcinet-hooked"
	fi
	(cd "$here/u-boot" && find . -type f ! -name hook.patch ! -name '*.config' ! -name README.md ! -name cover-letter.txt ! -path './fixes/*' ! -path './sandbox-emul/*') |
	while read -r f; do
		mkdir -p "$tree/$(dirname "$f")"
		cmp -s "$here/u-boot/$f" "$tree/$f" || cp "$here/u-boot/$f" "$tree/$f"
	done
	# The protocol headers: one copy in the repository, included from here
	mkdir -p "$tree/include/pcinet"
	for f in "$here"/include/pcinet/*.h; do
		cmp -s "$f" "$tree/include/pcinet/$(basename "$f")" || cp "$f" "$tree/include/pcinet/"
	done
}

# configure OUT DEFCONFIG FRAGMENT [make args...]
configure() {
	local out=$1 defconfig=$2 fragment=$3
	shift 3
	mkdir -p "$out"
	if [ ! -f "$out/.config" ] || [ "$here/u-boot/$fragment" -nt "$out/.config" ] ||
	   [ "$tree/.pcinet-hooked" -nt "$out/.config" ]; then
		make -C "$tree" O="$out" "$@" "$defconfig" >/dev/null
		(cd "$tree" && scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" \
			"$here/u-boot/$fragment" >/dev/null)
		make -C "$tree" O="$out" "$@" olddefconfig >/dev/null
		# every option of the fragment must have survived olddefconfig
		local line
		while read -r line; do
			case "$line" in ''|'#'*) continue ;; esac
			grep -qx -- "$line" "$out/.config" || {
				echo "uboot: $fragment: '$line' did not take in $out/.config" >&2
				return 1
			}
		done <"$here/u-boot/$fragment"
	fi
}

build_one() {
	local name=$1 out=$build/u-boot-$1
	shift
	echo "uboot: building $name"
	make -C "$tree" O="$out" -j"$jobs" KCFLAGS=-Werror "$@" >"$out.log" 2>&1 ||
		{ tail -n 40 "$out.log"; echo "uboot: $name build failed, full log: $out.log" >&2; return 1; }
	# Pristine 2023.01 prints the same two linker notices here (binutils
	# 2.40 on U-Boot's own objects: sandbox's test overlay blobs, powerpc's
	# reloc.o and its RWX image); the compiler must print nothing at all.
	if grep -E '(warning|error):' "$out.log" |
		grep -Ev 'ld(\.bfd)?: warning: ([^ ]*\.o: missing \.note\.GNU-stack section implies executable stack|u-boot has a LOAD segment with RWX permissions)$'; then
		echo "uboot: $name build printed warnings (see $out.log)" >&2
		return 1
	fi
}

build() {
	debs
	overlay
	configure "$build/u-boot-sandbox" sandbox_defconfig pcinet_sandbox.config
	build_one sandbox NO_SDL=1 PCINET_SIM="$here/sim" PCINET_SIM_LIB="$build/sim"
	flash_image "$build/u-boot-sandbox"
	configure "$build/u-boot-mpc837x" MPC837XERDB_defconfig pcinet_mpc837x.config \
		CROSS_COMPILE=powerpc-linux-gnu-
	build_one mpc837x CROSS_COMPILE=powerpc-linux-gnu-
	ls -l "$build/u-boot-sandbox/u-boot" "$build/u-boot-sandbox/u-boot-flash.img" \
		"$build/u-boot-mpc837x/u-boot.bin"
}

# flash_image OUT: what a simulated board's boot flash holds, OUT/u-boot-flash.img:
# the stripped sandbox binary as a legacy uImage of type firmware (magic,
# header and data CRC32, arch sandbox, the version as its name), which the
# board's boot ROM (sim/board/bootrom.py) checks before it runs it and farm
# reflash checks before it writes anything.
flash_image() {
	local out=$1 version
	version=$(strings -a "$out/u-boot" | grep -m1 -E '^U-Boot [0-9]{4}\.[0-9]{2}[^ ]*$' || true)
	[ -n "$version" ] || { echo "uboot: no version string in $out/u-boot" >&2; return 1; }
	strip -o "$out/u-boot.stripped" "$out/u-boot"
	"$out/tools/mkimage" -A sandbox -O u-boot -T firmware -C none -a 0 -e 0 \
		-n "${version:0:31}" -d "$out/u-boot.stripped" "$out/u-boot-flash.img.tmp" >/dev/null
	mv "$out/u-boot-flash.img.tmp" "$out/u-boot-flash.img"
}

# variant NAME: the sandbox build as version 2023.01-NAME in its own directory
variant() {
	local name=$1 out=$build/u-boot-sandbox-$1
	[[ "$name" =~ ^[a-z0-9]+$ ]] || { echo "uboot: variant name: [a-z0-9]+" >&2; return 2; }
	[ -x "$build/u-boot-sandbox/u-boot" ] || build
	rm -rf "$out"
	cp -a "$build/u-boot-sandbox" "$out"
	build_one "sandbox-$name" NO_SDL=1 PCINET_SIM="$here/sim" PCINET_SIM_LIB="$build/sim" \
		LOCALVERSION="-$name"
	flash_image "$out"
	ls -l "$out/u-boot-flash.img"
}

# Our C files under U-Boot's own checkpatch, and sparse on the big-endian
# PowerPC build (make C=2 on just our objects).
check() {
	local files=() objs=() f
	while read -r f; do files+=("$f"); done < <(cd "$here/u-boot" &&
		find . -name '*.[ch]' | sed 's|^\./||' | sort)
	echo "uboot: checkpatch --u-boot --strict on ${#files[@]} files"
	# paths as in the U-Boot tree: checkpatch has rules by directory
	(cd "$here/u-boot" &&
		"$src/scripts/checkpatch.pl" --u-boot --strict --no-tree --quiet -f "${files[@]}")
	for f in drivers/misc/pcinet_hw.o drivers/misc/pcinet_hw_83xx.o \
		 drivers/serial/pcinet_serial.o drivers/net/pcinet.o; do
		objs+=("$f")
	done
	echo "uboot: sparse on the PowerPC build: ${objs[*]}"
	# sparse 0.6.4 cannot parse gcc 12's __float128 and U-Boot's
	# static_assert; every U_BOOT_DRIVER() makes an undeclared
	# _u_boot_list_2_* symbol. Neither says anything about our code.
	make -C "$tree" O="$build/u-boot-mpc837x" CROSS_COMPILE=powerpc-linux-gnu- \
		KCFLAGS=-Werror C=2 CF="-D__float128=double '-Dstatic_assert(...)='" \
		"${objs[@]}" >"$build/u-boot-sparse.log" 2>&1 ||
		{ cat "$build/u-boot-sparse.log"; return 1; }
	if grep -E '(warning|error):' "$build/u-boot-sparse.log" |
		grep -v "symbol '_u_boot_list_2_[a-z_0-9]*' was not declared"; then
		echo "uboot: sparse is not clean (see $build/u-boot-sparse.log)" >&2
		return 1
	fi
}

case "${1:-build}" in
source) source_tree ;;
tree) overlay ;;
build) build ;;
check) check ;;
variant) [ $# -eq 2 ] || { echo "usage: $0 variant NAME" >&2; exit 2; }; variant "$2" ;;
*) echo "usage: $0 [source|tree|build|check|variant NAME]" >&2; exit 2 ;;
esac
