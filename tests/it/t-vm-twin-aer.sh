#!/bin/bash
# simfs twin of tests/vm/s-aer.sh (fixture qemu-aer): the scenario's body
# runs here unchanged (tests/it/vm-twin-lib.sh: the errors come from simfs's
# sick control instead of QEMU's monitor): a device on vfio-pci behind a
# root port, served; a non-fatal error (counted, recovered: stays Healthy),
# a fatal one (not counted by the endpoint, counted by the root port,
# recovery failed: Unhealthy(aer-recovery-failed), nothing to allocate),
# then remove, rescan, apply (Healthy again).  What the guest printed (the
# aer lines) and its end state must be what simfs gives.
source "$(dirname "$0")/lib.sh"

tests/simnode run --uevents fixtures/qemu-aer.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
VM_LIB=tests/it/vm-twin-lib.sh
. tests/vm/s-aer.sh
# the guest just powers off; here the servers and the listener stop
kill $(jobs -p); wait 2>/dev/null || true
source tests/vm/state.sh
diff -u tests/vm/golden/s-aer.state <(cat $SIMROOT/run/vm-state.extra; state_dump $SIMROOT) ||
	fail "simfs and the real kernel disagree"
'
