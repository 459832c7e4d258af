# SPDX-License-Identifier: GPL-2.0-or-later
# For t-serve-*.sh (source after lib.sh): Python stubs from proto/ for the
# grpcio kubelet in tests/it/serve_kubelet.py.
serve_stubs() {
	local out=$TOP/build/serve-py
	mkdir -p "$out"
	if [ ! -e "$out/deviceplugin_pb2_grpc.py" ] || [ proto/deviceplugin.proto -nt "$out/deviceplugin_pb2_grpc.py" ]; then
		protoc -Iproto --python_out="$out" --grpc_out="$out" \
			--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin proto/deviceplugin.proto
	fi
	export PYTHONPATH=$out:$TOP/tests/it
}
# serve_py FIXTURE CASES_FILE [CASE]: run cases inside a simulated node with uevents
serve_py() {
	local fixture=$1 file=$2
	shift 2
	tests/simnode run --uevents "$fixture" -- /usr/bin/python3 "$file" "$@"
}
