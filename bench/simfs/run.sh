#!/bin/bash
# bench/simfs: simfs as a sysfs — attribute reads and GPU rebind cycles
# through the mount, and simfs's memory for the big fixtures.
#   bench/simfs/run.sh BUILD [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}; N=${2:-2000}
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
tests/simnode run fixtures/h100-hgx-8x.json -- bash -c "
echo 'modprobe vfio-pci' >\$SIMFS/.simfs/control
$B/bench/simfs-bench \$SIMROOT 0000:18:00.0 $N
for lat in 1; do
	echo \"latency \$lat\" >\$SIMFS/.simfs/control
	$B/bench/simfs-bench \$SIMROOT 0000:18:00.0 100 | sed \"s/^/latency \${lat}ms: /\" | tail -1
done"
for fx in h100-hgx-8x a100-pcie-8x; do
	tests/simnode run "fixtures/$fx.json" -- bash -c '
	pid=$(pgrep -x simfs | head -1)
	printf "simfs RSS %-14s %6s kB  (%s PCI functions)\n" '"$fx"' "$(awk "/^VmRSS/ {print \$2}" /proc/$pid/status)" "$(ls $SIMROOT/sys/bus/pci/devices | wc -l)"'
done
