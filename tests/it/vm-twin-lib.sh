# SPDX-License-Identifier: GPL-2.0-or-later
# The vocabulary of tests/vm/lib.sh on simfs, so that one scenario body
# (tests/vm/s-*.sh) runs both in the QEMU guest and in its simfs twin:
#   tests/simnode run FIXTURE -- bash -c '
#   source tests/it/lib.sh; source tests/it/initd-lib.sh; initd_seam
#   VM_LIB=tests/it/vm-twin-lib.sh; . tests/vm/s-NAME.sh'
# The body starts with `. "${VM_LIB:-/lib.sh}"`.
ROOT=$SIMROOT
gpu_initd() { gi "$@"; }
sysfs_writes() { stat_get writes; }
driver_of() {
	local l
	l=$(readlink "$ROOT/sys/bus/pci/devices/$1/driver" 2>/dev/null) || return 0
	basename "$l"
}
group_of() { basename "$(readlink "$ROOT/sys/bus/pci/devices/$1/iommu_group")"; }
loaded() { grep -q "^$1 " "$ROOT/proc/modules"; }
expect_exit() { expect_rc "$@"; }
flat() { tr -d ' \t\n' <"$1"; }
