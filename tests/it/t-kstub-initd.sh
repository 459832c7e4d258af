#!/bin/bash
# kubelet-stub against gpu-initd serve on h100-hgx-8x: launch-vm succeeds
# for the passthrough resource (GPUs bound by gpu-initd apply) and for a
# vGPU resource (H100XM-10C vGPUs on VFs, made by NVIDIA's sequence through
# the mount), and fails with a clear reason when a device is hot-unplugged
# between Allocate and the checks.
source "$(dirname "$0")/lib.sh"

tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
K="build/kubelet-stub --root $SIMROOT"
allocatable() { kstub_count allocatable "$1"; }
wait_allocatable() { # RESOURCE N
	for i in $(seq 1000); do [ "$(allocatable $1)" = "$2" ] && return 0; sleep 0.01; done
	fail "$1: allocatable $(allocatable $1), expected $2"
}
$K serve 2>$SIMROOT/kstub.log & ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock

# passthrough: apply binds 7 GPUs (one stays on nvidia for the vGPU part)
gi --config <(echo "{\"devices\": [\"0000:18:00.0\", \"0000:2a:00.0\", \"0000:3a:00.0\", \"0000:5d:00.0\", \"0000:9a:00.0\", \"0000:9b:00.0\", \"0000:ba:00.0\"]}") apply 2>$SIMROOT/apply.log || fail "apply: $(cat $SIMROOT/apply.log)"

# vGPUs on 0000:db:00.0: VFs by NVIDIA enable sequence, 8 x H100XM-10C
S=$SIMROOT/sys/bus/pci; PF=0000:db:00.0; D=$S/devices/$PF
pf_stub_vfs $PF 8
echo >$D/driver_override; echo $PF >$S/drivers/pci-pf-stub/unbind; echo $PF >$S/drivers_probe
for i in $(seq 0 7); do
	vf=$(basename $(readlink $D/virtfn$i))
	echo nvidia >$S/devices/$vf/driver_override; echo $vf >$S/drivers_probe
	echo 1013 >$S/devices/$vf/nvidia/current_vgpu_type
done

build/gpu-initd --root $SIMROOT serve 2>$SIMROOT/serve.log & gs=$!
wait_allocatable nvidia.com/GH100_H100_SXM5_80GB 7
wait_allocatable nvidia.com/NVIDIA_H100XM-10C 8

$K launch-vm nvidia.com/GH100_H100_SXM5_80GB 2 >$SIMROOT/pt.xml || fail "launch-vm passthrough"
[ "$(grep -c "<hostdev " $SIMROOT/pt.xml)" = 2 ] || fail "two passthrough hostdevs: $(cat $SIMROOT/pt.xml)"
$K launch-vm nvidia.com/NVIDIA_H100XM-10C 2 >$SIMROOT/vgpu.xml || fail "launch-vm vGPU"
[ "$(grep -c "<hostdev " $SIMROOT/vgpu.xml)" = 2 ] || fail "two vGPU hostdevs: $(cat $SIMROOT/vgpu.xml)"
grep -q "bus=.0xdb." $SIMROOT/vgpu.xml || fail "vGPU hostdevs are VFs of 0000:db:00.0"

# a vGPU deleted between Allocate and the checks: the VF keeps its group
# node (NVIDIA registers VFs with VFIO at bind) but cannot be opened
if out=$($K launch-vm nvidia.com/NVIDIA_H100XM-10C 1 --before-check "for d in \$KSTUB_DEVICES; do echo 0 >$S/devices/\$d/nvidia/current_vgpu_type; done" 2>&1); then
	fail "launch-vm on a VF without a vGPU succeeded"
fi
case $out in *"no VF with a vGPU type (current_vgpu_type 0"*) ;; *) fail "VF without vGPU: $out" ;; esac

# a device unplugged between Allocate and the checks
if out=$($K launch-vm nvidia.com/GH100_H100_SXM5_80GB 1 --before-check "echo \"unplug \$KSTUB_DEVICES\" >$SIMFS/.simfs/control" 2>&1); then
	fail "launch-vm after a hot-unplug succeeded"
fi
case $out in *"does not exist (hot-unplugged?)"*) ;; *) fail "hot-unplug: $out" ;; esac
kill $gs $ks; wait $gs $ks 2>/dev/null || true
'
