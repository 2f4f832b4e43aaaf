#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run a command in a user-mode Linux kernel that sees one simulated board as
# a PCI device (docs/uml.md), collect its output, take everything down.
#
#   scripts/uml-run.sh [options] [-- GUEST COMMAND...]
#
# Without a command the guest runs the smoke test: it loads
# tests/kernel/pcinet_uml_smoke.ko, which binds the board, talks to it over
# the message unit with interrupts and has it DMA into a coherent buffer;
# exit 0 when the module says PASS.
#
# Options:
#   --slot N        the slot UML sees (default 1)
#   --slots N       slots in the chassis (default 1)
#   --mem SIZE      UML's RAM, e.g. 256M (default 256M)
#   --board CMD     board command for pcinet-sim up (default: the test
#                   firmware build/sim/pcinet-sim-board)
#   --netns         give the chassis its network namespace (default:
#                   --no-netns; UML itself never has a network to the outside)
#   --timeout S     seconds for the guest command (default 120)
#   --lpj N         UML's loops_per_jiffy (default: from the host's bogomips,
#                   see docs/uml.md "BAR reads and the delay loop")
#   --keep          keep the run directory (logs) even on success
#   --run-dir DIR   use DIR (created, or empty) as the run directory and keep
#                   it: a caller that drives the guest puts files there (the
#                   guest sees it at /mnt)
#   --ctl IN,OUT    the guest's /dev/tty1 (UML con1) reads host fd IN and
#                   writes host fd OUT, two fds this script inherits (a
#                   caller's pipes to a guest-side agent, tests/kernel/)
#   --verbose       pcinet-vpci logs every access
#
# $PCINET_VPCI names another pcinet-vpci binary (an ASan build, say);
# $PCINET_UML_KERNEL another UML kernel binary of the same build tree (one
# without linux/uml-patches, to compare), used instead of build/linux-uml/linux.
#
# In order: build what is missing (UML kernel, sim, pcinet-vpci, the test
# module); start pcinet-vpci (it listens, and once UML connects waits for
# the chassis); start UML (mem=SIZE, root = the machine's / over hostfs,
# read-only, init = scripts/uml-guest-init.sh, console into uml.log); find
# UML's memory file (/proc/PID/fd/N, an unlinked file in /dev/shm); bring
# the chassis up with that file as its host memory at bus address 0
# (pcinet-sim up --no-host --host-mem ... --host-mem-bus 0), so guest
# physical address = PCI bus address = file offset; release pcinet-vpci;
# wait for the guest; take the chassis down; wait for pcinet-vpci and UML to
# exit (SIGTERM, then SIGKILL, by PID, only ours).
#
# Everything lives in a run directory /tmp/uml-run-XXXXXX (chassis in
# crate/, uml.log, vpci.log, guest-out, dmesg); it is removed on success
# unless --keep. Exit: the guest command's exit code; 1 if a step failed;
# 2 bad usage.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
slot=1
slots=1
mem=256M
board=$here/build/sim/pcinet-sim-board
netns=0
timeout=120
keep=0
verbose=()
lpj=
run_dir=
ctl=
while [ $# -gt 0 ]; do
	case $1 in
	--slot) slot=$2; shift 2 ;;
	--slots) slots=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--board) board=$2; shift 2 ;;
	--netns) netns=1; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--lpj) lpj=$2; shift 2 ;;
	--verbose) verbose=(--verbose); shift ;;
	--run-dir) run_dir=$2; shift 2 ;;
	--ctl) ctl=$2; shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d;s/^# \{0,1\}//'; exit 0 ;;
	*) echo "uml-run: unknown option $1" >&2; exit 2 ;;
	esac
done
ctl_in=
ctl_out=
if [ -n "$ctl" ]; then
	IFS=, read -r ctl_in ctl_out <<<"$ctl"
	{ [ -e "/proc/$$/fd/$ctl_in" ] && [ -e "/proc/$$/fd/$ctl_out" ]; } ||
		{ echo "uml-run: --ctl $ctl: not two open fds" >&2; exit 2; }
fi
[ "$slot" -ge 1 ] && [ "$slot" -le "$slots" ] ||
	{ echo "uml-run: --slot must be within 1..--slots" >&2; exit 2; }

t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%6.2f s", b - a }'; }
say() { echo "uml-run: [$(elapsed)] $*" >&2; }

# ---- builds (each quick when up to date)
"$here/scripts/bootstrap.sh" debs kmod >&2	# insmod/rmmod for the guest
kernel=$("$here/scripts/linux-uml.sh")
kdir=$(dirname "$kernel")
kernel=${PCINET_UML_KERNEL:-$kernel}
make -s -C "$here" sim >&2
make -s -C "$here/sim/vpci" >&2
[ -x "$here/.venv/bin/pcinet-sim" ] || "$here/scripts/bootstrap.sh" venv >&2
# Out-of-tree modules build in copies, so no objects land in the source tree
modsrc=$here/build/uml-kernel-tests
intxsrc=$here/build/uml-intx
mkdir -p "$modsrc" "$intxsrc"
cp -u "$here"/tests/kernel/Kbuild "$here"/tests/kernel/*.c "$modsrc/"
cp -u "$here"/sim/vpci/kernel/Kbuild "$here"/sim/vpci/kernel/*.c "$intxsrc/"
nice make -s -C "$kdir" ARCH=um M="$modsrc" PCINET_INCLUDE="$here/include" \
	modules >&2
nice make -s -C "$kdir" ARCH=um M="$intxsrc" modules >&2
say "built: $kernel, pcinet-vpci, pcinet_uml_intx.ko, pcinet_uml_smoke.ko"

if [ -n "$run_dir" ]; then
	mkdir -p "$run_dir"
	[ -z "$(ls -A "$run_dir")" ] || { say "--run-dir $run_dir is not empty"; exit 2; }
	run=$(cd "$run_dir" && pwd)
	keep=1
else
	run=$(mktemp -d /tmp/uml-run-XXXXXX)
fi
crate=$run/crate
sock=$run/vpci.sock
vpci_pid=
uml_pid=
chassis_up=0
devid=$(sed -n 's/^CONFIG_UML_PCI_OVER_VIRTIO_DEVICE_ID=//p' "$kdir/.config")
# virt-pci gives up on a read after 40000 polls of udelay(1); UML calibrates
# its delay loop at boot, and on a busy machine far too low (a tenth of the
# truth was seen), which shrinks that timeout to a few ms. The host's own
# calibration instead: bogomips / 2 cycles per microsecond, a loop a cycle.
if [ -z "$lpj" ]; then
	hz=$(sed -n 's/^CONFIG_HZ=//p' "$kdir/.config")
	lpj=$(awk -v hz="${hz:-100}" '/^bogomips/ { printf "%d", $3 * 1000000 / 2 / hz; exit }' /proc/cpuinfo)
fi

# Our processes only, by PID: SIGTERM, then SIGKILL after a grace period
stop_pid() {
	local pid=$1 what=$2 i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "$what (pid $pid) ignored SIGTERM: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# UML's own helper processes (its userspace runs as host processes it
# forks): the descendants of the PID we started
descendants() {
	local p c
	for p in "$@"; do
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
			echo "$c"
			descendants "$c"
		done
	done
}

# Remember UML's helpers while it runs: if UML itself dies, they are
# reparented and no longer findable from it
uml_kids=
note_kids() {
	local p
	[ -n "$uml_pid" ] || return 0
	for p in $(descendants "$uml_pid"); do
		case " $uml_kids " in *" $p "*) ;; *) uml_kids="$uml_kids $p" ;; esac
	done
}

# A helper we noted, if it still runs our kernel (not a reused PID)
is_our_uml() {
	[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$(readlink -f "$kernel")" ]
}

teardown() {
	local rc=$? p
	trap - EXIT INT TERM
	if [ "$chassis_up" = 1 ]; then
		"$here/.venv/bin/pcinet-sim" down --dir "$crate" >&2 || true
	fi
	if [ -n "$uml_pid" ]; then
		note_kids
		stop_pid "$uml_pid" UML
		for p in $uml_kids; do
			if is_our_uml "$p"; then
				kill -KILL "$p" 2>/dev/null || true
			fi
		done
	fi
	stop_pid "$vpci_pid" pcinet-vpci
	if [ "$rc" = 0 ] && [ "$keep" = 0 ]; then
		rm -rf "$run"
	elif [ -z "$run_dir" ]; then
		say "logs kept in $run"
	fi
	exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# ---- the guest's command
cp "$modsrc/pcinet_uml_smoke.ko" "$intxsrc/pcinet_uml_intx.ko" "$run/"
if [ $# -gt 0 ]; then
	printf '%q ' "$@" >"$run/guest-cmd"
	echo >>"$run/guest-cmd"
else
	cat >"$run/guest-cmd" <<'EOF'
# the smoke test: the device as Linux enumerated it, then the module
for d in /sys/bus/pci/devices/*; do
	echo "pci $(basename "$d"): $(cat "$d/vendor"):$(cat "$d/device") class $(cat "$d/class") irq $(cat "$d/irq")"
	sed -n '1,3p' "$d/resource"
done
insmod ./pcinet_uml_smoke.ko || exit 1
dmesg | grep -E 'pcinet_uml|INTx|virt-pci|um virt' || true
dmesg | grep -q 'pcinet_uml_smoke: PASS' || exit 1
rmmod pcinet_uml_smoke
grep -c . /proc/interrupts >/dev/null && grep -i pci /proc/interrupts || true
EOF
fi

# ---- pcinet-vpci, then UML
# Only UML gets the --ctl fds: a daemon that inherited them would keep the
# caller's pipe open after UML is gone
ctl_args=()
[ -z "$ctl" ] || ctl_args=("con1=fd:$ctl_in,fd:$ctl_out")
# (in a subshell: it execs)
closectl() {
	if [ -n "$ctl" ]; then
		exec "$@" {ctl_in}<&- {ctl_out}>&-
	else
		exec "$@"
	fi
}
(closectl "${PCINET_VPCI:-$here/build/sim/pcinet-vpci}" --socket "$sock" --dir "$crate" \
	--slot "$slot" --ready-file "$run/ready" --wait "$timeout" "${verbose[@]}" \
	>"$run/vpci.log" 2>&1) &
vpci_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { say "pcinet-vpci did not listen: $(cat "$run/vpci.log")"; exit 1; }

# setarch -R: no address-space randomisation, so UML's physical memory (and
# so every DMA address) starts at the same place every run (its brk)
TMPDIR=/dev/shm setarch "$(uname -m)" -R "$kernel" mem="$mem" rootfstype=hostfs rootflags=/ ro \
	init="$here/scripts/uml-guest-init.sh" PCINET_UML_RUN="$run" \
	con=null con0=null,fd:1 "${ctl_args[@]}" ssl=null ${lpj:+lpj=$lpj} \
	virtio_uml.device="$sock:$devid" </dev/null >"$run/uml.log" 2>&1 &
uml_pid=$!
say "pcinet-vpci pid $vpci_pid, UML pid $uml_pid ($mem)"

# UML's physical memory: an unlinked file on tmpfs it holds open
memfile=
for _ in $(seq 200); do
	best=0
	for fd in /proc/"$uml_pid"/fd/*; do
		target=$(readlink "$fd" 2>/dev/null) || continue
		case $target in /dev/shm/*"(deleted)") ;; *) continue ;; esac
		size=$(stat -L -c %s "$fd" 2>/dev/null) || continue
		if [ "$size" -gt "$best" ]; then best=$size; memfile=$fd; fi
	done
	[ -n "$memfile" ] && break
	kill -0 "$uml_pid" 2>/dev/null || break
	sleep 0.05
done
[ -n "$memfile" ] || { say "no memory file of UML found; uml.log: $(tail -5 "$run/uml.log")"; exit 1; }
say "UML memory: $memfile ($(stat -L -c %s "$memfile") bytes)"

# ---- the chassis, its host memory UML's RAM at bus address 0
up=(up --dir "$crate" --slots "$slots" --no-host --board "$board"
    --host-mem "$memfile" --host-mem-bus 0)
[ "$netns" = 1 ] || up+=(--no-netns)
(closectl "$here/.venv/bin/pcinet-sim" "${up[@]}" >&2)
chassis_up=1
touch "$run/ready"
say "chassis up in $crate; UML boots on"

# ---- the guest runs, powers off
deadline=$(( $(date +%s) + timeout + 60 ))
while kill -0 "$uml_pid" 2>/dev/null; do
	note_kids
	if [ "$(date +%s)" -gt "$deadline" ]; then
		say "UML still runs after $timeout s: stopping it"
		break
	fi
	sleep 0.2
done
say "UML exited"
echo "---- guest output" >&2
cat "$run/guest-out" 2>/dev/null || true
if [ ! -f "$run/guest-rc" ]; then
	say "the guest command did not finish; the end of uml.log:"
	tail -30 "$run/uml.log" >&2
	exit 1
fi
read -r rc secs <"$run/guest-rc"
if grep -q "virt-pci delay" "$run/dmesg" 2>/dev/null; then
	say "WARNING: a BAR or config read timed out in UML (um virt-pci delay): it read all ones"
	[ "$rc" != 0 ] || rc=1
fi
say "guest command exit $rc after $secs s in the guest"
echo "---- pcinet-vpci" >&2
stop_pid "$vpci_pid" pcinet-vpci	# it exits by itself when UML is gone
vpci_pid=
cat "$run/vpci.log" >&2
exit "$rc"
