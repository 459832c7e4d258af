#!/bin/bash
# Crash convergence with MIG-backed types (a100-pcie-8x, tests/fakenvml):
# going from time-sliced to MIG-backed vGPUs on GPU 0, stall the Nth sysfs
# write of apply and kill gpu-initd there (before or after the GPU
# instances were made), apply again: the same vGPUs, GPU instances and exit
# status as after a clean apply.  Also: an interrupted GPU instance layout
# (some made, some of another profile) converges.
source "$(dirname "$0")/lib.sh"

FROM='{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0], "vgpu-devices": {"A100-10C": 2}}]}}'
TO='{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0], "vgpu-devices": {"A100-1-5C": 2, "A100-2-10C": 1}}]}}'

# one_run N [PRE]: apply FROM, run PRE (control commands), then TO with its
# Nth write stalled and killed (0: none), then TO again; prints the vGPUs,
# the GPU instances and the status.
one_run() {
	tests/simnode run fixtures/a100-pcie-8x.json -- bash -c '
	source tests/it/lib.sh; source tests/it/initd-lib.sh
	initd_seam
	export LD_LIBRARY_PATH=$TOP/build/tests/fakenvml
	echo "$1" >$SIMROOT/from.json
	echo "$2" >$SIMROOT/to.json
	gi --config $SIMROOT/from.json apply 2>/dev/null || true
	if [ -n "$4" ]; then
		gi --config $SIMROOT/from.json apply 2>/dev/null || true
		echo "{\"mode\": \"container\"}" >$SIMROOT/ct.json
		gi --config $SIMROOT/ct.json apply 2>/dev/null
		for c in $4; do echo "${c//_/ }" >$SIMFS/.simfs/control; done
	fi
	crash_at $3 $SIMROOT/to.json
	rc=0
	gi --config $SIMROOT/to.json apply 2>/dev/null || rc=$?
	echo "rc $rc"
	for m in $(ls $SIMROOT/sys/bus/mdev/devices 2>/dev/null); do
		l=$(readlink $SIMROOT/sys/bus/mdev/devices/$m)
		echo "$m $(basename $(dirname $l)) $(basename $(readlink $SIMROOT/sys/bus/mdev/devices/$m/mdev_type))"
	done
	grep -E "^(mode|gi) " $SIMFS/.simfs/mig/0000:17:00.0 | cut -d" " -f1,3- | sort
	' bash "$FROM" "$TO" "$1" "${2:-}"
}

ref=$(one_run 0) || fail "clean run"
grep -q "^rc 0$" <<<"$ref" || fail "clean run: $ref"
[ "$(grep -c "^gi " <<<"$ref")" = 3 ] || fail "3 GPU instances: $ref"
runs=0
for ((n = 1; n < 50; n++)); do
	out=$(one_run $n) || fail "run with stall at write $n"
	runs=$((runs + 1))
	got=$(grep -v '^STALLED$' <<<"$out")
	if [ "$got" != "$ref" ]; then
		diff <(echo "$ref") <(echo "$got") || true
		fail "killed at write $n, the next apply did not converge"
	fi
	grep -q '^STALLED$' <<<"$out" || break
done
echo "converged after a kill at each of writes 1..$((n - 1))"
# an interrupted layout: MIG mode on, a 1g.5gb made, a 3g.20gb in the way
out=$(one_run 0 "mig-mode_0000:17:00.0_1 mig-gi-create_0000:17:00.0_0_0 mig-gi-create_0000:17:00.0_2_4") ||
	fail "run from a partial layout"
got=$(grep -v "^gi " <<<"$out")
[ "$got" = "$(grep -v "^gi " <<<"$ref")" ] || { diff <(echo "$ref") <(echo "$out"); fail "from a partial layout"; }
[ "$(grep -c "^gi 0 " <<<"$out") $(grep -c "^gi 1 " <<<"$out") $(grep -c "^gi 2 " <<<"$out")" = "2 1 0" ] ||
	fail "GPU instances from a partial layout: $out"
echo "$((runs + 2)) crash runs"
