#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nvgrace-gpu-vfio-pci.ko built from Debian's OWN kernel source for the
# arm64 kernel the Grace fixtures and boot tests use (issue 22).  Debian
# never builds this module (every suite's arm64 config says
# "# CONFIG_NVGRACE_GPU_VFIO_PCI is not set"), so the closest real thing to
# its modules.dep/modules.alias lines is this: Debian's source of the exact
# kernel version, Debian's arm64 config plus CONFIG_NVGRACE_GPU_VFIO_PCI=m,
# Debian's Module.symvers (modversions CRCs) and Debian's kernel release
# (vermagic), cross-compiled for aarch64, then depmod over a copy of
# Debian's real module tree plus this module.
#
# With a PRIVATE apt configuration under OUT/apt (own sources list, lists,
# cache; /etc/apt is neither read for sources nor changed) it `apt-get
# download`s linux-source-X.Y (the patched source tarball Debian builds
# from; the same size as `apt-get source`'s orig tarball, with Debian's
# patches already applied) and linux-headers-KVER (its Module.symvers), of
# the version of the kernel unpacked by scripts/arm64-kernel-pkg.sh in
# build/arm64-kernel/SUITE; nothing is installed.  It unpacks what kbuild
# needs (all but Documentation/), runs `make olddefconfig modules_prepare`
# and `make M=drivers/vfio/pci/nvgrace-gpu modules modules_install`, and
# writes to OUT: nvgrace-gpu-vfio-pci.ko, .ko.xz (compressed like Debian's
# modules), modinfo.txt, config.diff (Debian's config vs the one built
# with), build.log, and depmod/ (modules.dep, modules.alias of Debian's tree
# + this module), and DATA in the format of scripts/arm64-kernel-pkg.sh.
#
# Usage: scripts/nvgrace-module.sh [SUITE [DATA [OUT]]]
#   SUITE default trixie (6.12; trixie-backports: 7.x), its arm64 kernel as
#   scripts/arm64-kernel-pkg.sh unpacks it in build/arm64-kernel/SUITE (run
#   if absent); DATA default fixtures/data/debian-SUITE-arm64-nvgrace.depmod;
#   OUT default build/nvgrace/SUITE.  MIRROR: the Debian mirror.
#   KEEP_TREE=1 keeps the unpacked kernel tree (OUT/src) afterwards.
set -eu
suite=${1:-trixie}
data=${2:-fixtures/data/debian-$suite-arm64-nvgrace.depmod}
OUT=${3:-build/nvgrace/$suite}
KROOT=build/arm64-kernel/$suite
# the kernel's config: boot/config-KVER (6.12), usr/lib/modules/KVER/config (7.x)
kconfig() {
	for f in "$KROOT"/root/boot/config-* "$KROOT"/root/usr/lib/modules/*/config; do
		[ -f "$f" ] && echo "$f" && return
	done
}
if [ -z "$(kconfig)" ]; then
	scripts/arm64-kernel-pkg.sh "$suite" "build/arm64-kernel/$suite.depmod" build/arm64-kernel >/dev/null
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
KROOT=$(cd "$KROOT" && pwd)
cfg=$(kconfig)
case $cfg in
*/boot/config-*) kver=${cfg##*/config-} ;;
*) kver=$(basename "$(dirname "$cfg")") ;;
esac
t0=$(date +%s)
# shellcheck source=scripts/private-apt.sh
. "$(dirname "$0")/private-apt.sh"
private_apt "$OUT/apt" "$suite"
# the Debian version of the kernel package (e.g. 6.12.117-1)
# shellcheck disable=SC2086
ver=$(apt-cache $opts show "linux-image-$kver" | sed -n 's/^Version: //p' | head -n 1)
[ -n "$ver" ] || { echo "nvgrace-module: linux-image-$kver not in $suite" >&2; exit 1; }
series=$(echo "$kver" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
src=linux-source-$series
hdr=linux-headers-$kver
if ! ls "$apt/debs/${src}_${ver}_all.deb" "$apt/debs/${hdr}_${ver}_arm64.deb" >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	(cd "$apt/debs" && apt-get -qq $opts download "$src=$ver" "$hdr=$ver" >&2)
fi
t1=$(date +%s)
echo "nvgrace-module: downloaded $src $hdr $ver in $((t1 - t0))s" >&2
tree=$OUT/src/$src
if [ ! -f "$tree/Makefile" ]; then
	rm -rf "$OUT/src" && mkdir -p "$OUT/src"
	dpkg-deb --fsys-tarfile "$apt/debs/${src}_${ver}_all.deb" |
		tar -xO "./usr/src/$src.tar.xz" >"$OUT/src/$src.tar.xz"
	# everything but the documentation (its Kconfig stays; the other architectures stay:
	# Kconfig files source theirs, e.g. drivers/ras/Kconfig arch/x86/ras)
	nice -n 10 tar -xJf "$OUT/src/$src.tar.xz" -C "$OUT/src" --exclude="$src/Documentation/[!K]*"
	rm -f "$OUT/src/$src.tar.xz"
	mkdir -p "$OUT/src/headers"
	dpkg-deb -x "$apt/debs/${hdr}_${ver}_arm64.deb" "$OUT/src/headers"
fi
t2=$(date +%s)
echo "nvgrace-module: unpacked $src in $((t2 - t1))s ($(du -sh "$OUT/src" | cut -f1))" >&2
hdrdir=$OUT/src/headers/usr/src/$hdr
# Debian's build settings for this kernel (headers package): release, ARCH
grep -q "^override KERNELRELEASE = $kver\$" "$hdrdir/.kernelvariables" ||
	{ echo "nvgrace-module: $hdr is not for $kver" >&2; exit 1; }
# the config Debian built with: the headers' .config, which is the image's
# /boot/config plus the build-only lines (CONFIG_BUILD_SALT, the module
# signing key and CONFIG_MODULE_SIG_ALL, CONFIG_SYSTEM_TRUSTED_KEYS); plus
# the one option, resolved by olddefconfig
bcfg=$hdrdir/.config
diff "$cfg" "$bcfg" | grep '^[<>]' | grep -qv '^> CONFIG_\(BUILD_SALT\|MODULE_SIG_ALL\|MODULE_SIG_KEY\|SYSTEM_TRUSTED_KEYS\)=' &&
	{ echo "nvgrace-module: $cfg and $hdr's .config differ beyond the build-only lines" >&2; exit 1; }
kmake() {
	# shellcheck disable=SC2086
	nice -n 10 make -C "$tree" -j${JOBS:-2} ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		KERNELRELEASE="$kver" "$@"
}
log=$OUT/build.log
if [ ! -f "$tree/.nvgrace-prepared" ]; then
	cp "$bcfg" "$tree/.config"
	echo "CONFIG_NVGRACE_GPU_VFIO_PCI=m" >>"$tree/.config"
	kmake olddefconfig >"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }
	# what olddefconfig changed against Debian's config (the compiler's
	# capabilities: gcc 12 here, Debian's gcc 14; pahole; cross compilers)
	diff "$bcfg" "$tree/.config" >"$OUT/config.diff" || true
	grep -q '^CONFIG_NVGRACE_GPU_VFIO_PCI=m$' "$tree/.config" ||
		{ echo "nvgrace-module: olddefconfig dropped CONFIG_NVGRACE_GPU_VFIO_PCI" >&2; exit 1; }
	kmake modules_prepare >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }
	touch "$tree/.nvgrace-prepared"
fi
t3=$(date +%s)
echo "nvgrace-module: olddefconfig + modules_prepare in $((t3 - t2))s" >&2
# Debian's Module.symvers: the modversions CRCs of vfio-pci-core's and
# vmlinux's exports, as Debian's kernel has them (no vmlinux is built here)
cp "$hdrdir/Module.symvers" "$tree/Module.symvers"
kmake M="$tree/drivers/vfio/pci/nvgrace-gpu" modules >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }
t4=$(date +%s)
echo "nvgrace-module: module built in $((t4 - t3))s" >&2
ko=$tree/drivers/vfio/pci/nvgrace-gpu/nvgrace-gpu-vfio-pci.ko
# kbuild's own install: where an in-tree build puts it (kernel/ + its source
# directory), compressed as CONFIG_MODULE_COMPRESS_XZ says (Makefile.modinst
# cmd_xz); unsigned (Debian signs with its own key: CONFIG_MODULE_SIG_ALL
# off here); depmod run below, not by kbuild (it wants System.map)
dir=kernel/drivers/vfio/pci/nvgrace-gpu
rm -rf "$OUT/install"
kmake M="$tree/drivers/vfio/pci/nvgrace-gpu" INSTALL_MOD_PATH="$OUT/install" INSTALL_MOD_DIR=$dir \
	CONFIG_MODULE_SIG_ALL= modules_install >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }
kxz=$OUT/install/lib/modules/$kver/$dir/nvgrace-gpu-vfio-pci.ko.xz
[ -f "$kxz" ] || { echo "nvgrace-module: modules_install wrote no $kxz" >&2; exit 1; }
cp "$ko" "$kxz" "$OUT/"
modinfo "$OUT/nvgrace-gpu-vfio-pci.ko" | sed "s|^filename: *.*|filename:       $dir/nvgrace-gpu-vfio-pci.ko|" >"$OUT/modinfo.txt"
# depmod over a copy of Debian's real module tree (hard links; the
# modules.* indexes are copies, depmod replaces them) plus this module
km=$KROOT/root/usr/lib/modules/$kver
[ -d "$km" ] || km=$KROOT/root/lib/modules/$kver
d=$OUT/depmod
rm -rf "$d" && mkdir -p "$d/lib/modules/$kver"
cp -al "$km/kernel" "$d/lib/modules/$kver/"
cp "$km"/modules.builtin "$km"/modules.builtin.modinfo "$km"/modules.order "$d/lib/modules/$kver/"
mkdir -p "$d/lib/modules/$kver/$dir"
cp "$kxz" "$d/lib/modules/$kver/$dir/"
PATH=$PATH:/usr/sbin:/sbin depmod -b "$d" "$kver"
m=$d/lib/modules/$kver
# what the module adds to Debian's own depmod output (nothing else may change)
{
	diff "$km/modules.dep" "$m/modules.dep" || true
	diff "$km/modules.alias" "$m/modules.alias" || true
} >"$OUT/depmod.diff"
if grep '^[<>]' "$OUT/depmod.diff" | grep -v 'nvgrace' | grep -q .; then
	echo "nvgrace-module: depmod changed more than the module's lines (see $OUT/depmod.diff)" >&2
	exit 1
fi
t5=$(date +%s)
vermagic=$(sed -n 's/^vermagic: *//p' "$OUT/modinfo.txt")
{
	echo "# Debian $suite arm64 linux-image-$kver $ver: depmod's lines for nvgrace-gpu-vfio-pci,"
	echo "# which Debian does not build (# CONFIG_NVGRACE_GPU_VFIO_PCI is not set).  Made by"
	echo "# scripts/nvgrace-module.sh: built from Debian's $src $ver (apt-get download) with"
	echo "# $hdr's .config + CONFIG_NVGRACE_GPU_VFIO_PCI=m (make olddefconfig"
	echo "# modules_prepare; $(aarch64-linux-gnu-gcc --version | head -n 1), Debian built with"
	echo "# $(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$bcfg")), make M=drivers/vfio/pci/nvgrace-gpu modules with"
	echo "# $hdr's Module.symvers and KERNELRELEASE=$kver (vermagic \"$vermagic\"),"
	echo "# modules_install (xz), then depmod -b over a copy of Debian's $kver module tree"
	echo "# plus the module.  Real kbuild/depmod output, but NOT a module Debian ships."
	echo "release $kver"
	grep -E '^CONFIG_NVGRACE_GPU_VFIO_PCI[= ]' "$tree/.config" | sed 's/^/config /'
	grep -E '(^|/)nvgrace-gpu-vfio-pci\.ko(\.[a-z]+)?:' "$m/modules.dep" | sed 's/^/dep /'
	grep -E '^alias vfio_pci:.* nvgrace_gpu_vfio_pci$' "$m/modules.alias" | sed 's/^/alias /'
} >"$data.tmp"
mv "$data.tmp" "$data"
echo "nvgrace-module: depmod in $((t5 - t4))s; wrote $data" >&2
if [ -z "${KEEP_TREE:-}" ]; then rm -rf "$OUT/src"; fi
echo "$data"
