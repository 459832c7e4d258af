#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The incumbent for bench/boot: what NVIDIA's GPU Operator does with shell
# (its VFIO manager's `vfio-manage.sh bind --all`; for mdev vGPUs, the
# same echo-per-device approach), written for this benchmark.  Runs inside
# tests/simnode against ROOT (no /sys of the host): plain `echo` writes, one
# modprobe-like step (simfs's control file stands for modprobe's
# finit_module), and a sleep-free wait for each VFIO group node.
#
#   incumbent.sh ROOT SIMFS passthrough
#     every NVIDIA GPU PF (class 0x03xxxx) and the non-bridge members of its
#     IOMMU group: SR-IOV off first where VFs are enabled (through
#     pci-pf-stub, as nvidia cannot change sriov_numvfs), then
#     driver_override + unbind + drivers_probe, then wait for /dev/vfio/N
#   incumbent.sh ROOT SIMFS mdev TYPE_NAME PER_GPU
#     PER_GPU vGPUs of TYPE_NAME on each GPU: one mdev per VF parent (A100)
#     or PER_GPU on the PF (T4), a UUID written to `create`
#   incumbent.sh ROOT SIMFS vendor-vfio TYPE_NAME PER_GPU
#     H100 (vGPU 17+): PER_GPU VFs on each GPU by NVIDIA's sequence (PF to
#     pci-pf-stub, autoprobe off, sriov_numvfs, PF back to nvidia), each VF
#     to nvidia and its vGPU made by writing the type's ID to
#     nvidia/current_vgpu_type
set -eu
root=$1 simfs=$2 mode=$3
S=$root/sys/bus/pci

is_gpu() { # BDF: NVIDIA display/3D controller, not a VF
	local d=$S/devices/$1
	[ "$(cat "$d/vendor")" = 0x10de ] && case $(cat "$d/class") in 0x03*) true ;; *) false ;; esac &&
		[ ! -e "$d/physfn" ]
}

driver_of() {
	if [ -L "$S/devices/$1/driver" ]; then basename "$(readlink "$S/devices/$1/driver")"; fi
}

# to_driver BDF DRIVER: override, unbind from the current driver, re-probe
to_driver() {
	local bdf=$1 want=$2 cur
	cur=$(driver_of "$bdf")
	[ "$cur" = "$want" ] && return 0
	echo "$want" >"$S/devices/$bdf/driver_override"
	[ -n "$cur" ] && echo "$bdf" >"$S/drivers/$cur/unbind"
	echo "$bdf" >"$S/drivers_probe"
}

passthrough() {
	local gpus=() bdf m n
	for d in "$S"/devices/*; do
		bdf=${d##*/}
		is_gpu "$bdf" && gpus+=("$bdf")
	done
	echo "modprobe vfio-pci" >"$simfs/.simfs/control"
	for bdf in "${gpus[@]}"; do
		n=$(cat "$S/devices/$bdf/sriov_numvfs" 2>/dev/null || echo 0)
		if [ "$n" != 0 ]; then
			[ -d "$S/drivers/pci-pf-stub" ] || echo "modprobe pci-pf-stub" >"$simfs/.simfs/control"
			to_driver "$bdf" pci-pf-stub
			echo 0 >"$S/devices/$bdf/sriov_numvfs"
		fi
		for m in "$S/devices/$bdf/iommu_group/devices/"*; do
			m=${m##*/}
			case $(cat "$S/devices/$m/class") in 0x0604*) continue ;; esac
			to_driver "$m" vfio-pci
		done
	done
	# sleep-free wait: every group node present
	for bdf in "${gpus[@]}"; do
		g=$(basename "$(readlink "$S/devices/$bdf/iommu_group")")
		for ((i = 0; i < 1000000; i++)); do [ -e "$root/dev/vfio/$g" ] && break; done
		[ -e "$root/dev/vfio/$g" ] || { echo "incumbent: no /dev/vfio/$g" >&2; exit 1; }
	done
}

mdev() {
	local type=$1 per=$2 bdf t tdir parents k
	for d in "$S"/devices/*; do
		bdf=${d##*/}
		is_gpu "$bdf" || continue
		# the mdev parents: the GPU's VFs in order, else the GPU itself
		parents=$(for v in "$d"/virtfn*; do [ -e "$v" ] && basename "$(readlink "$v")"; done | sort)
		[ -n "$parents" ] || parents=$bdf
		# the type's folder (nvidia-N), looked up once per GPU
		tdir=""
		for t in "$S/devices/${parents%%$'\n'*}/mdev_supported_types/"*; do
			case $(cat "$t/name") in "$type" | "NVIDIA $type" | "GRID $type") tdir=${t##*/} && break ;; esac
		done
		[ -n "$tdir" ] || { echo "incumbent: $bdf: no type $type" >&2; exit 1; }
		k=0
		for p in $parents; do
			t=$S/devices/$p/mdev_supported_types/$tdir
			while [ $k -lt "$per" ] && [ "$(cat "$t/available_instances")" -gt 0 ]; do
				cat /proc/sys/kernel/random/uuid >"$t/create"
				k=$((k + 1))
			done
			[ $k -lt "$per" ] || break
		done
		[ $k = "$per" ] || { echo "incumbent: $bdf: $k of $per $type" >&2; exit 1; }
	done
}

vendor_vfio() {
	local type=$1 per=$2 bdf vf id i
	echo "modprobe pci-pf-stub" >"$simfs/.simfs/control"
	for d in "$S"/devices/*; do
		bdf=${d##*/}
		is_gpu "$bdf" || continue
		to_driver "$bdf" pci-pf-stub
		echo 0 >"$d/sriov_drivers_autoprobe"
		echo "$per" >"$d/sriov_numvfs"
		echo >"$d/driver_override"
		echo "$bdf" >"$S/drivers/pci-pf-stub/unbind"
		echo "$bdf" >"$S/drivers_probe"
		for ((i = 0; i < per; i++)); do
			vf=$(basename "$(readlink "$d/virtfn$i")")
			echo nvidia >"$S/devices/$vf/driver_override"
			echo "$vf" >"$S/drivers_probe"
			id=$(awk -v t="NVIDIA $type" -F' : ' '$2 == t { print $1 }' "$S/devices/$vf/nvidia/creatable_vgpu_types")
			[ -n "$id" ] || { echo "incumbent: $vf: $type not creatable" >&2; exit 1; }
			echo "$id" >"$S/devices/$vf/nvidia/current_vgpu_type"
		done
	done
}

case $mode in
passthrough) passthrough ;;
mdev) mdev "$4" "$5" ;;
vendor-vfio) vendor_vfio "$4" "$5" ;;
*) echo "usage: incumbent.sh ROOT SIMFS passthrough|mdev TYPE PER_GPU|vendor-vfio TYPE PER_GPU" >&2; exit 2 ;;
esac
