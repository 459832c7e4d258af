#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The arm64 boot tests (NVIDIA Grace, issue 22): each tests/vm/arm64/a-*.sh
# scenario boots Debian's arm64 kernel (scripts/arm64-kernel-pkg.sh: apt-get
# download + dpkg-deb -x, never installed) under qemu-system-aarch64/TCG on
# the virt machine, from an initramfs holding Debian's busybox-static for
# arm64 (apt-get download), the static aarch64 gpu-initd, kubelet-stub and
# vmtool (make static-arm64 build/static-arm64/vmtool), the vfio modules
# (decompressed, with their modules.dep), tests/vm/lib.sh, state.sh and
# s-serve.sh, tests/vm/arm64/init and the scenario.  Like tests/vm/run.sh:
# a scenario is a body in tests/vm/lib.sh's vocabulary (its simfs twin,
# tests/it/t-vm-twin-arm64.sh, runs it unchanged); pass = "VM-RESULT:
# PASS" on the serial console and the guest's end state equal to
# tests/vm/golden/<scenario>@<kernel>.state (kernel: major.minor, "6.12";
# VM_UPDATE_GOLDEN=1 rewrites them); a failed scenario's log stays in
# build/vm-arm64/.
# Scenario header lines: `# qemu: ...` the machine (with or without
# iommu=smmuv3) and devices; `# firmware: uefi` boots it through EDK2
# always; `# matrix: SUITE/FIRMWARE...` where tests/vm/arm64-matrix.sh runs
# it (a scenario without it runs everywhere); `# twin: FIXTURE` its simfs
# twin's fixture (fixtures/FIXTURE-<kernel>[-acpi].json).
#
# Usage: [ARM64_SUITE=trixie|trixie-backports] [ARM64_FIRMWARE=dt|uefi]
#        [ARM64_MATRIX=1] tests/vm/run-arm64.sh [GLOB]   (default a-*)
# ARM64_MATRIX=1: only the scenarios whose matrix line names SUITE/FIRMWARE.
set -u
cd "$(dirname "$0")/../.." || exit 1
OUT=build/vm-arm64
S=build/static-arm64
for b in $S/gpu-initd $S/kubelet-stub $S/vmtool; do
	[ -x $b ] || { echo "vm-arm64: $b missing (make static-arm64 $S/vmtool)" >&2; exit 1; }
done
mkdir -p $OUT
# ARM64_SUITE: the Debian suite whose arm64 kernel boots (default trixie)
SUITE=${ARM64_SUITE:-trixie}
FIRMWARE=${ARM64_FIRMWARE:-dt}
case $FIRMWARE in dt | uefi) ;; *) echo "vm-arm64: ARM64_FIRMWARE=$FIRMWARE: dt or uefi" >&2; exit 1 ;; esac
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
rm -rf $base && mkdir -p $base/bin $base/etc/gpu-initd $base/lib/modules/$KVER
for d in dev proc sys run tmp var; do mkdir -p $base/$d; done
cp $BB $base/bin/busybox
ln -s busybox $base/bin/sh
cp $S/gpu-initd $S/kubelet-stub $S/vmtool $base/bin/
install -m 755 tests/vm/arm64/init $base/init
cp tests/vm/lib.sh tests/vm/state.sh tests/vm/s-serve.sh $base/
# decompressed (busybox's modprobe and libkmod alike load them), at the
# package's path without .xz; depmod below writes modules.dep for them
for m in vfio vfio_iommu_type1 vfio-pci-core vfio-pci pci-stub; do
	f=$(grep -E "(^|/)$m\.ko(\.xz)?:" "$km/modules.dep" | cut -d: -f1)
	[ -n "$f" ] || { echo "vm-arm64: module $m not in $km/modules.dep" >&2; exit 1; }
	mkdir -p "$base/lib/modules/$KVER/$(dirname "$f")"
	xz -dcf "$km/$f" >"$base/lib/modules/$KVER/${f%.xz}"
done
# gpu-initd's libkmod needs a modules tree (what check looks for)
cp "$km"/modules.builtin "$km"/modules.builtin.modinfo "$km"/modules.order $base/lib/modules/$KVER/
PATH=$PATH:/usr/sbin:/sbin depmod -b $base "$KVER" || exit 1

K=$(echo "$KVER" | cut -d. -f1,2)
pass=0 failed=()
for t in tests/vm/arm64/${1:-a-*}.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	fw=$FIRMWARE
	! grep -q '^# firmware: uefi' "$t" || fw=uefi
	if [ -n "${ARM64_MATRIX:-}" ] && grep -q '^# matrix: ' "$t" &&
		! sed -n 's/^# matrix: //p' "$t" | tr ' ' '\n' | grep -qx "$SUITE/$fw"; then
		continue
	fi
	echo "$name" >$base/scenario.name
	cp "$t" $base/scenario.sh
	(cd $base && find . | cpio -o -H newc --quiet) >"$OUT/$name.cpio"
	qemu_args=$(sed -n 's/^# qemu: //p' "$t" | tr '\n' ' ')
	# uefi: boot through EDK2 (qemu-efi-aarch64), which hands the kernel
	# QEMU's ACPI tables (IORT for the SMMUv3) instead of a device tree
	[ $fw = dt ] || qemu_args="$qemu_args -bios /usr/share/qemu-efi-aarch64/QEMU_EFI.fd"
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
	# the guest's end state must be the golden one for this kernel (the
	# simfs twin compares its own against the same file)
	golden=tests/vm/golden/$name@$K.state
	state_ok=1
	sed -n 's/^STATE| //p' "$log" | tr -d '\r' >"$OUT/$name.state"
	if [ -n "${VM_UPDATE_GOLDEN:-}" ]; then
		cp "$OUT/$name.state" "$golden"
	elif ! diff -u "$golden" "$OUT/$name.state" >"$OUT/$name.state.diff" 2>&1; then
		state_ok=
	fi
	if [ "$rc" = 0 ] && grep -q '^VM-RESULT: PASS' "$log" && [ -n "$state_ok" ]; then
		pass=$((pass + 1)) res=ok
		rm -f "$OUT/$name.state" "$OUT/$name.state.diff"
		[ -n "${VM_KEEP_LOGS:-}" ] || rm -f "$log"
	else
		res="FAIL (qemu exit $rc, serial log $log)"
		failed+=("$name")
		grep -av '^STATE| ' "$log" | tail -n 40 | sed "s/^/  $name| /"
		[ -n "$state_ok" ] || { echo "  $name| end state differs from $golden:"; sed "s/^/  $name| /" "$OUT/$name.state.diff"; }
	fi
	printf '%-32s %s (%d.%03ds)\n' "$name $K/$fw" "$res" $((ms / 1000)) $((ms % 1000))
done
echo "vm-arm64 ($SUITE, $KVER): $pass passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
