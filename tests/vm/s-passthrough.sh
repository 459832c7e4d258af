# Scenario 1, the happy path: QEMU's edu device (1234:11e8, class 0x00ff, no
# driver) selected by vendor:device and named through resource-names.  check
# passes, apply loads vfio-pci with libkmod (its dependencies from
# modules.dep, vfio_iommu_type1 through vfio's softdep), binds the device,
# /dev/vfio/<group> appears and the group is viable.  A second apply changes
# nothing (and on simfs writes nothing); container mode then gives the
# device back (no driver).
# One body for both environments (tests/vm/lib.sh): the twin on simfs,
# tests/it/t-vm-twin-passthrough.sh, sources this file.
# qemu: -device edu,addr=05.0
. "${VM_LIB:-/lib.sh}"
bdf=0000:00:05.0
config_passthrough 1234:11e8 1234:11e8 example.com/edu
[ -d $ROOT/sys/class/iommu/dmar0 ] || fail "no emulated Intel IOMMU"
[ -z "$(driver_of $bdf)" ] || fail "edu already bound to $(driver_of $bdf)"
! loaded vfio_pci || fail "vfio_pci loaded before apply"
expect_exit 0 gpu_initd check
expect_exit 0 gpu_initd apply
for m in vfio vfio_pci vfio_pci_core vfio_iommu_type1 irqbypass; do
	loaded $m || fail "module $m not loaded"
done
[ "$(driver_of $bdf)" = vfio-pci ] || fail "$bdf bound to '$(driver_of $bdf)', expected vfio-pci"
g=$(group_of $bdf)
[ "$g" = 2 ] || fail "edu in group $g, expected 2 (fixtures/qemu-edu.json, read from this guest)"
vfio_node $g || fail "/dev/vfio/$g missing"
group_viable $g || fail "group $g not viable"
grep -q '"1234:11e8"\|0000:00:05.0' $ROOT/run/gpu-initd/status.json || fail "status.json lacks the device"
[ -e $ROOT/run/gpu-initd/ready ] || fail "no readiness file"
w=$(sysfs_writes)
expect_exit 0 gpu_initd apply
[ "$(sysfs_writes)" = "$w" ] || fail "second apply wrote to sysfs"
[ "$(driver_of $bdf)" = vfio-pci ] || fail "second apply changed the binding"
# and back: container mode gives the device to its default driver (none)
echo '{ "mode": "container", "devices": ["1234:11e8"], "resource-names": { "1234:11e8": "example.com/edu" } }' >$ROOT/run/container.json
expect_exit 0 gpu_initd --config $ROOT/run/container.json apply
[ -z "$(driver_of $bdf)" ] || fail "still on $(driver_of $bdf) after container apply"
[ "$(cat $ROOT/sys/bus/pci/devices/$bdf/driver_override)" = "(null)" ] || fail "driver_override left set"
[ ! -e $ROOT/dev/vfio/$g ] || fail "/dev/vfio/$g left behind"
