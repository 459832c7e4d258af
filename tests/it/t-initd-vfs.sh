#!/bin/bash
# vm-passthrough on a GPU that has SR-IOV VFs enabled: apply disables the
# VFs first (vfio-pci refuses a PF with VFs), then binds the GPU; a VF in
# use (its group node open) makes apply refuse that GPU untouched.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
S=$SIMROOT/sys/bus/pci; PF=0000:18:00.0; D=$S/devices/$PF
enable_vfs() {
	echo pci-pf-stub >$D/driver_override; echo $PF >$D/driver/unbind; echo $PF >$S/drivers_probe
	echo 4 >$D/sriov_numvfs
}
echo "modprobe pci-pf-stub" >$SIMFS/.simfs/control
enable_vfs
[ "$(cat $D/sriov_numvfs)" = 4 ] || fail "setup: 4 VFs"
CFG="{\"devices\": [\"$PF\"]}"
expect_rc 0 gi --config <(echo "$CFG") apply 2>$SIMROOT/a.log
[ "$(cat $D/sriov_numvfs)" = 0 ] || fail "VFs disabled first: $(cat $SIMROOT/a.log)"
expect_drv $PF vfio-pci
# again, with a VF held by a VM: refused, nothing touched
echo "modprobe vfio-pci" >$SIMFS/.simfs/control
expect_rc 0 gi --config <(echo "{\"mode\": \"container\", \"devices\": [\"$PF\"]}") apply 2>/dev/null
echo pci-pf-stub >$D/driver_override; echo $PF >$D/driver/unbind; echo $PF >$S/drivers_probe
[ "$(basename $(readlink $D/driver))" = pci-pf-stub ] || fail "PF on pci-pf-stub: $(readlink $D/driver)"
echo 4 >$D/sriov_numvfs
VF=$(basename $(readlink $D/virtfn0)); g=$(basename $(readlink $S/devices/$VF/iommu_group))
echo vfio-pci >$S/devices/$VF/driver_override; echo $VF >$S/drivers/nvidia/unbind 2>/dev/null || true; echo $VF >$S/drivers_probe
[ -e $SIMROOT/dev/vfio/$g ] || fail "VF group node"
exec 3<>$SIMROOT/dev/vfio/$g
w0=$(stat_get writes)
expect_rc 1 gi --config <(echo "$CFG") apply 2>$SIMROOT/b.log
[ "$(cat $D/sriov_numvfs)" = 4 ] || fail "VFs of a GPU in use stay: $(cat $SIMROOT/b.log)"
[ "$(stat_get writes)" = "$w0" ] || fail "nothing written while a VF is in use: $(cat $SIMROOT/b.log)"
exec 3>&-
'
