# The same virt machine without an IOMMU: gpu-initd check says the IOMMU is
# off and gives the Arm fix, exit 1; apply refuses and writes nothing.
# qemu: -machine virt -device edu,addr=05.0
[ -z "$(ls /sys/class/iommu)" ] || fail "an IOMMU is present: $(ls /sys/class/iommu)"
rc=0
gpu-initd check >/run/check.txt || rc=$?
cat /run/check.txt
[ $rc = 1 ] || fail "check exited $rc, expected 1"
grep -q "^iommu    OFF" /run/check.txt || fail "no IOMMU OFF line"
grep -q "SMMU" /run/check.txt || fail "no Arm (SMMU) fix"
rc=0
gpu-initd apply 2>/run/apply.txt || rc=$?
cat /run/apply.txt
[ $rc = 1 ] || fail "apply exited $rc, expected 1"
grep -q "0 sysfs writes" /run/apply.txt || fail "apply wrote to sysfs"
[ ! -e /sys/bus/pci/devices/0000:00:05.0/driver ] || fail "edu got a driver"
