# SPDX-License-Identifier: GPL-2.0-or-later
# The vocabulary of tests/vm/lib.sh on simfs, so that one scenario body
# (tests/vm/s-*.sh) runs both in the QEMU guest and in its simfs twin:
#   tests/simnode run FIXTURE -- bash -c '
#   source tests/it/lib.sh; source tests/it/initd-lib.sh; initd_seam
#   VM_LIB=tests/it/vm-twin-lib.sh; . tests/vm/s-NAME.sh'
# The body starts with `. "${VM_LIB:-/lib.sh}"`.
ROOT=$SIMROOT
VM_FILES=$TOP/tests/vm
# vmtool: the guest's helper, built for the host too (mk/vm.mk)
vmtool() { "$TOP/build/vm/vmtool" "$@"; }
# gpu_initd: under the module trap (gi), except `serve`, which a body only
# starts in the background (`gpu_initd serve &`): exec'd there, so the job's
# id is gpu-initd's and the twin can stop it
gpu_initd() {
	case $1 in
	serve) exec "$GPU_INITD" --root "$ROOT" "$@" ;;
	*) gi "$@" ;;
	esac
}
# kubelet_stub: kubelet-stub on ROOT; `serve` (background only) exec'd too
kubelet_stub() {
	case $1 in
	serve) exec "$TOP/build/kubelet-stub" --root "$ROOT" "$@" ;;
	*) "$TOP/build/kubelet-stub" --root "$ROOT" "$@" ;;
	esac
}
sysfs_writes() { stat_get writes; }
driver_of() {
	local l
	l=$(readlink "$ROOT/sys/bus/pci/devices/$1/driver" 2>/dev/null) || return 0
	basename "$l"
}
group_of() { basename "$(readlink "$ROOT/sys/bus/pci/devices/$1/iommu_group")"; }
# load_module MODULE: simfs's modprobe (.simfs/control), with dependencies
load_module() { echo "modprobe $1" >"$SIMFS/.simfs/control"; }
loaded() { grep -q "^$1 " "$ROOT/proc/modules"; }
expect_exit() { expect_rc "$@"; }
flat() { tr -d ' \t\n' <"$1"; }
# simfs's /dev/vfio/GROUP is a plain file, not a character device
vfio_node() { [ -e "$ROOT/dev/vfio/$1" ]; }
# group_viable GROUP: no ioctl on simfs, so the kernel's rule from sysfs:
# VFIO_GROUP_FLAGS_VIABLE is set while no device of the group is claimed
# for DMA by its driver (drivers/vfio/vfio_main.c
# vfio_group_ioctl_get_status: !iommu_group_dma_owner_claimed(), since
# "vfio: Remove use of vfio_group_viable()" (Lu Baolu, 2022; drivers/vfio/
# group.c from 6.2);
# drivers/iommu/iommu.c: a bound driver claims unless it sets
# driver_managed_dma, which vfio-pci (drivers/vfio/pci/vfio_pci.c) and
# pci-stub (drivers/pci/pci-stub.c) do); and the group node must exist.
group_viable() {
	local d drv
	[ -e "$ROOT/dev/vfio/$1" ] || return 1
	for d in "$ROOT/sys/kernel/iommu_groups/$1/devices"/*; do
		drv=$(driver_of "${d##*/}")
		case $drv in '' | vfio-pci | pci-stub) ;; *) return 1 ;; esac
	done
}

# kernel_log: simfs has no kernel log (the guest's is diagnostics only)
kernel_log() { :; }
# aer_inject QEMU_ID BDF nonfatal|fatal: simfs's sick control (the QEMU id
# is the guest's); a fatal error's recovery then fails, as it does under
# QEMU 7.2, whose link reset never sets Data Link Layer Link Active
# (tests/vm/s-aer.sh, tests/vm/golden/s-aer.state)
aer_inject() {
	case $3 in
	nonfatal) echo "sick $2 aer-nonfatal" >"$SIMFS/.simfs/control" ;;
	fatal)
		echo "sick $2 aer-fatal" >"$SIMFS/.simfs/control"
		echo "sick $2 recovery-failed" >"$SIMFS/.simfs/control"
		;;
	*) fail "aer_inject: $3" ;;
	esac
}
# error_events_start / _mark / error_events BDF: as in the guest, from
# simfs's uevents (tests/simnode run --uevents; build/tests/uevent-listen,
# a background job of the twin's shell)
error_events_start() {
	"$TOP/build/tests/uevent-listen" --count 0 --timeout 0 --subsystem pci \
		--ready "$ROOT/run/uevents.ready" >"$ROOT/run/uevents" &
	wait_for "$ROOT/run/uevents.ready"
	_ev_mark=0
}
error_events_mark() { _ev_mark=$(wc -l <"$ROOT/run/uevents"); }
error_events() {
	tail -n +$((_ev_mark + 1)) "$ROOT/run/uevents" | awk -v d="/$1" '$1 == "change" && $2 ~ d"$"' |
		grep -o "ERROR_EVENT=[A-Z_]*" | cut -d= -f2 | paste -sd,
}
# config_passthrough SELECTOR ID NAME: ROOT's etc/gpu-initd/config.json,
# vm-passthrough selecting SELECTOR, vendor:device ID named NAME
config_passthrough() {
	mkdir -p $ROOT/etc/gpu-initd
	printf '{ "mode": "vm-passthrough", "devices": ["%s"],\n  "resource-names": { "%s": "%s" } }\n' \
		"$1" "$2" "$3" >$ROOT/etc/gpu-initd/config.json
}
