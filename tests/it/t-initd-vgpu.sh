#!/bin/bash
# gpu-initd apply in vm-vgpu mode: mdev on T4 PFs, mdev on A100 VFs (also
# back from passthrough, VFs turned on again);
# stable UUIDs (a second apply writes nothing, same UUIDs); a mixed config;
# impossible configs fail in check and in apply before any write; leaving
# vm-vgpu removes the vGPUs gpu-initd made.
source "$(dirname "$0")/lib.sh"

# T4: mdev on the PFs, 4 x T4-4Q each
tests/simnode run fixtures/t4-4x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
C=$SIMROOT/vg.json
echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[{\"devices\":\"all\",\"vgpu-devices\":{\"T4-4Q\":4}}]}}" >$C
# check, the first apply and a second one that keeps them: tests/cases/vgpu-t4
expect_rc 0 gi --config $C apply 2>$SIMROOT/a1.log
tests/it/jcheck.py $SIMROOT/run/gpu-initd/status.json "[x.state for x in .vgpus] == [\"created\"] * 16" || fail "status.json"
ls $SIMROOT/sys/bus/mdev/devices >$SIMROOT/u1
expect_rc 0 gi --config $C apply 2>$SIMROOT/a2.log
grep -q "16 kept" $SIMROOT/a2.log || fail "second apply keeps all: $(cat $SIMROOT/a2.log)"
# a mixed config: 8Q on GPUs 0 and 1, 4Q on af, nothing on d8
echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[{\"devices\":[0,1],\"vgpu-devices\":{\"T4-8Q\":2}},{\"devices\":[\"0000:af:00.0\"],\"vgpu-devices\":{\"T4-4Q\":4}}]}}" >$SIMROOT/mixed.json
# one of ours in use on 3b: the switch to 8Q on that GPU cannot complete
u=$(tests/it/jcheck.py $SIMROOT/run/gpu-initd/status.json --get "[x.uuid for x in .vgpus if x.parent == \"0000:5e:00.0\"][0]")
g=$(basename $(readlink $SIMROOT/sys/bus/mdev/devices/$u/iommu_group))
exec 3<>$SIMROOT/dev/vfio/$g
expect_rc 1 gi --config $SIMROOT/mixed.json apply 2>$SIMROOT/m1.log
[ -e $SIMROOT/sys/bus/mdev/devices/$u ] || fail "an mdev in use was removed"
grep -q "in use" $SIMROOT/m1.log || fail "in use reported: $(cat $SIMROOT/m1.log)"
[ ! -e $SIMROOT/run/gpu-initd/ready ] || fail "not ready while one GPU is not as configured"
exec 3>&-
expect_rc 0 gi --config $SIMROOT/mixed.json apply 2>$SIMROOT/m2.log
for p in 3b 5e; do
	n=$(ls $SIMROOT/sys/bus/pci/devices/0000:$p:00.0/mdev_supported_types/nvidia-233/devices | wc -l)
	[ $n = 2 ] || fail "$p: $n T4-8Q"
	[ "$(ls $SIMROOT/sys/bus/pci/devices/0000:$p:00.0/mdev_supported_types/nvidia-232/devices | wc -l)" = 0 ] || fail "$p: 4Q left"
done
[ "$(ls $SIMROOT/sys/bus/pci/devices/0000:af:00.0/mdev_supported_types/nvidia-232/devices | wc -l)" = 4 ] || fail "af keeps 4Q"
[ "$(ls $SIMROOT/sys/bus/pci/devices/0000:d8:00.0/mdev_supported_types/nvidia-232/devices | wc -l)" = 0 ] || fail "d8 is not in the config"
# a foreign mdev (not our UUID) is left alone
echo 11111111-2222-4333-8444-555555555555 >$SIMROOT/sys/bus/pci/devices/0000:d8:00.0/mdev_supported_types/nvidia-232/create
expect_rc 0 gi --config $SIMROOT/mixed.json apply 2>/dev/null
[ -e $SIMROOT/sys/bus/mdev/devices/11111111-2222-4333-8444-555555555555 ] || fail "foreign mdev removed"
# impossible configs: check says why, apply writes nothing
for bad in "\"T4-4Q\":5" "\"T4-3Q\":1" "\"T4-4Q\":1,\"T4-8Q\":1"; do
	echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{$bad}}]}}" >$SIMROOT/bad.json
	expect_rc 1 gi --config $SIMROOT/bad.json check >$SIMROOT/bad.txt
	grep -q "vgpu-plan" $SIMROOT/bad.txt || fail "check $bad: $(cat $SIMROOT/bad.txt)"
	w=$(stat_get writes)
	expect_rc 1 gi --config $SIMROOT/bad.json apply 2>$SIMROOT/bad.log
	[ "$(stat_get writes)" = $w ] || fail "apply of $bad wrote"
done
grep -q "capacity\|mixed\|unknown" $SIMROOT/bad.log || fail "reason: $(cat $SIMROOT/bad.log)"
# leaving vm-vgpu: ours go, the foreign one stays
echo "{\"mode\":\"container\"}" >$SIMROOT/ct.json
expect_rc 0 gi --config $SIMROOT/ct.json apply 2>$SIMROOT/ct.log
[ "$(ls $SIMROOT/sys/bus/mdev/devices)" = 11111111-2222-4333-8444-555555555555 ] || fail "after container: $(ls $SIMROOT/sys/bus/mdev/devices)"
# and back: the same UUIDs as the first time
echo 1 >$SIMROOT/sys/bus/mdev/devices/11111111-2222-4333-8444-555555555555/remove
expect_rc 0 gi --config $C apply 2>/dev/null
ls $SIMROOT/sys/bus/mdev/devices | cmp -s - $SIMROOT/u1 || fail "UUIDs after the round trip"
# vm-vgpu -> vm-passthrough: our vGPUs go, the GPUs go to vfio-pci
echo "{\"mode\":\"vm-passthrough\"}" >$SIMROOT/pt.json
expect_rc 0 gi --config $SIMROOT/pt.json apply 2>$SIMROOT/pt.log
[ -z "$(ls $SIMROOT/sys/bus/mdev/devices)" ] || fail "vGPUs left after passthrough"
for g in 0000:3b:00.0 0000:5e:00.0 0000:af:00.0 0000:d8:00.0; do expect_drv $g vfio-pci; done
# and back: GPUs to nvidia first, then the same vGPUs as before
expect_rc 0 gi --config $C apply 2>$SIMROOT/back.log
for g in 0000:3b:00.0 0000:5e:00.0 0000:af:00.0 0000:d8:00.0; do expect_drv $g nvidia; done
ls $SIMROOT/sys/bus/mdev/devices | cmp -s - $SIMROOT/u1 || fail "UUIDs after passthrough and back: $(cat $SIMROOT/back.log)"
w=$(stat_get writes)
expect_rc 0 gi --config $C apply 2>/dev/null
[ "$(stat_get writes)" = $w ] || fail "apply after the switch back wrote"
'

# A100: one mdev per VF, 4 x A100-10C per GPU = 32
tests/simnode run fixtures/a100-pcie-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
C=$SIMROOT/vg.json
echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[{\"devices\":\"all\",\"vgpu-devices\":{\"A100-10C\":4}}],\"mig\":[{\"vgpu-devices\":{\"A100-1-5C\":2}}]}}" >$C
expect_rc 0 gi --config $C apply 2>/dev/null
[ "$(stat_get writes)" = 32 ] || fail "first apply: $(stat_get writes) writes"
[ "$(ls $SIMROOT/sys/bus/mdev/devices | wc -l)" = 32 ] || fail "32 mdevs"
tests/it/jcheck.py $SIMROOT/run/gpu-initd/status.json ".ready" "len(.vgpus) == 32" \
	"all(x.parent != x.gpu for x in .vgpus)" "len(set(x.parent for x in .vgpus)) == 32" || fail "status.json: VFs as parents"
ls $SIMROOT/sys/bus/mdev/devices >$SIMROOT/u1
expect_rc 0 gi --config $C apply 2>/dev/null
[ "$(stat_get writes)" = 32 ] || fail "second apply wrote"
ls $SIMROOT/sys/bus/mdev/devices | cmp -s - $SIMROOT/u1 || fail "UUIDs changed"
# without NVML (no libnvidia-ml.so.1 here) MIG-backed types are unavailable: t-initd-mig.sh has them
echo "{\"mode\":\"vm-vgpu\",\"vgpu-config\":\"mig\",\"vgpu-configs\":{\"mig\":[{\"vgpu-devices\":{\"A100-1-5C\":2}}]}}" >$SIMROOT/mig.json
expect_rc 1 gi --config $SIMROOT/mig.json check >$SIMROOT/mig.txt
grep -q "MIG-backed types unavailable: NVML not found" $SIMROOT/mig.txt || fail "MIG-backed: $(cat $SIMROOT/mig.txt)"
# vm-vgpu -> vm-passthrough: mdevs removed, SR-IOV off by NVIDIA sequence
# (pci-pf-stub through driver_override), then the GPUs to vfio-pci
echo "{\"mode\":\"vm-passthrough\"}" >$SIMROOT/pt.json
expect_rc 0 gi --config $SIMROOT/pt.json apply 2>$SIMROOT/pt.log
[ -z "$(ls $SIMROOT/sys/bus/mdev/devices)" ] || fail "vGPUs left"
for g in $(ls $SIMROOT/sys/bus/pci/devices); do
	[ -e $SIMROOT/sys/bus/pci/devices/$g/sriov_numvfs ] || continue
	[ "$(cat $SIMROOT/sys/bus/pci/devices/$g/sriov_numvfs)" = 0 ] || fail "$g: VFs left"
	expect_drv $g vfio-pci
done
grep -q "SR-IOV off" $SIMROOT/pt.log || fail "sequence logged: $(cat $SIMROOT/pt.log)"
w=$(stat_get writes)
expect_rc 0 gi --config $SIMROOT/pt.json apply 2>/dev/null
[ "$(stat_get writes)" = $w ] || fail "second passthrough apply wrote"
# and back to vm-vgpu: GPUs to nvidia, VFs on again by NVIDIA sequence
# (types from vgpuConfig.xml until then), the same 32 mdevs
expect_rc 0 gi --config $C check >$SIMROOT/c3.txt
grep -q "sriov-off .*4 x A100-10C on VFs 0-3" $SIMROOT/c3.txt || fail "plan with VFs off: $(cat $SIMROOT/c3.txt)"
expect_rc 0 gi --config $C apply 2>$SIMROOT/back.log
ls $SIMROOT/sys/bus/mdev/devices | cmp -s - $SIMROOT/u1 || fail "UUIDs after passthrough and back: $(cat $SIMROOT/back.log)"
grep -q "VFs on (NVIDIA" $SIMROOT/back.log || fail "VFs on logged: $(cat $SIMROOT/back.log)"
w=$(stat_get writes)
expect_rc 0 gi --config $C apply 2>/dev/null
[ "$(stat_get writes)" = $w ] || fail "apply after the switch back wrote"
'

# Linux 6.18+ exposes the DSN as sysfs serial_number (drivers/pci/pci-sysfs.c):
# gpu-initd reads it there instead of config space, and the identity is the
# same 64-bit DSN, so the same config gives the same UUIDs on either kernel
fx=$(mktemp -d /tmp/t-initd-vgpu.XXXXXX)
trap 'rm -rf "$fx"' EXIT
for k in 6.1.0-28-amd64 6.18.0-2-amd64; do
	sed "s/\"6.1.0-28-amd64\"/\"$k\"/" fixtures/t4-4x.json >$fx/t4.json
	tests/simnode run $fx/t4.json -- env FX=$fx K=$k bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
sn=$SIMROOT/sys/bus/pci/devices/0000:3b:00.0/serial_number
case $K in 6.18*) [ -e $sn ] || fail "$K: no serial_number" ;; *) [ ! -e $sn ] || fail "$K: serial_number" ;; esac
echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[{\"devices\":\"all\",\"vgpu-devices\":{\"T4-4Q\":4}}]}}" >$SIMROOT/vg.json
expect_rc 0 gi --config $SIMROOT/vg.json apply 2>/dev/null
ls $SIMROOT/sys/bus/mdev/devices >$FX/u-$K
[ "$(wc -l <$FX/u-$K)" = 16 ] || fail "$K: 16 vGPUs"
'
done
cmp -s $fx/u-6.1.0-28-amd64 $fx/u-6.18.0-2-amd64 || fail "UUIDs differ between config space and serial_number: $(diff $fx/u-6.1.0-28-amd64 $fx/u-6.18.0-2-amd64)"
