# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the gpu-initd simulated-node tests (source inside a
# `tests/simnode run` command, after tests/it/lib.sh).  The module seam of
# DESIGN.md section 1: simfs's sys/module over /sys/module in this private
# mount namespace (and proc/modules over /proc/modules where the host has
# one), finit_module trapped by build/tests/kmod-trap.
GPU_INITD=${GPU_INITD:-$TOP/build/gpu-initd}
KMOD_TRAP=$TOP/build/tests/kmod-trap

initd_seam() {
	mount --bind "$SIMFS/sys/module" /sys/module
	if [ -e /proc/modules ]; then mount --bind "$SIMFS/proc/modules" /proc/modules; fi
}

# gi ARGS...: gpu-initd --root $SIMROOT ARGS under the module trap.
gi() {
	"$KMOD_TRAP" --control "$SIMFS/.simfs/control" -- "$GPU_INITD" --root "$SIMROOT" "$@"
}

stat_get() { awk -v k="$1" '$1 == k { print $2 }' "$SIMFS/.simfs/stats"; }

drv() {
	local l=$SIMROOT/sys/bus/pci/devices/$1/driver
	if [ -L "$l" ]; then basename "$(readlink "$l")"; else echo none; fi
}

expect_drv() {
	local got
	got=$(drv "$1")
	[ "$got" = "$2" ] || fail "$1: driver $got, expected $2"
}

# node_state: every PCI function's driver and override, the VFIO group
# nodes, the loaded modules: what "the same state" means for convergence.
node_state() {
	local d
	for d in "$SIMROOT"/sys/bus/pci/devices/*; do
		echo "$(basename "$d") $(drv "$(basename "$d")") $(cat "$d/driver_override")"
	done
	ls "$SIMROOT/dev/vfio" | tr '\n' ' '
	echo
	cut -d' ' -f1 "$SIMROOT/proc/modules" | sort | tr '\n' ' '
	echo
}

# expect_rc WANT CMD...: run CMD, its exit status must be WANT.
expect_rc() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want"
}

# A command failing under set -e names itself.
set -E
trap 'echo "FAIL: \"$BASH_COMMAND\" exited $? (line $LINENO)" >&2' ERR
