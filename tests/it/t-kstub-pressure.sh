#!/bin/bash
# kubelet-stub under pressure (issue 23): slow status readers, many
# registrations, the fd limit (tests/kstub/kstub_pressure.py; FULL=1: larger).
source "$(dirname "$0")/lib.sh"
out=build/kstub-py
mkdir -p $out build/it
if [ ! -e $out/deviceplugin_pb2_grpc.py ] || [ proto/deviceplugin.proto -nt $out/deviceplugin_pb2_grpc.py ]; then
	protoc -Iproto --python_out=$out --grpc_out=$out --plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin \
		proto/deviceplugin.proto
fi
export PYTHONPATH=$TOP/$out KSTUB=${KSTUB:-$TOP/build/kubelet-stub} KSTUB_LOG_DIR=$TOP/build/it
tests/simnode run fixtures/h100-hgx-8x.json -- timeout 600 /usr/bin/python3 tests/kstub/kstub_pressure.py
