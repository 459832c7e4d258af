#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The arm64 boot tests (NVIDIA Grace, issue 22): each tests/vm/arm64/a-*.sh
# scenario boots Debian's arm64 kernel (scripts/arm64-kernel-pkg.sh, trixie:
# apt-get download + dpkg-deb -x, never installed) under
# qemu-system-aarch64/TCG on the virt machine, from an initramfs holding
# Debian's busybox-static for arm64 (apt-get download), the static aarch64
# gpu-initd (make static-arm64), the vfio modules with their modules.dep
# (and decompressed for busybox's insmod), a config selecting QEMU's edu device, tests/vm/arm64/init and the
# scenario.  The scenario's `# qemu: ...` line gives the machine (with or
# without iommu=smmuv3) and devices.  Pass = "VM-RESULT: PASS" on the
# serial console; a failed scenario's log stays in build/vm-arm64/.
# Like tests/vm/run.sh (x86, q35 + intel-iommu), but its own init: virt has
# no isa-debug-exit, the guest powers off.
#
# Usage: tests/vm/run-arm64.sh [GLOB]   (default a-*)
set -u
cd "$(dirname "$0")/../.." || exit 1
OUT=build/vm-arm64
GI=build/static-arm64/gpu-initd
[ -x $GI ] || { echo "vm-arm64: $GI missing (make static-arm64)" >&2; exit 1; }
mkdir -p $OUT
# ARM64_SUITE: the Debian suite whose arm64 kernel boots (default trixie)
SUITE=${ARM64_SUITE:-trixie}
KROOT=build/arm64-kernel/$SUITE/root
# the image: boot/vmlinuz-KVER (6.12), usr/lib/modules/KVER/vmlinuz (7.x)
kimage() { ls $KROOT/boot/vmlinuz-* $KROOT/usr/lib/modules/*/vmlinuz 2>/dev/null | head -n 1; }
if [ -z "$(kimage)" ]; then
	scripts/arm64-kernel-pkg.sh $SUITE build/arm64-kernel/$SUITE.depmod build/arm64-kernel >/dev/null || exit 1
fi
vmlinuz=$(kimage)
case $vmlinuz in
*/boot/vmlinuz-*) KVER=${vmlinuz##*/vmlinuz-} ;;
*) KVER=$(basename "$(dirname "$vmlinuz")") ;;
esac
km=$KROOT/usr/lib/modules/$KVER
[ -d "$km" ] || km=$KROOT/lib/modules/$KVER
BB=$OUT/busybox/bin/busybox
if [ ! -x $BB ]; then
	rm -rf $OUT/busybox $OUT/deb && mkdir -p $OUT/deb
	(cd $OUT/deb && apt-get download -qq -o APT::Sandbox::User=root busybox-static:arm64) || exit 1
	dpkg-deb -x $OUT/deb/busybox-static_*_arm64.deb $OUT/busybox
fi
file $BB | grep -q 'ARM aarch64.*statically linked' || { echo "vm-arm64: $BB is not a static aarch64 busybox" >&2; exit 1; }

base=$OUT/base
rm -rf $base && mkdir -p $base/bin $base/ko $base/etc/gpu-initd $base/lib/modules/$KVER
for d in dev proc sys run tmp; do mkdir -p $base/$d; done
cp $BB $base/bin/busybox
ln -s busybox $base/bin/sh
cp $GI $base/bin/
install -m 755 tests/vm/arm64/init $base/init
for m in vfio vfio_iommu_type1 vfio-pci-core vfio-pci; do
	f=$(grep -E "(^|/)$m\.ko(\.xz)?:" "$km/modules.dep" | cut -d: -f1)
	[ -n "$f" ] || { echo "vm-arm64: module $m not in $km/modules.dep" >&2; exit 1; }
	xz -dcf "$km/$f" >$base/ko/$m.ko
	mkdir -p "$base/lib/modules/$KVER/$(dirname "$f")"
	cp "$km/$f" "$base/lib/modules/$KVER/$f"
done
# gpu-initd's libkmod needs a modules tree (what check looks for)
cp "$km"/modules.builtin "$km"/modules.builtin.modinfo "$km"/modules.order $base/lib/modules/$KVER/
PATH=$PATH:/usr/sbin:/sbin depmod -b $base "$KVER" || exit 1
cat >$base/etc/gpu-initd/config.json <<'JSON'
{ "mode": "vm-passthrough", "devices": ["1234:11e8"],
  "resource-names": { "1234:11e8": "example.com/edu" } }
JSON

pass=0 failed=()
for t in tests/vm/arm64/${1:-a-*}.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	cp "$t" $base/scenario.sh
	(cd $base && find . | cpio -o -H newc --quiet) >"$OUT/$name.cpio"
	qemu_args=$(sed -n 's/^# qemu: //p' "$t" | tr '\n' ' ')
	# `# firmware: uefi`: boot through EDK2 (qemu-efi-aarch64), which hands
	# the kernel QEMU's ACPI tables (IORT for the SMMUv3) instead of a
	# device tree
	if grep -q '^# firmware: uefi' "$t"; then
		qemu_args="$qemu_args -bios /usr/share/qemu-efi-aarch64/QEMU_EFI.fd"
	fi
	log=$OUT/$name.log
	start=$(date +%s%N)
	rc=0
	# shellcheck disable=SC2086
	timeout 300 qemu-system-aarch64 -accel tcg -cpu max -m 1024 -nographic -no-reboot -nic none \
		-kernel "$vmlinuz" -initrd "$OUT/$name.cpio" \
		-append "console=ttyAMA0 rdinit=/init panic=-1 loglevel=4" $qemu_args \
		</dev/null >"$log" 2>&1 || rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	rm -f "$OUT/$name.cpio"
	if [ "$rc" = 0 ] && grep -q '^VM-RESULT: PASS' "$log"; then
		pass=$((pass + 1)) res=ok
		[ -n "${VM_KEEP_LOGS:-}" ] || rm -f "$log"
	else
		res="FAIL (qemu exit $rc, serial log $log)"
		failed+=("$name")
		tail -n 40 "$log" | sed "s/^/  $name| /"
	fi
	printf '%-32s %s (%d.%03ds)\n' "$name" "$res" $((ms / 1000)) $((ms % 1000))
done
echo "vm-arm64: $pass passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
