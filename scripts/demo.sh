#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo: a simulated 8x H100 HGX node, gpu-initd and kubelet-stub.
#
# 1. gpu-initd check: what the node looks like to it
# 2. kubelet-stub serve, then gpu-initd run (apply in vm-passthrough, serve)
# 3. the node's capacity/allocatable, one launch-vm, the KubeVirt CR block,
#    the node labels
# 4. the same node switched to vm-vgpu (H100XM-10C x 8 per GPU through
#    NVIDIA's vendor-specific VFIO): the vGPU resources and one launch-vm
# Everything runs inside private mount/PID/network namespaces around a
# simfs mount (tests/simnode); nothing touches this machine's /sys, and
# everything is torn down at the end, on Ctrl-C or on failure.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
FIXTURE=${DEMO_FIXTURE:-fixtures/h100-hgx-8x.json}
start=$(date +%s)
tests/simnode run --uevents "$FIXTURE" -- bash "$TOP/scripts/demo-node.sh"
echo "demo finished in $(($(date +%s) - start)) s; everything it mounted and started is gone"
