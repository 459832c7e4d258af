# Passthrough on arm64 with an Arm SMMUv3 (QEMU virt,iommu=smmuv3, Debian's
# arm64 kernel): QEMU's edu (1234:11e8, no driver) selected by
# vendor:device.  check passes before any bind -- on Debian's 6.12 kernel
# the device has no IOMMU group until a driver probes it (tests/vm/arm64/
# a-groups.sh), which check reports as a group made at bind; on 7.3 it is
# in group 1 already -- and names the SMMUv3 unit; apply loads vfio-pci
# (libkmod, with its dependencies), binds the device, the group exists
# with /dev/vfio/N and is viable; a second apply writes nothing; container
# mode gives the device back (no driver; on 6.12 the group stays).
# The arm64 counterpart of tests/vm/s-passthrough.sh, one body for the
# guest and its simfs twin (tests/vm/lib.sh vocabulary).
# qemu: -machine virt,iommu=smmuv3,gic-version=3 -device edu,addr=05.0
# matrix: trixie/dt trixie/uefi trixie-backports/dt
# twin: qemu-virt-edu
. "${VM_LIB:-/lib.sh}"
bdf=0000:00:05.0
R=$ROOT/run
config_passthrough 1234:11e8 1234:11e8 example.com/edu
kver=$(cat $ROOT/proc/sys/kernel/osrelease)
case $kver in
6.12.*) at_probe=1 grp_want=0 ;;
7.*) at_probe= grp_want=1 ;;
*) fail "no expectation for kernel $kver" ;;
esac
[ -e $ROOT/sys/class/iommu/smmu3.0x0000000009050000 ] || fail "no SMMUv3 class device: $(ls $ROOT/sys/class/iommu)"
[ -z "$(driver_of $bdf)" ] || fail "edu already bound to $(driver_of $bdf)"
! loaded vfio_pci || fail "vfio_pci loaded before apply"
if [ -n "$at_probe" ]; then
	[ ! -e $ROOT/sys/bus/pci/devices/$bdf/iommu_group ] || fail "edu has group $(group_of $bdf) before a bind"
else
	[ "$(group_of $bdf)" = 1 ] || fail "edu in group '$(group_of $bdf)' at boot, expected 1"
fi
expect_exit 0 gpu_initd check >$R/check.txt 2>&1
cat $R/check.txt
grep -q "^iommu    on: arm-smmu-v3 (smmu3.0x0000000009050000)" $R/check.txt || fail "no SMMUv3 line"
expect_exit 0 gpu_initd check --json >$R/check.json
cat $R/check.json
# the diagnosis into the end state (the golden): ok, the edu's group and
# whether check expects it made at the bind
echo "check $(flat $R/check.json | grep -o '"ok":[a-z]*\|"iommu_group":[0-9a-z]*\|"group_at_bind":[a-z]*' | tr '\n' ' ')" >$R/vm-state.extra
if [ -n "$at_probe" ]; then
	flat $R/check.json | grep -q '"group_at_bind":true' || fail "check --json: no group_at_bind for the edu"
fi
expect_exit 0 gpu_initd apply
for m in vfio vfio_pci vfio_pci_core vfio_iommu_type1; do
	loaded $m || fail "module $m not loaded"
done
[ "$(driver_of $bdf)" = vfio-pci ] || fail "$bdf bound to '$(driver_of $bdf)', expected vfio-pci"
g=$(group_of $bdf)
[ "$g" = $grp_want ] || fail "edu in group '$g', expected $grp_want"
vfio_node $g || fail "/dev/vfio/$g missing"
group_viable $g || fail "group $g not viable"
[ -e $ROOT/run/gpu-initd/ready ] || fail "no readiness file"
expect_exit 0 gpu_initd check >$R/check2.txt 2>&1
grep -q "0000:00:05.0  1234:11e8 .* vfio-pci .* ok" $R/check2.txt || { cat $R/check2.txt; fail "edu line after apply"; }
w=$(sysfs_writes)
expect_exit 0 gpu_initd apply
[ "$(sysfs_writes)" = "$w" ] || fail "second apply wrote to sysfs"
[ "$(driver_of $bdf)" = vfio-pci ] || fail "second apply changed the binding"
# and back: container mode gives the device to its default driver (none)
echo '{ "mode": "container", "devices": ["1234:11e8"], "resource-names": { "1234:11e8": "example.com/edu" } }' >$R/container.json
expect_exit 0 gpu_initd --config $R/container.json apply
[ -z "$(driver_of $bdf)" ] || fail "still on $(driver_of $bdf) after container apply"
[ "$(cat $ROOT/sys/bus/pci/devices/$bdf/driver_override)" = "(null)" ] || fail "driver_override left set"
[ ! -e $ROOT/dev/vfio/$g ] || fail "/dev/vfio/$g left behind"
[ "$(group_of $bdf)" = $g ] || fail "group $g gone after the unbind"
