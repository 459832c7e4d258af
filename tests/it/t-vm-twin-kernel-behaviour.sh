#!/bin/bash
# simfs twin of tests/vm/s-kernel-behaviour.sh (fixture qemu-edu-nvme-sriov):
# the same sequence of sysfs writes and VFIO opens (tests/vm/behaviour.sh)
# must get the answers Debian's kernel gave in the guest, and leave the same
# end state (tests/vm/golden/s-kernel-behaviour.state).
source "$(dirname "$0")/lib.sh"
[ -x build/vm/vmtool ] || fail "build/vm/vmtool missing (make build/vm/vmtool)"

tests/simnode run fixtures/qemu-edu-nvme-sriov.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
source tests/vm/behaviour.sh; source tests/vm/state.sh
simload() { echo "modprobe $1" >$SIMFS/.simfs/control; }
diff -u tests/vm/golden/s-kernel-behaviour.state \
	<(behaviour_probe $SIMROOT build/vm/vmtool simload; state_dump $SIMROOT) ||
	fail "simfs and the real kernel disagree"
'
