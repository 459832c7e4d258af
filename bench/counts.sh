#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/counts (`make bench-counts`): the figures of `make bench` that are
# counts, not times, so two builds can be compared on a shared machine
# (the same tree must print the same table every run).  No timing.
#
#   - apply on bench/boot's nodes (latency 0, one trial each): sysfs writes
#     and reads (simfs's `writes`/`reads` counters, as bench/boot counts
#     them) and the instruction count of the whole gpu-initd process
#     (valgrind --tool=callgrind Ir; the static binary too when built)
#   - check on h100-hgx-8x (passthrough config): Ir
#   - Allocate in `gpu-initd serve` on h100-hgx-8x (GPUs on vfio-pci):
#     kubelet-stub asks for one GPU 8 times (a GPU whose IOMMU group holds
#     another function is refused: that call counts too); Ir inside
#     on_allocate (validation, sysfs re-check, response) per call
#   - strace -f -c of check, apply and serve's start (until kubelet-stub
#     shows all 8 GPUs allocatable and the plugin connected, then SIGTERM)
#     on h100-hgx-8x: read, write, openat and openat2 calls
#
# Every measured program runs from a copy inside the node root with
# `env -i` and a config file copied there, so the checkout's path and the
# caller's environment do not change the counts.
#
#   counts.sh BUILD
set -euo pipefail
cd "$(dirname "$0")/.."
export TOP=$PWD

if [ "${1:-}" = --inside ]; then
	# --inside WHAT BIN CONFIG OUT: one measurement on a fresh node (run
	# by tests/simnode; the module seam of tests/it/initd-lib.sh)
	source tests/it/lib.sh
	source tests/it/initd-lib.sh
	what=$2 bin=$3 cfg=$4 out=$5
	initd_seam
	mkdir -p "$SIMROOT/bench"
	cp "$bin" "$SIMROOT/bench/gpu-initd"
	cp "$cfg" "$SIMROOT/bench/config.json"
	G=("$SIMROOT/bench/gpu-initd" --root "$SIMROOT" -q --config "$SIMROOT/bench/config.json")
	clean=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin)
	trap_=("$KMOD_TRAP" --control "$SIMFS/.simfs/control" --)
	case $what in
	apply-cg)
		w0=$(stat_get writes) r0=$(stat_get reads)
		"${trap_[@]}" "${clean[@]}" valgrind -q --tool=callgrind --callgrind-out-file="$out.cg" \
			"${G[@]}" apply 2>/dev/null
		echo "writes=$(($(stat_get writes) - w0)) reads=$(($(stat_get reads) - r0))" \
			"ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$out.cg")"
		;;
	apply-plain)
		w0=$(stat_get writes) r0=$(stat_get reads)
		"${trap_[@]}" "${clean[@]}" "${G[@]}" apply 2>/dev/null
		echo "writes=$(($(stat_get writes) - w0)) reads=$(($(stat_get reads) - r0))"
		;;
	check-cg)
		"${clean[@]}" valgrind -q --tool=callgrind --callgrind-out-file="$out.cg" \
			"${G[@]}" check >/dev/null 2>&1 || true
		echo "ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$out.cg")"
		;;
	check-strace)
		"${clean[@]}" strace -f -c -o "$out.st" "${G[@]}" check >/dev/null 2>&1 || true
		;;
	apply-strace)
		"${trap_[@]}" "${clean[@]}" strace -f -c -o "$out.st" "${G[@]}" apply 2>/dev/null
		;;
	serve-*)
		"${trap_[@]}" "${G[@]}" apply 2>/dev/null
		K=("$BENCH_BUILD/kubelet-stub" --root "$SIMROOT")
		"${K[@]}" serve 2>"$SIMROOT/kstub.log" &
		ks=$!
		wait_for "$SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock"
		if [ "$what" = serve-strace ]; then
			"${clean[@]}" strace -f -c -o "$out.st" "${G[@]}" serve 2>/dev/null &
		else
			"${clean[@]}" valgrind -q --tool=callgrind --callgrind-out-file="$out.cg" \
				"${G[@]}" serve 2>/dev/null &
		fi
		tp=$!
		res=nvidia.com/GH100_H100_SXM5_80GB
		for ((i = 0; ; i++)); do
			"${K[@]}" status 2>/dev/null | awk -v r=$res '$1 == r && $3 == 8 && $4 == "connected" { ok = 1 }
				END { exit !ok }' && break
			[ $i -lt 6000 ] || fail "serve not registered: $("${K[@]}" status)"
			sleep 0.05
		done
		if [ "$what" = serve-cg ]; then
			callgrind_control --zero $tp >/dev/null 2>&1
			for ((i = 0; i < 8; i++)); do "${K[@]}" allocate $res 1 >/dev/null 2>&1 || true; done
		fi
		# valgrind runs serve in its own process; strace as its only child
		if [ "$what" = serve-strace ]; then kill -TERM "$(cat /proc/$tp/task/$tp/children)"; else kill -TERM $tp; fi
		wait $tp || true
		kill -TERM $ks
		wait $ks 2>/dev/null || true
		;;
	*) fail "unknown measurement $what" ;;
	esac
	exit 0
fi

build=${1:-build}
export BENCH_BUILD=$TOP/$build
tmp=$(mktemp -d /tmp/bench-counts.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
measure() { # FIXTURE WHAT BIN CONFIG
	tests/simnode run "fixtures/$1.json" -- bash bench/counts.sh --inside "$2" "$3" "$TOP/bench/boot/$4.json" \
		"$tmp/m" </dev/null
}
val() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'; }
# calls SYSCALL: its count in the last strace -c summary (0 if never called)
calls() { awk -v s="$1" '$NF == s && $4 ~ /^[0-9]+$/ { n = $4 } END { print n + 0 }' "$tmp/m.st"; }

dyn=$BENCH_BUILD/gpu-initd
static=$TOP/build/static/gpu-initd
echo "# bench/counts: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes')"
echo "# sysfs writes/reads: simfs counters; Ir: valgrind --tool=callgrind; read..openat2: strace -f -c calls"
printf "%-44s %8s %8s %12s %12s\n" "apply (latency 0)" writes reads "Ir dynamic" "Ir static"
row() { # LABEL FIXTURE CONFIG
	local a s=- cfg=$3
	a=$(measure "$2" apply-cg "$dyn" "$cfg")
	[ -x "$static" ] && s=$(val ir "$(measure "$2" apply-cg "$static" "$cfg")")
	printf "%-44s %8s %8s %12s %12s\n" "$1" "$(val writes "$a")" "$(val reads "$a")" "$(val ir "$a")" "$s"
}
row "h100-hgx-8x passthrough" h100-hgx-8x passthrough
row "a100-pcie-8x vGPU 4x A100-10C" a100-pcie-8x a100-vgpu
row "h100-hgx-8x vGPU 8x H100XM-10C" h100-hgx-8x h100-vgpu
row "h100-16x-vfs passthrough" bench/h100-16x-vfs passthrough
echo
printf "%-44s %12s\n" "h100-hgx-8x (passthrough config)" "Ir dynamic"
printf "%-44s %12s\n" "check" "$(val ir "$(measure h100-hgx-8x check-cg "$dyn" passthrough)")"
measure h100-hgx-8x serve-cg "$dyn" passthrough
read -r inc n < <(bench/callgrind/fn-ir.py "$tmp/m.cg" on_allocate)
printf "%-44s %12s\n" "Allocate, in on_allocate/call ($n calls)" "$((inc / (n ? n : 1)))"
echo
printf "%-44s %8s %8s %8s %8s\n" "h100-hgx-8x, strace -f -c (dynamic)" read write openat openat2
for w in check apply serve; do
	measure h100-hgx-8x $w-strace "$dyn" passthrough
	printf "%-44s %8s %8s %8s %8s\n" "$w$([ $w = serve ] && echo " start to registered, then SIGTERM")" \
		"$(calls read)" "$(calls write)" "$(calls openat)" "$(calls openat2)"
done
