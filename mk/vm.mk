# The QEMU boot tests: `make check-vm` (tests/vm/run.sh) boots Debian's
# kernel under QEMU/TCG with an emulated IOMMU and runs gpu-initd from an
# initramfs, one boot per scenario (tests/vm/s-*.sh).  Part of make check.
#
# The initramfs holds the static gpu-initd and kubelet-stub (`make static`
# builds both) and vmtool, built here: a static guest helper (VFIO group
# status, isa-debug-exit, single sysfs writes reporting the errno by name).
VM_TOOL := build/vm/vmtool
# the scenarios' simfs twins (tests/it/t-vm-twin-*) ask simfs through vmtool
check-it: $(VM_TOOL)

$(VM_TOOL): tests/vm/vmtool.c
	@mkdir -p $(@D)
	$(CC) -static -O2 -std=gnu11 $(WARN) -D_GNU_SOURCE -o $@ $<

.PHONY: check-vm
## check-vm: the QEMU boot scenarios (tests/vm/s-*.sh) with the static binaries
check-vm: setup static $(VM_TOOL)
	@tests/vm/run.sh
