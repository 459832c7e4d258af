# Scenario 2: the emulated IOMMU is there (ACPI DMAR) but the command line
# turns it off.  check exits 1 naming the IOMMU and the cmdline flag; apply
# exits 1 and writes nothing: the device keeps no driver, its
# driver_override stays unset, no vfio module is loaded.
# Twin on simfs: tests/it/t-vm-twin-iommu-off.sh.
# qemu: -device edu,addr=05.0
# append: intel_iommu=off
. /lib.sh
bdf=0000:00:05.0
cat >/etc/gpu-initd/config.json <<'JSON'
{ "mode": "vm-passthrough", "devices": ["1234:11e8"],
  "resource-names": { "1234:11e8": "example.com/edu" } }
JSON
[ -e /sys/firmware/acpi/tables/DMAR ] || fail "no DMAR table"
[ -z "$(ls /sys/kernel/iommu_groups)" ] || fail "IOMMU groups exist with intel_iommu=off"
out=/tmp/check.txt
expect_exit 1 gpu-initd check >$out 2>&1
cat $out
grep -q 'intel_iommu=off' $out || fail "check does not name intel_iommu=off"
expect_exit 1 gpu-initd check --json >/tmp/check.json
grep -q '"cause":"iommu-disabled-cmdline"' /tmp/check.json || fail "check --json gives no IOMMU reason"
cat /tmp/check.json
expect_exit 1 gpu-initd apply
[ -z "$(driver_of $bdf)" ] || fail "$bdf bound to $(driver_of $bdf)"
[ "$(cat /sys/bus/pci/devices/$bdf/driver_override)" = "(null)" ] || fail "driver_override written"
for m in vfio vfio_pci vfio_iommu_type1; do
	! loaded $m || fail "apply loaded $m with the IOMMU off"
done
[ ! -e /run/gpu-initd/ready ] || fail "readiness file with the IOMMU off"
