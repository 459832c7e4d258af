#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo's vm-vgpu part, on a simulated 8x A100 PCIe node (vGPU host
# driver, mdev on SR-IOV VFs): 4 x A100-10C per GPU, served to kubelet-stub.
source "$(dirname "$0")/demo-lib.sh"
step "vm-vgpu on an 8x A100 node: 4 x A100-10C per GPU (mdevs on SR-IOV VFs)"
mkdir -p "$SIMROOT/etc/gpu-initd"
cat >"$SIMROOT/etc/gpu-initd/config.json" <<'JSON'
{ "mode": "vm-vgpu",
  "vgpu-configs": { "default": [ { "devices": "all", "vgpu-devices": { "A100-10C": 4 } } ] } }
JSON
cat "$SIMROOT/etc/gpu-initd/config.json"
ks serve >"$SIMROOT/kubelet.log" 2>&1 &
PIDS+=($!)
wait_for "$SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock"
gi run >"$SIMROOT/gpu-initd.log" 2>&1 &
PIDS+=($!)
for ((i = 0; i < 1000; i++)); do
	ks status 2>/dev/null | grep -q "NVIDIA_A100-10C  *32  *32" && break
	sleep 0.02
done
grep -E "changed|kept" "$SIMROOT/gpu-initd.log" | tail -2 || true
ks status | head -4
step "kubelet-stub launch-vm nvidia.com/NVIDIA_A100-10C 1 (an mdev, as virt-launcher checks it)"
ks launch-vm nvidia.com/NVIDIA_A100-10C 1
step "gpu-initd kubevirt-config"
"$B/gpu-initd" --root "$SIMROOT" kubevirt-config
step "done: tearing the simulated nodes down"
