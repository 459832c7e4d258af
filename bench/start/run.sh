#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/start (issue 19): how fast `gpu-initd serve` starts and how much
# memory it takes doing so, on plain-directory hosts (bench/plugin/
# gen-tree.py: N H100s on vfio-pci, one IOMMU group each, no FUSE, so the
# figures are gpu-initd's own) with 8 and 512 GPUs, for the dynamic and
# the static build, against tests/it's Python grpcio kubelet.  Each tree
# has the host's pci.ids (/usr/share/misc/pci.ids, when there is one) as
# a node root would: serve must not read it (every GPU is named by the
# built-in table).  Run inside `unshare -n` (no uevents from the host).
# startbench.py says what each column means.  EXTRA_BINS="LABEL=PATH ..."
# adds binaries (e.g. an older build to compare).
#   run.sh BUILD TRIALS
set -euo pipefail
cd "$(dirname "$0")/../.."
export TOP=$PWD
build=${1:-build} trials=${2:-21}
source tests/it/serve-lib.sh
serve_stubs
bins=("dynamic=$TOP/$build/gpu-initd")
[ -x build/static/gpu-initd ] && bins+=("static=$TOP/build/static/gpu-initd")
bins+=(${EXTRA_BINS:-})
tmp=$(mktemp -d /tmp/start-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trees=()
for n in 8 512; do
	/usr/bin/python3 bench/plugin/gen-tree.py $n $tmp/$n
	if [ -f /usr/share/misc/pci.ids ]; then
		mkdir -p $tmp/$n/usr/share/misc && cp /usr/share/misc/pci.ids $tmp/$n/usr/share/misc/
	fi
	trees+=("$n=$tmp/$n")
done
echo "# bench/start: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- initd lib || echo '+changes'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
unshare -n /usr/bin/python3 bench/start/startbench.py "$trials" "${bins[@]}" -- "${trees[@]}"
