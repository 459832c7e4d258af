# MSI isolation on arm64: QEMU virt with its default GICv2 (a GICv2m MSI
# frame, no ITS), an SMMUv3 and Debian's 6.12 kernel.  vfio_iommu_type1
# gives a VM no group whose MSIs are not isolated (EPERM, "No interrupt
# remapping support": drivers/vfio/vfio_iommu_type1.c
# vfio_iommu_type1_attach_group), so check refuses vm-passthrough with
# iommu-msi-not-isolated (it reads the GIC from the device tree or the ACPI
# MADT) and apply writes nothing.  Knowingly allowing it
# (options vfio_iommu_type1 allow_unsafe_interrupts=1 in modprobe.d) check
# accepts; apply's libkmod loads vfio_iommu_type1 with that option and the
# group is viable for a type1 container (in the guest: vmtool's attach).
# One body for the guest and its simfs twin (tests/vm/lib.sh vocabulary).
# qemu: -machine virt,iommu=smmuv3 -device edu,addr=05.0
# matrix: trixie/dt trixie/uefi
# twin: qemu-virt-edu-gicv2
. "${VM_LIB:-/lib.sh}"
bdf=0000:00:05.0
R=$ROOT/run
config_passthrough 1234:11e8 1234:11e8 example.com/edu
expect_exit 1 gpu_initd check >$R/check.txt 2>&1
cat $R/check.txt
grep -q "MSI isolation (GICv3 ITS) no" $R/check.txt || fail "check does not see the missing ITS"
grep -q "^problem  iommu-msi-not-isolated: " $R/check.txt || fail "no iommu-msi-not-isolated"
expect_exit 1 gpu_initd check --json >$R/check.json
flat $R/check.json | grep -q '"interrupt_remapping":false' || fail "check --json: interrupt_remapping"
echo "check $(flat $R/check.json | grep -o '"ok":[a-z]*\|"interrupt_remapping":[a-z]*' | tr '\n' ' ')" >$R/vm-state.extra
w=$(sysfs_writes)
expect_exit 1 gpu_initd apply
[ "$(sysfs_writes)" = "$w" ] || fail "apply wrote to sysfs with MSIs not isolated"
[ -z "$(driver_of $bdf)" ] || fail "$bdf bound to $(driver_of $bdf)"
! loaded vfio_iommu_type1 || fail "apply loaded vfio_iommu_type1"
# knowingly: unisolated MSIs allowed
mkdir -p $ROOT/etc/modprobe.d
echo "options vfio_iommu_type1 allow_unsafe_interrupts=1" >$ROOT/etc/modprobe.d/unsafe-msi.conf
expect_exit 0 gpu_initd check >$R/check2.txt 2>&1
cat $R/check2.txt
grep -q "MSI isolation (GICv3 ITS) no (allow_unsafe_interrupts set)" $R/check2.txt || fail "check2 line"
expect_exit 0 gpu_initd apply
[ "$(driver_of $bdf)" = vfio-pci ] || fail "$bdf bound to '$(driver_of $bdf)', expected vfio-pci"
g=$(group_of $bdf)
vfio_node $g || fail "/dev/vfio/$g missing"
group_viable $g || fail "group $g not viable with allow_unsafe_interrupts"
