#!/bin/bash
# simfs twin of tests/vm/s-intremap.sh (fixture qemu-edu-intremap-off: the
# q35 guest with intremap=off on its command line): the scenario's body
# runs here unchanged (tests/it/vm-twin-lib.sh): check refuses with
# iommu-msi-not-isolated, apply writes nothing; with allow_unsafe_interrupts
# in modprobe.d check accepts and apply binds.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/qemu-edu-intremap-off.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
VM_LIB=tests/it/vm-twin-lib.sh
. tests/vm/s-intremap.sh
# the end state the real kernel left (tests/vm/golden, from the guest)
source tests/vm/state.sh
diff -u tests/vm/golden/s-intremap.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"
'
