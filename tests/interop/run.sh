#!/bin/sh
# Interop tests: Debian's python3-grpcio (from /usr/bin/python3: a pyenv
# python on PATH cannot see it) against the C gRPC layer.  Stubs are
# generated from proto/ into BUILD/interop at test time.
# Usage: run.sh BUILD_DIR
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
out=$build/interop
mkdir -p "$out"
if /usr/bin/python3 -c 'import grpc_tools' 2>/dev/null; then
	/usr/bin/python3 -m grpc_tools.protoc -Iproto --python_out="$out" --grpc_python_out="$out" proto/deviceplugin.proto
else
	protoc -Iproto --python_out="$out" --grpc_out="$out" \
		--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin proto/deviceplugin.proto
fi
GRPC_PEER=$build/tests/grpc-peer PYTHONPATH=$out exec timeout 300 /usr/bin/python3 tests/interop/test_interop.py "$@"
