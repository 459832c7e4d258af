#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/callgrind: instruction counts (valgrind --tool=callgrind; stable on
# a noisy shared machine, unlike wall time) of the hot paths, next to their
# wall times measured without valgrind on the same kind of node:
#   - `gpu-initd apply` (whole process: start, discovery, module loading,
#     the writes, status) on the bench/boot nodes; h100-hgx-8x passthrough
#     also with the static binary
#   - Allocate in `gpu-initd serve` (h100-hgx-8x, GPUs on vfio-pci, one
#     caller): counters zeroed once serve is up, then N Allocate calls;
#     Ir per call for the whole process and inside the handler
#     (on_allocate: validation, sysfs re-check, response)
#
#   run.sh BUILD SECONDS     (SECONDS of Allocate load under callgrind)
set -euo pipefail
cd "$(dirname "$0")/../.."
export TOP=$PWD
build=${1:-build} secs=${2:-2}
out=$(mktemp -d /tmp/bench-cg.XXXXXX)
trap 'rm -rf "$out"' EXIT

# cg_total FILE: the Ir total of a callgrind output file
cg_total() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }
# cg_fn FILE FN: "INCLUSIVE_IR CALLS" of function FN
cg_fn() { /usr/bin/python3 bench/callgrind/fn-ir.py "$1" "$2"; }

apply_ir() { # FIXTURE CONFIG BINARY LABEL
	local fx=fixtures/$1.json cfg=$TOP/bench/boot/$2.json bin=$3 i
	for i in 1 2 3; do
		GPU_INITD=$bin tests/simnode run "$fx" -- bash bench/boot/inside.sh 0 apply "$cfg" </dev/null
	done | sed 's/.*wall_ms=\([^ ]*\).*/\1/' | sort -g | sed -n 2p >"$out/wall"
	tests/simnode run "$fx" -- bash -c '
	source tests/it/lib.sh; source tests/it/initd-lib.sh; initd_seam
	"$KMOD_TRAP" --control $SIMFS/.simfs/control -- valgrind -q --tool=callgrind \
		--callgrind-out-file="$3" "$1" --root $SIMROOT -q --config "$2" apply 2>/dev/null' _ "$bin" "$cfg" "$out/apply.out"
	printf "%-44s %14s %10.1f\n" "apply $4" "$(cg_total "$out/apply.out")" "$(cat "$out/wall")"
}

echo "# bench/callgrind: valgrind --tool=callgrind instruction counts (Ir); wall time without valgrind (apply: median of 3)"
printf "%-44s %14s %10s\n" "path" "Ir" "wall_ms"
apply_ir h100-hgx-8x passthrough "$TOP/$build/gpu-initd" "h100-hgx-8x passthrough (dynamic)"
if [ -x build/static/gpu-initd ]; then
	apply_ir h100-hgx-8x passthrough "$TOP/build/static/gpu-initd" "h100-hgx-8x passthrough (static)"
fi
apply_ir a100-pcie-8x a100-vgpu "$TOP/$build/gpu-initd" "a100-pcie-8x vGPU 4x A100-10C (dynamic)"
apply_ir h100-hgx-8x h100-vgpu "$TOP/$build/gpu-initd" "h100-hgx-8x vGPU 8x H100XM-10C (dynamic)"
apply_ir bench/h100-16x-vfs passthrough "$TOP/$build/gpu-initd" "h100-16x-vfs passthrough (dynamic)"

tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh; initd_seam
B=$TOP/$1 secs=$2 out=$3
gi -q apply 2>/dev/null
D=$SIMROOT/var/lib/kubelet/device-plugins
ids="0000:18:00.0 0000:2a:00.0 0000:3a:00.0 0000:5d:00.0 0000:ba:00.0 0000:db:00.0"
valgrind --tool=callgrind --callgrind-out-file=$out/serve.out $B/gpu-initd --root $SIMROOT -q serve \
	2>$out/vg.log &
vp=$!
for i in $(seq 1000); do ls $D/gpu-initd-*.sock >/dev/null 2>&1 && break; sleep 0.02; done
sleep 0.5
callgrind_control --zero $vp >/dev/null 2>&1
$B/bench/plugin-bench alloc $D $(cd $D && ls gpu-initd-*.sock) 1 $secs $ids >$out/alloc-cg
kill -TERM $vp
wait $vp
# wall time: the same load without valgrind
$B/gpu-initd --root $SIMROOT -q serve 2>/dev/null &
sp=$!
for i in $(seq 1000); do ls $D/gpu-initd-*.sock >/dev/null 2>&1 && break; sleep 0.01; done
$B/bench/plugin-bench alloc $D $(cd $D && ls gpu-initd-*.sock) 1 $secs $ids >$out/alloc
kill -TERM $sp
wait $sp' _ "$build" "$secs" "$out"
read -r inc calls < <(cg_fn "$out/serve.out" on_allocate)
total=$(cg_total "$out/serve.out")
# plugin-bench: concurrency calls calls/s p50_us p99_us max_us errors
p50=$(awk '{ print $4 / 1000 }' "$out/alloc")
printf "%-44s %14d %10.3f  (p50 on simfs, one caller; %d calls under callgrind)\n" \
	"Allocate h100-hgx-8x, whole serve process/call" $((total / calls)) "$p50" "$calls"
printf "%-44s %14d\n" "Allocate h100-hgx-8x, in on_allocate/call" $((inc / calls))
