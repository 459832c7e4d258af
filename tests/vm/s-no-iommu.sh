# Scenario 2b: a machine without an IOMMU (no intel-iommu device: no ACPI
# DMAR table, as with VT-d off in the firmware).  check exits 1 with
# iommu-no-acpi-table; apply exits 1 and writes nothing.
# Twin on simfs: tests/it/t-vm-twin-iommu-off.sh (second part).
# iommu: none
# qemu: -device edu,addr=05.0
. /lib.sh
bdf=0000:00:05.0
cat >/etc/gpu-initd/config.json <<'JSON'
{ "mode": "vm-passthrough", "devices": ["1234:11e8"],
  "resource-names": { "1234:11e8": "example.com/edu" } }
JSON
[ ! -e /sys/firmware/acpi/tables/DMAR ] || fail "a DMAR table without intel-iommu"
expect_exit 1 gpu-initd check --json >/tmp/check.json
cat /tmp/check.json
grep -q '"cause":"iommu-no-acpi-table"' /tmp/check.json || fail "check --json: not iommu-no-acpi-table"
expect_exit 1 gpu-initd apply
[ -z "$(driver_of $bdf)" ] || fail "$bdf bound to $(driver_of $bdf)"
[ "$(cat /sys/bus/pci/devices/$bdf/driver_override)" = "(null)" ] || fail "driver_override written"
[ ! -e /run/gpu-initd/ready ] || fail "readiness file without an IOMMU"
