# The virt machine without an IOMMU (device tree, no SMMU): gpu-initd check
# says the IOMMU is off and gives the Arm fix, exit 1; apply refuses and
# writes nothing (no driver, driver_override unset, no vfio module).
# One body for the guest and its simfs twin (tests/vm/lib.sh vocabulary).
# qemu: -machine virt,gic-version=3 -device edu,addr=05.0
# matrix: trixie/dt
# twin: qemu-virt-edu-no-iommu
. "${VM_LIB:-/lib.sh}"
bdf=0000:00:05.0
config_passthrough 1234:11e8 1234:11e8 example.com/edu
[ -z "$(ls $ROOT/sys/class/iommu)" ] || fail "an IOMMU is present: $(ls $ROOT/sys/class/iommu)"
[ -e $ROOT/sys/firmware/devicetree/base ] || fail "not booted from a device tree"
out=$ROOT/run/check.txt
expect_exit 1 gpu_initd check >$out 2>&1
cat $out
grep -q "^iommu    OFF" $out || fail "no IOMMU OFF line"
grep -q "SMMU" $out || fail "no Arm (SMMU) fix"
w=$(sysfs_writes)
expect_exit 1 gpu_initd apply 2>$ROOT/run/apply.txt
cat $ROOT/run/apply.txt
grep -q "0 sysfs writes" $ROOT/run/apply.txt || fail "apply does not report 0 sysfs writes"
[ "$(sysfs_writes)" = "$w" ] || fail "apply wrote to sysfs with the IOMMU off"
[ -z "$(driver_of $bdf)" ] || fail "edu got a driver: $(driver_of $bdf)"
[ "$(cat $ROOT/sys/bus/pci/devices/$bdf/driver_override)" = "(null)" ] || fail "driver_override written"
for m in vfio vfio_pci vfio_iommu_type1; do
	! loaded $m || fail "apply loaded $m with the IOMMU off"
done
