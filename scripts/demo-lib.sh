# SPDX-License-Identifier: GPL-2.0-or-later
# What the demo's per-node scripts share (sourced inside tests/simnode's
# namespaces): the test helpers, the module seam, background processes
# stopped on exit, step headers, kubelet-stub under the node root.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"
source tests/it/lib.sh
source tests/it/initd-lib.sh
B=$TOP/build
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
ks() { "$B/kubelet-stub" --root "$SIMROOT" "$@"; }
initd_seam   # libkmod sees simfs's modules; finit_module is trapped (build/tests/kmod-trap)
# gi_bg LOG ARGS...: gpu-initd (under the module trap) in the background,
# $! its own pid (a shell function put in the background would leave the
# process running when killed)
gi_bg() {
	local log=$1
	shift
	"$KMOD_TRAP" --control "$SIMFS/.simfs/control" -- "$GPU_INITD" --root "$SIMROOT" "$@" >"$log" 2>&1 &
}
