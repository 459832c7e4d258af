# Two functions of one multifunction slot (no ACS on virt's root bus) share
# an IOMMU group -- on Debian's 6.12 arm64 kernel only once both are probed:
# 05.1 put on pci-stub gets the group (made at that probe), 05.0 unbound has
# none yet.  gpu-initd predicts 05.0's group from the slot (its other
# function and that one's group) and refuses it (group-has-foreign-device)
# in check and apply, writing nothing.  Then the kernel's own rule, by
# hand: 05.0 bound to vfio-pci joins the group 05.1's probe made
# (pci_device_group() finds the function alias's group; simfs/iommu.c
# iommu_probe_dev models that), and the group stays viable (pci-stub claims
# no DMA).  On 7.3 both functions are in one group from enumeration.
# One body for the guest and its simfs twin (tests/vm/lib.sh vocabulary);
# the x86 counterpart is tests/vm/s-shared-group.sh.
# qemu: -machine virt,iommu=smmuv3,gic-version=3 -device edu,addr=05.0,multifunction=on -device edu,addr=05.1
# matrix: trixie/dt trixie-backports/dt
# twin: qemu-virt-edu-shared-group
. "${VM_LIB:-/lib.sh}"
P=$ROOT/sys/bus/pci
a=0000:00:05.0 b=0000:00:05.1
config_passthrough 0000:00:05.0 1234:11e8 example.com/edu
# each step's groups into the end state (the golden)
obs() {
	la=$(readlink $P/devices/$a/iommu_group 2>/dev/null) || la=-
	lb=$(readlink $P/devices/$b/iommu_group 2>/dev/null) || lb=-
	echo "$1: groups [$(ls $ROOT/sys/kernel/iommu_groups | LC_ALL=C sort | tr '\n' ' ')] 05.0 ${la##*/} 05.1 ${lb##*/}" >>$ROOT/run/vm-state.extra
}
kver=$(cat $ROOT/proc/sys/kernel/osrelease)
case $kver in
6.12.*) at_probe=1 ;;
7.*) at_probe= ;;
*) fail "no expectation for kernel $kver" ;;
esac
head -n 1 $P/devices/$b/resource
obs boot
if [ -n "$at_probe" ]; then
	[ ! -e $P/devices/$a/iommu_group ] && [ ! -e $P/devices/$b/iommu_group ] || fail "a group before any probe"
else
	[ "$(group_of $a)" = "$(group_of $b)" ] || fail "05.0 and 05.1 in different groups"
fi
echo pci-stub >$P/devices/$b/driver_override
load_module pci-stub
echo $b >$P/drivers_probe
[ "$(driver_of $b)" = pci-stub ] || fail "05.1 not on pci-stub"
obs "05.1 on pci-stub"
gb=$(group_of $b)
[ -n "$at_probe" ] && [ -e $P/devices/$a/iommu_group ] && fail "05.0 got a group from 05.1's probe"
out=$ROOT/run/check.txt
expect_exit 1 gpu_initd check >$out 2>&1
cat $out
grep -q "group-has-foreign-device: .*$b" $out || fail "check does not name the foreign function"
w=$(sysfs_writes)
expect_exit 1 gpu_initd apply
[ "$(sysfs_writes)" = "$w" ] || fail "apply wrote to sysfs"
[ "$(driver_of $b)" = pci-stub ] || fail "05.1 taken from pci-stub: $(driver_of $b)"
[ -z "$(driver_of $a)" ] || fail "05.0 bound to $(driver_of $a)"
[ "$(cat $P/devices/$a/driver_override)" = "(null)" ] || fail "05.0 driver_override written"
# the kernel's rule: 05.0's probe joins the group 05.1's probe made
load_module vfio_pci
echo vfio-pci >$P/devices/$a/driver_override
echo $a >$P/drivers_probe
[ "$(driver_of $a)" = vfio-pci ] || fail "05.0 not on vfio-pci"
obs "05.0 on vfio-pci"
[ "$(group_of $a)" = "$gb" ] || fail "05.0 in group '$(group_of $a)', not with 05.1 in $gb"
vfio_node $gb || fail "/dev/vfio/$gb missing"
group_viable $gb || fail "group $gb not viable with 05.1 on pci-stub"
