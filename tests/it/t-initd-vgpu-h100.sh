#!/bin/bash
# gpu-initd apply in vm-vgpu mode on Hopper's vendor-specific VFIO: VFs
# turned on by NVIDIA's sequence (pci-pf-stub through driver_override,
# autoprobe off), vGPUs through each VF's nvidia/current_vgpu_type; the
# plan is checked against usr/share/nvidia/vgpu/vgpuConfig.xml before any
# write; converge, in-use, mode switches both ways.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
S=$SIMROOT/sys/bus/pci/devices
GPUS="0000:18:00.0 0000:2a:00.0 0000:3a:00.0 0000:5d:00.0 0000:9a:00.0 0000:9b:00.0 0000:ba:00.0 0000:db:00.0"
cfg() { echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[$1]}}" >$SIMROOT/$2; }
cur() { cat $S/$(basename $(readlink $S/$1/virtfn$2))/nvidia/current_vgpu_type; }
cfg "{\"devices\":\"all\",\"vgpu-devices\":{\"H100XM-10C\":8}}" vg.json
C=$SIMROOT/vg.json

# impossible configs on the fresh node (VFs off): refused from the catalog, nothing written
for bad in "\"H100XM-10C\":9" "\"H100XM-99C\":1" "\"H100XM-10C\":1,\"H100XM-20C\":1" "\"H100XM-4C\":33"; do
	cfg "{\"vgpu-devices\":{$bad}}" bad.json
	expect_rc 1 gi --config $SIMROOT/bad.json check >$SIMROOT/bad.txt
	grep -q "vgpu-plan" $SIMROOT/bad.txt || fail "check $bad: $(cat $SIMROOT/bad.txt)"
	expect_rc 1 gi --config $SIMROOT/bad.json apply 2>$SIMROOT/bad.log
	[ "$(stat_get writes)" = 0 ] || fail "apply of $bad wrote"
done
grep -q "capacity of 8" <(gi --config <(cfg "{\"vgpu-devices\":{\"H100XM-10C\":9}}" x.json; cat $SIMROOT/x.json) check) ||
	fail "capacity reason"

# the plan, then 64 vGPUs: per GPU 8 writes of NVIDIA sequence, 2 per VF bound, 1 per vGPU
expect_rc 0 gi --config $C check >$SIMROOT/c1.txt
[ "$(grep -c "sriov-off .*8 x H100XM-10C on VFs 0-7" $SIMROOT/c1.txt)" = 8 ] || fail "plan: $(cat $SIMROOT/c1.txt)"
expect_rc 0 gi --config $C apply 2>$SIMROOT/a1.log
[ "$(stat_get writes)" = 256 ] || fail "first apply: $(stat_get writes) writes, expected 256"
for g in $GPUS; do
	expect_drv $g nvidia
	[ "$(cat $S/$g/sriov_numvfs)" = 32 ] || fail "$g: $(cat $S/$g/sriov_numvfs) VFs"
	for i in 0 7; do [ "$(cur $g $i)" = 1013 ] || fail "$g VF $i: type $(cur $g $i)"; done
	expect_drv $(basename $(readlink $S/$g/virtfn8)) none # only the VFs it needs go to nvidia
done
jcheck $SIMROOT/run/gpu-initd/status.json ".ready" "len(.vgpus) == 64" \
	"all(x.type == \"H100XM-10C\" and x.state == \"created\" and x.parent != x.gpu for x in .vgpus)" \
	"len(set(x.parent for x in .vgpus)) == 64" "len(set(x.uuid for x in .vgpus)) == 64" || fail "status.json"
status_vgpus >$SIMROOT/u1

# a second apply writes nothing and keeps every vGPU (and UUID)
expect_rc 0 gi --config $C apply 2>$SIMROOT/a2.log
[ "$(stat_get writes)" = 256 ] || fail "second apply wrote"
grep -q "64 kept" $SIMROOT/a2.log || fail "kept: $(cat $SIMROOT/a2.log)"
status_vgpus | cmp -s - $SIMROOT/u1 || fail "UUIDs changed"

# mixed: 4 x 20C on GPUs 0-3 (10C deleted first: equal-size rule), 10C kept on 4-7;
# a vGPU a VM holds on GPU 0 stops that GPU until it is closed
cfg "{\"devices\":[0,1,2,3],\"vgpu-devices\":{\"H100XM-20C\":4}},{\"devices\":[4,5,6,7],\"vgpu-devices\":{\"H100XM-10C\":8}}" mixed.json
vf=$(basename $(readlink $S/0000:18:00.0/virtfn2)); grp=$(basename $(readlink $S/$vf/iommu_group))
exec 3<>$SIMROOT/dev/vfio/$grp
expect_rc 1 gi --config $SIMROOT/mixed.json apply 2>$SIMROOT/m1.log
grep -q "VF $vf is in use" $SIMROOT/m1.log || fail "in use: $(cat $SIMROOT/m1.log)"
[ "$(cur 0000:18:00.0 2)" = 1013 ] || fail "the vGPU in use was deleted"
[ ! -e $SIMROOT/run/gpu-initd/ready ] || fail "ready while GPU 0 is not as configured"
exec 3>&-
expect_rc 0 gi --config $SIMROOT/mixed.json apply 2>$SIMROOT/m2.log
for g in 0000:18:00.0 0000:2a:00.0 0000:3a:00.0 0000:5d:00.0; do
	for i in 0 3; do [ "$(cur $g $i)" = 1014 ] || fail "$g VF $i: $(cur $g $i)"; done
	for i in 4 7; do [ "$(cur $g $i)" = 0 ] || fail "$g VF $i: $(cur $g $i)"; done
done
for g in 0000:9a:00.0 0000:9b:00.0 0000:ba:00.0 0000:db:00.0; do
	for i in 0 7; do [ "$(cur $g $i)" = 1013 ] || fail "$g VF $i: $(cur $g $i)"; done
done
grep -q "created vGPU H100XM-20C (type 1014) on VF 0000:18:00.6" $SIMROOT/m2.log || fail "second pass: $(cat $SIMROOT/m2.log)"

# vm-vgpu -> vm-passthrough: vGPUs deleted, SR-IOV off, GPUs on vfio-pci
echo "{\"mode\":\"vm-passthrough\"}" >$SIMROOT/pt.json
expect_rc 0 gi --config $SIMROOT/pt.json apply 2>$SIMROOT/pt.log
for g in $GPUS; do
	[ "$(cat $S/$g/sriov_numvfs)" = 0 ] || fail "$g: VFs left"
	expect_drv $g vfio-pci
done
# and back: GPUs to nvidia, VFs on, the same vGPUs (UUIDs, VFs) as the first time
expect_rc 0 gi --config $C apply 2>$SIMROOT/back.log
status_vgpus | cmp -s - $SIMROOT/u1 || fail "UUIDs after passthrough and back: $(cat $SIMROOT/back.log)"
w=$(stat_get writes)
expect_rc 0 gi --config $C apply 2>/dev/null
[ "$(stat_get writes)" = $w ] || fail "apply after the switch back wrote"
# vm-vgpu -> container: the vGPUs go, GPUs stay on nvidia
echo "{\"mode\":\"container\"}" >$SIMROOT/ct.json
expect_rc 0 gi --config $SIMROOT/ct.json apply 2>$SIMROOT/ct.log
for g in $GPUS; do expect_drv $g nvidia; [ "$(cur $g 0)" = 0 ] || fail "$g: vGPU left"; done
# without the vGPU manager's catalog: the VFs' creatable lists name the types
# (VFs still on after container mode); with VFs off nothing can, and check says where to look
rm $SIMROOT/usr/share/nvidia
cfg "{\"devices\":[7],\"vgpu-devices\":{\"H100XM-20C\":2}}" one.json
expect_rc 0 gi --config $SIMROOT/one.json apply 2>$SIMROOT/nocat.log
[ "$(cur 0000:db:00.0 1)" = 1014 ] || fail "no catalog: $(cat $SIMROOT/nocat.log)"
expect_rc 0 gi --config $SIMROOT/pt.json apply 2>/dev/null
expect_rc 1 gi --config $SIMROOT/one.json check >$SIMROOT/nocat.txt
grep -q "vgpuConfig.xml" $SIMROOT/nocat.txt || fail "no catalog, VFs off: $(cat $SIMROOT/nocat.txt)"
# a catalog that is not one: ignored, and check says so (a note, not a log line)
mkdir -p $SIMROOT/usr/share/nvidia/vgpu
echo "<html></html>" >$SIMROOT/usr/share/nvidia/vgpu/vgpuConfig.xml
expect_rc 1 gi --config $SIMROOT/one.json check >$SIMROOT/badcat.txt 2>$SIMROOT/badcat.err
grep -q "^vgpu     note: usr/share/nvidia/vgpu/vgpuConfig.xml: not a vgpuConfig document: ignored" $SIMROOT/badcat.txt ||
	fail "bad catalog note: $(cat $SIMROOT/badcat.txt)"
[ ! -s $SIMROOT/badcat.err ] || fail "check logged: $(cat $SIMROOT/badcat.err)"
expect_rc 1 gi --config $SIMROOT/one.json check --json >$SIMROOT/badcat.json
grep -q "\"vgpu_note\":\"usr/share/nvidia/vgpu/vgpuConfig.xml: not a vgpuConfig document" $SIMROOT/badcat.json ||
	fail "bad catalog JSON: $(cat $SIMROOT/badcat.json)"
'
