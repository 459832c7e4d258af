#!/bin/bash
# Crash convergence with MIG-backed types (tests/fakenvml): stall the Nth
# sysfs write of apply and kill gpu-initd there (before or after the GPU
# instances were made), apply again: the same vGPUs, GPU instances and exit
# status as after a clean apply.  make check: a100-pcie-8x going from
# time-sliced to MIG-backed vGPUs on GPU 0 (its VFs are on: they go off
# around the MIG mode change and on again, NVIDIA's order), and an
# interrupted GPU instance layout (some made, some of another profile);
# h100-hgx-8x from nothing (VFs off: MIG mode first, then NVIDIA's SR-IOV
# sequence) to MIG-backed vGPUs on GPU 0.
source "$(dirname "$0")/lib.sh"

CASES="a100-pcie-8x,a100-ts,a100-mig,0000:17:00.0 h100-hgx-8x,none,h100-mig,0000:18:00.0"

cfg() {
	case $1 in
	none) echo '{"mode": "container"}' ;;
	a100-ts) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0], "vgpu-devices": {"A100-10C": 2}}]}}' ;;
	a100-mig) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0], "vgpu-devices": {"A100-1-5C": 2, "A100-2-10C": 1}}]}}' ;;
	h100-mig) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0], "vgpu-devices": {"H100XM-1-10C": 2, "H100XM-2-20C": 1}}]}}' ;;
	esac
}

# one_run FIXTURE FROM TO GPU N [PRE]: apply FROM, run PRE (control
# commands after leaving vm-vgpu), then TO with its Nth write stalled and
# killed (0: none), then TO again; prints the vGPUs (mdevs, or VFs'
# current_vgpu_type), GPU's MIG mode and instances, and the status.
one_run() {
	tests/simnode run fixtures/$1.json -- bash -c '
	source tests/it/lib.sh; source tests/it/initd-lib.sh
	initd_seam
	export LD_LIBRARY_PATH=$TOP/build/tests/fakenvml
	echo "$1" >$SIMROOT/from.json
	echo "$2" >$SIMROOT/to.json
	gi --config $SIMROOT/from.json apply 2>/dev/null || true
	if [ -n "$5" ]; then
		echo "{\"mode\": \"container\"}" >$SIMROOT/ct.json
		gi --config $SIMROOT/ct.json apply 2>/dev/null
		for c in $5; do echo "${c//_/ }" >$SIMFS/.simfs/control; done
	fi
	fault_at stall $4 $SIMROOT/to.json
	rc=0
	gi --config $SIMROOT/to.json apply 2>/dev/null || rc=$?
	echo "rc $rc"
	mdev_list
	for t in $SIMROOT/sys/bus/pci/devices/*/nvidia/current_vgpu_type; do
		[ -e "$t" ] && [ "$(cat $t)" != 0 ] && echo "${t#$SIMROOT/} $(cat $t) gi $(cat $(dirname $t)/gpu_instance_id)"
	done
	grep -E "^(mode|gi) " $SIMFS/.simfs/mig/$3 | cut -d" " -f1,3- | sort
	' bash "$(cfg $2)" "$(cfg $3)" "$4" "$5" "${6:-}"
}

runs=0
for c in $CASES; do
	IFS=, read -r fixture from to gpu <<<"$c"
	ref=$(one_run $fixture $from $to $gpu 0) || fail "$c: clean run"
	grep -q "^rc 0$" <<<"$ref" || fail "$c: clean run: $ref"
	[ "$(grep -c "^gi " <<<"$ref")" = 3 ] || fail "$c: 3 GPU instances: $ref"
	for ((n = 1; n < 100; n++)); do
		out=$(one_run $fixture $from $to $gpu $n) || fail "$c: run with stall at write $n"
		runs=$((runs + 1))
		got=$(grep -v '^INJECTED$' <<<"$out")
		if [ "$got" != "$ref" ]; then
			diff <(echo "$ref") <(echo "$got") || true
			fail "$c: killed at write $n, the next apply did not converge"
		fi
		grep -q '^INJECTED$' <<<"$out" || break
	done
	echo "$c: converged after a kill at each of writes 1..$((n - 1))"
	[ $fixture = a100-pcie-8x ] || continue
	# an interrupted layout: MIG mode on (from the MIG config: on A100 the
	# mode changes only with the VFs off), its GPU instances replaced by a
	# 1g.5gb (profile ID 19) and a 3g.20gb (ID 9) in the way
	out=$(one_run $fixture $to $to $gpu 0 "mig-gi-destroy_${gpu}_1 mig-gi-destroy_${gpu}_2 mig-gi-destroy_${gpu}_3 mig-gi-create_${gpu}_19_0 mig-gi-create_${gpu}_9_4") ||
		fail "run from a partial layout"
	got=$(grep -v "^gi " <<<"$out")
	[ "$got" = "$(grep -v "^gi " <<<"$ref")" ] || { diff <(echo "$ref") <(echo "$out"); fail "from a partial layout"; }
	# 1g.5gb ID 19, 2g.10gb ID 14, 3g.20gb ID 9
	[ "$(grep -c "^gi 19 " <<<"$out") $(grep -c "^gi 14 " <<<"$out") $(grep -c "^gi 9 " <<<"$out")" = "2 1 0" ] ||
		fail "GPU instances from a partial layout: $out"
	runs=$((runs + 1))
done
echo "$runs crash runs"
