#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The real module metadata of Debian's arm64 kernel, for the Grace fixtures
# (fixtures/gen-fixtures.py reads what this writes; issue 22).  With a
# PRIVATE apt configuration under OUT (its own sources list for arch arm64,
# lists and cache; /etc/apt is not read for sources and not changed) it
# resolves linux-image-arm64 in SUITE, `apt-get download`s that image (and,
# for the split packages of 7.x, linux-binary-, linux-modules- and
# linux-base-KVER),
# unpacks them with `dpkg-deb -x` (never installed), runs depmod on the
# unpacked tree and writes DATA: the lines of modules.dep, modules.alias and
# modules.builtin that concern the modules simfs's catalogue knows, and the
# kernel config lines of the VFIO variant drivers and the IOMMU defaults.
#
# Usage: scripts/arm64-kernel-pkg.sh [SUITE [DATA [OUT]]]
#   SUITE default trixie; DATA default fixtures/data/debian-SUITE-arm64.depmod;
#   OUT default build/arm64-kernel.  MIRROR: the Debian mirror.
set -eu
suite=${1:-trixie}
data=${2:-fixtures/data/debian-$suite-arm64.depmod}
OUT=${3:-build/arm64-kernel}
mkdir -p "$OUT/$suite"
OUT=$(cd "$OUT/$suite" && pwd)
# shellcheck source=scripts/private-apt.sh
. "$(dirname "$0")/private-apt.sh"
private_apt "$OUT/apt" "$suite"
# shellcheck disable=SC2086
pkg=$(apt-cache $opts depends linux-image-arm64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || { echo "arm64-kernel-pkg: cannot resolve linux-image-arm64 in $suite" >&2; exit 1; }
kver=${pkg#linux-image-}
# shellcheck disable=SC2086
ver=$(apt-cache $opts show "$pkg" | sed -n 's/^Version: //p' | head -n 1)
root=$OUT/root
rm -rf "$root" "$apt/debs"/*.deb
mkdir -p "$root"
# 6.12 ships one image package; 7.x splits it (linux-binary-* holds the
# image, linux-modules-*, linux-base-*)
# shellcheck disable=SC2086
extra=$(apt-cache $opts depends "$pkg" | sed -n 's/^ *Depends: \(linux-\(binary\|modules\|base\)-[0-9][^ ]*\)$/\1/p')
# shellcheck disable=SC2086
(cd "$apt/debs" && apt-get -qq $opts download "$pkg" $extra >&2)
for d in "$apt/debs"/*.deb; do dpkg-deb -x "$d" "$root"; done
m=$root/usr/lib/modules/$kver
[ -d "$m" ] || m=$root/lib/modules/$kver
base=${m%/lib/modules/$kver}
PATH=$PATH:/usr/sbin:/sbin depmod -b "$base" "$kver"
cfg=$root/boot/config-$kver
[ -f "$cfg" ] || cfg=$m/config
# The catalogue's module names (simfs/catalog.c), as file names.
mods='vfio|vfio_iommu_type1|vfio-pci-core|vfio-pci|nvgrace-gpu-vfio-pci|nvgrace-egm|mdev|irqbypass|vfio_virqfd|pci-pf-stub|pci-stub|snd-hda-intel|nvme-core|nvme|mlx5_core|e1000e'
{
	echo "# Debian $suite arm64 $pkg $ver: depmod's lines for the simfs catalogue's modules"
	echo "# written by scripts/arm64-kernel-pkg.sh; read by fixtures/gen-fixtures.py"
	echo "release $kver"
	grep -E '^(# )?CONFIG_(VFIO|VFIO_PCI|VFIO_PCI_CORE|VFIO_MDEV|VFIO_VIRQFD|NVGRACE_GPU_VFIO_PCI|NVGRACE_EGM|MLX5_VFIO_PCI|ARM_SMMU_V3|ACPI_IORT|IOMMU_DEFAULT_[A-Z_]+)[= ]' "$cfg" | sed 's/^/config /'
	grep -E "(^|/)($mods)\.ko(\.[a-z]+)?:" "$m/modules.dep" | sed 's/^/dep /'
	grep -E '^alias vfio_pci:' "$m/modules.alias" | sed 's/^/alias /'
	grep -E "(^|/)($mods)\.ko$" "$m/modules.builtin" | sed 's/^/builtin /' || true
} >"$data.tmp"
mv "$data.tmp" "$data"
echo "$data"
