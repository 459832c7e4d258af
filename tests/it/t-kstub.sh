#!/bin/bash
# kubelet-stub against a Python grpcio device plugin: kubelet's conformance
# cases on plain roots, then launch-vm on simulated H100, T4 and A100 nodes.
source "$(dirname "$0")/lib.sh"
mkdir -p build/it
py_stubs
export KSTUB=${KSTUB:-$TOP/build/kubelet-stub} KSTUB_LOG_DIR=$TOP/build/it
tests/simnode run fixtures/h100-hgx-8x.json -- env KSTUB_FIXTURE=h100 timeout 300 /usr/bin/python3 tests/kstub/test_kstub.py
tests/simnode run fixtures/t4-4x.json -- env KSTUB_FIXTURE=t4 timeout 120 /usr/bin/python3 tests/kstub/test_kstub.py LaunchVmT4
tests/simnode run fixtures/a100-pcie-8x.json -- env KSTUB_FIXTURE=a100 timeout 120 /usr/bin/python3 tests/kstub/test_kstub.py LaunchVmA100
