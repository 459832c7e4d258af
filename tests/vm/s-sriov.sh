# Scenario 4: real SR-IOV.  QEMU 7.2's nvme with 2 VFs (nvme-subsys, and
# sriov_vq_flexible >= 2 per VF, sriov_vi_flexible >= 1 per VF, max_ioqpairs
# >= vq_flexible + 2, msix_qsize >= vi_flexible + 1, as QEMU checks).  No
# nvme driver in the initramfs: the PF is unbound.  "sriov-vfs" selects its
# VFs for passthrough: apply puts the PF on pci-pf-stub (driver_override),
# turns VF autoprobe off, enables 2 VFs and binds them to vfio-pci; each VF
# has its own viable group.  A second apply changes nothing.
# Twin on simfs: tests/it/t-vm-twin-sriov.sh.
# qemu: -device nvme-subsys,id=subsys0
# qemu: -device nvme,serial=vmtest,subsys=subsys0,addr=06.0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=3
. /lib.sh
pf=0000:00:06.0
P=/sys/bus/pci/devices/$pf
cat >/etc/gpu-initd/config.json <<'JSON'
{ "mode": "vm-passthrough", "sriov-vfs": { "1b36:0010": 2 },
  "resource-names": { "1b36:0010": "example.com/nvme-vf" } }
JSON
[ "$(cat $P/sriov_totalvfs)" = 2 ] || fail "PF offers $(cat $P/sriov_totalvfs) VFs"
[ "$(cat $P/sriov_numvfs)" = 0 ] || fail "VFs enabled at boot"
[ -z "$(driver_of $pf)" ] || fail "PF bound to $(driver_of $pf)"
gpu-initd check >/tmp/check.txt 2>&1 || { cat /tmp/check.txt; fail "check"; }
cat /tmp/check.txt
grep -q '^sriov    2 VF(s) to enable' /tmp/check.txt || fail "check does not announce the VFs"
expect_exit 0 gpu-initd apply
[ "$(driver_of $pf)" = pci-pf-stub ] || fail "PF on '$(driver_of $pf)', expected pci-pf-stub"
[ "$(cat $P/sriov_drivers_autoprobe)" = 0 ] || fail "VF autoprobe still on"
[ "$(cat $P/sriov_numvfs)" = 2 ] || fail "numvfs $(cat $P/sriov_numvfs)"
loaded pci_pf_stub || fail "pci_pf_stub not loaded"
groups=""
for i in 0 1; do
	vf=$(basename "$(readlink $P/virtfn$i)")
	[ "$(driver_of $vf)" = vfio-pci ] || fail "VF $vf on '$(driver_of $vf)'"
	g=$(group_of $vf)
	[ "$g" != "$(group_of $pf)" ] || fail "VF $vf shares the PF's group"
	[ -c /dev/vfio/$g ] || fail "/dev/vfio/$g missing"
	vmtool group-status /dev/vfio/$g || fail "VF group $g not viable"
	groups="$groups $g"
done
[ -e /run/gpu-initd/ready ] || fail "no readiness file"
gpu-initd apply 2>/tmp/apply2.txt || { cat /tmp/apply2.txt; fail "second apply"; }
cat /tmp/apply2.txt
grep -q 'nothing to do: 2 device(s)' /tmp/apply2.txt || fail "second apply changed something"
