#!/bin/bash
# bench/plugin: gpu-initd serve on simulated nodes (tests/simnode, uevents
# on) with the Python grpcio kubelet from tests/it: h100-hgx-8x with its 8
# GPUs bound to vfio-pci, and a generated node with 512 vfio-pci GPUs.
# Usage: run.sh BUILD SECONDS_PER_POINT IDLE_SECONDS
set -euo pipefail
cd "$(dirname "$0")/../.."
export TOP=$PWD
build=${1:-build} secs=${2:-5} idle=${3:-60}
source tests/it/serve-lib.sh
serve_stubs
/usr/bin/python3 bench/plugin/gen-fixture.py 512 $build/bench/plugin-512.json
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# alloc: concurrency calls calls/s p50_us p99_us max_us errors ($secs s after 0.5 s warm-up, one connection)"
echo "# idle/storm: serve's utime+stime over $idle s idle, then over $idle s of Allocate at 32 callers; VmRSS/VmHWM after each"
echo "# health: rounds, unbind->Unhealthy p50_ms max_ms, re-probe->Healthy p50_ms max_ms"
tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash bench/plugin/inside.sh $build $secs $idle 8
tests/simnode run --uevents $build/bench/plugin-512.json -- bash bench/plugin/inside.sh $build $secs $idle 512
# serve's own cost: the same 512 GPUs as a plain directory tree (no FUSE;
# no uevents: a private network namespace, no kubelet)
tree=$(mktemp -d /tmp/plugin-tree.XXXXXX)
trap 'rm -rf "$tree"' EXIT
/usr/bin/python3 bench/plugin/gen-tree.py 512 $tree
unshare -n bash -c '
B=$1 tree=$2 secs=$3
$B/gpu-initd --root $tree -q serve 2>/dev/null &
pid=$!
D=$tree/var/lib/kubelet/device-plugins
until [ -S $D/gpu-initd-nvidia.com_GH100_H100_SXM5_80GB.sock ]; do sleep 0.01; done
ids=$(ls $tree/sys/bus/pci/devices)
for c in 1 8 32; do
	echo "alloc devices=512-plain-tree $($B/bench/plugin-bench alloc $D gpu-initd-nvidia.com_GH100_H100_SXM5_80GB.sock $c $secs $ids)"
done
grep -E "^(VmRSS|VmHWM)" /proc/$pid/status | tr -s " \t" " " | sed "s/^/rss devices=512-plain-tree /"
kill -TERM $pid; wait $pid' _ $TOP/$build $tree $secs
