#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/footprint: size of the static and the dynamic gpu-initd (file,
# stripped, and the shared libraries the dynamic one loads), and the peak
# RSS of `apply` (GNU time's %M: the larger of kmod-trap and gpu-initd,
# since wait4 folds a reaped child's maximum into its parent's) on fresh
# simulated nodes.  Needs `make all static`.
#
#   footprint.sh BUILD
set -euo pipefail
cd "$(dirname "$0")/.."
export TOP=$PWD
build=${1:-build}
dyn=$build/gpu-initd st=build/static/gpu-initd
tmp=$(mktemp -d /tmp/bench-fp.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "# bench/footprint"
strip -o "$tmp/dyn" "$dyn"
libs=$(ldd "$dyn" | awk '$3 ~ /^\// { print $3 }')
libsz=0
for l in $libs; do libsz=$((libsz + $(stat -L -c %s "$l"))); done
printf "%-44s %10s\n" binary bytes
printf "%-44s %10d\n" "static $st (stripped)" "$(stat -c %s "$st")"
printf "%-44s %10d\n" "dynamic $dyn (-O2 -g)" "$(stat -c %s "$dyn")"
printf "%-44s %10d\n" "dynamic, stripped" "$(stat -c %s "$tmp/dyn")"
printf "%-44s %10d\n" "  + its $(wc -w <<<"$libs") shared libraries (ldd, w/o the loader)" "$libsz"

printf "%-44s %10s\n" "apply, peak RSS" kB
for fx in h100-hgx-8x bench/h100-16x-vfs; do
	for b in "$dyn" "$st"; do
		kb=$(GPU_INITD=$TOP/$b tests/simnode run "fixtures/$fx.json" -- \
			bash bench/boot/inside.sh 0 apply bench/boot/passthrough.json | sed 's/.*peak_rss_kb=//')
		printf "%-44s %10d\n" "${fx#bench/} passthrough, $([ "$b" = "$st" ] && echo static || echo dynamic)" "$kb"
	done
done
