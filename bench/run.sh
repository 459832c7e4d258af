#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make bench`: every benchmark, figures printed and kept in
# build/bench/latest.txt; a full run also replaces the "make bench: last
# recorded run" section of bench/RESULTS.md (date, machine, command,
# figures).  BENCH_QUICK=1: tiny sizes and short periods for trying, and
# RESULTS.md is left alone.  BENCH_RECORD=0: a full run that records
# nothing.
#
#   bench/run.sh BUILD
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ "${BENCH_QUICK:-0}" != 0 ]; then
	reps=1 secs=1 period=5 grpc=1 simfs=100 cg=1 starts=3 record=0
else
	reps=3 secs=5 period=60 grpc=5 simfs=1000 cg=2 starts=21 record=${BENCH_RECORD:-1}
fi
mkdir -p "$build/bench"
out=$build/bench/latest.txt
started=$(date -u '+%Y-%m-%d %H:%M UTC')
machine="$(lscpu | awk -F: '/^Model name/ { gsub(/^ +/, "", $2); print $2 }'), $(nproc) cores \
($(lscpu | awk -F: '/^Hypervisor vendor/ { gsub(/^ +/, "", $2); print $2 " guest" }')), \
$(awk '{ printf "%d MB", $2 / 1024 }' <(grep MemTotal /proc/meminfo)), kernel $(uname -r)"
{
	echo "# make bench$([ "${BENCH_QUICK:-0}" != 0 ] && echo " (BENCH_QUICK=1)"): $started"
	echo "# machine: $machine"
	echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	bench/boot/run.sh "$build" "$reps"
	echo
	bench/start/run.sh "$build" "$starts"
	echo
	bench/plugin/run.sh "$build" "$secs" "$period"
	echo
	bench/callgrind/run.sh "$build" "$cg"
	echo
	bench/footprint.sh "$build"
	echo
	bench/grpc/run.sh "$build" "$grpc"
	echo
	bench/simfs/run.sh "$build" "$simfs"
	echo
	echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg); finished $(date -u '+%H:%M UTC')"
} 2>&1 | tee "$out"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "bench: a benchmark failed (see above)" >&2; exit 1; }
[ "$record" = 1 ] || exit 0

# Replace the recorded section (or append it the first time).
begin='<!-- make bench: begin -->' end='<!-- make bench: end -->'
section=$(mktemp)
trap 'rm -f "$section"' EXIT
{
	echo "$begin"
	echo "## make bench: last recorded run"
	echo
	echo "Command: \`make bench\` (= \`bench/run.sh $build\`: bench/boot with $reps trials per"
	echo "figure, bench/start with $starts starts per point, bench/plugin with $secs s per Allocate"
	echo "point and $period s idle/storm periods,"
	echo "bench/callgrind, bench/footprint.sh, bench/grpc $grpc s per point, bench/simfs N=$simfs)."
	echo "Date: $started.  Machine: $machine."
	echo "What each figure means: the header comment of the script that prints it."
	echo
	echo '```'
	cat "$out"
	echo '```'
	echo "$end"
} >"$section"
if grep -qF "$begin" bench/RESULTS.md; then
	awk -v b="$begin" -v e="$end" -v f="$section" '
		$0 == b { while ((getline l < f) > 0) print l; skip = 1; next }
		$0 == e { skip = 0; next }
		!skip' bench/RESULTS.md >bench/RESULTS.md.new
	mv bench/RESULTS.md.new bench/RESULTS.md
else
	{ echo; cat "$section"; } >>bench/RESULTS.md
fi
echo "bench: recorded in bench/RESULTS.md"
