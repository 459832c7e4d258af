# Scenario 4: real SR-IOV.  QEMU 7.2's nvme with 2 VFs (nvme-subsys, and
# sriov_vq_flexible >= 2 per VF, sriov_vi_flexible >= 1 per VF, max_ioqpairs
# >= vq_flexible + 2, msix_qsize >= vi_flexible + 1, as QEMU checks).  No
# nvme driver in the initramfs: the PF is unbound.  "sriov-vfs" selects its
# VFs for passthrough: apply puts the PF on pci-pf-stub (driver_override),
# turns VF autoprobe off, enables 2 VFs and binds them to vfio-pci; each VF
# has its own viable group.  A second apply changes nothing.  Then the
# refusals check and apply make, writing nothing: another VF count than the
# one enabled, more VFs than the PF offers, no such PF.
# One body for both environments (tests/vm/lib.sh): the twin on simfs,
# tests/it/t-vm-twin-sriov.sh, sources this file.
# qemu: -device nvme-subsys,id=subsys0
# qemu: -device nvme,serial=vmtest,subsys=subsys0,addr=06.0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=3
. "${VM_LIB:-/lib.sh}"
pf=0000:00:06.0
P=$ROOT/sys/bus/pci/devices/$pf
mkdir -p $ROOT/etc/gpu-initd
cat >$ROOT/etc/gpu-initd/config.json <<'JSON'
{ "mode": "vm-passthrough", "sriov-vfs": { "1b36:0010": 2 },
  "resource-names": { "1b36:0010": "example.com/nvme-vf" } }
JSON
[ "$(cat $P/sriov_totalvfs)" = 2 ] || fail "PF offers $(cat $P/sriov_totalvfs) VFs"
[ "$(cat $P/sriov_numvfs)" = 0 ] || fail "VFs enabled at boot"
[ -z "$(driver_of $pf)" ] || fail "PF bound to $(driver_of $pf)"
out=$ROOT/run/check.txt
expect_exit 0 gpu_initd check >$out 2>&1
cat $out
grep -q '^sriov    2 VF(s) to enable' $out || fail "check does not announce the VFs"
expect_exit 0 gpu_initd apply
[ "$(driver_of $pf)" = pci-pf-stub ] || fail "PF on '$(driver_of $pf)', expected pci-pf-stub"
[ "$(cat $P/sriov_drivers_autoprobe)" = 0 ] || fail "VF autoprobe still on"
[ "$(cat $P/sriov_numvfs)" = 2 ] || fail "numvfs $(cat $P/sriov_numvfs)"
loaded pci_pf_stub || fail "pci_pf_stub not loaded"
for i in 0 1; do
	vf=$(basename "$(readlink $P/virtfn$i)")
	[ "$vf" = 0000:00:06.$((i + 1)) ] || fail "virtfn$i is $vf, expected 0000:00:06.$((i + 1))"
	[ "$(driver_of $vf)" = vfio-pci ] || fail "VF $vf on '$(driver_of $vf)'"
	g=$(group_of $vf)
	[ "$g" != "$(group_of $pf)" ] || fail "VF $vf shares the PF's group"
	[ "$g" = $((i + 4)) ] || fail "VF $vf in group $g, expected $((i + 4)) (fixtures/qemu-nvme-sriov.json)"
	vfio_node $g || fail "/dev/vfio/$g missing"
	group_viable $g || fail "VF group $g not viable"
done
[ -e $ROOT/run/gpu-initd/ready ] || fail "no readiness file"
w=$(sysfs_writes)
out=$ROOT/run/apply2.txt
expect_exit 0 gpu_initd apply 2>$out
cat $out
grep -q 'nothing to do: 2 device(s)' $out || fail "second apply changed something"
[ "$(sysfs_writes)" = "$w" ] || fail "second apply wrote to sysfs"
# refusals, nothing written
cfg=$ROOT/run/refused.json
for c in '{ "sriov-vfs": { "0000:00:06.0": 1 } }' '{ "sriov-vfs": { "0000:00:06.0": 3 } }' \
	'{ "sriov-vfs": { "0000:00:07.0": 1 } }'; do
	echo "$c" >$cfg
	expect_exit 1 gpu_initd --config $cfg check >$out 2>&1
	grep -q 'sriov-vfs: ' $out || { cat $out; fail "$c: check names no sriov-vfs problem"; }
	expect_exit 1 gpu_initd --config $cfg apply 2>$out
	[ "$(sysfs_writes)" = "$w" ] || fail "$c: apply wrote to sysfs"
	[ "$(cat $P/sriov_numvfs)" = 2 ] || fail "$c: numvfs $(cat $P/sriov_numvfs)"
done
