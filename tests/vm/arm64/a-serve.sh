# gpu-initd serve + kubelet-stub (both static aarch64) in the arm64 guest
# with an SMMUv3: the x86 scenario's body, tests/vm/s-serve.sh, unchanged
# (registration, allocatable 1, Allocate gives KubeVirt's env and the VFIO
# nodes, not twice, registration again after a kubelet restart).  Its simfs
# twin runs the same files (tests/it/t-vm-twin-arm64.sh).
# qemu: -machine virt,iommu=smmuv3,gic-version=3 -device edu,addr=05.0
# matrix: trixie/dt trixie-backports/dt
# twin: qemu-virt-edu
. "${VM_LIB:-/lib.sh}"
. "$VM_FILES/s-serve.sh"
