#!/bin/bash
# SR-IOV and NVIDIA's vendor-specific VFIO through the mount, with plain
# shell writes: NVIDIA's VF enable sequence on an H100 and its reverse,
# the kernel's sriov_numvfs errnos, current_vgpu_type and its capacity.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh
S=$SIMROOT/sys; C=$SIMFS/.simfs/control
PF=0000:18:00.0; D=$S/bus/pci/devices/$PF
[ "$(cat $D/sriov_totalvfs)" = 32 ] && [ "$(cat $D/sriov_numvfs)" = 0 ] || fail "H100 starts with 0 of 32 VFs"
[ "$(cat $D/sriov_offset) $(cat $D/sriov_stride) $(cat $D/sriov_vf_device)" = "4 1 2330" ] || fail "offset/stride/vf_device"
[ "$(cat $D/sriov_drivers_autoprobe)" = 1 ] || fail "autoprobe defaults to 1"
# the kernel rules
expect_write_error "Numerical result out of range" 33 $D/sriov_numvfs
expect_write_error "No such file or directory" 4 $D/sriov_numvfs   # nvidia cannot configure SR-IOV
expect_write_error "Invalid argument" abc $D/sriov_numvfs
echo 0 >$D/sriov_numvfs                                            # same value: a no-op
expect_write_error "Invalid argument" maybe $D/sriov_drivers_autoprobe

# NVIDIA enable sequence: PF to pci-pf-stub via driver_override, autoprobe
# off, VFs, PF back to nvidia, VFs to nvidia
echo "modprobe pci-pf-stub" >$C
echo pci-pf-stub >$D/driver_override
echo $PF >$D/driver/unbind
echo $PF >$S/bus/pci/drivers_probe
[ "$(basename $(readlink $D/driver))" = pci-pf-stub ] || fail "PF on pci-pf-stub"
echo 0 >$D/sriov_drivers_autoprobe
echo 32 >$D/sriov_numvfs
[ "$(cat $D/sriov_numvfs)" = 32 ] || fail "32 VFs"
expect_write_error "Device or resource busy" 16 $D/sriov_numvfs
VF0=0000:18:00.4; VF31=0000:18:04.3
[ "$(readlink $D/virtfn0)" = ../$VF0 ] || fail "virtfn0 -> $(readlink $D/virtfn0)"
[ "$(readlink $D/virtfn31)" = ../$VF31 ] || fail "virtfn31 -> $(readlink $D/virtfn31)"
[ "$(readlink $S/bus/pci/devices/$VF0/physfn)" = ../$PF ] || fail "physfn"
[ "$(cat $S/bus/pci/devices/$VF0/device)" = 0x2330 ] || fail "VF device id"
[ -e $S/bus/pci/devices/$VF0/iommu_group ] || fail "VF has an IOMMU group"
g0=$(basename $(readlink $S/bus/pci/devices/$VF0/iommu_group)); g1=$(basename $(readlink $S/bus/pci/devices/0000:18:00.5/iommu_group))
[ "$g0" != "$g1" ] || fail "VFs share a group"
[ ! -e $S/bus/pci/devices/$VF0/driver ] || fail "autoprobe 0: VFs stay unbound"
expect_write_error "No such device" $VF0 $S/bus/pci/drivers/nvidia/bind   # not without an override
echo >$D/driver_override
echo $PF >$S/bus/pci/drivers/pci-pf-stub/unbind
echo $PF >$S/bus/pci/drivers_probe
[ "$(basename $(readlink $D/driver))" = nvidia ] || fail "PF back on nvidia"
for i in $(seq 0 31); do
	vf=$(basename $(readlink $D/virtfn$i))
	echo nvidia >$S/bus/pci/devices/$vf/driver_override
	echo $vf >$S/bus/pci/drivers_probe
done
[ "$(basename $(readlink $S/bus/pci/devices/$VF31/driver))" = nvidia ] || fail "VFs on nvidia"
# the PF does not leave nvidia while VFs are on nvidia (the NVIDIA
# sriov-manage never does it; the model refuses, unverified)
expect_write_error "Device or resource busy" $PF $D/driver/unbind
# vfio-pci refuses a PF with VFs (the VFs leave nvidia first)
echo "modprobe vfio-pci" >$C
echo vfio-pci >$D/driver_override
for i in $(seq 0 31); do echo $(basename $(readlink $D/virtfn$i)) >$S/bus/pci/drivers/nvidia/unbind; done
echo $PF >$D/driver/unbind
expect_write_error "Device or resource busy" $PF $S/bus/pci/drivers/vfio-pci/bind
echo >$D/driver_override
echo $PF >$S/bus/pci/drivers_probe
for i in $(seq 0 31); do echo $(basename $(readlink $D/virtfn$i)) >$S/bus/pci/drivers_probe; done
[ "$(basename $(readlink $S/bus/pci/devices/$VF31/driver))" = nvidia ] || fail "VFs back on nvidia"

# vendor-specific VFIO on the VFs
T=$S/bus/pci/devices/$VF0/nvidia
# NVIDIA nvidia-vgpu-vfio (vgpu-vfio-pci-core.c): a VF is a VFIO device from the bind
g0=$(basename $(readlink $S/bus/pci/devices/$VF0/iommu_group))
[ -e $SIMROOT/dev/vfio/$g0 ] || fail "VF on nvidia without a vGPU has no /dev/vfio/$g0"
ls $S/bus/pci/devices/$VF0/vfio-dev | grep -q "^vfio[0-9]" || fail "VF has no vfio-dev/"
[ "$(head -1 $T/creatable_vgpu_types)" = "ID    : vGPU Name" ] || fail "creatable header: $(cat $T/creatable_vgpu_types)"
grep -q "^1013  : NVIDIA H100XM-10C$" $T/creatable_vgpu_types || fail "creatable: $(cat $T/creatable_vgpu_types)"
grep -q "H100XM-1-10C" $T/creatable_vgpu_types && fail "MIG-backed types need a GPU instance"
[ "$(cat $T/current_vgpu_type)" = 0 ] || fail "no vGPU at start"
expect_write_error "Invalid argument" x1 $T/current_vgpu_type
expect_write_error "Operation not permitted" 0 $T/current_vgpu_type     # no vGPU to delete
expect_write_error "Input/output error" 4242 $T/current_vgpu_type       # RM: no such type
expect_write_error "Input/output error" 1001 $T/current_vgpu_type       # MIG-backed: no GPU instance
for i in $(seq 0 7); do
	vf=$(basename $(readlink $D/virtfn$i))
	echo 1013 >$S/bus/pci/devices/$vf/nvidia/current_vgpu_type
	g=$(basename $(readlink $S/bus/pci/devices/$vf/iommu_group))
	[ -e $SIMROOT/dev/vfio/$g ] || fail "vGPU on $vf has no /dev/vfio/$g"
done
[ "$(cat $T/current_vgpu_type)" = 1013 ] || fail "current_vgpu_type reads the ID"
[ "$(cat $T/creatable_vgpu_types)" = "ID    : vGPU Name" ] || fail "a VF with a vGPU offers nothing"
T8=$S/bus/pci/devices/0000:18:01.4/nvidia
[ "$(cat $T8/creatable_vgpu_types)" = "ID    : vGPU Name" ] || fail "8 x 10C fill the GPU: $(cat $T8/creatable_vgpu_types)"
expect_write_error "Input/output error" 1013 $T8/current_vgpu_type
expect_write_error "Operation not permitted" 1013 $T/current_vgpu_type   # one already set
# delete one: capacity comes back, only at the same size (equal-size rule)
echo 0 >$T/current_vgpu_type
grep -q "^1013  : NVIDIA H100XM-10C$" $T8/creatable_vgpu_types || fail "capacity back"
grep -q "H100XM-20C" $T8/creatable_vgpu_types && fail "equal-size rule: no other size while 10C exist"
# a vGPU a VM holds open cannot be deleted
T1=$S/bus/pci/devices/0000:18:00.5/nvidia
g1=$(basename $(readlink $S/bus/pci/devices/0000:18:00.5/iommu_group))
exec 3<>$SIMROOT/dev/vfio/$g1
expect_write_error "Operation not permitted" 0 $T1/current_vgpu_type
exec 3>&-
for i in $(seq 1 7); do
	vf=$(basename $(readlink $D/virtfn$i))
	echo 0 >$S/bus/pci/devices/$vf/nvidia/current_vgpu_type
done
grep -q "H100XM-20C" $T8/creatable_vgpu_types || fail "all sizes back once empty"

# reverse: VFs off nvidia, PF to pci-pf-stub, numvfs 0, PF back
for i in $(seq 0 31); do
	vf=$(basename $(readlink $D/virtfn$i))
	echo $vf >$S/bus/pci/drivers/nvidia/unbind
done
echo pci-pf-stub >$D/driver_override
echo $PF >$D/driver/unbind
echo $PF >$S/bus/pci/drivers_probe
echo 0 >$D/sriov_numvfs
[ ! -e $S/bus/pci/devices/$VF0 ] && [ ! -e $D/virtfn0 ] || fail "VFs gone"
echo >$D/driver_override
echo $PF >$S/bus/pci/drivers/pci-pf-stub/unbind
echo 1 >$D/sriov_drivers_autoprobe
echo $PF >$S/bus/pci/drivers_probe
[ "$(basename $(readlink $D/driver))" = nvidia ] || fail "PF back on nvidia at the end"
# vfio-pci configures SR-IOV only with enable_sriov
echo "rmmod vfio_pci" >$C
echo "modprobe vfio_pci enable_sriov=1" >$C
[ "$(cat $S/module/vfio_pci/parameters/enable_sriov)" = Y ] || fail "enable_sriov parameter"
echo vfio-pci >$D/driver_override
echo $PF >$D/driver/unbind
echo $PF >$S/bus/pci/drivers_probe
echo 1 >$D/sriov_drivers_autoprobe
echo 2 >$D/sriov_numvfs
[ "$(cat $D/sriov_numvfs)" = 2 ] || fail "vfio-pci with enable_sriov enables VFs"
# VFs probe on their own with autoprobe 1: nvidia matches them
[ "$(basename $(readlink $S/bus/pci/devices/$VF0/driver))" = nvidia ] || fail "autoprobed VF"
'
