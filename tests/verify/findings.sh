#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The findings of docs/protocol.md 10.11, each still shown by the explorer,
# and its self-test: a run must end in the property named, with the trace.
# A finding that no longer reproduces fails too: whoever fixed it updates
# 10.11 and this list (and drops the -f option that models the fix).
#
# usage: tests/verify/findings.sh build/verify/explore
set -u
explore=${1:?usage: findings.sh path/to/explore}
failed=0

expect() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$explore" "$@")
	rc=$?
	if [ $rc -eq 1 ] && grep -Eq "^VIOLATION: ($want)" <<<"$out"; then
		echo "$name reproduces ($(basename "$explore") $*):"
		grep -E '^VIOLATION|trace:|-->|fair cycle' <<<"$out" | cut -c1-400 |
			sed 's/^ */    /'
	else
		echo "$name: expected a violation of $want from $(basename "$explore") $*, got exit $rc:"
		sed 's/^/    /' <<<"$out"
		failed=1
	fi
}

# F1: a host part outlives its lease; the board takes it under the next one
expect F1 "S2 |S3 lost" -q
expect "F1 (no host crash)" "S2 |S3 lost" -q -c
# the self-test: a caller that frees memory at WAIT must be caught
expect self-test "S2 |S3 lost|K2 " -q -s -f 1

# The console (explore-console, over pcinet_console.h): the token flow alone
# holds; F5: a FIRST message read twice is delivered twice (a stalled sender
# restarting its sequence, or a board reset, while the receiver is between
# its W1C and its read); F6: 9.3 step 5's ack, taken by a polling sender
# after its next write, returns the token early
console=$(dirname "$explore")/explore-console
if out=$("$console" -r -R -s); then
	echo "console token flow holds: $out"
else
	echo "console token flow (-r -R -s) violated:"
	sed 's/^/    /' <<<"$out"
	failed=1
fi
explore=$console
expect F5 "C1 duplicate" -r -R
expect "F5 (a board reset)" "C1 duplicate" -R -s
expect F6 "C1 duplicate" -r -s
exit $failed
