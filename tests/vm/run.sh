#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real-kernel suite: each tests/vm/s-*.sh scenario boots Debian's kernel
# (scripts/kernel-pkg.sh) under QEMU/TCG, q35 with an emulated Intel IOMMU,
# from an initramfs holding busybox, the static gpu-initd and kubelet-stub,
# vmtool, the vfio/stub modules with their modules.dep, tests/vm/init and the
# scenario.  The scenario's header names its extra QEMU arguments
# (`# qemu: ...`), kernel command line (`# append: ...`) and, with
# `# iommu: none`, a machine without the emulated IOMMU; `# monitor: CMD...`
# gives QEMU's HMP monitor on a socket and relays the guest's serial lines
# "VM-MONITOR: <command>" to it, for those CMDs only (tests/vm/monitor.py:
# s-aer injects PCIe errors with pcie_aer_inject_error).  Pass = QEMU
# exit status 1 (the guest wrote 0 to isa-debug-exit) and "VM-RESULT: PASS"
# on the serial console, and the guest's end state (tests/vm/state.sh) equal
# to tests/vm/golden/<scenario>.state (VM_UPDATE_GOLDEN=1 rewrites them);
# a failed scenario's serial log stays in build/vm/.
# TCG only: KVM on these machines hangs rather than fails.
#
# Usage: tests/vm/run.sh [GLOB]   (default s-*)
set -u
cd "$(dirname "$0")/../.."
OUT=build/vm
S=build/static
for b in $S/gpu-initd $S/kubelet-stub $OUT/vmtool; do
	[ -x "$b" ] || { echo "vm: $b missing (make check-vm builds it)" >&2; exit 1; }
done
read -r KVER KROOT < <(scripts/kernel-pkg.sh build/kernel) || exit 1
BUSYBOX=/bin/busybox
file -L "$BUSYBOX" | grep -q 'statically linked' || { echo "vm: $BUSYBOX is not static (busybox-static)" >&2; exit 1; }

# The modules gpu-initd may load, with their dependencies (modules.dep) and
# softdeps (vfio's "post: vfio_iommu_type1") resolved by depmod from the
# copied files; modules.builtin so libkmod knows what needs no file.
# nvme and its dependencies (with the crc algorithms its softdeps name) give
# s-sriov-pf-driver a PF driver that configures SR-IOV itself.
MODULES="vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci irqbypass pci-stub pci-pf-stub
nvme nvme-core t10-pi crc64-rocksoft crc-t10dif crc64 crct10dif_common crct10dif_generic
crc64_rocksoft_generic"

# base: everything but the scenario, rebuilt only when an input is newer
# (or Debian's kernel package changed)
base=$OUT/base
stamp=$base/.stamp
if [ ! -f $stamp ] || [ ! -d $base/lib/modules/$KVER ] || [ -n "$(find $S/gpu-initd $S/kubelet-stub $OUT/vmtool tests/vm/init \
	tests/vm/lib.sh tests/vm/state.sh tests/vm/behaviour.sh "$0" -newer $stamp 2>/dev/null)" ]; then
	rm -rf $base && mkdir -p $base/bin $base/lib/modules/$KVER $base/boot
	for d in dev proc sys run tmp etc var; do mkdir -p $base/$d; done
	cp $BUSYBOX $base/bin/busybox
	ln -s busybox $base/bin/sh
	cp $S/gpu-initd $S/kubelet-stub $OUT/vmtool $base/bin/
	install -m 755 tests/vm/init $base/init
	cp tests/vm/lib.sh tests/vm/state.sh tests/vm/behaviour.sh $base/
	cp "$KROOT/boot/config-$KVER" $base/boot/
	km=$KROOT/lib/modules/$KVER
	for m in $MODULES; do
		f=$(grep -E "(^|/)$m\.ko:" "$km/modules.dep" | cut -d: -f1)
		[ -n "$f" ] || { echo "vm: module $m not in $km/modules.dep" >&2; exit 1; }
		mkdir -p "$base/lib/modules/$KVER/$(dirname "$f")"
		cp "$km/$f" "$base/lib/modules/$KVER/$f"
	done
	cp "$km"/modules.builtin "$km"/modules.builtin.modinfo "$km"/modules.order $base/lib/modules/$KVER/
	PATH=$PATH:/usr/sbin:/sbin depmod -b $base "$KVER" || exit 1
	touch $stamp
fi

pass=0 failed=()
for t in tests/vm/${1:-s-*}.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	root=$OUT/$name.root
	rm -rf "$root" && cp -a $base "$root"
	cp "$t" "$root/scenario.sh"
	echo "$name" >"$root/scenario.name"
	(cd "$root" && find . ! -name .stamp | cpio -o -H newc --quiet) >"$OUT/$name.cpio"
	rm -rf "$root"
	qemu_args=$(sed -n 's/^# qemu: //p' "$t" | tr '\n' ' ')
	# `# iommu: none` (no IOMMU) or `# iommu: DEVICE,PROPS` (another one)
	iommu="-device intel-iommu,intremap=on,caching-mode=on"
	case $(sed -n 's/^# iommu: //p' "$t") in
	'') ;;
	none) iommu= ;;
	*) iommu="-device $(sed -n 's/^# iommu: //p' "$t")" ;;
	esac
	append=$(sed -n 's/^# append: //p' "$t" | tr '\n' ' ')
	log=$OUT/$name.log
	: >"$log"
	# `# monitor: CMD...`: QEMU's HMP monitor on a socket, the guest's
	# "VM-MONITOR: <command>" lines relayed to it (those CMDs only)
	mon_cmds=$(sed -n 's/^# monitor: //p' "$t" | tr '\n' ' ')
	mon_args= relay=
	if [ -n "$mon_cmds" ]; then
		rm -f "$OUT/$name.mon" "$OUT/$name.monitor"
		mon_args="-monitor unix:$OUT/$name.mon,server=on,wait=off"
		# shellcheck disable=SC2086
		/usr/bin/python3 tests/vm/monitor.py "$log" "$OUT/$name.mon" "$OUT/$name.monitor" $mon_cmds &
		relay=$!
	fi
	start=$(date +%s%N)
	rc=0
	# shellcheck disable=SC2086
	timeout 120 qemu-system-x86_64 -accel tcg -machine q35,kernel-irqchip=split \
		$iommu -nographic -no-reboot \
		-m 512 -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$KROOT/boot/vmlinuz-$KVER" -initrd "$OUT/$name.cpio" \
		-append "console=ttyS0 panic=-1 loglevel=4 $append" $qemu_args $mon_args \
		</dev/null >"$log" 2>&1 || rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	if [ -n "$relay" ]; then
		kill "$relay" 2>/dev/null
		wait "$relay" 2>/dev/null
		rm -f "$OUT/$name.mon"
	fi
	rm -f "$OUT/$name.cpio"
	# the guest's end state must be the golden one (the simfs twin
	# compares its own against the same file)
	golden=tests/vm/golden/$name.state
	state_ok=1
	sed -n 's/^STATE| //p' "$log" | tr -d '\r' >"$OUT/$name.state"
	if [ -n "${VM_UPDATE_GOLDEN:-}" ]; then
		mkdir -p tests/vm/golden && cp "$OUT/$name.state" "$golden"
	elif ! diff -u "$golden" "$OUT/$name.state" >"$OUT/$name.state.diff"; then
		state_ok=
	fi
	if [ "$rc" = 1 ] && grep -q '^VM-RESULT: PASS' "$log" && [ -n "$state_ok" ]; then
		pass=$((pass + 1)) res=ok
		rm -f "$OUT/$name.state" "$OUT/$name.state.diff"
		[ -n "${VM_KEEP_LOGS:-}" ] || rm -f "$log" "$OUT/$name.monitor"
	else
		res="FAIL (qemu exit $rc, serial log $log)"
		failed+=("$name")
		grep -v '^STATE| ' "$log" | tail -n 40 | sed "s/^/  $name| /"
		[ -n "$state_ok" ] || { echo "  $name| end state differs from $golden:"; sed "s/^/  $name| /" "$OUT/$name.state.diff"; }
	fi
	printf '%-32s %s (%d.%03ds)\n' "$name" "$res" $((ms / 1000)) $((ms % 1000))
done
echo "vm: $pass passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
