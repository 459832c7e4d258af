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
gi run >"$SIMROOT/gpu-initd.log" 2>&1 &
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

step "vm-vgpu on this H100 node: what gpu-initd check says"
kill -TERM "$GI"; wait "$GI" 2>/dev/null || true
mkdir -p "$SIMROOT/etc/gpu-initd"
cat >"$SIMROOT/etc/gpu-initd/config.json" <<'JSON'
{ "mode": "vm-vgpu",
  "vgpu-configs": { "default": [ { "devices": "all", "vgpu-devices": { "H100XM-10C": 8 } } ] } }
JSON
cat "$SIMROOT/etc/gpu-initd/config.json"
gi check 2>&1 | grep -E "^problem|OK" || true
echo "(Hopper vGPU through NVIDIA's vendor-specific VFIO is not in this build yet; the A100 node next shows vm-vgpu)"

step "done with the H100 node: tearing it down"
