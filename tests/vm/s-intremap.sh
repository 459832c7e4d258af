# Interrupt remapping turned off on the command line (intremap=off) under
# an IR-capable emulated VT-d (ecap bit 3 set): MSIs are not isolated and
# vfio_iommu_type1 gives a VM no group (EPERM, "No interrupt remapping
# support": drivers/vfio/vfio_iommu_type1.c vfio_iommu_type1_attach_group;
# drivers/iommu/irq_remapping.c setup_irqremap reads intremap=).  check
# refuses vm-passthrough (iommu-msi-not-isolated, naming intremap=off) and
# apply writes nothing.  With options vfio_iommu_type1
# allow_unsafe_interrupts=1 in modprobe.d check accepts; apply's libkmod
# loads vfio_iommu_type1 with it and the group is viable (in the guest:
# vmtool's type1 attach).
# One body for both environments (tests/vm/lib.sh): the twin on simfs,
# tests/it/t-vm-twin-intremap.sh, sources this file.
# qemu: -device edu,addr=05.0
# append: intremap=off
. "${VM_LIB:-/lib.sh}"
bdf=0000:00:05.0
R=$ROOT/run
config_passthrough 1234:11e8 1234:11e8 example.com/edu
expect_exit 1 gpu_initd check >$R/check.txt 2>&1
cat $R/check.txt
grep -q "interrupt remapping no" $R/check.txt || fail "check does not see interrupt remapping off"
grep -q "^problem  iommu-msi-not-isolated: .*remove intremap=off" $R/check.txt || fail "no iommu-msi-not-isolated with the fix"
w=$(sysfs_writes)
expect_exit 1 gpu_initd apply
[ "$(sysfs_writes)" = "$w" ] || fail "apply wrote to sysfs with MSIs not isolated"
[ -z "$(driver_of $bdf)" ] || fail "$bdf bound to $(driver_of $bdf)"
! loaded vfio_iommu_type1 || fail "apply loaded vfio_iommu_type1"
# knowingly: unisolated MSIs allowed
mkdir -p $ROOT/etc/modprobe.d
echo "options vfio_iommu_type1 allow_unsafe_interrupts=1" >$ROOT/etc/modprobe.d/unsafe-msi.conf
expect_exit 0 gpu_initd check >$R/check2.txt 2>&1
grep -q "interrupt remapping no (allow_unsafe_interrupts set)" $R/check2.txt || { cat $R/check2.txt; fail "check2 line"; }
expect_exit 0 gpu_initd apply
[ "$(driver_of $bdf)" = vfio-pci ] || fail "$bdf bound to '$(driver_of $bdf)', expected vfio-pci"
g=$(group_of $bdf)
vfio_node $g || fail "/dev/vfio/$g missing"
group_viable $g || fail "group $g not viable with allow_unsafe_interrupts"
