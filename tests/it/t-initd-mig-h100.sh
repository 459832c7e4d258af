#!/bin/bash
# Model provenance: docs/nvidia-model.md, "MIG and NVML".
# gpu-initd vm-vgpu with MIG-backed types on h100-hgx-8x (vendor-specific
# VFIO), NVML being tests/fakenvml: VFs turned on, MIG mode on, GPU
# instances, then each vGPU through its VF's nvidia/current_vgpu_type;
# nvidia/gpu_instance_id shows the instance; a re-run changes nothing;
# switching to a time-sliced type deletes the vGPUs, then the GPU
# instances, turns MIG mode off and creates the new vGPUs; kubelet-stub
# sees the MIG-backed vGPUs.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
export LD_LIBRARY_PATH=$TOP/build/tests/fakenvml
S=$SIMROOT/sys/bus/pci/devices
cfg() { echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[{\"devices\":\"all\",\"vgpu-devices\":{$1}}]}}" >$SIMROOT/$2; }
vf() { basename $(readlink $S/$1/virtfn$2); }
mig_state() { cat $SIMFS/.simfs/mig/*; }
cfg "\"H100XM-1-10C\":4,\"H100XM-3-40C\":1" mig.json
cfg "\"H100XM-10C\":8" ts.json

# an impossible MIG plan on the fresh node (VFs and MIG mode off): refused, nothing written
cfg "\"H100XM-3-40C\":2,\"H100XM-1-10C\":1" bad.json
expect_rc 1 gi --config $SIMROOT/bad.json check >$SIMROOT/bad.txt
grep -q "no MIG placement fits H100XM-3-40C x2 + H100XM-1-10C x1" $SIMROOT/bad.txt || fail "check: $(cat $SIMROOT/bad.txt)"
expect_rc 1 gi --config $SIMROOT/bad.json apply 2>/dev/null
[ "$(stat_get writes)" = 0 ] || fail "apply of an impossible plan wrote"

# 4 x 1g.10gb + 1 x 3g.40gb per GPU: 5 GPU instances, 5 vGPUs
expect_rc 0 gi --config $SIMROOT/mig.json check >/dev/null
expect_rc 0 gi --config $SIMROOT/mig.json apply 2>$SIMROOT/a1.log
[ "$(mig_state | grep -c "^mode 1")" = 8 ] || fail "MIG mode on on 8 GPUs: $(cat $SIMROOT/a1.log)"
[ "$(mig_state | grep -c "^gi .* 1$")" = 40 ] || fail "40 busy GPU instances: $(mig_state | grep ^gi | head)"
G=0000:18:00.0
# NVIDIA order: MIG mode before the VFs
m=$(grep -m1 -n "GPU $G: MIG mode on" $SIMROOT/a1.log | cut -d: -f1)
v=$(grep -m1 -n "$G: .* VFs on" $SIMROOT/a1.log | cut -d: -f1)
[ -n "$m" ] && [ -n "$v" ] && [ $m -lt $v ] || fail "MIG mode before the VFs: $(head -20 $SIMROOT/a1.log)"
types=""; gis=""
for i in 0 1 2 3 4; do
	types="$types $(cat $S/$(vf $G $i)/nvidia/current_vgpu_type)"
	gis="$gis $(cat $S/$(vf $G $i)/nvidia/gpu_instance_id)"
done
[ "$types" = " 1001 1001 1001 1001 1004" ] || fail "types on $G: $types"
[ "$(echo $gis | tr " " "\n" | sort -u | grep -vc -- -1)" = 5 ] || fail "5 distinct GPU instances on $G: $gis"
[ -e $SIMROOT/run/gpu-initd/ready ] || fail ready
jcheck $SIMROOT/run/gpu-initd/status.json "[x.state for x in .vgpus] == [\"created\"] * 40" || fail "status.json"
status_vgpus >$SIMROOT/u1
mig_state >$SIMROOT/m1

# a re-run changes nothing
w=$(stat_get writes)
expect_rc 0 gi --config $SIMROOT/mig.json apply 2>$SIMROOT/a2.log
[ "$(stat_get writes)" = $w ] || fail "second apply wrote: $(cat $SIMROOT/a2.log)"
grep -q "40 kept" $SIMROOT/a2.log || fail "second apply keeps all: $(cat $SIMROOT/a2.log)"
mig_state | cmp -s - $SIMROOT/m1 || fail "MIG state changed"
status_vgpus | cmp -s - $SIMROOT/u1 || fail "UUIDs changed"

# a vGPU deleted behind our back: its free GPU instance makes the type creatable again; apply re-creates it
V0=$S/$(vf $G 0)/nvidia
echo 0 >$V0/current_vgpu_type
[ "$(sed 1d $V0/creatable_vgpu_types)" = "1001  : NVIDIA H100XM-1-10C" ] || fail "creatable with a free 1g.10gb: $(cat $V0/creatable_vgpu_types)"
[ "$(cat $V0/gpu_instance_id)" = -1 ] || fail "no GPU instance without a vGPU"
w=$(stat_get writes)
expect_rc 0 gi --config $SIMROOT/mig.json apply 2>$SIMROOT/a2b.log
[ "$(stat_get writes)" = $((w + 1)) ] || fail "one write to re-create it: $(cat $SIMROOT/a2b.log)"
[ "$(cat $V0/current_vgpu_type)" = 1001 ] && [ "$(cat $V0/gpu_instance_id)" != -1 ] || fail "re-created"
mig_state | cmp -s - $SIMROOT/m1 || fail "MIG state changed by the re-creation"

# MIG-backed -> time-sliced: vGPUs, then GPU instances, then MIG mode go
expect_rc 0 gi --config $SIMROOT/ts.json apply 2>$SIMROOT/a3.log
[ "$(mig_state | grep -c "^mode 0")" = 8 ] || fail "MIG mode off: $(cat $SIMROOT/a3.log)"
! mig_state | grep -q "^gi " || fail "GPU instances left"
l=$(grep -m1 -n "deleted the vGPU" $SIMROOT/a3.log | cut -d: -f1)
d=$(grep -m1 -n "$G: GPU instance .* destroyed" $SIMROOT/a3.log | cut -d: -f1)
c=$(grep -m1 -n "created vGPU H100XM-10C" $SIMROOT/a3.log | cut -d: -f1)
[ -n "$l" ] && [ -n "$d" ] && [ -n "$c" ] && [ $l -lt $d ] && [ $d -lt $c ] || fail "order: vGPUs, GPU instances, new vGPUs: $(head -20 $SIMROOT/a3.log)"
for i in 0 7; do [ "$(cat $S/$(vf $G $i)/nvidia/current_vgpu_type)" = 1013 ] || fail "VF $i: not H100XM-10C"; done
[ "$(cat $S/$(vf $G 0)/nvidia/gpu_instance_id)" = -1 ] || fail "a time-sliced vGPU has no GPU instance"
# and back
expect_rc 0 gi --config $SIMROOT/mig.json apply 2>$SIMROOT/a4.log
mig_state | cmp -s - $SIMROOT/m1 || fail "MIG state after the round trip"

# kubelet-stub sees them through serve: 32 x 1g.10gb, 8 x 3g.40gb
K="build/kubelet-stub --root $SIMROOT"
$K serve 2>$SIMROOT/kstub.log & ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock
gi serve 2>$SIMROOT/serve.log & gs=$!
alloc() { kstub_count allocatable "$1"; }
for i in $(seq 1000); do
	[ "$(alloc nvidia.com/NVIDIA_H100XM-1-10C) $(alloc nvidia.com/NVIDIA_H100XM-3-40C)" = "32 8" ] && break
	sleep 0.01
done
[ "$(alloc nvidia.com/NVIDIA_H100XM-1-10C) $(alloc nvidia.com/NVIDIA_H100XM-3-40C)" = "32 8" ] ||
	fail "kubelet-stub: $(alloc nvidia.com/NVIDIA_H100XM-1-10C) x 1-10C, $(alloc nvidia.com/NVIDIA_H100XM-3-40C) x 3-40C"
kill $gs $ks; wait $gs $ks 2>/dev/null || true
'
