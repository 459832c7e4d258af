#!/bin/bash
# simfs twin of tests/vm/s-kernel-behaviour.sh (fixture qemu-edu-nvme-sriov):
# the scenario's body runs here unchanged (tests/it/vm-twin-lib.sh): the
# same sequence of sysfs writes and VFIO opens (tests/vm/behaviour.sh) must
# get the answers Debian's kernel gave in the guest, and leave the same end
# state (tests/vm/golden/s-kernel-behaviour.state).
source "$(dirname "$0")/lib.sh"
[ -x build/vm/vmtool ] || fail "build/vm/vmtool missing (make build/vm/vmtool)"

tests/simnode run fixtures/qemu-edu-nvme-sriov.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
VM_LIB=tests/it/vm-twin-lib.sh
. tests/vm/s-kernel-behaviour.sh >/dev/null
source tests/vm/state.sh
diff -u tests/vm/golden/s-kernel-behaviour.state <(cat $SIMROOT/run/vm-state.extra; state_dump $SIMROOT) ||
	fail "simfs and the real kernel disagree"
'
