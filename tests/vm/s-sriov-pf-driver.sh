# Scenario 4b: the SR-IOV PF is on its own driver (nvme, which configures
# SR-IOV itself): "sriov-vfs" keeps it there -- a PF is never taken from its
# host driver -- turns VF autoprobe off so nvme does not take the new VFs,
# enables them through nvme and binds them to vfio-pci.
# One body for both environments (tests/vm/lib.sh): the twin on simfs,
# tests/it/t-vm-twin-sriov.sh (second part), sources this file.
# qemu: -device nvme-subsys,id=subsys0
# qemu: -device nvme,serial=vmtest,subsys=subsys0,addr=06.0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=3
. "${VM_LIB:-/lib.sh}"
pf=0000:00:06.0
P=$ROOT/sys/bus/pci/devices/$pf
[ -z "$(driver_of $pf)" ] || fail "PF bound to $(driver_of $pf) at boot"
# loading nvme binds the unbound PF (driver_register -> driver_attach)
load_module nvme
[ "$(driver_of $pf)" = nvme ] || fail "PF not on nvme: '$(driver_of $pf)'"
mkdir -p $ROOT/etc/gpu-initd
echo '{ "sriov-vfs": { "0000:00:06.0": 2 }, "resource-names": { "1b36:0010": "example.com/nvme-vf" } }' \
	>$ROOT/etc/gpu-initd/config.json
expect_exit 0 gpu_initd apply
[ "$(driver_of $pf)" = nvme ] || fail "PF taken from nvme: '$(driver_of $pf)'"
! loaded pci_pf_stub || fail "pci-pf-stub loaded for a PF on its driver"
[ "$(cat $P/sriov_drivers_autoprobe)" = 0 ] || fail "VF autoprobe still on"
for vf in 0000:00:06.1 0000:00:06.2; do
	[ "$(driver_of $vf)" = vfio-pci ] || fail "VF $vf on '$(driver_of $vf)'"
	group_viable $(group_of $vf) || fail "VF $vf group not viable"
done
