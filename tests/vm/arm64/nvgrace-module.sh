# nvgrace-gpu-vfio-pci.ko built from Debian's own source of the kernel that
# boots (scripts/nvgrace-module.sh: trixie 6.12.117, trixie-backports
# 7.3.4), on the virt machine with an SMMUv3 (device tree).  Run by
# tests/vm/arm64-nvgrace.sh (make check-nvgrace), which adds the module to
# run-arm64.sh's initramfs; deliberately not named a-*: run-arm64.sh's own
# run has no such module.
# QEMU has no Grace GPU.  What this shows: the kernel accepts the module
# (vermagic; on 6.12 also every modversions CRC: the wrapper's copy with one
# CRC flipped is refused first), it registers the PCI driver
# "nvgrace_gpu_vfio_pci" (.name = KBUILD_MODNAME: underscores in sysfs), its
# ids are override-only (nothing is claimed without driver_override:
# PCI_DRIVER_OVERRIDE_DEVICE_VFIO), and what its probe does with a PCI
# device that is not a Grace GPU (QEMU's edu), which differs by release
# (drivers/vfio/pci/nvgrace-gpu/main.c nvgrace_gpu_probe):
#  6.12.117: no ACPI DSD nvidia,gpu-mem-base-pa/-size -> the plain
#    vfio-pci-core ops; the bind succeeds and the device gets a VFIO group;
#  7.3.4: before registering, nvgrace_gpu_probe_check_device_ready polls
#    BAR0 0x1498 (C2C link) and 0x200BC (HBM training) for 0xFF every 1 s
#    for 30 s (POLL_TIMEOUT_MS); edu reads 0xffffffff there, so the probe
#    fails with -ETIME (-62) after 30 s and the device stays unbound.
# What it cannot show: a GH200's probe with its coherent memory.
# qemu: -machine virt,iommu=smmuv3 -device edu,addr=05.0
d=/sys/bus/pci/devices/0000:00:05.0
drv=/sys/bus/pci/drivers/nvgrace_gpu_vfio_pci
kv=$(uname -r)
[ -f /ko/nvgrace-gpu-vfio-pci.ko ] || fail "no /ko/nvgrace-gpu-vfio-pci.ko: run tests/vm/arm64-nvgrace.sh"
[ -e /sys/class/iommu/smmu3.0x0000000009050000 ] || fail "no SMMUv3 class device: $(ls /sys/class/iommu)"
echo "kernel: $kv"
# its modules.dep line (what depmod wrote on the host for this initramfs)
grep nvgrace /lib/modules/"$kv"/modules.dep
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
s=$(cut -d' ' -f1 /proc/uptime)
echo 0000:00:05.0 >/sys/bus/pci/drivers_probe
echo "drivers_probe returned after $(awk -v s="$s" '{printf "%.1f", $1 - s}' /proc/uptime) s"
case $kv in
6.12.117+*)
	[ "$(basename "$(readlink $d/driver)")" = nvgrace_gpu_vfio_pci ] || fail "edu not bound to nvgrace_gpu_vfio_pci: $(readlink $d/driver); $(dmesg | tail -n 5)"
	g=$(basename "$(readlink $d/iommu_group)")
	[ -n "$g" ] || fail "no iommu_group after the bind"
	[ -c "/dev/vfio/$g" ] || fail "/dev/vfio/$g missing"
	echo "edu 0000:00:05.0 bound to nvgrace_gpu_vfio_pci, VFIO group /dev/vfio/$g"
	echo 0000:00:05.0 >$drv/unbind || fail "unbind"
	;;
7.3.4+*)
	[ ! -e $d/driver ] || fail "edu bound to $(readlink $d/driver): expected the device-ready wait to fail"
	dmesg | grep 'nvgrace_gpu_vfio_pci 0000:00:05.0: probe with driver nvgrace_gpu_vfio_pci failed with error -62' ||
		fail "no -ETIME probe failure: $(dmesg | tail -n 5)"
	echo "edu 0000:00:05.0 not bound: the device-ready wait timed out (-ETIME)"
	;;
*) fail "no expectation for kernel $kv (add its nvgrace_gpu_probe behaviour)" ;;
esac
# the module lets go cleanly
rmmod nvgrace_gpu_vfio_pci || fail "rmmod nvgrace_gpu_vfio_pci"
[ ! -d /sys/module/nvgrace_gpu_vfio_pci ] || fail "module still loaded after rmmod"
