#!/bin/bash
# Crash convergence in vm-vgpu: stall the Nth sysfs write of an apply
# (simfs stall-nth), kill gpu-initd there, apply again: the node must end
# with the same vGPUs (UUID, type, parent) and exit status as after a clean
# apply.  make check: t4-4x going from one vGPU config to another (removals
# and creations), h100-hgx-8x from nothing to 2 x H100XM-20C on one GPU
# (NVIDIA's SR-IOV sequence, VF binding, current_vgpu_type); FULL=1 also
# a100-pcie-8x from nothing to 4 x A100-10C per GPU, t4-4x from vm-vgpu to
# container, h100-hgx-8x from one vGPU size to another, from vm-vgpu to
# vm-passthrough (SR-IOV off) and back (GPU off vfio-pci, SR-IOV on).
source "$(dirname "$0")/lib.sh"

CASES="t4-4x:t4-from:t4-to h100-hgx-8x:none:h100-from"
[ "${FULL:-}" = 1 ] && CASES+=" a100-pcie-8x:none:a100 t4-4x:t4-from:container h100-hgx-8x:h100-from:h100-to
	h100-hgx-8x:h100-from:passthrough h100-hgx-8x:passthrough:h100-from"

cfg() {
	case $1 in
	none) echo '{"mode": "container"}' ;;
	container) echo '{"mode": "container"}' ;;
	t4-from) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0, 1], "vgpu-devices": {"T4-4Q": 2}}]}}' ;;
	t4-to) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0], "vgpu-devices": {"T4-8Q": 1}}, {"devices": [1, 2], "vgpu-devices": {"T4-4Q": 2}}]}}' ;;
	a100) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": "all", "vgpu-devices": {"A100-10C": 4}}]}}' ;;
	h100-from) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0], "vgpu-devices": {"H100XM-20C": 2}}]}}' ;;
	h100-to) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0], "vgpu-devices": {"H100XM-10C": 3}}]}}' ;;
	passthrough) echo '{"mode": "vm-passthrough", "devices": [0]}' ;;
	esac
}

# one_run FIXTURE FROM TO N: apply FROM, then TO with its Nth write stalled
# and killed (0: none), then TO again; prints the vGPUs and the status.
one_run() {
	tests/simnode run fixtures/$1.json -- bash -c '
	source tests/it/lib.sh; source tests/it/initd-lib.sh
	initd_seam
	n=$3
	echo "$1" >$SIMROOT/from.json
	echo "$2" >$SIMROOT/to.json
	gi --config $SIMROOT/from.json apply 2>/dev/null || true
	crash_at $n $SIMROOT/to.json
	rc=0
	gi --config $SIMROOT/to.json apply 2>/dev/null || rc=$?
	echo "rc $rc"
	for m in $(ls $SIMROOT/sys/bus/mdev/devices 2>/dev/null); do
		l=$(readlink $SIMROOT/sys/bus/mdev/devices/$m)
		echo "$m $(basename $(dirname $l)) $(basename $(readlink $SIMROOT/sys/bus/mdev/devices/$m/mdev_type))"
	done
	for d in $(ls $SIMROOT/sys/bus/pci/devices); do
		p=$SIMROOT/sys/bus/pci/devices/$d
		[ -e $p/sriov_numvfs ] && [ "$(cat $p/sriov_numvfs)" != 0 ] && echo "$d numvfs $(cat $p/sriov_numvfs) $(drv $d)"
		[ -e $p/nvidia/current_vgpu_type ] && echo "$d $(drv $d) type $(cat $p/nvidia/current_vgpu_type)"
	done
	true
	' bash "$(cfg $2)" "$(cfg $3)" "$4"
}

runs=0
for c in $CASES; do
	IFS=: read -r fixture from to <<<"$c"
	ref=$(one_run $fixture $from $to 0) || fail "$c: clean run"
	grep -q "^rc 0$" <<<"$ref" || fail "$c: clean run: $ref"
	for ((n = 1; n < 200; n++)); do
		out=$(one_run $fixture $from $to $n) || fail "$c: run with stall at write $n"
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
