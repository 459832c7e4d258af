#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real-kernel test of nvgrace-gpu-vfio-pci (issue 22): the module
# scripts/nvgrace-module.sh built from Debian's source of SUITE's arm64
# kernel (trixie: 6.12.117, trixie-backports: 7.3.4), loaded into that
# Debian kernel under qemu-system-aarch64 (TCG, virt + SMMUv3).  It reuses tests/vm/run-arm64.sh unchanged: run with a GLOB that
# names no scenario, run-arm64.sh fetches the kernel and busybox and builds
# its initramfs tree (build/vm-arm64/base); this copies that tree, adds the
# module (decompressed in /ko for busybox's insmod, .ko.xz in lib/modules
# with depmod run again) and boots tests/vm/arm64/nvgrace-module.sh with the
# same QEMU command line.  Before the boot, on the host: kmod's modprobe
# --show-depends (libkmod; it loads nothing) resolves a GH200's vfio_pci:
# modalias over that module tree.
#
# Usage: tests/vm/arm64-nvgrace.sh [SUITE]   (default trixie; make
#   check-nvgrace runs trixie and trixie-backports; make nvgrace-module first)
set -u
cd "$(dirname "$0")/../.." || exit 1
SUITE=${1:-trixie}
NV=build/nvgrace/$SUITE
OUT=build/vm-arm64-nvgrace/$SUITE
ko=$NV/nvgrace-gpu-vfio-pci.ko
if [ ! -f "$ko" ] || [ ! -f "$ko".xz ]; then
	echo "arm64-nvgrace: $ko missing (make nvgrace-module, or scripts/nvgrace-module.sh $SUITE)" >&2
	exit 1
fi
# run-arm64.sh boots SUITE's kernel, the one the module was built for
export ARM64_SUITE=$SUITE
t0=$(date +%s%N)
tests/vm/run-arm64.sh __no_scenario__ >/dev/null || { echo "arm64-nvgrace: run-arm64.sh failed to prepare" >&2; exit 1; }
KROOT=build/arm64-kernel/$SUITE/root
# the image as run-arm64.sh finds it: boot/vmlinuz-KVER (6.12),
# usr/lib/modules/KVER/vmlinuz (7.x)
for vmlinuz in "$KROOT"/boot/vmlinuz-* "$KROOT"/usr/lib/modules/*/vmlinuz; do
	[ -f "$vmlinuz" ] && break
done
case $vmlinuz in
*/boot/vmlinuz-*) KVER=${vmlinuz##*/vmlinuz-} ;;
*) KVER=$(basename "$(dirname "$vmlinuz")") ;;
esac
[ "$(sed -n 's/^vermagic: *\([^ ]*\) .*/\1/p' "$NV"/modinfo.txt)" = "$KVER" ] ||
	{ echo "arm64-nvgrace: $ko is not for $KVER" >&2; exit 1; }
base=$OUT/base
rm -rf "$OUT" && mkdir -p "$OUT"
cp -a build/vm-arm64/base "$base"
cp "$ko" "$base"/ko/
dir=kernel/drivers/vfio/pci/nvgrace-gpu
mkdir -p "$base/lib/modules/$KVER/$dir"
cp "$ko".xz "$base/lib/modules/$KVER/$dir/"
PATH=$PATH:/usr/sbin:/sbin depmod -b "$base" "$KVER" || exit 1
# libkmod's answer for a GH200 120GB (10de:2342, subsystem 10de:16eb, class
# 0x030200): the modules modprobe would insert for its vfio_pci: alias
alias=vfio_pci:v000010DEd00002342sv000010DEsd000016EBbc03sc02i00
echo "host libkmod ($(/sbin/modprobe --version | head -n 1)): modprobe --show-depends $alias"
deps=$(/sbin/modprobe -d "$base" -S "$KVER" --show-depends "$alias" 2>&1) || { echo "$deps"; exit 1; }
echo "${deps//$PWD\/$base\/lib\/modules\/$KVER\//  }"
echo "$deps" | grep -q "/$dir/nvgrace-gpu-vfio-pci.ko.xz" || { echo "arm64-nvgrace: libkmod does not resolve $alias to nvgrace-gpu-vfio-pci" >&2; exit 1; }
# the negative, on a kernel with CONFIG_MODVERSIONS (vermagic "modversions":
# 6.12, not Debian's 7.3): a copy whose CRC for vfio_pci_core_register_device
# is flipped (its __versions entry: u64 crc, then the name), which the kernel
# must refuse (kernel/module/version.c check_version)
if grep -q '^vermagic:.* modversions' "$NV"/modinfo.txt; then
	python3 - "$ko" "$base"/ko/nvgrace-badcrc.ko <<'PY' || exit 1
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
shoff, = struct.unpack_from("<Q", b, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3a)
def sh(i):
    return struct.unpack_from("<IIQQQQIIQQ", b, shoff + i * shentsize)
stroff = sh(shstrndx)[4]
for i in range(shnum):
    name, _, _, _, off, size = sh(i)[:6]
    if b[stroff + name:stroff + name + 11] == b"__versions\0":
        sym = b"vfio_pci_core_register_device\0"
        at = b.find(sym, off, off + size)
        assert at > off and (at - off) % 64 == 8, "no __versions entry"
        b[at - 8] ^= 0xff
        open(sys.argv[2], "wb").write(b)
        break
else:
    sys.exit("no __versions section")
PY
fi
t=tests/vm/arm64/nvgrace-module.sh
cp $t "$base"/scenario.sh
(cd "$base" && find . | cpio -o -H newc --quiet) >"$OUT"/nvgrace.cpio
qemu_args=$(sed -n 's/^# qemu: //p' $t | tr '\n' ' ')
log=$OUT/nvgrace-module.log
t1=$(date +%s%N)
rc=0
# the command line of tests/vm/run-arm64.sh
# shellcheck disable=SC2086
timeout 300 qemu-system-aarch64 -accel tcg -cpu max -m 1024 -nographic -no-reboot -nic none \
	-kernel "$vmlinuz" -initrd $OUT/nvgrace.cpio \
	-append "console=ttyAMA0 rdinit=/init panic=-1 loglevel=4" $qemu_args \
	</dev/null >"$log" 2>&1 || rc=$?
t2=$(date +%s%N)
rm -f "$OUT"/nvgrace.cpio
grep -E '^(kernel|kernel/|refcnt|edu |drivers_probe|VM-)|nvgrace|taint' "$log" | sed 's/^/  guest| /'
printf 'arm64-nvgrace: prepare %dms, QEMU boot+scenario %dms (serial log %s)\n' \
	$(((t1 - t0) / 1000000)) $(((t2 - t1) / 1000000)) "$log"
if [ "$rc" != 0 ] || ! grep -q '^VM-RESULT: PASS' "$log"; then
	tail -n 30 "$log" | sed 's/^/  guest| /'
	echo "arm64-nvgrace: FAIL (qemu exit $rc)"
	exit 1
fi
echo "arm64-nvgrace: PASS"
