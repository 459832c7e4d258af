#!/bin/bash
# gpu-initd serve with vGPUs against a Python grpcio kubelet: H100 VF vGPUs
# with passthrough GPUs, A100 mdevs on VFs, T4 mdevs on PFs, aliases
# (tests/it/serve_vgpu.py has the cases).
source "$(dirname "$0")/lib.sh"
source tests/it/serve-lib.sh
serve_stubs
serve_py fixtures/h100-hgx-8x.json tests/it/serve_vgpu.py h100_mixed || fail "case h100_mixed"
serve_py fixtures/a100-pcie-8x.json tests/it/serve_vgpu.py a100_mdev || fail "case a100_mdev"
serve_py fixtures/t4-4x.json tests/it/serve_vgpu.py t4_mdev_alias || fail "case t4_mdev_alias"
