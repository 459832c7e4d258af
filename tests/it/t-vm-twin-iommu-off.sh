#!/bin/bash
# simfs twins of tests/vm/s-iommu-off.sh (fixture qemu-edu-iommu-off; the
# scenario's body runs here unchanged: the DMAR table is there,
# intel_iommu=off on the command line; check exits 1 with
# iommu-disabled-cmdline, apply exits 1 and writes nothing); and of
# tests/vm/s-no-iommu.sh (no DMAR table: iommu-no-acpi-table), whose
# body runs here unchanged too.
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

# twin of tests/vm/s-no-iommu.sh (fixture qemu-edu-no-iommu): no DMAR
# table; the body is tests/vm/s-no-iommu.sh itself
tests/simnode run fixtures/qemu-edu-no-iommu.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
VM_LIB=tests/it/vm-twin-lib.sh
. tests/vm/s-no-iommu.sh
source tests/vm/state.sh
diff -u tests/vm/golden/s-no-iommu.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"
'
