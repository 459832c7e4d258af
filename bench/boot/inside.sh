#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/boot, one trial on a fresh simulated node (run by run.sh inside
# tests/simnode; the module seam of tests/it/initd-lib.sh).  Prints one
# line of `key=value` figures.
#
#   inside.sh LATENCY apply CONFIG
#     gpu-initd apply: wall time, sysfs writes and reads, peak RSS (kmod-trap and
#     gpu-initd, the larger: wait4 folds the reaped child's maximum in)
#   inside.sh LATENCY incumbent ARGS...
#     bench/boot/incumbent.sh ARGS: wall time, sysfs writes and reads
#   inside.sh LATENCY run CONFIG RESOURCE=COUNT...
#     kubelet-stub serve first; then exec of `gpu-initd run` to every
#     RESOURCE showing COUNT allocatable and its plugin connected in
#     `kubelet-stub status` (polled every 5 ms: the poller must not take
#     the CPU from what it measures)
set -euo pipefail
source "$TOP/tests/it/lib.sh"
source "$TOP/tests/it/initd-lib.sh"
latency=$1 what=$2
shift 2
initd_seam
echo "latency $latency" >"$SIMFS/.simfs/control"
now() { date +%s%N; }
ms() { awk -v d=$(($2 - $1)) 'BEGIN { printf "%.1f", d / 1e6 }'; }
w0=$(stat_get writes) r0=$(stat_get reads)
case $what in
apply)
	# GNU time comes with `make bench` (scripts/setup.sh bench); make
	# check's smoke run may not have it: no RSS then
	timer=()
	[ -x /usr/bin/time ] && timer=(/usr/bin/time -o "$SIMROOT/time" -f %M)
	echo nan >"$SIMROOT/time"
	t0=$(now)
	"${timer[@]}" "$KMOD_TRAP" --control "$SIMFS/.simfs/control" -- \
		"$GPU_INITD" --root "$SIMROOT" -q --config "$1" apply 2>"$SIMROOT/apply.log" ||
		fail "apply: $(cat "$SIMROOT/apply.log")"
	t1=$(now)
	echo "wall_ms=$(ms $t0 $t1) writes=$(($(stat_get writes) - w0)) reads=$(($(stat_get reads) - r0))" \
		"peak_rss_kb=$(tail -n 1 "$SIMROOT/time")"
	;;
incumbent)
	t0=$(now)
	bash "$TOP/bench/boot/incumbent.sh" "$SIMROOT" "$SIMFS" "$@"
	t1=$(now)
	echo "wall_ms=$(ms $t0 $t1) writes=$(($(stat_get writes) - w0)) reads=$(($(stat_get reads) - r0))"
	;;
run)
	cfg=$1
	shift
	K="$TOP/build/kubelet-stub --root $SIMROOT"
	$K serve 2>"$SIMROOT/kstub.log" &
	ks=$!
	wait_for "$SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock"
	want=$(printf '%s\n' "$@")
	registered() {
		$K status 2>/dev/null | awk -v want="$want" '
			BEGIN { n = split(want, w, "\n"); for (i = 1; i <= n; i++) { split(w[i], kv, "="); c[kv[1]] = kv[2] } }
			$1 in c && $3 == c[$1] && $4 == "connected" { ok++ }
			END { exit ok == n ? 0 : 1 }'
	}
	t0=$(now)
	"$KMOD_TRAP" --control "$SIMFS/.simfs/control" -- "$GPU_INITD" --root "$SIMROOT" -q --config "$cfg" run \
		2>"$SIMROOT/run.log" &
	gp=$!
	for ((i = 0; ; i++)); do
		registered && break
		kill -0 $gp 2>/dev/null || fail "gpu-initd run exited: $(cat "$SIMROOT/run.log")"
		[ $i -lt 20000 ] || fail "not registered: $($K status)"
		sleep 0.005
	done
	t1=$(now)
	echo "exec_to_registered_ms=$(ms $t0 $t1) writes=$(($(stat_get writes) - w0))"
	kill -TERM $gp $ks
	wait $gp $ks 2>/dev/null || true
	;;
*) fail "unknown trial $what" ;;
esac
