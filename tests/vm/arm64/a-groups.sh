# When the kernel makes IOMMU groups on arm64 with an Arm SMMUv3.  Debian's
# 6.12 kernel (6.12.117+deb13-arm64) makes a PCI device's group only when a
# driver probes it: before, the device has no iommu_group and
# sys/kernel/iommu_groups is empty; binding vfio-pci makes it (the first
# group made is 0) with its /dev/vfio node; after unbind the group stays;
# remove drops it and after a rescan the device has none again.  Debian's
# 7.3 kernel (7.3.4+deb13-arm64) gives every device its group at
# enumeration (host bridge 0, 05.0 1, 06.0 2), as x86 does, and the same
# number after remove + rescan.  Device tree and ACPI (IORT) alike.
# simfs models both (fixtures qemu-virt-2edu-*: "groups": "at-probe" for
# 6.12; simfs/iommu.c iommu_probe_dev).
# gic-version=3 (with its ITS) in every arm64 scenario: with virt's default
# GICv2 the MSIs are not isolated and vfio_iommu_type1 refuses the
# container attach with EPERM (drivers/vfio/vfio_iommu_type1.c
# vfio_iommu_type1_attach_group: !iommu_group_has_isolated_msi() without
# allow_unsafe_interrupts; seen here as "group not viable").
# One body for the guest and its simfs twin (tests/vm/lib.sh vocabulary).
# qemu: -machine virt,iommu=smmuv3,gic-version=3 -device edu,addr=05.0 -device edu,addr=06.0
# matrix: trixie/dt trixie/uefi trixie-backports/dt trixie-backports/uefi
# twin: qemu-virt-2edu
. "${VM_LIB:-/lib.sh}"
P=$ROOT/sys/bus/pci
e5=0000:00:05.0
kver=$(cat $ROOT/proc/sys/kernel/osrelease)
# what the kernel shows at each step, into the end state (the golden): the
# groups that exist and the edu's
obs() {
	l=$(readlink $P/devices/$e5/iommu_group 2>/dev/null) || l=-
	echo "$1: groups [$(ls $ROOT/sys/kernel/iommu_groups | LC_ALL=C sort | tr '\n' ' ')] $e5 ${l##*/}" >>$ROOT/run/vm-state.extra
}
obs boot
# what this kernel does: the two behaviours observed (see above)
case $kver in
6.12.*) at_probe=1 ;;
7.*) at_probe= ;;
*) fail "no expectation for kernel $kver (6.12: groups at probe, 7.x: at enumeration)" ;;
esac
[ -e $ROOT/sys/class/iommu/smmu3.0x0000000009050000 ] || fail "no SMMUv3: $(ls $ROOT/sys/class/iommu)"
if [ -n "$at_probe" ]; then
	for d in $P/devices/*; do
		[ ! -e $d/iommu_group ] || fail "${d##*/} has group $(group_of ${d##*/}) before any driver probed it"
	done
	[ -z "$(ls $ROOT/sys/kernel/iommu_groups)" ] || fail "groups at boot: $(ls $ROOT/sys/kernel/iommu_groups)"
else
	[ "$(group_of 0000:00:00.0) $(group_of $e5) $(group_of 0000:00:06.0)" = "0 1 2" ] ||
		fail "groups at enumeration: $(group_of 0000:00:00.0) $(group_of $e5) $(group_of 0000:00:06.0)"
fi
grp_want=1
[ -z "$at_probe" ] || grp_want=0
load_module vfio_pci
echo vfio-pci >$P/devices/$e5/driver_override
echo $e5 >$P/drivers_probe
[ "$(driver_of $e5)" = vfio-pci ] || fail "edu on '$(driver_of $e5)', expected vfio-pci"
obs "bind vfio-pci"
g=$(group_of $e5)
[ "$g" = $grp_want ] || fail "edu in group '$g' after the bind, expected $grp_want"
[ "$(ls $ROOT/sys/kernel/iommu_groups/$g/devices)" = $e5 ] || fail "group $g: $(ls $ROOT/sys/kernel/iommu_groups/$g/devices)"
vfio_node $g || fail "/dev/vfio/$g missing"
group_viable $g || fail "group $g not viable"
# unbind: the group stays (both kernels), its VFIO node goes
echo $e5 >$P/drivers/vfio-pci/unbind
[ -z "$(driver_of $e5)" ] || fail "still on $(driver_of $e5)"
obs unbind
[ "$(group_of $e5)" = $g ] || fail "group '$(group_of $e5)' after unbind, expected $g kept"
! vfio_node $g || fail "/dev/vfio/$g left after unbind"
# remove + rescan: 6.12 drops the group and makes none; 7.3 the same number
echo 1 >$P/devices/$e5/remove
[ ! -e $P/devices/$e5 ] || fail "$e5 not removed"
obs remove
echo 1 >$P/rescan
obs rescan
[ -e $P/devices/$e5/vendor ] || fail "$e5 not back after the rescan"
[ "$(cat $P/devices/$e5/driver_override)" = "(null)" ] || fail "driver_override survived remove"
if [ -n "$at_probe" ]; then
	[ ! -e $P/devices/$e5/iommu_group ] || fail "group $(group_of $e5) after remove + rescan"
	[ -z "$(ls $ROOT/sys/kernel/iommu_groups)" ] || fail "groups left: $(ls $ROOT/sys/kernel/iommu_groups)"
else
	[ "$(group_of $e5)" = 1 ] || fail "group '$(group_of $e5)' after remove + rescan, expected 1"
fi
