# The kernel's answers to the sysfs writes simfs models (docs/design.md section
# 6), asked directly by tests/vm/behaviour.sh on edu and an SR-IOV nvme;
# the answers are part of the end state compared with
# tests/vm/golden/s-kernel-behaviour.state -- and so with simfs's answers
# to the same sequence (tests/it/t-vm-twin-kernel-behaviour.sh).
# qemu: -device edu,addr=05.0
# qemu: -device nvme-subsys,id=subsys0
# qemu: -device nvme,serial=vmtest,subsys=subsys0,addr=06.0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=3
. /lib.sh
. /behaviour.sh
set +x
# busybox's modprobe ignores softdeps; kmod's (like simfs's) loads
# vfio_iommu_type1 after vfio through vfio's "softdep post:"
load() {
	modprobe "$1"
	if [ "$1" = vfio_pci ]; then modprobe vfio_iommu_type1; fi
}
behaviour_probe "" vmtool load >/run/vm-state.extra
cat /run/vm-state.extra
