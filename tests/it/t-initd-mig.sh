#!/bin/bash
# Model provenance: docs/nvidia-model.md, "MIG and NVML".
# gpu-initd vm-vgpu with MIG-backed types on a100-pcie-8x (mdev on VFs),
# NVML being tests/fakenvml on simfs's MIG model: 7 x A100-1-5C per GPU
# turns MIG mode on, creates 7 GPU instances and 7 vGPUs per GPU with
# stable UUIDs, kubelet-stub sees 56 devices; a re-run changes nothing;
# switching to a time-sliced type tears vGPUs, then GPU instances, down and
# MIG mode off; impossible MIG plans are refused by check with the reason;
# without NVML MIG-backed types are unavailable (check says why) and
# time-sliced ones still work.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/a100-pcie-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
NVML=$TOP/build/tests/fakenvml
cfg() { echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[{\"devices\":\"all\",\"vgpu-devices\":{$1}}]}}" >$2; }
mig_state() { cat $SIMFS/.simfs/mig/*; }
cfg "\"A100-1-5C\":7" $SIMROOT/mig.json
cfg "\"A100-10C\":4" $SIMROOT/ts.json

# without NVML: MIG-backed types unavailable, with the reason; nothing written
expect_rc 1 gi --config $SIMROOT/mig.json check >$SIMROOT/c0.txt
grep -q "MIG-backed types unavailable: NVML not found" $SIMROOT/c0.txt || fail "check without NVML: $(cat $SIMROOT/c0.txt)"
expect_rc 1 gi --config $SIMROOT/mig.json apply 2>$SIMROOT/a0.log
[ "$(stat_get writes)" = 0 ] || fail "apply without NVML wrote"
# ... and time-sliced types still work without it
expect_rc 0 gi --config $SIMROOT/ts.json check >/dev/null
expect_rc 0 gi --config $SIMROOT/ts.json apply 2>$SIMROOT/ts0.log
[ "$(ls $SIMROOT/sys/bus/mdev/devices | wc -l)" = 32 ] || fail "32 time-sliced vGPUs without NVML"

export LD_LIBRARY_PATH=$NVML
# the static gpu-initd has no NVML (no dlopen): it says so
if [ -x $TOP/build/static/gpu-initd ]; then
	expect_rc 1 $TOP/build/static/gpu-initd --root $SIMROOT --config $SIMROOT/mig.json check >$SIMROOT/cs.txt
	grep -q "MIG-backed types unavailable: the static gpu-initd cannot load NVML" $SIMROOT/cs.txt || fail "static: $(cat $SIMROOT/cs.txt)"
fi
# impossible MIG plans: check names the reason
# (MIG mode is off here: placements as NVIDIA lays out A100/H100)
for bad in "\"A100-1-5C\":8|exceeds its capacity of 7" "\"A100-3-20C\":2,\"A100-1-5C\":2|need 8 compute slices" \
	   "\"A100-1-5C\":1,\"A100-10C\":1|MIG-backed, A100-10C time-sliced" \
	   "\"A100-3-20C\":2,\"A100-1-5C\":1|no MIG placement fits A100-3-20C x2 + A100-1-5C x1"; do
	cfg "${bad%%|*}" $SIMROOT/bad.json
	expect_rc 1 gi --config $SIMROOT/bad.json check >$SIMROOT/bad.txt
	grep -q "${bad#*|}" $SIMROOT/bad.txt || fail "check ${bad%%|*}: $(cat $SIMROOT/bad.txt)"
done

w=$(stat_get writes)
expect_rc 1 gi --config $SIMROOT/bad.json apply 2>/dev/null
[ "$(stat_get writes)" = $w ] || fail "apply of an impossible MIG plan wrote"
! grep -q "^mode 1" $SIMFS/.simfs/mig/* || fail "apply of an impossible MIG plan turned MIG mode on"

# time-sliced -> MIG-backed: vGPUs go, MIG mode on, 7 GPU instances, 7 vGPUs per GPU
expect_rc 0 gi --config $SIMROOT/mig.json check >$SIMROOT/c1.txt
[ "$(grep -c "MIG mode off: apply turns it on" $SIMROOT/c1.txt)" = 8 ] || fail "check: $(cat $SIMROOT/c1.txt)"
expect_rc 0 gi --config $SIMROOT/mig.json apply 2>$SIMROOT/a1.log
[ "$(mig_state | grep -c "^mode 1")" = 8 ] || fail "MIG mode on on 8 GPUs: $(mig_state | grep mode)"
# the VFs were on: off for the MIG mode change, then on again (NVIDIA order)
G=0000:17:00.0
o=$(grep -m1 -n "$G: SR-IOV off" $SIMROOT/a1.log | cut -d: -f1)
m=$(grep -m1 -n "GPU $G: MIG mode on" $SIMROOT/a1.log | cut -d: -f1)
v=$(grep -m1 -n "$G: .* VFs on" $SIMROOT/a1.log | cut -d: -f1)
[ -n "$o" ] && [ -n "$m" ] && [ -n "$v" ] && [ $o -lt $m ] && [ $m -lt $v ] || fail "VFs off, MIG mode, VFs on: $(head -30 $SIMROOT/a1.log)"
# gi ID PROFILE_ID START SIZE BUSY: 1g.5gb is profile ID 19 (its index is 0)
[ "$(mig_state | grep -cE "^gi [0-9]+ 19 [0-6] 1 1$")" = 56 ] || fail "56 busy 1g.5gb GPU instances: $(mig_state | grep ^gi | head)"
[ "$(ls $SIMROOT/sys/bus/mdev/devices | wc -l)" = 56 ] || fail "56 vGPUs: $(cat $SIMROOT/a1.log)"
for u in $(ls $SIMROOT/sys/bus/mdev/devices); do
	t=$(basename $(readlink $SIMROOT/sys/bus/mdev/devices/$u/mdev_type))
	[ $t = nvidia-474 ] || fail "$u: type $t, expected nvidia-474 (A100-1-5C)"
done
[ -e $SIMROOT/run/gpu-initd/ready ] || fail ready
ls $SIMROOT/sys/bus/mdev/devices >$SIMROOT/u1
mig_state >$SIMROOT/m1

expect_rc 0 gi --config $SIMROOT/mig.json check --json >$SIMROOT/c2.json
jcheck $SIMROOT/c2.json "len(.vgpu_plan) == 8" \
	"all(x.mig == \"MIG mode on: 7 GPU instances kept, 0 to create, 0 to destroy\" for x in .vgpu_plan)" || fail "check --json: MIG plan"
expect_rc 0 gi --config $SIMROOT/ts.json check >$SIMROOT/c3.txt
[ "$(grep -c "MIG mode on: apply destroys its 7 GPU instances and turns it off" $SIMROOT/c3.txt)" = 8 ] || fail "check ts: $(cat $SIMROOT/c3.txt)"

# a re-run changes nothing
w=$(stat_get writes)
expect_rc 0 gi --config $SIMROOT/mig.json apply 2>$SIMROOT/a2.log
[ "$(stat_get writes)" = $w ] || fail "second apply wrote"
grep -q "56 kept" $SIMROOT/a2.log || fail "second apply keeps all: $(cat $SIMROOT/a2.log)"
! grep -q "GPU instance" $SIMROOT/a2.log || fail "second apply touched GPU instances"
ls $SIMROOT/sys/bus/mdev/devices | cmp -s - $SIMROOT/u1 || fail "UUIDs changed"
mig_state | cmp -s - $SIMROOT/m1 || fail "MIG state changed"

# fewer, and another size: 3 x 2g.10gb + 1 x 1g.5gb: rebuilt, same UUIDs for the same slots
cfg "\"A100-2-10C\":3,\"A100-1-5C\":1" $SIMROOT/mix.json
expect_rc 0 gi --config $SIMROOT/mix.json apply 2>$SIMROOT/a3.log
[ "$(ls $SIMROOT/sys/bus/mdev/devices | wc -l)" = 32 ] || fail "32 vGPUs after the mix: $(cat $SIMROOT/a3.log)"
[ "$(mig_state | grep -cE "^gi [0-9]+ 14 [024] 2 1$")" = 24 ] || fail "24 busy 2g.10gb (ID 14) instances: $(mig_state | grep ^gi | head -8)"
comm -12 <(ls $SIMROOT/sys/bus/mdev/devices) $SIMROOT/u1 | wc -l | grep -qx 8 || fail "the A100-1-5C slot 0 UUIDs are stable"

# a vGPU in use blocks the teardown of its GPU; the others switch
u=$(ls $SIMROOT/sys/bus/pci/devices/0000:17:00.4/ | grep -m1 -E "^[0-9a-f]{8}-")
[ -n "$u" ] || fail "a vGPU on 0000:17:00.4"
g=$(basename $(readlink $SIMROOT/sys/bus/mdev/devices/$u/iommu_group))
exec 3<>$SIMROOT/dev/vfio/$g
expect_rc 1 gi --config $SIMROOT/ts.json apply 2>$SIMROOT/a4.log
grep -q "in use" $SIMROOT/a4.log || fail "in use reported: $(cat $SIMROOT/a4.log)"
[ -e $SIMROOT/sys/bus/mdev/devices/$u ] || fail "a vGPU in use was removed"
exec 3>&-
# MIG-backed -> time-sliced: vGPUs, then GPU instances, then MIG mode go
expect_rc 0 gi --config $SIMROOT/ts.json apply 2>$SIMROOT/a5.log
[ "$(mig_state | grep -c "^mode 0")" = 8 ] || fail "MIG mode off: $(mig_state | grep mode) $(cat $SIMROOT/a5.log)"
! mig_state | grep -q "^gi " || fail "GPU instances left"
[ "$(ls $SIMROOT/sys/bus/mdev/devices | wc -l)" = 32 ] || fail "32 time-sliced vGPUs: $(cat $SIMROOT/a5.log)"
for u in $(ls $SIMROOT/sys/bus/mdev/devices); do
	t=$(basename $(readlink $SIMROOT/sys/bus/mdev/devices/$u/mdev_type))
	[ $t = nvidia-471 ] || fail "$u: type $t, expected nvidia-471 (A100-10C)"
done

# MIG mode waiting for a GPU reset: reported, that GPU not ready, the others done
echo "nvidia-open 0000:17:00.0" >$SIMFS/.simfs/control
expect_rc 1 gi --config $SIMROOT/mig.json apply 2>$SIMROOT/a6.log
grep -q "0000:17:00.0: MIG mode on waits for a GPU reset" $SIMROOT/a6.log || fail "pending reset: $(cat $SIMROOT/a6.log)"
[ ! -e $SIMROOT/run/gpu-initd/ready ] || fail "ready with a GPU waiting for a reset"
[ "$(ls $SIMROOT/sys/bus/mdev/devices | wc -l)" = 49 ] || fail "49 vGPUs on the 7 other GPUs"
echo "nvidia-close 0000:17:00.0" >$SIMFS/.simfs/control
# the pending mode cannot be applied by a reset while the VFs of the A100 are on
! echo "gpu-reset 0000:17:00.0" >$SIMFS/.simfs/control 2>/dev/null || fail "A100 reset with VFs on"
# apply turns them off around the MIG mode change itself (NVIDIA order: MIG mode, then VFs)
expect_rc 0 gi --config $SIMROOT/mig.json apply 2>$SIMROOT/a7.log
ls $SIMROOT/sys/bus/mdev/devices | cmp -s - $SIMROOT/u1 || fail "UUIDs after the reset: $(cat $SIMROOT/a7.log)"

# kubelet-stub sees the 56 vGPUs through serve
K="build/kubelet-stub --root $SIMROOT"
$K serve 2>$SIMROOT/kstub.log & ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock
gi serve 2>$SIMROOT/serve.log & gs=$!
n=0
for i in $(seq 1000); do
	n=$(kstub_count allocatable nvidia.com/NVIDIA_A100-1-5C)
	[ "$n" = 56 ] && break
	sleep 0.01
done
[ "$n" = 56 ] || fail "kubelet-stub: $n nvidia.com/NVIDIA_A100-1-5C, expected 56"
kill $gs $ks; wait $gs $ks 2>/dev/null || true
'
