# Scenario 2b: a machine without an IOMMU (no intel-iommu device: no ACPI
# DMAR table, as with VT-d off in the firmware).  check exits 1 with
# iommu-no-acpi-table, names the machine a QEMU guest (DMI sys_vendor, CPU
# hypervisor flag) and gives QEMU's intel-iommu device as the fix; apply
# exits 1 and writes nothing.
# One body for both environments (tests/vm/lib.sh): the twin on simfs,
# tests/it/t-vm-twin-iommu-off.sh (second part), sources this file.
# iommu: none
# qemu: -device edu,addr=05.0
. "${VM_LIB:-/lib.sh}"
bdf=0000:00:05.0
config_passthrough 1234:11e8 1234:11e8 example.com/edu
[ ! -e $ROOT/sys/firmware/acpi/tables/DMAR ] || fail "a DMAR table without intel-iommu"
out=$ROOT/run/check.json
expect_exit 1 gpu_initd check --json >$out
cat $out
grep -q '"cause":"iommu-no-acpi-table"' $out || fail "check --json: not iommu-no-acpi-table"
# a QEMU guest: the fix is the QEMU intel-iommu device, not the BIOS
grep -q '"virtual_machine":true,"hypervisor":"QEMU"' $out || fail "check --json: not a QEMU VM"
grep -q 'intel-iommu,intremap=on,caching-mode=on' $out || fail "check --json: no vIOMMU fix"
w=$(sysfs_writes)
expect_exit 1 gpu_initd apply
[ "$(sysfs_writes)" = "$w" ] || fail "apply wrote to sysfs without an IOMMU"
[ -z "$(driver_of $bdf)" ] || fail "$bdf bound to $(driver_of $bdf)"
[ "$(cat $ROOT/sys/bus/pci/devices/$bdf/driver_override)" = "(null)" ] || fail "driver_override written"
[ ! -e $ROOT/run/gpu-initd/ready ] || fail "readiness file without an IOMMU"
