#!/bin/bash
# simfs twin of tests/vm/s-passthrough.sh (fixture qemu-edu: the same q35
# guest): the scenario's body runs here unchanged (tests/it/vm-twin-lib.sh):
# QEMU's edu selected by vendor:device and named by resource-names; check
# passes, apply loads vfio-pci with its dependencies and vfio_iommu_type1
# (vfio's softdep), binds it, the group node appears, a second apply writes
# nothing; container mode gives it back.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/qemu-edu.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
VM_LIB=tests/it/vm-twin-lib.sh
. tests/vm/s-passthrough.sh
# the end state the real kernel left (tests/vm/golden, from the guest)
source tests/vm/state.sh
diff -u tests/vm/golden/s-passthrough.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"
'
