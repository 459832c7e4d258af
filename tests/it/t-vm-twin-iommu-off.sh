#!/bin/bash
# simfs twins of tests/vm/s-iommu-off.sh (fixture qemu-edu-iommu-off; the
# scenario's body runs here unchanged: the DMAR table is there,
# intel_iommu=off on the command line; check exits 1 with
# iommu-disabled-cmdline, apply exits 1 and writes nothing); and of
# tests/vm/s-no-iommu.sh (no DMAR table: iommu-no-acpi-table).
source "$(dirname "$0")/lib.sh"

# the body is tests/vm/s-iommu-off.sh itself, on simfs (tests/it/vm-twin-lib.sh)
tests/simnode run fixtures/qemu-edu-iommu-off.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
VM_LIB=tests/it/vm-twin-lib.sh
. tests/vm/s-iommu-off.sh
# the end state the real kernel left (tests/vm/golden, from the guest)
source tests/vm/state.sh
diff -u tests/vm/golden/s-iommu-off.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"
'

# twin of tests/vm/s-no-iommu.sh (fixture qemu-edu-no-iommu): no DMAR table
tests/simnode run fixtures/qemu-edu-no-iommu.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
mkdir -p $SIMROOT/etc/gpu-initd
echo "{ \"mode\": \"vm-passthrough\", \"devices\": [\"1234:11e8\"],
  \"resource-names\": { \"1234:11e8\": \"example.com/edu\" } }" >$SIMROOT/etc/gpu-initd/config.json
[ ! -e $SIMROOT/sys/firmware/acpi/tables/DMAR ] || fail "a DMAR table"
expect_rc 1 gi check --json >$SIMROOT/check.json
grep -q "\"cause\":\"iommu-no-acpi-table\"" $SIMROOT/check.json || fail "check --json: $(cat $SIMROOT/check.json)"
# a QEMU guest (DMI sys_vendor, CPU flag): the fix is the QEMU intel-iommu device, not the BIOS
grep -q "\"virtual_machine\":true,\"hypervisor\":\"QEMU\"" $SIMROOT/check.json || fail "check --json: not a QEMU VM: $(cat $SIMROOT/check.json)"
grep -q "intel-iommu,intremap=on,caching-mode=on" $SIMROOT/check.json || fail "check --json: no vIOMMU fix"
w=$(stat_get writes)
expect_rc 1 gi apply
[ "$(stat_get writes)" = "$w" ] || fail "apply wrote to sysfs without an IOMMU"
[ ! -e $SIMROOT/run/gpu-initd/ready ] || fail "readiness file without an IOMMU"
source tests/vm/state.sh
diff -u tests/vm/golden/s-no-iommu.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"
'
