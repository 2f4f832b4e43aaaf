#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Prove include/pcinet/ compiles where it promises to: each header on its own
# and all together in user space (-Werror), under sparse's endianness checks
# (little- and big-endian), and in a Linux kernel module build (W=1, C=2,
# against Debian's linux-headers-amd64). U-Boot builds them with its drivers.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/build/headers}
mkdir -p "$out"
out=$(cd "$out" && pwd)	# kbuild needs an absolute M=
cd "$here"
warn=(-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wcast-align -Wconversion -Wno-sign-conversion)
fail=0

step() { printf '%-66s' "$1"; }
ok() { echo ok; }
bad() { echo FAILED; fail=1; }

for h in include/pcinet/*.h; do
	step "user space: $(basename "$h") alone"
	if echo "#include <pcinet/$(basename "$h")>" |
		gcc -std=c99 -pedantic "${warn[@]}" -Iinclude -x c -fsyntax-only - 2>"$out/user.log"; then ok; else bad; cat "$out/user.log"; fi
done

step "user space: all headers, gnu11 and c99 -pedantic"
if gcc -std=gnu11 "${warn[@]}" -Iinclude -c tests/headers/user_check.c -o "$out/user_check.o" 2>"$out/user.log" &&
	gcc -std=c99 -pedantic "${warn[@]}" -Iinclude -c tests/headers/user_check.c -o "$out/user_check99.o" 2>>"$out/user.log"; then ok; else bad; cat "$out/user.log"; fi

for endian in little big; do
	step "sparse: endianness annotations, $endian-endian"
	if sparse -Wbitwise -Wcast-to-as -Wdefault-bitfield-sign -Wshadow -Wsparse-error \
		-D__CHECK_ENDIAN__ "-m$endian-endian" -Iinclude tests/headers/user_check.c >"$out/sparse.log" 2>&1 &&
		! grep -q . "$out/sparse.log"; then ok; else bad; cat "$out/sparse.log"; fi
done

kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1 || true)
step "kernel: module build against ${kdir##*/} (W=1 C=2)"
if [ -z "$kdir" ]; then
	bad; echo "  linux-headers-amd64 is not installed (scripts/bootstrap.sh debs installs it)"
else
	rm -rf "$out/kernel"
	cp -r tests/headers/kernel "$out/kernel"
	cp tests/headers/use_headers.h "$out/"
	if make -C "$kdir" M="$out/kernel" PCINET_INCLUDE="$here/include" W=1 C=2 modules \
		>"$out/kernel.log" 2>&1 && ! grep -E 'warning|error' "$out/kernel.log"; then ok; else bad; tail -30 "$out/kernel.log"; fi
fi
# The kernel's checkpatch.pl, taken out of Debian's linux-source tarball once
cp_dir=$here/build/checkpatch
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1 || true)
step "checkpatch --strict: include/pcinet, kernel check module"
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ] && [ -n "$tarball" ]; then
	mkdir -p "$cp_dir"
	top=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$cp_dir" --strip-components=1 "$top/scripts/checkpatch.pl" \
		"$top/scripts/spelling.txt" "$top/scripts/const_structs.checkpatch"
fi
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	bad; echo "  linux-source-6.1 is not installed (scripts/bootstrap.sh debs installs it)"
elif "$cp_dir/scripts/checkpatch.pl" --strict --no-tree --quiet -f include/pcinet/*.h \
	tests/headers/use_headers.h tests/headers/kernel/pcinet_headers_check.c >"$out/checkpatch.log" 2>&1; then ok
else bad; cat "$out/checkpatch.log"; fi
exit $fail
