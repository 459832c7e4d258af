#!/bin/bash
# bench/plugin, one node (run by run.sh inside tests/simnode): serve with
# the Python kubelet, then Allocate at 1, 8 and 32 callers, health
# latency, RSS, CPU and RSS over an idle period and over an Allocate storm
# (32 callers) of the same length.  Prints one line per figure.
set -euo pipefail
build=$1 secs=$2 idle=$3 label=$4
B=$TOP/$build
if [ "$label" = 8 ]; then
	/usr/bin/python3 -c 'from serve_kubelet import bind_vfio
for g in "18 2a 3a 5d 9a 9b ba db".split(): bind_vfio("0000:%s:00.0" % g)'
fi
/usr/bin/python3 $TOP/bench/plugin/kubelet.py &
kpid=$!
while [ ! -S $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock ]; do sleep 0.05; done
t0=$(date +%s%N)
$B/gpu-initd --root $SIMROOT -q serve &
spid=$!
until grep -q '"registered":true' $SIMROOT/run/gpu-initd/serve.json 2>/dev/null &&
	grep -q '"streams":1' $SIMROOT/run/gpu-initd/serve.json; do sleep 0.01; done
t1=$(date +%s%N)
echo "devices=$label start_to_registered_ms=$(((t1 - t0) / 1000000)) (includes process start and polling serve.json every 10 ms)"
D=$SIMROOT/var/lib/kubelet/device-plugins
sock=$(cd $D && ls gpu-initd-*.sock)
# IDs alone in their IOMMU group (a shared group must be allocated whole)
ids=$($B/gpu-initd --root $SIMROOT status | awk '$2 == "passthrough" {print $1, $5}' |
	awk '{id[NR]=$1; g[NR]=$2; c[$2]++} END {for (i = 1; i <= NR; i++) if (c[g[i]] == 1) print id[i]}')
for c in 1 8 32; do
	echo "alloc devices=$label $($B/bench/plugin-bench alloc $D $sock $c $secs $ids)"
done
first=$(echo $ids | cut -d' ' -f1)
echo "health devices=$label $($B/bench/plugin-bench health $D $sock $SIMROOT 20 $first)"
grep -E '^(VmRSS|VmHWM)' /proc/$spid/status | tr -s ' \t' ' ' | sed "s/^/rss devices=$label /"
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' /proc/$spid/stat; }
c0=$(cpu)
sleep $idle
c1=$(cpu)
echo "idle devices=$label seconds=$idle cpu_ticks=$((c1 - c0)) (CLK_TCK $ticks) cpu_pct=$(awk -v d=$((c1 - c0)) -v t=$ticks -v s=$idle 'BEGIN {printf "%.3f", 100 * d / t / s}')"
grep -o '"rescans":[0-9]*' $SIMROOT/run/gpu-initd/serve.json | sed "s/^/idle devices=$label /"
grep -E '^(VmRSS|VmHWM)' /proc/$spid/status | tr -s ' \t' ' ' | sed "s/^/idle devices=$label /"
c0=$(cpu)
storm=$($B/bench/plugin-bench alloc $D $sock 32 $idle $ids)
c1=$(cpu)
echo "storm devices=$label seconds=$idle alloc=[$storm] cpu_ticks=$((c1 - c0)) cpu_pct=$(awk -v d=$((c1 - c0)) -v t=$ticks -v s=$idle 'BEGIN {printf "%.1f", 100 * d / t / (s + 0.5)}')"
grep -E '^(VmRSS|VmHWM)' /proc/$spid/status | tr -s ' \t' ' ' | sed "s/^/storm devices=$label /"
kill -TERM $spid
wait $spid
kill -TERM $kpid
wait $kpid || true
