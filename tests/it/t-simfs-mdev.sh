#!/bin/bash
# mdev through the mount: create and remove on a T4 PF and on an A100 VF,
# capacity and NVIDIA's equal-size rule, and real mdevctl agreeing.
source "$(dirname "$0")/lib.sh"
U1=8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01
U2=8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d02

tests/simnode run fixtures/t4-4x.json -- bash -c '
source tests/it/lib.sh
S=$SIMROOT/sys; P=0000:3b:00.0; T=$S/bus/pci/devices/$P/mdev_supported_types
[ -L $S/class/mdev_bus/$P ] || fail "class/mdev_bus lists the T4"
[ "$(cat $T/nvidia-232/name)" = "GRID T4-4Q" ] || fail "type name: $(cat $T/nvidia-232/name)"
[ "$(cat $T/nvidia-232/device_api)" = vfio-pci ] || fail device_api
[ "$(cat $T/nvidia-232/available_instances)" = 4 ] || fail "4Q: 4 at start"
expect_write_error "Invalid argument" not-a-uuid $T/nvidia-232/create
expect_write_error "Invalid argument" '"${U1}x"' $T/nvidia-232/create
echo '"$U1"' >$T/nvidia-232/create
[ "$(cat $T/nvidia-232/available_instances)" = 3 ] || fail "4Q: 3 left"
[ "$(cat $T/nvidia-233/available_instances)" = 0 ] || fail "equal-size rule: 8Q blocked"
[ "$(cat $T/nvidia-319/available_instances)" = 3 ] || fail "4C is the same size: 3"
expect_write_error "File exists" '"$U1"' $T/nvidia-232/create
M=$S/bus/mdev/devices/'"$U1"'
[ "$(basename $(readlink $M/mdev_type))" = nvidia-232 ] || fail "mdev_type link"
[ -L $T/nvidia-232/devices/'"$U1"' ] || fail "type lists its device"
g=$(basename $(readlink $M/iommu_group))
[ -e $SIMROOT/dev/vfio/$g ] || fail "mdev group node /dev/vfio/$g"
for i in 2 3 4; do echo 8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6e0$i >$T/nvidia-232/create; done
expect_write_error "Too many users" '"$U2"' $T/nvidia-232/create
# real mdevctl reads the same sysfs
mount --bind $SIMFS/sys /sys
mdevctl types >/tmp/types.$$ 2>&1 || fail "mdevctl types: $(cat /tmp/types.$$)"
grep -q "GRID T4-4Q" /tmp/types.$$ || fail "mdevctl types lacks T4-4Q: $(head /tmp/types.$$)"
mdevctl list >/tmp/list.$$ 2>&1 || fail "mdevctl list"
grep -q "'"$U1"' $P nvidia-232" /tmp/list.$$ || fail "mdevctl list: $(cat /tmp/list.$$)"
umount /sys
# a VM holds one open: it cannot be removed
exec 3<>$SIMROOT/dev/vfio/$g
expect_write_error "Device or resource busy" 1 $M/remove
exec 3>&-
echo 1 >$M/remove
[ ! -e $M ] && [ ! -e $SIMROOT/dev/vfio/$g ] || fail "removed mdev and its group node gone"
[ "$(cat $T/nvidia-232/available_instances)" = 1 ] || fail "capacity back"
rm -f /tmp/types.$$ /tmp/list.$$
'

tests/simnode run fixtures/a100-pcie-8x.json -- bash -c '
source tests/it/lib.sh
S=$SIMROOT/sys; VF=0000:17:00.4; T=$S/bus/pci/devices/$VF/mdev_supported_types
[ ! -e $S/bus/pci/devices/0000:17:00.0/mdev_supported_types ] || fail "the A100 PF is no mdev parent"
[ "$(cat $T/nvidia-471/name)" = "NVIDIA A100-10C" ] || fail "A100-10C name"
[ "$(cat $T/nvidia-474/available_instances)" = 0 ] || fail "MIG-backed A100-1-5C needs a GPU instance"
echo '"$U1"' >$T/nvidia-471/create
[ "$(cat $T/nvidia-471/available_instances)" = 0 ] || fail "a VF hosts one mdev"
T5=$S/bus/pci/devices/0000:17:00.5/mdev_supported_types
[ "$(cat $T5/nvidia-471/available_instances)" = 1 ] || fail "sibling VF can take a 10C"
[ "$(cat $T5/nvidia-472/available_instances)" = 0 ] || fail "equal-size: no 20C next to a 10C"
for v in 5 6 7; do echo 8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6f0$v >$S/bus/pci/devices/0000:17:00.$v/mdev_supported_types/nvidia-471/create; done
T8=$S/bus/pci/devices/0000:17:01.0/mdev_supported_types
[ "$(cat $T8/nvidia-471/available_instances)" = 0 ] || fail "4 x 10C fill an A100 40GB"
expect_write_error "Too many users" '"$U2"' $T8/nvidia-471/create
# another GPU is independent
[ "$(cat $S/bus/pci/devices/0000:31:00.4/mdev_supported_types/nvidia-472/available_instances)" = 1 ] || fail "other GPU"
mount --bind $SIMFS/sys /sys
out=$(mdevctl types 2>&1) || fail "mdevctl types"
grep -q "NVIDIA A100-10C" <<<"$out" || fail "mdevctl types A100"
out=$(mdevctl list 2>&1) || fail "mdevctl list"
grep -q "'"$U1"' $VF nvidia-471" <<<"$out" || fail "mdevctl list A100: $out"
umount /sys
echo 1 >$S/bus/mdev/devices/'"$U1"'/remove
[ ! -e $S/bus/mdev/devices/'"$U1"' ] || fail "A100 mdev removed"
[ "$(cat $T/nvidia-471/available_instances)" = 1 ] || fail "the VF is free again"
'
