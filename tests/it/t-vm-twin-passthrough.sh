#!/bin/bash
# simfs twin of tests/vm/s-passthrough.sh (fixture qemu-edu: the same q35
# guest): QEMU's edu selected by vendor:device and named by resource-names;
# check passes, apply loads vfio-pci with its dependencies and
# vfio_iommu_type1 (vfio's softdep), binds it, the group node appears, a
# second apply writes nothing; container mode gives it back.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/qemu-edu.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
bdf=0000:00:05.0
mkdir -p $SIMROOT/etc/gpu-initd
echo "{ \"mode\": \"vm-passthrough\", \"devices\": [\"1234:11e8\"],
  \"resource-names\": { \"1234:11e8\": \"example.com/edu\" } }" >$SIMROOT/etc/gpu-initd/config.json
[ -d $SIMROOT/sys/class/iommu/dmar0 ] || fail "no dmar0"
expect_drv $bdf none
! grep -q "^vfio_pci " $SIMROOT/proc/modules || fail "vfio_pci loaded before apply"
expect_rc 0 gi check >/dev/null
expect_rc 0 gi apply
for m in vfio vfio_pci vfio_pci_core vfio_iommu_type1 irqbypass; do
	grep -q "^$m " $SIMROOT/proc/modules || fail "module $m not loaded"
done
expect_drv $bdf vfio-pci
g=$(basename $(readlink $SIMROOT/sys/bus/pci/devices/$bdf/iommu_group))
[ "$g" = 2 ] || fail "edu in group $g, the guest has it in 2"
[ -e $SIMROOT/dev/vfio/$g ] || fail "/dev/vfio/$g missing"
grep -q "0000:00:05.0" $SIMROOT/run/gpu-initd/status.json || fail "status.json lacks the device"
[ -e $SIMROOT/run/gpu-initd/ready ] || fail "no readiness file"
w=$(stat_get writes)
expect_rc 0 gi apply
[ "$(stat_get writes)" = "$w" ] || fail "second apply wrote to sysfs"
expect_drv $bdf vfio-pci
# and back: container mode gives the device to its default driver (none)
expect_rc 0 gi --config <(echo "{ \"mode\": \"container\", \"devices\": [\"1234:11e8\"], \"resource-names\": { \"1234:11e8\": \"example.com/edu\" } }") apply
expect_drv $bdf none
[ "$(cat $SIMROOT/sys/bus/pci/devices/$bdf/driver_override)" = "(null)" ] || fail "driver_override left set"
[ ! -e $SIMROOT/dev/vfio/$g ] || fail "/dev/vfio/$g left behind"
# the end state the real kernel left (tests/vm/golden, from the guest)
source tests/vm/state.sh
diff -u tests/vm/golden/s-passthrough.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"

'
