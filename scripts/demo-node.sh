#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo's steps, run by scripts/demo.sh inside the simulated node's
# namespaces ($SIMROOT: the node root, $SIMFS: the simfs mount).
source "$(dirname "$0")/demo-lib.sh"

# wait_resources N: until kubelet-stub lists N resources with devices
wait_resources() {
	local i
	for ((i = 0; i < 500; i++)); do
		[ "$(ks status --json 2>/dev/null | /usr/bin/python3 -c '
import json,sys
d=json.load(sys.stdin)
print(sum(1 for v in d["status"]["allocatable"].values() if int(v) > 0))' 2>/dev/null)" = "$1" ] && return 0
		sleep 0.02
	done
	fail "the resources did not register"
}

step "gpu-initd check (read-only diagnosis of the node)"
gi check || true

step "kubelet-stub serve (the node's kubelet)"
ks serve >"$SIMROOT/kubelet.log" 2>&1 &
PIDS+=($!)
wait_for "$SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock"

step "gpu-initd run: apply (vm-passthrough), then serve the device plugins"
start=$(date +%s%N)
gi_bg "$SIMROOT/gpu-initd.log" run
GI=$!
PIDS+=($GI)
wait_resources 1
echo "all 8 GPUs bound to vfio-pci and registered in $((($(date +%s%N) - start) / 1000000)) ms"
grep -E "changed|now on" "$SIMROOT/gpu-initd.log" | tail -3

step "the node as kubectl get node would show it (kubelet-stub status)"
ks status

step "kubelet-stub launch-vm nvidia.com/GH100_H100_SXM5_80GB 1 (as KubeVirt's virt-launcher checks it)"
ks launch-vm nvidia.com/GH100_H100_SXM5_80GB 1

step "gpu-initd kubevirt-config (permittedHostDevices for the KubeVirt CR)"
"$B/gpu-initd" --root "$SIMROOT" kubevirt-config

step "gpu-initd status --labels (kubelet --node-labels)"
"$B/gpu-initd" --root "$SIMROOT" status --labels

step "switch the node to vm-vgpu: 8 x H100XM-10C per GPU (config change + gpu-initd run again)"
kill -TERM "$GI"; wait "$GI" 2>/dev/null || true
mkdir -p "$SIMROOT/etc/gpu-initd"
cat >"$SIMROOT/etc/gpu-initd/config.json" <<'JSON'
{ "mode": "vm-vgpu",
  "vgpu-configs": { "default": [ { "devices": "all", "vgpu-devices": { "H100XM-10C": 8 } } ] } }
JSON
cat "$SIMROOT/etc/gpu-initd/config.json"
gi check 2>&1 | sed -n '/vGPU PATH/,$p' | sed -n '1,3p;$p'
start=$(date +%s%N)
gi_bg "$SIMROOT/gpu-initd-vgpu.log" run
GI=$!
PIDS+=($GI)
for ((i = 0; i < 1000; i++)); do
	ks status 2>/dev/null | grep -q "NVIDIA_H100XM-10C  *64  *64" && break
	sleep 0.02
done
echo "GPUs back to nvidia, SR-IOV on (NVIDIA's sequence), 64 vGPUs created and registered in $((($(date +%s%N) - start) / 1000000)) ms"
grep -E "vGPUs:|sysfs writes" "$SIMROOT/gpu-initd-vgpu.log" | tail -2
ks status | grep -v "^  " # capacity and allocatable; per-device lines with ks status
echo "(the passthrough resource stays until the kubelet's grace period ends, with nothing allocatable)"

step "kubelet-stub launch-vm nvidia.com/NVIDIA_H100XM-10C 1 (a VF hosting the vGPU)"
ks launch-vm nvidia.com/NVIDIA_H100XM-10C 1

step "gpu-initd status --labels"
"$B/gpu-initd" --root "$SIMROOT" status --labels

step "done: tearing the simulated node down"
