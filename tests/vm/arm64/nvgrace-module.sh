# nvgrace-gpu-vfio-pci.ko built from Debian's own 6.12.117 source
# (scripts/nvgrace-module.sh) in Debian's 6.12.117+deb13-arm64 kernel, on the
# virt machine with an SMMUv3 (device tree).  Run by tests/vm/arm64-nvgrace.sh
# (make check-nvgrace), which adds the module to run-arm64.sh's initramfs;
# deliberately not named a-*: run-arm64.sh's own run has no such module.
# QEMU has no Grace GPU.  What this shows: the kernel accepts the module
# (vermagic and every modversions CRC: a mismatch is refused at insmod), it
# registers the PCI driver "nvgrace_gpu_vfio_pci" (KBUILD_MODNAME, so the
# sysfs name has underscores), its ids are override-only (an unbound device
# is not claimed without driver_override: PCI_DRIVER_OVERRIDE_DEVICE_VFIO),
# and its probe, on a device without the ACPI DSD properties
# nvidia,gpu-mem-base-pa/-size (main.c nvgrace_gpu_probe), falls back to
# plain vfio-pci-core ops and gives the device a VFIO group.
# What it cannot show: a GH200's probe with its coherent memory.
# qemu: -machine virt,iommu=smmuv3 -device edu,addr=05.0
d=/sys/bus/pci/devices/0000:00:05.0
drv=/sys/bus/pci/drivers/nvgrace_gpu_vfio_pci
[ -f /ko/nvgrace-gpu-vfio-pci.ko ] || fail "no /ko/nvgrace-gpu-vfio-pci.ko: run tests/vm/arm64-nvgrace.sh"
[ -e /sys/class/iommu/smmu3.0x0000000009050000 ] || fail "no SMMUv3 class device: $(ls /sys/class/iommu)"
echo "kernel: $(uname -r)"
# its modules.dep line (what depmod wrote on the host for this initramfs)
grep nvgrace /lib/modules/"$(uname -r)"/modules.dep
for m in vfio vfio_iommu_type1 vfio-pci-core; do insmod /ko/$m.ko || fail "insmod $m"; done
# the kernel checks the modversions CRCs: a copy with one flipped is refused
# (the wrapper made it), so the load below shows they all match
if [ -f /ko/nvgrace-badcrc.ko ]; then
	! insmod /ko/nvgrace-badcrc.ko 2>/dev/null || fail "a module with a wrong CRC loaded"
	dmesg | grep 'disagrees about version of symbol vfio_pci_core_register_device' || fail "no CRC refusal in dmesg"
fi
insmod /ko/nvgrace-gpu-vfio-pci.ko || fail "insmod nvgrace-gpu-vfio-pci: $(dmesg | tail -n 5)"
[ -d /sys/module/nvgrace_gpu_vfio_pci ] || fail "no /sys/module/nvgrace_gpu_vfio_pci"
echo "refcnt vfio_pci_core: $(cat /sys/module/vfio_pci_core/refcnt) taint: $(cat /sys/module/nvgrace_gpu_vfio_pci/taint)"
dmesg | grep -iE 'nvgrace|taint|verification' || true
[ -d $drv ] || fail "no PCI driver nvgrace_gpu_vfio_pci: $(ls /sys/bus/pci/drivers)"
# override-only ids: loading it claims nothing on its own
[ ! -e $d/driver ] || fail "edu bound to $(readlink $d/driver) without driver_override"
echo nvgrace_gpu_vfio_pci >$d/driver_override
echo 0000:00:05.0 >/sys/bus/pci/drivers_probe
[ "$(basename "$(readlink $d/driver)")" = nvgrace_gpu_vfio_pci ] || fail "edu not bound to nvgrace_gpu_vfio_pci: $(readlink $d/driver); $(dmesg | tail -n 5)"
g=$(basename "$(readlink $d/iommu_group)")
[ -n "$g" ] || fail "no iommu_group after the bind"
[ -c "/dev/vfio/$g" ] || fail "/dev/vfio/$g missing"
echo "edu 0000:00:05.0 bound to nvgrace_gpu_vfio_pci, VFIO group /dev/vfio/$g"
# unbind and remove: the module lets go cleanly
echo 0000:00:05.0 >$drv/unbind || fail "unbind"
rmmod nvgrace_gpu_vfio_pci || fail "rmmod nvgrace_gpu_vfio_pci"
[ ! -d /sys/module/nvgrace_gpu_vfio_pci ] || fail "module still loaded after rmmod"
