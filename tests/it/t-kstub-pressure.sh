#!/bin/bash
# kubelet-stub under pressure (issue 23): slow status readers, many
# registrations, the fd limit (tests/kstub/kstub_pressure.py; FULL=1: larger).
source "$(dirname "$0")/lib.sh"
mkdir -p build/it
py_stubs
export KSTUB=${KSTUB:-$TOP/build/kubelet-stub} KSTUB_LOG_DIR=$TOP/build/it
tests/simnode run fixtures/h100-hgx-8x.json -- timeout 600 /usr/bin/python3 tests/kstub/kstub_pressure.py
