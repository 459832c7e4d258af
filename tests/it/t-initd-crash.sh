#!/bin/bash
# Crash convergence: for every N, stall the Nth sysfs write of an apply
# (simfs stall-nth), kill gpu-initd there (SIGKILL: the stalled write never
# happens), run apply again: the node must end in the same state, with the
# same exit status, as after a clean apply.  make check: h100-hgx-8x in
# vm-passthrough and container mode; FULL=1: every fixture, both modes.
source "$(dirname "$0")/lib.sh"

if [ "${FULL:-}" = 1 ]; then
	CASES=""
	for f in fixtures/*.json; do CASES+=" $(basename $f .json):vm-passthrough $(basename $f .json):container"; done
else
	CASES="h100-hgx-8x:vm-passthrough h100-hgx-8x:container"
fi

# One node: start state for MODE (container starts from a passthrough
# node), then STALL=N (0: no stall) and the apply; prints the node state
# and the final exit status.
one_run() {
	local fixture=$1 mode=$2 n=$3 extra=""
	# the NIC fixture: its safe GPU alone (all GPUs are refused untouched)
	[ $fixture = gpu-shares-group-with-nic ] && extra=", \"devices\": [\"0000:81:00.0\"]"
	tests/simnode run fixtures/$fixture.json -- bash -c '
	source tests/it/lib.sh; source tests/it/initd-lib.sh
	initd_seam
	mode=$1 n=$2 extra=$3
	echo "{\"mode\": \"$mode\"$extra}" >$SIMROOT/mode.json
	echo "{\"mode\": \"vm-passthrough\"$extra}" >$SIMROOT/start.json
	if [ $mode = container ]; then gi --config $SIMROOT/start.json apply 2>/dev/null || true; fi
	crash_at $n $SIMROOT/mode.json
	rc=0
	gi --config $SIMROOT/mode.json apply 2>/dev/null || rc=$?
	echo "rc $rc"
	node_state
	' bash "$mode" "$n" "$extra"
}

runs=0
for c in $CASES; do
	fixture=${c%%:*} mode=${c#*:}
	ref=$(one_run $fixture $mode 0) || fail "$c: clean run"
	for ((n = 1; n < 200; n++)); do
		out=$(one_run $fixture $mode $n) || fail "$c: run with stall at write $n"
		runs=$((runs + 1))
		got=$(grep -v '^STALLED$' <<<"$out")
		if [ "$got" != "$ref" ]; then
			diff <(echo "$ref") <(echo "$got") || true
			fail "$c: killed at write $n, the next apply did not converge"
		fi
		grep -q '^STALLED$' <<<"$out" || break
	done
	echo "$c: converged after a kill at each of writes 1..$((n - 1))"
done
echo "$runs crash runs"
