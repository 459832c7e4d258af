# Scenario 2: the emulated IOMMU is there (ACPI DMAR) but the command line
# turns it off.  check exits 1 naming the IOMMU and the cmdline flag; apply
# exits 1 and writes nothing: the device keeps no driver, its
# driver_override stays unset, no vfio module is loaded.
# One body for both environments (tests/vm/lib.sh): the twin on simfs,
# tests/it/t-vm-twin-iommu-off.sh, sources this file.
# qemu: -device edu,addr=05.0
# append: intel_iommu=off
. "${VM_LIB:-/lib.sh}"
bdf=0000:00:05.0
config_passthrough 1234:11e8 1234:11e8 example.com/edu
[ -e $ROOT/sys/firmware/acpi/tables/DMAR ] || fail "no DMAR table"
[ -z "$(ls $ROOT/sys/kernel/iommu_groups)" ] || fail "IOMMU groups exist with intel_iommu=off"
out=$ROOT/run/check.txt
expect_exit 1 gpu_initd check >$out 2>&1
cat $out
grep -q 'intel_iommu=off' $out || fail "check does not name intel_iommu=off"
expect_exit 1 gpu_initd check --json >$ROOT/run/check.json
grep -q '"cause":"iommu-disabled-cmdline"' $ROOT/run/check.json || fail "check --json gives no IOMMU reason"
cat $ROOT/run/check.json
w=$(sysfs_writes)
expect_exit 1 gpu_initd apply
[ "$(sysfs_writes)" = "$w" ] || fail "apply wrote to sysfs with the IOMMU off"
[ -z "$(driver_of $bdf)" ] || fail "$bdf bound to $(driver_of $bdf)"
[ "$(cat $ROOT/sys/bus/pci/devices/$bdf/driver_override)" = "(null)" ] || fail "driver_override written"
for m in vfio vfio_pci vfio_iommu_type1; do
	! loaded $m || fail "apply loaded $m with the IOMMU off"
done
[ ! -e $ROOT/run/gpu-initd/ready ] || fail "readiness file with the IOMMU off"
