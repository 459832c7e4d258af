#!/bin/bash
# simfs twin of tests/vm/s-serve.sh (fixture qemu-edu): the scenario's body
# runs here unchanged (tests/it/vm-twin-lib.sh): gpu-initd serve registers
# with kubelet-stub; allocate gets the edu device with KubeVirt's env and
# the VFIO nodes, not twice; after a kubelet restart serve registers again.
source "$(dirname "$0")/lib.sh"

tests/simnode run --uevents fixtures/qemu-edu.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
VM_LIB=tests/it/vm-twin-lib.sh
. tests/vm/s-serve.sh
# the guest just powers off; here the two servers the body started stop
# (their ids: vm-twin-lib.sh execs them in their background jobs)
kill $(jobs -p); wait 2>/dev/null || true
# the end state the real kernel left (tests/vm/golden, from the guest)
source tests/vm/state.sh
diff -u tests/vm/golden/s-serve.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"
'
