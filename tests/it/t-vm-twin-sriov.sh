#!/bin/bash
# simfs twin of tests/vm/s-sriov.sh (fixture qemu-nvme-sriov): "sriov-vfs"
# on an unbound SR-IOV PF; apply puts the PF on pci-pf-stub, turns VF
# autoprobe off, enables 2 VFs and binds them to vfio-pci, each in its own
# group; a second apply writes nothing.  Then the refusals check makes:
# another VF count already enabled, more VFs than the PF offers.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/qemu-nvme-sriov.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
pf=0000:00:06.0; P=$SIMROOT/sys/bus/pci/devices/$pf
mkdir -p $SIMROOT/etc/gpu-initd
echo "{ \"mode\": \"vm-passthrough\", \"sriov-vfs\": { \"1b36:0010\": 2 },
  \"resource-names\": { \"1b36:0010\": \"example.com/nvme-vf\" } }" >$SIMROOT/etc/gpu-initd/config.json
[ "$(cat $P/sriov_totalvfs)" = 2 ] || fail "PF offers $(cat $P/sriov_totalvfs) VFs"
expect_drv $pf none
expect_rc 0 gi check >$SIMROOT/check.txt
grep -q "^sriov    2 VF(s) to enable" $SIMROOT/check.txt || fail "check: $(cat $SIMROOT/check.txt)"
expect_rc 0 gi apply
expect_drv $pf pci-pf-stub
[ "$(cat $P/sriov_drivers_autoprobe)" = 0 ] || fail "VF autoprobe still on"
[ "$(cat $P/sriov_numvfs)" = 2 ] || fail "numvfs $(cat $P/sriov_numvfs)"
for i in 0 1; do
	vf=$(basename $(readlink $P/virtfn$i))
	[ "$vf" = 0000:00:06.$((i + 1)) ] || fail "virtfn$i is $vf, the guest has 0000:00:06.$((i + 1))"
	expect_drv $vf vfio-pci
	g=$(basename $(readlink $SIMROOT/sys/bus/pci/devices/$vf/iommu_group))
	[ "$g" = $((i + 4)) ] || fail "VF $vf in group $g, the guest has it in $((i + 4))"
	[ -e $SIMROOT/dev/vfio/$g ] || fail "/dev/vfio/$g missing"
done
w=$(stat_get writes)
expect_rc 0 gi apply 2>/dev/null
[ "$(stat_get writes)" = "$w" ] || fail "second apply wrote to sysfs"
# refusals, nothing written
for cfg in "{ \"sriov-vfs\": { \"0000:00:06.0\": 1 } }" "{ \"sriov-vfs\": { \"0000:00:06.0\": 3 } }" \
	   "{ \"sriov-vfs\": { \"0000:00:07.0\": 1 } }"; do
	expect_rc 1 gi --config <(echo "$cfg") check >$SIMROOT/c.txt 2>&1
	grep -q "sriov-vfs: " $SIMROOT/c.txt || fail "$cfg: $(cat $SIMROOT/c.txt)"
	expect_rc 1 gi --config <(echo "$cfg") apply 2>/dev/null
	[ "$(stat_get writes)" = "$w" ] || fail "$cfg: apply wrote to sysfs"
done
# the end state the real kernel left (tests/vm/golden, from the guest)
source tests/vm/state.sh
diff -u tests/vm/golden/s-sriov.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"

'

# twin of tests/vm/s-sriov-pf-driver.sh: a PF on its own driver (nvme
# configures SR-IOV itself) keeps it: no pci-pf-stub, the VFs still go to
# vfio-pci
tests/simnode run fixtures/qemu-nvme-sriov.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
pf=0000:00:06.0; P=$SIMROOT/sys/bus/pci/devices/$pf
echo "modprobe nvme" >$SIMFS/.simfs/control
[ -L $P/driver ] || echo $pf >$SIMROOT/sys/bus/pci/drivers_probe
expect_drv $pf nvme
expect_rc 0 gi --config <(echo "{ \"sriov-vfs\": { \"0000:00:06.0\": 2 }, \"resource-names\": { \"1b36:0010\": \"example.com/nvme-vf\" } }") apply
expect_drv $pf nvme
[ "$(cat $P/sriov_drivers_autoprobe)" = 0 ] || fail "VF autoprobe still on"
expect_drv 0000:00:06.1 vfio-pci
expect_drv 0000:00:06.2 vfio-pci
! grep -q "^pci_pf_stub " $SIMROOT/proc/modules || fail "pci-pf-stub loaded for a PF on its driver"
source tests/vm/state.sh
diff -u tests/vm/golden/s-sriov-pf-driver.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"
'
