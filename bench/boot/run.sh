#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/boot: the boot path on simulated nodes, gpu-initd against the
# incumbent shell (bench/boot/incumbent.sh), at simfs write latency 0 and
# a realistic per-write latency.  Every trial gets a fresh node of the
# same fixture (tests/simnode, same simfs binary); figures are medians of
# REPS trials.
#
#   run.sh BUILD REPS [LATENCY...]     (default latencies: 0 200us)
#
# 200 µs per sysfs write stands for a real kernel's mix on this path:
# attribute writes (driver_override, sriov_drivers_autoprobe) take
# microseconds, unbind/probe/sriov_numvfs/vGPU creation run driver code
# that takes from a fraction of a millisecond to several.
#   BENCH_NODES=GLOB: only the nodes whose label matches (make check's smoke run)
#
# Columns: bound functions (vfio-pci binds or vGPUs made), the fewest sysfs
# writes that reach the same state, then per tool wall time, writes per
# bound function and sysfs reads (simfs's `reads` counter: file reads, not
# path lookups); ratio = incumbent / gpu-initd wall time; run = exec of
# `gpu-initd run` to every resource allocatable in kubelet-stub; rss = peak
# RSS of apply.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TOP=$PWD
build=${1:-build} reps=${2:-3}
shift 2 || true
latencies=${*:-0 200us}
export GPU_INITD=$TOP/$build/gpu-initd
C=$TOP/bench/boot

# trial [--uevents] FIXTURE LATENCY WHAT ARGS...: one line of key=value
trial() {
	local ue=()
	[ "$1" = --uevents ] && { ue=(--uevents); shift; }
	tests/simnode run "${ue[@]}" "$1" -- bash bench/boot/inside.sh "${@:2}"
}
# median KEY LINES: the median of KEY=value over the lines
median() {
	tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }' | sort -g |
		awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "nan" }'
}
reps_of() { # FIXTURE LATENCY WHAT ARGS...
	local i out=""
	for ((i = 0; i < reps; i++)); do out+="$(trial "$@") "; done
	echo "$out"
}

# refused FIXTURE CONFIG: why `gpu-initd check` refuses CONFIG there (nothing if it accepts)
refused() {
	tests/simnode run "$1" -- bash -c '"$GPU_INITD" --root $SIMROOT --config "$1" check >$SIMROOT/c.txt ||
		grep -m1 "^problem" $SIMROOT/c.txt || echo "check failed"' _ "$2"
}

# node LABEL FIXTURE FUNCS MIN_WRITES CONFIG RESOURCES INCUMBENT_ARGS
node() {
	local label=$1 fx=fixtures/$2.json funcs=$3 min=$4 cfg=$5 res=$6 inc=$7 lat a b r why
	# shellcheck disable=SC2053
	[[ $label == ${BENCH_NODES:-*} ]] || return 0
	why=$(refused "$fx" "$cfg")
	if [ -n "$why" ]; then
		echo "# $label: skipped, gpu-initd check refuses the config: $(echo $why)"
		return 0
	fi
	for lat in $latencies; do
		a=$(reps_of "$fx" "$lat" apply "$cfg")
		# shellcheck disable=SC2086
		b=$(reps_of "$fx" "$lat" incumbent $inc)
		# shellcheck disable=SC2086
		r=$(reps_of --uevents "$fx" "$lat" run "$cfg" $res)
		awk -v l="$label" -v lat="$lat" -v f="$funcs" -v min="$min" \
			-v am="$(median wall_ms "$a")" -v aw="$(median writes "$a")" -v rss="$(median peak_rss_kb "$a")" \
			-v ar="$(median reads "$a")" -v br="$(median reads "$b")" \
			-v bm="$(median wall_ms "$b")" -v bw="$(median writes "$b")" \
			-v rm="$(median exec_to_registered_ms "$r")" 'BEGIN {
			printf "%-26s %-7s %5d %7.1f %9.1f %9.1f %7d %9.1f %9.1f %7d %6.2f %9.1f %7s\n",
				l, lat, f, min / f, am, aw / f, ar, bm, bw / f, br, bm / am, rm, rss }'
	done
}

echo "# bench/boot: $reps trial(s) per figure (median), fresh simulated node per trial"
printf "%-26s %-7s %5s %7s %9s %9s %7s %9s %9s %7s %6s %9s %7s\n" node latency funcs min_w/f \
	initd_ms initd_w/f reads shell_ms shell_w/f reads ratio run_ms rss_kB
node h100-hgx-8x-passthrough h100-hgx-8x 8 24 "$C/passthrough.json" nvidia.com/GH100_H100_SXM5_80GB=8 passthrough
node a100-pcie-8x-vgpu-4x10C a100-pcie-8x 32 32 "$C/a100-vgpu.json" nvidia.com/NVIDIA_A100-10C=32 \
	"mdev A100-10C 4"
# H100 vendor-VFIO vGPU (vGPU 17+): NVIDIA's sequence per GPU (8 writes:
# PF to pci-pf-stub, autoprobe 0, numvfs, PF back) + per VF override,
# probe, current_vgpu_type (3)
node h100-hgx-8x-vgpu-8x10C h100-hgx-8x 64 256 "$C/h100-vgpu.json" nvidia.com/NVIDIA_H100XM-10C=64 \
	"vendor-vfio H100XM-10C 8"
# 16 GPUs with 32 VFs each on nvidia: SR-IOV off through pci-pf-stub
# (override, unbind, probe, numvfs 0) then override, unbind, probe
node h100-16x-vfs-passthrough bench/h100-16x-vfs 16 112 "$C/passthrough.json" nvidia.com/GH100_H100_SXM5_80GB=16 passthrough
