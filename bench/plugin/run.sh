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
echo "# health: rounds, unbind->Unhealthy p50_ms max_ms, re-probe->Healthy p50_ms max_ms"
tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash bench/plugin/inside.sh $build $secs $idle 8
tests/simnode run --uevents $build/bench/plugin-512.json -- bash bench/plugin/inside.sh $build $secs $idle 512
