#!/bin/bash
# simfs twins of tests/vm/s-sriov.sh and tests/vm/s-sriov-pf-driver.sh
# (fixture qemu-nvme-sriov): the scenarios' bodies run here unchanged
# (tests/it/vm-twin-lib.sh).  s-sriov: "sriov-vfs" on an unbound SR-IOV PF;
# apply puts the PF on pci-pf-stub, turns VF autoprobe off, enables 2 VFs
# and binds them to vfio-pci, each in its own group; a second apply writes
# nothing; then the refusals check makes: another VF count already enabled,
# more VFs than the PF offers, no such PF.  s-sriov-pf-driver: a PF on its
# own driver (nvme) keeps it, the VFs still go to vfio-pci.
source "$(dirname "$0")/lib.sh"

for s in s-sriov s-sriov-pf-driver; do
	tests/simnode run fixtures/qemu-nvme-sriov.json -- bash -c '
	source tests/it/lib.sh; source tests/it/initd-lib.sh
	initd_seam
	VM_LIB=tests/it/vm-twin-lib.sh
	. tests/vm/$1.sh
	# the end state the real kernel left (tests/vm/golden, from the guest)
	source tests/vm/state.sh
	diff -u tests/vm/golden/$1.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"
	' _ $s
done
