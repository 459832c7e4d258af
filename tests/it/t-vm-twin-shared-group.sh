#!/bin/bash
# simfs twin of tests/vm/s-shared-group.sh (fixture qemu-edu-shared-group):
# the scenario's body runs here unchanged (tests/it/vm-twin-lib.sh): two
# edu functions of one slot share group 2, the body puts 05.1 on pci-stub;
# selecting 05.0 is refused (group-has-foreign-device) by check and apply,
# nothing moves.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/qemu-edu-shared-group.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
VM_LIB=tests/it/vm-twin-lib.sh
. tests/vm/s-shared-group.sh
# the end state the real kernel left (tests/vm/golden, from the guest)
source tests/vm/state.sh
diff -u tests/vm/golden/s-shared-group.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"
'
