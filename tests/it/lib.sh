# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for tests/it scripts (source it).  Every test runs its node inside
# tests/simnode's namespaces; nothing here touches the host's /sys.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
TOP=$PWD
export TOP

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_write_error ERRTEXT VALUE FILE: `echo VALUE > FILE` must fail with
# the given strerror text (as bash reports a write error).
expect_write_error() {
	local want=$1 value=$2 file=$3 out
	if out=$( (echo "$value" >"$file") 2>&1); then
		fail "writing '$value' to $file succeeded, expected '$want'"
	fi
	case $out in
	*"$want"*) ;;
	*) fail "writing '$value' to $file: got '$out', expected '$want'" ;;
	esac
}

# stat_get NAME: simfs's counter NAME (.simfs/stats: writes, stalled, ...)
stat_get() { awk -v k="$1" '$1 == k { print $2 }' "$SIMFS/.simfs/stats"; }

# wait_stat NAME VALUE [TRIES]: until simfs's counter NAME reads VALUE
# (10 ms steps); status 1 if it never does.
wait_stat() {
	local i
	for ((i = 0; i < ${3:-500}; i++)); do
		[ "$(stat_get "$1")" = "$2" ] && return 0
		sleep 0.01
	done
	return 1
}

# wait_for PATH [TRIES]: until PATH exists (10 ms steps).
wait_for() {
	local i
	for ((i = 0; i < ${2:-500}; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.01
	done
	fail "timed out waiting for $1"
}

# jcheck FILE EXPR...: tests/it/jcheck.py, the one JSON checker (see there).
jcheck() { "$TOP/tests/it/jcheck.py" "$@"; }

# kstub_count WHAT RESOURCE: kubelet-stub's (under $SIMROOT) WHAT
# ("allocatable" or "capacity") count of RESOURCE; 0 when it has none.
kstub_count() {
	"$TOP/build/kubelet-stub" --root "$SIMROOT" status --json 2>/dev/null |
		jcheck - --arg r "$2" --get ".status.$1.get(r, 0)" 2>/dev/null || echo 0
}

# py_stubs: the Python gRPC stubs of proto/deviceplugin.proto in
# build/py-stubs (made once, again when the proto is newer), on PYTHONPATH
# (the grpcio kubelet and device plugins of the serve and kubelet-stub tests).
py_stubs() {
	local out=$TOP/build/py-stubs
	mkdir -p "$out"
	if [ ! -e "$out/deviceplugin_pb2_grpc.py" ] || [ proto/deviceplugin.proto -nt "$out/deviceplugin_pb2_grpc.py" ]; then
		protoc -Iproto --python_out="$out" --grpc_out="$out" \
			--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin proto/deviceplugin.proto
	fi
	export PYTHONPATH=$out${PYTHONPATH:+:$PYTHONPATH}
}
