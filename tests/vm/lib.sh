# Helpers for the guest side of tests/vm scenarios (busybox sh, sourced).
fail() {
	echo "FAIL: $*" >/dev/console
	exit 1
}

# driver_of BDF: the name of the driver bound to BDF, empty if none
driver_of() {
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || return 0
	basename "$l"
}

# group_of BDF: the device's IOMMU group number
group_of() {
	basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"
}

# load_module MODULE: load it with its dependencies (busybox modprobe).
# busybox's modprobe ignores softdeps, kmod's (and simfs's) follow them:
# for nvme, the crc algorithms t10-pi's and crc64-rocksoft's softdeps name
# first; for vfio_pci, vfio_iommu_type1 after it (vfio's "softdep post:").
load_module() {
	case $1 in
	nvme)
		modprobe crct10dif_generic
		modprobe crc64_rocksoft_generic
		;;
	esac
	modprobe "$1"
	case $1 in
	vfio_pci | vfio-pci) modprobe vfio_iommu_type1 ;;
	esac
}

# loaded MODULE: MODULE is in /proc/modules
loaded() {
	grep -q "^$1 " /proc/modules
}

# expect_exit CODE CMD...: run CMD (output shown), its exit status must be CODE
expect_exit() {
	want=$1
	shift
	rc=0
	"$@" || rc=$?
	[ "$rc" = "$want" ] || fail "$*: exit $rc, expected $want"
}

# flat FILE: FILE's JSON without whitespace, for grep (no JSON tool in busybox)
flat() {
	tr -d ' \t\n' <"$1"
}

# The environment a scenario body runs in.  Every body (tests/vm/s-*.sh) is
# written with these names only, so it also runs on simfs: its twin
# (tests/it/t-vm-twin-*.sh) sources it with VM_LIB=tests/it/vm-twin-lib.sh,
# which defines the same names there.  The vocabulary: fail, driver_of,
# group_of, loaded, load_module, expect_exit, flat, vfio_node,
# group_viable, kernel_log, aer_inject, error_events_start/_mark,
# error_events, config_passthrough, and below ROOT (prefixes every path),
# VM_FILES, gpu_initd and kubelet_stub (run under ROOT), sysfs_writes (counts sysfs writes;
# "-": a real kernel keeps no such count, so a check on it passes here).
ROOT=
# VM_FILES: where the scenario's helper files are (/behaviour.sh, ...)
VM_FILES=
gpu_initd() {
	gpu-initd "$@"
}
kubelet_stub() {
	kubelet-stub "$@"
}
sysfs_writes() {
	echo -
}
# vfio_node GROUP: /dev/vfio/GROUP is the group's character device
vfio_node() {
	[ -c "/dev/vfio/$1" ]
}
# group_viable GROUP: the kernel says so (VFIO_GROUP_GET_STATUS, then a
# type1v2 container attach: tests/vm/vmtool.c)
group_viable() {
	vmtool group-status "/dev/vfio/$1"
}

# kernel_log: the kernel's messages (for the serial log only)
kernel_log() {
	dmesg
}
# aer_inject QEMU_ID BDF nonfatal|fatal: a PCIe uncorrectable error through
# QEMU's monitor (tests/vm/run.sh relays "VM-MONITOR:" lines; the scenario
# needs `# monitor: pcie_aer_inject_error`): Completion Timeout (0x4000,
# non-fatal by default) or Data Link Protocol (0x10, fatal by default):
# include/uapi/linux/pci_regs.h PCI_ERR_UNC_COMP_TIME, PCI_ERR_UNC_DLP
aer_inject() {
	case $3 in
	nonfatal) echo "VM-MONITOR: pcie_aer_inject_error $1 0x4000" ;;
	fatal) echo "VM-MONITOR: pcie_aer_inject_error $1 0x10" ;;
	*) fail "aer_inject: $3" ;;
	esac
}
# error_events_start: record the kernel's AER uevents (ERROR_EVENT) from
# now on (busybox uevent); error_events_mark: forget those so far;
# error_events BDF: BDF's ERROR_EVENTs since the mark, in order, with commas
error_events_start() {
	: >/run/ers.log
	uevent sh -c '[ -z "${ERROR_EVENT:-}" ] || echo "$DEVPATH $ERROR_EVENT $DEVICE_ONLINE" >>/run/ers.log' &
}
error_events_mark() {
	: >/run/ers.log
}
error_events() {
	sed -n "s|.*/$1 \([A-Z_]*\) .*|\1|p" /run/ers.log | tr '\n' ',' | sed 's/,$//'
}
# config_passthrough SELECTOR ID NAME: ROOT's etc/gpu-initd/config.json,
# vm-passthrough selecting SELECTOR, vendor:device ID named NAME
config_passthrough() {
	mkdir -p $ROOT/etc/gpu-initd
	printf '{ "mode": "vm-passthrough", "devices": ["%s"],\n  "resource-names": { "%s": "%s" } }\n' \
		"$1" "$2" "$3" >$ROOT/etc/gpu-initd/config.json
}
