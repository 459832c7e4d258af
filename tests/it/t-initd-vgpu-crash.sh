#!/bin/bash
# Model provenance: docs/nvidia-model.md, "NVIDIA driver builds, the unbind lock, SR-IOV sequence".
# Crash consistency in vm-vgpu: fault the Nth sysfs write of an apply
# (stall + SIGKILL, or a failed write), apply again: the node must end with
# the same vGPUs (mdevs: UUID, type, parent; VFs: numvfs, driver,
# current_vgpu_type), exit status and check verdict as after a clean apply.
# make check: t4-4x going from one vGPU config to another (removals and
# creations), h100-hgx-8x from nothing to 2 x H100XM-20C on one GPU
# (NVIDIA's SR-IOV sequence, VF binding, current_vgpu_type), SIGKILL and
# each errno in turn; FULL=1 also a100-pcie-8x from nothing to 4 x A100-10C
# per GPU, t4-4x from vm-vgpu to container, h100-hgx-8x from one vGPU size
# to another, from vm-vgpu to vm-passthrough (SR-IOV off) and back (GPU off
# vfio-pci, SR-IOV on), and a100-pcie-8x from 32 mdevs on VFs to
# vm-passthrough, with SIGKILL and every errno at every N.
# "partial": h100-hgx-8x after a VF removal killed part-way (make check: on
# to vm-vgpu; FULL=1 also to vm-passthrough): a VM held VF 2 while
# sriov_numvfs=0 was written, the kernel removed VFs 0 and 1 and blocked,
# the writer was killed, then the VM let go (drivers/pci/iov.c
# sriov_del_vfs removes VF 0 first; sriov_numvfs still reads 4).
source "$(dirname "$0")/lib.sh"
source tests/it/crash-lib.sh

CASES="t4-4x:t4-from:t4-to h100-hgx-8x:none:h100-from h100-hgx-8x:partial:h100-from"
[ "${FULL:-}" = 1 ] && CASES+=" a100-pcie-8x:none:a100 t4-4x:t4-from:container h100-hgx-8x:h100-from:h100-to
	h100-hgx-8x:h100-from:passthrough h100-hgx-8x:passthrough:h100-from
	a100-pcie-8x:a100:passthrough h100-hgx-8x:partial:passthrough"
CLEAN_MUST_PASS=1

cfg() {
	case $1 in
	none) echo '{"mode": "container"}' ;;
	partial) echo '{"mode": "container"}' ;; # not applied: see make_partial
	container) echo '{"mode": "container"}' ;;
	t4-from) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0, 1], "vgpu-devices": {"T4-4Q": 2}}]}}' ;;
	t4-to) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0], "vgpu-devices": {"T4-8Q": 1}}, {"devices": [1, 2], "vgpu-devices": {"T4-4Q": 2}}]}}' ;;
	a100) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": "all", "vgpu-devices": {"A100-10C": 4}}]}}' ;;
	h100-from) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0], "vgpu-devices": {"H100XM-20C": 2}}]}}' ;;
	h100-to) echo '{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0], "vgpu-devices": {"H100XM-10C": 3}}]}}' ;;
	passthrough) echo '{"mode": "vm-passthrough", "devices": [0]}' ;;
	esac
}

# node_run FAULT N (fixture, from, to of the case): apply FROM, then TO
# with FAULT at its Nth write, then TO again; prints the status, the vGPUs
# and check.
node_run() {
	tests/simnode run fixtures/$fixture.json -- bash -c '
	source tests/it/lib.sh; source tests/it/initd-lib.sh
	initd_seam
	echo "$1" >$SIMROOT/from.json
	echo "$2" >$SIMROOT/to.json
	if [ "$5" = partial ]; then
		make_partial
	else
		gi --config $SIMROOT/from.json apply 2>/dev/null || true
	fi
	fault_at $3 $4 $SIMROOT/to.json
	rc=0
	gi --config $SIMROOT/to.json apply 2>/dev/null || rc=$?
	echo "rc $rc"
	mdev_list
	for d in $(ls $SIMROOT/sys/bus/pci/devices); do
		p=$SIMROOT/sys/bus/pci/devices/$d
		[ -e $p/sriov_numvfs ] && [ "$(cat $p/sriov_numvfs)" != 0 ] && echo "$d numvfs $(cat $p/sriov_numvfs) $(drv $d)"
		[ -e $p/nvidia/current_vgpu_type ] && echo "$d $(drv $d) type $(cat $p/nvidia/current_vgpu_type)"
	done
	rc=0
	gi --config $SIMROOT/to.json check 2>&1 || rc=$?
	echo "check rc $rc"
	' bash "$(cfg $from)" "$(cfg $to)" "$1" "$2" "$from"
}

for c in $CASES; do
	IFS=: read -r fixture from to <<<"$c"
	if [ "${FULL:-}" = 1 ]; then
		sweep $c $FAULTS_FULL
	else
		sweep $c stall fail:each
	fi
done
sweep_totals
