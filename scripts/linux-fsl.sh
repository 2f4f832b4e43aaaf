#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the PCINet MPC83xx board driver (linux/pcinet_fsl.h and
# pcinet_fsl_{main,net,tty}.c, the module pcinet_fsl.ko) for Debian's
# Linux 6.1 (ARCH=powerpc, mpc83xx_defconfig plus linux/pcinet_fsl.config),
# with W=1 and sparse on every file (C=2), and run the kernel's checkpatch
# --strict on each of our files. Fails on any warning or complaint. Safe to
# run again: the kernel is configured and prepared once.
#
#   scripts/linux-fsl.sh          build/linux-ppc/pcinet_fsl.ko + checks
#   PCINET_FSL_KERNEL=0 scripts/linux-fsl.sh
#                                 the same without building the kernel once
#                                 (minutes): modpost then cannot check the
#                                 module's symbols against its exports
#
# Progress goes to standard output, every failure to standard error (so that
# `make linux`, which discards the first, still shows why).
#
# Layout under build/:
#   linux-source-6.1/   Debian's source, pristine (scripts/linux-source.sh)
#   linux-ppc-kernel/   its O= output: .config, modules_prepare, crtsavres.o,
#                       and the kernel built once for its Module.symvers
#   linux-ppc/          a copy of linux/ (Kbuild, the driver) and include/
#                       that the module is built in (M=), the .ko and logs;
#                       dt/: the binding checked against the kernel's net
#                       bindings, its example validated
#   dtschema-venv/      dt-schema (PyPI dtschema), for the binding check
#
# Linux 6.1 writes an external module's objects next to its sources (M=);
# it has no separate output directory for them. Building a copy keeps
# linux/ free of build products without touching the kernel's Makefiles.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
kout=$here/build/linux-ppc-kernel
out=$here/build/linux-ppc
frag=$here/linux/pcinet_fsl.config
kmake=(nice make ARCH=powerpc CROSS_COMPILE=powerpc-linux-gnu- -j2)
binding=linux/Documentation/devicetree/bindings/net/fsl,mpc8349-pcinet.yaml
# The driver's sources, in linux/: copied to the build, each checked by
# checkpatch
srcs=(pcinet_fsl.h pcinet_fsl_main.c pcinet_fsl_net.c pcinet_fsl_tty.c)
files=("${srcs[@]/#/linux/}" linux/pcinet_fsl.config "$binding")

secs() { echo $(($(date +%s) - $1))s; }
trap 'echo "linux-fsl: FAILED at line $LINENO (logs under build/linux-ppc*/)" >&2' ERR

"$here/scripts/bootstrap.sh" debs gcc-powerpc-linux-gnu make sparse bc bison flex \
	libssl-dev xz-utils device-tree-compiler python3-venv >&2
src=$("$here/scripts/linux-source.sh")

# 1. The kernel: configured and prepared once per change of the fragment.
t0=$(date +%s)
stamp=$kout/.pcinet-prepared
want=$(cat "$src/arch/powerpc/configs/mpc83xx_defconfig" "$frag" | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] ||
	[ ! -f "$kout/arch/powerpc/lib/crtsavres.o" ]; then
	echo "linux-fsl: configuring and preparing $kout (a few minutes)"
	mkdir -p "$kout"
	rm -f "$stamp"
	"${kmake[@]}" -C "$src" O="$kout" mpc83xx_defconfig >"$kout/prepare.log" 2>&1
	"$src/scripts/kconfig/merge_config.sh" -m -O "$kout" "$kout/.config" "$frag" \
		>>"$kout/prepare.log" 2>&1
	"${kmake[@]}" -C "$src" O="$kout" olddefconfig >>"$kout/prepare.log" 2>&1
	# merge_config drops what Kconfig refuses: check that we got it
	while read -r line; do
		case $line in CONFIG_*=*) ;; *) continue ;; esac
		if ! grep -qx "$line" "$kout/.config"; then
			echo "linux-fsl: $line did not survive olddefconfig (see $kout/prepare.log)" >&2
			exit 1
		fi
	done <"$frag"
	if ! "${kmake[@]}" -C "$src" O="$kout" modules_prepare \
		arch/powerpc/lib/crtsavres.o >>"$kout/prepare.log" 2>&1; then
		tail -30 "$kout/prepare.log" >&2
		exit 1
	fi
	echo "$want" >"$stamp"
	echo "linux-fsl: kernel prepared in $(secs "$t0")"
else
	echo "linux-fsl: kernel already prepared ($kout)"
fi

# The kernel itself, once: without its Module.symvers modpost cannot tell
# whether every symbol the module uses exists and is exported to it. Not
# "all": the 83xx boot images (cuImage) need U-Boot's mkimage, and nothing
# here boots them.
symvers=yes
if [ "${PCINET_FSL_KERNEL:-1}" = 0 ] && [ ! -s "$kout/Module.symvers" ]; then
	symvers=no
	echo "linux-fsl: PCINET_FSL_KERNEL=0: no Module.symvers, the module's symbols go unchecked"
elif [ ! -s "$kout/Module.symvers" ]; then
	t0=$(date +%s)
	echo "linux-fsl: building the kernel once for Module.symvers (long: $kout/kernel.log)"
	if ! "${kmake[@]}" -C "$src" O="$kout" vmlinux modules >"$kout/kernel.log" 2>&1; then
		tail -30 "$kout/kernel.log" >&2
		exit 1
	fi
	echo "linux-fsl: kernel built in $(secs "$t0")"
fi

# 2. The module, from a copy of our sources, W=1 and sparse on every file.
t1=$(date +%s)
mkdir -p "$out/linux" "$out/include"
rm -rf "$out/include/pcinet"
cp -r "$here/include/pcinet" "$out/include/"
# The copy holds only our files: stale objects or the host driver never mix in
find "$out/linux" -mindepth 1 -delete
# a new pcinet_fsl source must be listed in srcs, or checkpatch would miss it
for f in "$here"/linux/pcinet_fsl*.[ch]; do
	case " ${srcs[*]} " in *" ${f##*/} "*) ;; *)
		echo "linux-fsl: $f is not in srcs (scripts/linux-fsl.sh)" >&2
		exit 1 ;;
	esac
done
cp "$here/linux/Kbuild" "${srcs[@]/#/$here/linux/}" "$out/linux/"
log=$out/build.log
if ! "${kmake[@]}" -C "$kout" M="$out/linux" PCINET_FSL=m W=1 C=2 modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "linux-fsl: module build FAILED" >&2
	exit 1
fi
# Without Module.symvers (PCINET_FSL_KERNEL=0) modpost says so and lists the
# symbols it cannot check: only those lines are expected
known='^(WARNING: Module.symvers is missing\.|  +(Modules may not have|You may get many unresolved)|WARNING: modpost: (".*" \[.*\] undefined!|suppressed [0-9]+ unresolved symbol warnings))'
[ "$symvers" = yes ] && known='^$'
if grep -Ev "$known" "$log" | grep -E 'warning|error|WARNING' >&2; then
	echo "linux-fsl: module build has warnings (full log: $log)" >&2
	exit 1
fi
cp "$out/linux/pcinet_fsl.ko" "$out/pcinet_fsl.ko"
echo "linux-fsl: build/linux-ppc/pcinet_fsl.ko built in $(secs "$t1"), W=1 and sparse clean"

# 3. checkpatch --strict, from the kernel source of the same version
cp_dir=$here/build/checkpatch
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	tarball=/usr/src/linux-source-6.1.tar.xz
	top=$(basename "$tarball" .tar.xz)
	mkdir -p "$cp_dir"
	tar -xJf "$tarball" -C "$cp_dir" --strip-components=1 "$top/scripts/checkpatch.pl" \
		"$top/scripts/spelling.txt" "$top/scripts/const_structs.checkpatch"
fi
cd "$here"
if ! "$cp_dir/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types -f \
	"${files[@]}" >"$out/checkpatch.log" 2>&1; then
	cat "$out/checkpatch.log" >&2
	echo "linux-fsl: checkpatch --strict complains (above)" >&2
	exit 1
fi
echo "linux-fsl: checkpatch --strict clean: ${files[*]}"

# 4. The device tree binding: a valid schema, and its example valid under it
# (dt-schema's own tools, as the kernel's dt_binding_check runs them, against
# this kernel's net bindings, which ours refers to)
t2=$(date +%s)
dtv=$here/build/dtschema-venv
if [ ! -x "$dtv/bin/dt-validate" ]; then
	python3 -m venv "$dtv"
	"$dtv/bin/pip" install -q dtschema
fi
dt=$out/dt
rm -rf "$dt"
mkdir -p "$dt/bindings"
cp -r "$src/Documentation/devicetree/bindings/net" "$dt/bindings/"
cp "$here/$binding" "$dt/bindings/net/"
yaml=$dt/bindings/net/$(basename "$binding")
# each tool's complaints land in check.log, which decides
"$dtv/bin/dt-doc-validate" -u "$dt/bindings" "$yaml" >"$dt/check.log" 2>&1 ||
	echo "dt-doc-validate: exit status $?" >>"$dt/check.log"
"$dtv/bin/dt-extract-example" "$yaml" >"$dt/example.dts"
cpp -P -nostdinc -undef -D__DTS__ -x assembler-with-cpp \
	-I "$src/scripts/dtc/include-prefixes" "$dt/example.dts" >"$dt/example.pp.dts"
dtc -q -I dts -O dtb -o "$dt/example.dtb" "$dt/example.pp.dts" >>"$dt/check.log" 2>&1 ||
	echo "dtc: exit status $?" >>"$dt/check.log"
"$dtv/bin/dt-mk-schema" -j "$dt/bindings/net" >"$dt/schema.json" 2>"$dt/mk-schema.log"
# dt-validate reports problems on its output, with exit status 0
"$dtv/bin/dt-validate" -s "$dt/schema.json" "$dt/example.dtb" >>"$dt/check.log" 2>&1
if grep -q . "$dt/check.log"; then
	cat "$dt/check.log" >&2
	echo "linux-fsl: the binding or its example does not validate" >&2
	exit 1
fi
echo "linux-fsl: $binding and its example validate ($(secs "$t2"))"
