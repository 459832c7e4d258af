#!/bin/bash
# Crash consistency: for every N, fault the Nth sysfs write of an apply,
# either stalling it and killing gpu-initd there (SIGKILL: the write never
# happens) or failing it with an errno, then apply again: the node must end
# in the same state, with the same exit status and the same check verdict,
# as after a clean apply.  make check: h100-hgx-8x in vm-passthrough
# (SIGKILL, and each errno in turn) and container mode (SIGKILL); FULL=1:
# every fixture in both modes, SIGKILL and every errno at every N.
source "$(dirname "$0")/lib.sh"
source tests/it/crash-lib.sh

if [ -n "${CRASH_CASES:-}" ]; then
	CASES=$CRASH_CASES # e.g. "t4-4x:container", on demand
elif [ "${FULL:-}" = 1 ]; then
	CASES=""
	for f in fixtures/*.json; do CASES+=" $(basename $f .json):vm-passthrough $(basename $f .json):container"; done
else
	CASES="h100-hgx-8x:vm-passthrough h100-hgx-8x:container"
fi

# node_run FAULT N (fixture and mode from the case): start state for the
# mode (container starts from a passthrough node), the faulted apply, the
# apply again; prints its exit status, the node state and check.
node_run() {
	local extra=""
	# the NIC fixture: its safe GPU alone (all GPUs are refused untouched)
	[ $fixture = gpu-shares-group-with-nic ] && extra=", \"devices\": [\"0000:81:00.0\"]"
	tests/simnode run fixtures/$fixture.json -- bash -c '
	source tests/it/lib.sh; source tests/it/initd-lib.sh
	initd_seam
	mode=$1 fault=$2 n=$3 extra=$4
	echo "{\"mode\": \"$mode\"$extra}" >$SIMROOT/mode.json
	echo "{\"mode\": \"vm-passthrough\"$extra}" >$SIMROOT/start.json
	if [ $mode = container ]; then gi --config $SIMROOT/start.json apply 2>/dev/null || true; fi
	fault_at $fault $n $SIMROOT/mode.json
	rc=0
	gi --config $SIMROOT/mode.json apply 2>/dev/null || rc=$?
	echo "rc $rc"
	node_state
	rc=0
	gi --config $SIMROOT/mode.json check 2>&1 || rc=$?
	echo "check rc $rc"
	' bash "$mode" "$1" "$2" "$extra"
}

for c in $CASES; do
	fixture=${c%%:*} mode=${c#*:}
	if [ "${FULL:-}" = 1 ]; then
		sweep $c $FAULTS_FULL
	elif [ $mode = vm-passthrough ]; then
		sweep $c stall fail:each
	else
		sweep $c stall
	fi
done
sweep_totals
