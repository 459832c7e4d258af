# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the gpu-initd simulated-node tests (source inside a
# `tests/simnode run` command, after tests/it/lib.sh).  The module seam of
# docs/design.md section 1: simfs's sys/module over /sys/module in this private
# mount namespace (and proc/modules over /proc/modules where the host has
# one), finit_module trapped by build/tests/kmod-trap.
GPU_INITD=${GPU_INITD:-$TOP/build/gpu-initd}
KMOD_TRAP=$TOP/build/tests/kmod-trap

initd_seam() {
	mount --bind "$SIMFS/sys/module" /sys/module
	if [ -e /proc/modules ]; then mount --bind "$SIMFS/proc/modules" /proc/modules; fi
}

# gi ARGS...: gpu-initd --root $SIMROOT ARGS under the module trap.
gi() {
	"$KMOD_TRAP" --control "$SIMFS/.simfs/control" -- "$GPU_INITD" --root "$SIMROOT" "$@"
}

drv() {
	local l=$SIMROOT/sys/bus/pci/devices/$1/driver
	if [ -L "$l" ]; then basename "$(readlink "$l")"; else echo none; fi
}

expect_drv() {
	local got
	got=$(drv "$1")
	[ "$got" = "$2" ] || fail "$1: driver $got, expected $2"
}

# node_state: every PCI function's driver and override, the VFIO group
# nodes, the loaded modules: what "the same state" means for convergence.
node_state() {
	local d
	for d in "$SIMROOT"/sys/bus/pci/devices/*; do
		echo "$(basename "$d") $(drv "$(basename "$d")") $(cat "$d/driver_override")"
	done
	ls "$SIMROOT/dev/vfio" | tr '\n' ' '
	echo
	cut -d' ' -f1 "$SIMROOT/proc/modules" | sort | tr '\n' ' '
	echo
}

# expect_rc WANT CMD...: run CMD, its exit status must be WANT.
expect_rc() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want"
}

# A command failing under set -e names itself.
set -E
trap 'echo "FAIL: \"$BASH_COMMAND\" exited $? (line $LINENO)" >&2' ERR

# fault_at FAULT N CONFIG: run `apply` with CONFIG and inject FAULT at its
# Nth sysfs write; prints INJECTED if that write came.  FAULT "stall":
# stall the write and SIGKILL gpu-initd there (the write never happens);
# "fail:ERRNO": the write fails with ERRNO and apply goes on as it decides.
# If apply finishes before N writes, the fault is disarmed.  N 0 does
# nothing.  The caller then re-runs apply.
fault_at() {
	local fault=$1 n=$2 cfg=$3 trap_pid stalled=0 child i before
	[ "$n" -gt 0 ] || return 0
	before=$(stat_get injected)
	if [ "$fault" != stall ]; then
		echo "fail-nth $n ${fault#fail:}" >"$SIMFS/.simfs/control"
		gi --config "$cfg" apply >/dev/null 2>&1 || true
		echo release >"$SIMFS/.simfs/control"
		[ "$(stat_get injected)" = "$before" ] || echo "INJECTED"
		return 0
	fi
	echo "stall-nth $n" >"$SIMFS/.simfs/control"
	"$KMOD_TRAP" --control "$SIMFS/.simfs/control" -- "$GPU_INITD" --root "$SIMROOT" --config "$cfg" apply 2>/dev/null &
	trap_pid=$!
	for ((i = 0; i < 1000; i++)); do
		[ "$(stat_get stalled)" = 1 ] && { stalled=1; break; }
		kill -0 $trap_pid 2>/dev/null || break
		sleep 0.01
	done
	if [ $stalled = 1 ]; then
		child=$(pgrep -P $trap_pid -x gpu-initd) || fail "no gpu-initd under the trap"
		kill -KILL "$child"
		wait $trap_pid || true
		echo release >"$SIMFS/.simfs/control"
		# simfs drops the write of a killed writer once it sees the
		# interrupt; wait until it is done with it either way
		wait_stat stalled 0 || true
		echo "INJECTED"
	else
		wait $trap_pid || true
		echo release >"$SIMFS/.simfs/control"
	fi
}

# mdev_list: every mdev as "UUID PARENT TYPE" (the crash sweeps compare them)
mdev_list() {
	local m l
	for m in $(ls "$SIMROOT/sys/bus/mdev/devices" 2>/dev/null); do
		l=$(readlink "$SIMROOT/sys/bus/mdev/devices/$m")
		echo "$m $(basename "$(dirname "$l")") $(basename "$(readlink "$SIMROOT/sys/bus/mdev/devices/$m/mdev_type")")"
	done
}

# pf_stub_vfs PF N: NVIDIA's SR-IOV enable sequence up to the VFs (a tool
# outside gpu-initd doing it): the PF to pci-pf-stub by driver_override,
# VF autoprobe off, N VFs (unbound).  PF stays on pci-pf-stub.
pf_stub_vfs() {
	local S=$SIMROOT/sys/bus/pci D=$SIMROOT/sys/bus/pci/devices/$1
	echo "modprobe pci-pf-stub" >"$SIMFS/.simfs/control"
	echo pci-pf-stub >"$D/driver_override"
	echo "$1" >"$D/driver/unbind"
	echo "$1" >"$S/drivers_probe"
	echo 0 >"$D/sriov_drivers_autoprobe"
	echo "$2" >"$D/sriov_numvfs"
}

# make_partial: GPU 0000:18:00.0 (h100-hgx-8x) left by a VF removal that
# was killed part-way, as a tool outside gpu-initd would leave it: PF on
# pci-pf-stub, 4 VFs, VF 2 on vfio-pci held open by a VM; the writer of
# sriov_numvfs=0 blocks after VFs 0 and 1 are gone and is killed there;
# then the VM lets go.  sriov_numvfs still reads 4, virtfn2 and 3 remain.
make_partial() {
	local S=$SIMROOT/sys C=$SIMFS/.simfs/control vf g w i
	local D=$S/bus/pci/devices/0000:18:00.0
	echo "modprobe vfio-pci" >$C
	pf_stub_vfs 0000:18:00.0 4
	vf=$(basename "$(readlink $D/virtfn2)")
	echo vfio-pci >$S/bus/pci/devices/$vf/driver_override
	echo $vf >$S/bus/pci/drivers_probe
	g=$(basename "$(readlink $S/bus/pci/devices/$vf/iommu_group)")
	exec 7<>$SIMROOT/dev/vfio/$g
	(echo 0 >$D/sriov_numvfs) 2>/dev/null &
	w=$!
	wait_stat blocked 1 || fail "make_partial: the VF removal did not block"
	kill -KILL $w
	wait $w 2>/dev/null || true
	# simfs drops the killed write once it sees the interrupt
	wait_stat blocked 0 || true
	exec 7>&-
	[ ! -e $D/virtfn1 ] && [ -e $D/virtfn2 ] && [ "$(cat $D/sriov_numvfs)" = 4 ] ||
		fail "make_partial: not partial: $(ls $D | grep virtfn | tr '\n' ' ') numvfs $(cat $D/sriov_numvfs)"
}

# status_vgpus: the vGPUs of status.json as sorted "UUID PARENT" lines
# (apply keeps them when it changes nothing)
status_vgpus() {
	jcheck "$SIMROOT/run/gpu-initd/status.json" --get 'sorted(x.uuid + " " + x.parent for x in .vgpus)'
}

# check_reasons FILE: the reasons of a `check --json` output, "CODE: MESSAGE"
# a line
check_reasons() { jcheck "$1" --get '[r.code + ": " + r.message for r in .reasons]'; }
