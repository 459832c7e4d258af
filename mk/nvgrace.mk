# mk/nvgrace.mk — nvgrace-gpu-vfio-pci built from Debian's kernel source (issue 22).
#
#   make nvgrace-module  build/nvgrace/nvgrace-gpu-vfio-pci.ko{,.xz}, its
#                        modinfo and depmod's lines over Debian's module tree
#                        (scripts/nvgrace-module.sh: Debian's linux-source and
#                        linux-headers of trixie's arm64 kernel, apt-get
#                        download, never installed; cached: it reruns only
#                        when the script changes), and writes
#                        fixtures/data/debian-trixie-arm64-nvgrace.depmod
#   make check-nvgrace   that module in Debian's 6.12 arm64 kernel under
#                        qemu-system-aarch64 (tests/vm/arm64-nvgrace.sh)
#
# Not part of make check: Debian does not ship the module, and the build
# needs a 1.6 GB kernel tree (removed afterwards) for modules_prepare.

NVGRACE_KO := build/nvgrace/nvgrace-gpu-vfio-pci.ko.xz

.PHONY: nvgrace-module check-nvgrace setup-nvgrace
setup-nvgrace:
	@scripts/setup.sh nvgrace

## nvgrace-module: nvgrace-gpu-vfio-pci.ko from Debian's 6.12 source with Debian's arm64 config, symvers and release (build/nvgrace)
nvgrace-module: $(NVGRACE_KO)

$(NVGRACE_KO): scripts/nvgrace-module.sh | setup-nvgrace
	@scripts/nvgrace-module.sh

## check-nvgrace: that module loaded into Debian's 6.12 arm64 kernel under QEMU, and libkmod's alias resolution for a GH200
check-nvgrace: nvgrace-module static-arm64
	@tests/vm/arm64-nvgrace.sh
