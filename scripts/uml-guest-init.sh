#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# PID 1 of the user-mode Linux guest that scripts/uml-run.sh starts. The
# guest's root is the machine's own / over hostfs, read-only; the run
# directory (PCINET_UML_RUN, from the kernel command line) is mounted
# read-write at /mnt. Loads pcinet_uml_intx.ko from there (INTx for UML's
# virt-pci devices, see sim/vpci/kernel/), runs
# $PCINET_UML_RUN/guest-cmd with bash in /mnt, writes its
# exit code to $PCINET_UML_RUN/guest-rc and the kernel log to
# $PCINET_UML_RUN/dmesg, then powers the guest off. Output goes to the UML
# console (the run's uml.log).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /run
run=${PCINET_UML_RUN:?}
mount -t hostfs -o "$run" hostfs /mnt || { echo "uml-guest-init: cannot mount $run"; echo o >/proc/sysrq-trigger; }
cd /mnt || exit 1
# /tmp stays the machine's (read-only here, but its files are visible);
# scratch space is the run directory's tmp/
mkdir -p /mnt/tmp
export TMPDIR=/mnt/tmp
echo "uml-guest-init: $(uname -r), $(nproc) cpu, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
if [ -f /mnt/pcinet_uml_intx.ko ]; then
	insmod /mnt/pcinet_uml_intx.ko || echo "uml-guest-init: pcinet_uml_intx.ko did not load"
fi
start=$(date +%s.%N)
bash /mnt/guest-cmd </dev/null >/mnt/guest-out 2>&1
rc=$?
echo "$rc $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')" >/mnt/guest-rc
dmesg >/mnt/dmesg
echo "uml-guest-init: guest-cmd exited $rc"
cd /
sync
umount /mnt
echo o >/proc/sysrq-trigger
sleep 10
