# mk/nvgrace.mk — nvgrace-gpu-vfio-pci built from Debian's kernel source (issue 22).
#
#   make nvgrace-module  for trixie (6.12.117) and trixie-backports (7.3.4):
#                        build/nvgrace/SUITE/nvgrace-gpu-vfio-pci.ko{,.xz},
#                        its modinfo and depmod's lines over Debian's module
#                        tree, and fixtures/data/debian-SUITE-arm64-nvgrace.depmod
#                        (scripts/nvgrace-module.sh: Debian's linux-source and
#                        linux-headers of the suite's arm64 kernel, apt-get
#                        download, never installed; cached: a suite reruns
#                        only when the script changes)
#   make check-nvgrace   each module in its Debian arm64 kernel under
#                        qemu-system-aarch64 (tests/vm/arm64-nvgrace.sh)
#
# Not part of make check (each build unpacks a 1.6 GB kernel tree, removed
# afterwards, for modules_prepare: about 65-75 s a suite, 48 s of QEMU);
# make check-full (FULL=1) runs check-nvgrace.

NVGRACE_SUITES := trixie trixie-backports
NVGRACE_KOS    := $(foreach s,$(NVGRACE_SUITES),build/nvgrace/$(s)/nvgrace-gpu-vfio-pci.ko.xz)

.PHONY: nvgrace-module check-nvgrace setup-nvgrace
setup-nvgrace:
	@scripts/setup.sh nvgrace

## nvgrace-module: nvgrace-gpu-vfio-pci.ko from Debian's 6.12/7.3 source with Debian's arm64 config, symvers and release (build/nvgrace)
nvgrace-module: $(NVGRACE_KOS)

build/nvgrace/%/nvgrace-gpu-vfio-pci.ko.xz: scripts/nvgrace-module.sh | setup-nvgrace
	@scripts/nvgrace-module.sh $*

## check-nvgrace: those modules loaded into Debian's arm64 kernels under QEMU, and libkmod's alias resolution for a GH200
check-nvgrace: nvgrace-module static-arm64
	@for s in $(NVGRACE_SUITES); do tests/vm/arm64-nvgrace.sh $$s || exit 1; done

ifdef FULL
CHECK_EXTRA += check-nvgrace
endif
