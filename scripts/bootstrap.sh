#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install what PCINet's build and tests need, and only what is missing:
# Debian packages (as root, or through sudo) and the project's Python venv.
# Safe to run again: it does nothing when everything is there.
#
#   scripts/bootstrap.sh debs [PKG...]  Debian packages (default: what make test needs)
#   scripts/bootstrap.sh bench    what make test needs and what the benchmarks add
#   scripts/bootstrap.sh list [bench]   print those package lists, one per line
#   scripts/bootstrap.sh venv     .venv with the project and its dev tools
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

# Build tools, checkers, what the sim needs at run time (iproute2 for its
# network namespace, atftpd its TFTP server, device-tree-compiler's fdtput
# for a U-Boot board's addresses), kernel headers for the kernel-side header
# check, the kernel source for its checkpatch.pl, and lrzsz (sb/sx: the
# console download tests send with what a lab engineer types).
DEBS=(gcc make libc6-dev sparse iproute2 procps python3 python3-venv atftpd
      device-tree-compiler linux-headers-amd64 linux-source-6.1 lrzsz)

# What make bench adds (bench/_common.py DEBIAN_TOOLS names each tool's
# package, and a test holds the two together): ethtool turns off the
# checksum offload of the TFTP baseline's veth pair.
BENCH_DEBS=(ethtool)

need_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# debs [PKG...]: the given packages (default: the list above), only what is missing
debs() {
	local missing=() p wanted=("$@")
	[ ${#wanted[@]} -gt 0 ] || wanted=("${DEBS[@]}")
	for p in "${wanted[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "bootstrap: installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! need_root apt-get install -y -q --no-install-recommends "${missing[@]}"; then
		need_root apt-get update -q
		need_root apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
}

venv() {
	local py=${PYTHON:-python3} stamp="$here/.venv/.installed"
	if [ -f "$stamp" ] && [ "$stamp" -nt "$here/pyproject.toml" ]; then
		return 0
	fi
	if [ ! -x "$here/.venv/bin/python" ]; then
		echo "bootstrap: creating .venv with $($py --version)"
		"$py" -m venv "$here/.venv"
	fi
	"$here/.venv/bin/python" -m pip install -q --upgrade pip
	"$here/.venv/bin/python" -m pip install -q -e "$here[dev]"
	touch "$stamp"
}

case "${1:-all}" in
debs) shift; debs "$@" ;;
bench) debs "${DEBS[@]}" "${BENCH_DEBS[@]}" ;;
list)
	case "${2:-}" in
	"") printf '%s\n' "${DEBS[@]}" ;;
	bench) printf '%s\n' "${DEBS[@]}" "${BENCH_DEBS[@]}" ;;
	*) echo "usage: $0 list [bench]" >&2; exit 2 ;;
	esac ;;
venv) venv ;;
all) debs; venv ;;
*) echo "usage: $0 [debs [PKG...]|bench|list [bench]|venv|all]" >&2; exit 2 ;;
esac
