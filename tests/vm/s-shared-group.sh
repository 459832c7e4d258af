# Scenario 3: two functions of one multifunction slot share an IOMMU group
# (no ACS on QEMU's root bus).  05.1 is held by another driver (pci-stub,
# through driver_override and drivers_probe); selecting 05.0 is refused as
# unsafe by check and apply, and nothing moves: binding 05.0 would take
# 05.1 away from its driver.
# One body for both environments (tests/vm/lib.sh): the twin on simfs,
# tests/it/t-vm-twin-shared-group.sh, sources this file.
# qemu: -device edu,addr=05.0,multifunction=on -device edu,addr=05.1
. "${VM_LIB:-/lib.sh}"
a=0000:00:05.0 b=0000:00:05.1
config_passthrough 0000:00:05.0 1234:11e8 example.com/edu
[ "$(group_of $a)" = "$(group_of $b)" ] || fail "05.0 and 05.1 in different groups"
[ -z "$(driver_of $b)" ] || fail "05.1 bound to $(driver_of $b) at boot"
echo pci-stub >$ROOT/sys/bus/pci/devices/$b/driver_override
load_module pci-stub
echo $b >$ROOT/sys/bus/pci/drivers_probe
[ "$(driver_of $b)" = pci-stub ] || fail "05.1 not on pci-stub"
out=$ROOT/run/check.txt
expect_exit 1 gpu_initd check >$out 2>&1
cat $out
grep -q "group-has-foreign-device: .*$b" $out || fail "check does not name the foreign function"
w=$(sysfs_writes)
expect_exit 1 gpu_initd apply
[ "$(sysfs_writes)" = "$w" ] || fail "apply wrote to sysfs"
[ "$(driver_of $b)" = pci-stub ] || fail "05.1 taken from pci-stub: $(driver_of $b)"
[ -z "$(driver_of $a)" ] || fail "05.0 bound to $(driver_of $a)"
[ "$(cat $ROOT/sys/bus/pci/devices/$a/driver_override)" = "(null)" ] || fail "05.0 driver_override written"
