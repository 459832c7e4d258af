#!/bin/sh
# Install the Debian packages the build and the tests need, only when one is
# missing (a fresh machine).  We run as root; `apt-get update` goes first.
#
# For `make static` (scripts/static-deps.sh): deb-src entries, so that
# `apt-get source` can fetch kmod, pciutils and systemd, plus what building
# them takes (dpkg-dev unpacks source packages; meson, ninja, gperf, jinja2,
# libmount/libcap/libcrypt headers for systemd's configure; liblzma-dev and
# libzstd-dev for static xz/zstd module support in libkmod; xz-utils and
# zstd compress a real module for the test of that support).
# For the packaging tests: dracut-core and initramfs-tools-core (the pieces
# of dracut and initramfs-tools that co-install: the full packages conflict),
# cpio, and systemd for systemd-analyze.
# clang-format: make format-check (part of make check).
# For tests/vm (make check-vm): qemu-system-x86 and busybox-static (the
# guest's shell); cpio packs the initramfs; the kernel comes from
# scripts/kernel-pkg.sh (apt-get download, no install).
# `setup.sh bench` (make bench) adds valgrind (callgrind instruction
# counts), strace (bench/counts.sh's syscall counts) and GNU time (peak
# RSS): benchmarks only, so make check's set stays as it is.
# `setup.sh arm64` (make arm64 / check-arm64, NVIDIA Grace: issue 22) adds
# Debian's aarch64 cross compiler, qemu-user (qemu-aarch64 runs the arm64
# unit tests) and, through multiarch (`dpkg --add-architecture arm64`), the
# arm64 -dev packages the build links against: the same libraries as the
# native build, for aarch64; for `make static-arm64` (static-deps.sh's
# cross build) also liblzma/libzstd's arm64 static archives (libkmod's xz
# and zstd support) and the arm64 libmount/libcap/libcrypt headers systemd's
# meson configure looks for; qemu-system-arm (qemu-system-aarch64) boots
# Debian's arm64 kernel for tests/vm/run-arm64.sh (make check-vm-arm64),
# qemu-efi-aarch64 (EDK2's QEMU_EFI.fd) its UEFI boots, which give the
# kernel ACPI tables with an IORT instead of a device tree.
# `setup.sh nvgrace` (make nvgrace-module: scripts/nvgrace-module.sh builds
# nvgrace-gpu-vfio-pci.ko from Debian's kernel source, issue 22) adds what
# kbuild's host tools need: flex and bison (scripts/kconfig), libelf-dev
# (tools/bpf/resolve_btfids: the config has CONFIG_DEBUG_INFO_BTF), dwarves
# (pahole: olddefconfig keeps the BTF options only with pahole >= 1.16),
# bc, libssl-dev (scripts/sign-file) and the aarch64 cross compiler.
set -eu
PKGS="build-essential pkg-config clang libfuse3-dev fuse3 libkmod-dev kmod
libpci-dev pciutils libudev-dev libjsmn-dev libcmocka-dev libnghttp2-dev
libprotobuf-c-dev protobuf-c-compiler protobuf-compiler protobuf-compiler-grpc
python3-grpcio python3-protobuf util-linux iproute2 mdevctl
file binutils dpkg-dev meson ninja-build gperf python3-jinja2 libmount-dev
libcap-dev libcrypt-dev liblzma-dev libzstd-dev xz-utils zstd
dracut-core initramfs-tools-core cpio systemd
qemu-system-x86 busybox-static clang-format"
[ "${1:-}" = bench ] && PKGS="$PKGS valgrind strace time"
[ "${1:-}" = nvgrace ] && PKGS="gcc-aarch64-linux-gnu flex bison libelf-dev dwarves bc libssl-dev xz-utils kmod"
update=""
if [ "${1:-}" = arm64 ]; then
	PKGS="gcc-aarch64-linux-gnu qemu-user file libfuse3-dev:arm64 libkmod-dev:arm64 libpci-dev:arm64
libudev-dev:arm64 libcmocka-dev:arm64 libnghttp2-dev:arm64 libprotobuf-c-dev:arm64
liblzma-dev:arm64 libzstd-dev:arm64 libmount-dev:arm64 libcap-dev:arm64 libcrypt-dev:arm64
qemu-system-arm qemu-efi-aarch64"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
		echo "setup: added the arm64 architecture (multiarch, for make arm64)"
		update=1
	fi
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

# deb-src: mirror the machine's own deb entries (same mirror, suites and
# snapshot), so sources match the installed binaries.
src=/etc/apt/sources.list.d/gpu-initd-src.sources
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$src"
	else
		grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			sed 's/^deb /deb-src /' >/etc/apt/sources.list.d/gpu-initd-src.list
	fi
	echo "setup: enabled deb-src entries (for make static)"
	update=1
fi

[ -z "$missing" ] && [ -z "$update" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
[ -z "$missing" ] && exit 0
echo "setup: installing$missing"
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
