# mk/arm64.mk — gpu-initd for aarch64 (NVIDIA Grace): cross builds, dynamic and static.
#
#   make arm64         build/arm64/{gpu-initd,simfs,kubelet-stub} and the unit
#                      tests, cross-compiled with Debian's aarch64-linux-gnu
#                      toolchain against the arm64 -dev packages (multiarch;
#                      `scripts/setup.sh arm64` installs them, make runs it)
#   make check-arm64   the unit tests built for aarch64, run under qemu-user
#                      (qemu-aarch64; the arm64 libraries come from multiarch,
#                      -L the cross libc for the loader), and the static
#                      aarch64 gpu-initd's own check (below)
#   make static-arm64  build/static-arm64/{gpu-initd,kubelet-stub}, fully
#                      static aarch64, like mk/static.mk's x86-64 ones: the
#                      archives of libkmod, libpci, libudev cross-built once
#                      by `scripts/static-deps.sh build/static-deps-arm64
#                      arm64`; libnghttp2.a, libprotobuf-c.a, liblzma.a,
#                      libzstd.a and libc.a come from Debian's arm64 -dev
#                      packages
#
# The same Makefile rules build it (no second code path): a sub-make with
# BUILD=build/arm64, CC=aarch64-linux-gnu-gcc and pkg-config looking only at
# the arm64 .pc files.  Unit tests that exec or mount nothing run as they are;
# the run wraps each binary in qemu-aarch64.

ARM64_BUILD := build/arm64
ARM64_CC    := aarch64-linux-gnu-gcc
ARM64_QEMU  := qemu-aarch64 -L /usr/aarch64-linux-gnu
ARM64_ENV   := PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
ARM64_TESTS := $(patsubst tests/unit/%.c,$(ARM64_BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
# Not run under qemu-user (Debian 12's QEMU 7.2), built all the same:
#  test_rootfs        qemu-user 7.2 has no openat2 (ENOSYS), so lib/rootfs.c
#                     falls back to plain openat and absolute_links_stay_inside
#                     fails as it must on such a kernel (the fallback's known
#                     limit); real arm64 kernels have openat2 (5.6+)
#  test_simfs_model   faults_and_stats never sees its stalled writer thread
#                     stall under qemu-user (hangs): not understood yet
ARM64_QEMU_SKIP := test_rootfs test_simfs_model
ARM64_RUN   := $(filter-out $(addprefix $(ARM64_BUILD)/tests/,$(ARM64_QEMU_SKIP)),$(ARM64_TESTS))

.PHONY: arm64 check-arm64 setup-arm64 static-arm64 static-deps-arm64 check-arm64-static check-vm-arm64
# the native set first (protoc-c, meson, deb-src for the static deps), in one
# recipe: two apt-get runs at once under make -j would fight for dpkg's lock
setup-arm64:
	@scripts/setup.sh && scripts/setup.sh arm64

## arm64: gpu-initd, simfs, kubelet-stub and the unit tests cross-built for aarch64 (build/arm64)
arm64: setup-arm64
	@env $(ARM64_ENV) $(MAKE) --no-print-directory BUILD=$(ARM64_BUILD) CC=$(ARM64_CC) \
		$(ARM64_BUILD)/gpu-initd $(ARM64_BUILD)/simfs $(ARM64_BUILD)/kubelet-stub $(ARM64_TESTS) \
		$(ARM64_BUILD)/tests/fakenvml/libnvidia-ml.so.1

## check-arm64: the aarch64 unit tests under qemu-user (part of make check)
check-arm64: arm64
	@file -b $(ARM64_BUILD)/gpu-initd | grep -q "ARM aarch64" || { echo "arm64: not an aarch64 binary" >&2; exit 1; }
	@echo "arm64: not run under qemu-user: $(ARM64_QEMU_SKIP) (mk/arm64.mk)"
	@RUN_UNIT_WRAP="timeout 300 $(ARM64_QEMU)" tests/run-unit.sh $(ARM64_RUN)

ARM64_SDEPS  := build/static-deps-arm64
ARM64_STATIC := build/static-arm64
ARM64_SPROGS := $(ARM64_STATIC)/gpu-initd $(ARM64_STATIC)/kubelet-stub

## static-deps-arm64: libkmod, libpci, libudev cross-built for aarch64 (build/static-deps-arm64, once)
static-deps-arm64: setup-arm64
	@scripts/static-deps.sh $(ARM64_SDEPS) arm64

# As mk/static.mk's `static`: relink when an archive is newer than a binary.
## static-arm64: build/static-arm64/gpu-initd and kubelet-stub, fully static aarch64
static-arm64: static-deps-arm64
	@for p in $(ARM64_SPROGS); do for a in $(ARM64_SDEPS)/lib/*.a; do \
		[ $$a -nt $$p ] && rm -f $$p; done; done; true
	@env PKG_CONFIG_LIBDIR=$(CURDIR)/$(ARM64_SDEPS)/lib/pkgconfig:$(patsubst PKG_CONFIG_LIBDIR=%,%,$(ARM64_ENV)) \
		CFLAGS="$(STATIC_CFLAGS)" LDFLAGS="$(STATIC_LDFLAGS)" \
		$(MAKE) --no-print-directory BUILD=$(ARM64_STATIC) CC=$(ARM64_CC) $(ARM64_SPROGS)

# The static aarch64 gpu-initd under qemu-user: --version, then the Grace
# flows of tests/it/t-initd-grace.sh on the GH200 fixtures (SMMUv3 check,
# SMMU off, the refused apply with zero sysfs writes, check where
# nvgrace_gpu_vfio_pci exists) with this binary as GPU_INITD, through a
# wrapper that runs it in qemu-aarch64 (a static binary needs no -L).  The
# apply that loads nvgrace_gpu_vfio_pci is left out (GI_NO_MODULE_LOAD):
# QEMU 7.2's qemu-user answers finit_module/init_module with ENOSYS.
## check-arm64-static: the static aarch64 gpu-initd under qemu-user on the GH200 fixtures
check-arm64-static: static-arm64 all
	@file -b $(ARM64_STATIC)/gpu-initd | grep -q "ARM aarch64.*statically linked" || \
		{ echo "static-arm64: not a static aarch64 binary: $$(file -b $(ARM64_STATIC)/gpu-initd)" >&2; exit 1; }
	@qemu-aarch64 $(ARM64_STATIC)/gpu-initd --version | grep -q "^gpu-initd " || \
		{ echo "static-arm64: --version under qemu-aarch64 failed" >&2; exit 1; }
	@printf '#!/bin/sh\nexec qemu-aarch64 %s "$$@"\n' $(CURDIR)/$(ARM64_STATIC)/gpu-initd >$(ARM64_STATIC)/gpu-initd-qemu
	@chmod +x $(ARM64_STATIC)/gpu-initd-qemu
	@GPU_INITD=$(CURDIR)/$(ARM64_STATIC)/gpu-initd-qemu GI_NO_MODULE_LOAD=1 tests/it/run.sh 't-initd-grace'

# make check runs the arm64 unit tests (34 binaries, 2 skipped as above):
# 36 s on the shared 2-core machine (nice'd, build up to date), the first
# cross build about 70 s more.
CHECK_EXTRA += check-arm64
# and the static aarch64 gpu-initd under qemu-user: its first build, the
# cross-built static deps included (apt-get source of kmod, pciutils and
# systemd too), took 2 min 4 s on the shared 2-core machine (JOBS=1, nice,
# make -j1); later runs 2 s (the deps stay in build/static-deps-arm64).
CHECK_EXTRA += check-arm64-static

# The arm64 boot tests: tests/vm/arm64-matrix.sh runs tests/vm/run-arm64.sh
# (the bodies tests/vm/arm64/a-*.sh, each where its `# matrix:` line says)
# on Debian's arm64 kernels 6.12 (trixie: IOMMU groups made at driver
# probe) and 7.3 (trixie-backports: at enumeration), device tree and
# UEFI/ACPI, under qemu-system-aarch64/TCG on virt with and without an
# SMMUv3, booting the static aarch64 gpu-initd, kubelet-stub and vmtool;
# the guests' end states against tests/vm/golden/a-*@<kernel>.state (their
# simfs twins: tests/it/t-vm-twin-arm64.sh, in check-it).  The 12 boots
# took 2 min 13 s on the shared 2-core machine (nice, load average 2-4,
# kernels and busybox already downloaded; 8-17 s a boot); the first run
# fetches both kernel packages and busybox.  Under the ~2.5 min budget: part
# of make check.
## check-vm-arm64: the arm64 QEMU matrix (tests/vm/arm64/a-*: Debian 6.12 and 7.3 arm64 kernels, device tree and UEFI/ACPI; part of make check)
check-vm-arm64: static-arm64 $(ARM64_STATIC)/vmtool
	@tests/vm/arm64-matrix.sh

# vmtool for the arm64 guests (group-status, write, open2; no isa-debug-exit
# there), static, with the cross compiler as mk/vm.mk builds the x86 one
$(ARM64_STATIC)/vmtool: tests/vm/vmtool.c
	@mkdir -p $(@D)
	$(ARM64_CC) -static -O2 -std=gnu11 $(WARN) -D_GNU_SOURCE -o $@ $<

CHECK_EXTRA += check-vm-arm64
