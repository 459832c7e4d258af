# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the packaging tests (source after lib.sh).  Debian's current
# kernel package is downloaded and unpacked (never installed) into
# build/kernel by scripts/kernel-pkg.sh, once; nothing here writes to the
# host's /boot, /lib/modules or /usr.

# pkg_setup NAME [real-root]: PKG=build/it/pkg-NAME with the packaging
# installed into PKG/stage (the static binary, the passthrough example as
# config), the GPU_INITD_* variables pointing there, KVER/KROOT the
# unpacked kernel.  real-root: install.sh --real-root-bin (the dynamic
# binary at usr/sbin, the static one at usr/lib/gpu-initd/gpu-initd.static)
# and GPU_INITD_BIN unset: the hook must find the static one by itself.
pkg_setup() {
	PKG=$TOP/build/it/pkg-$1
	rm -rf "$PKG" && mkdir -p "$PKG/tmp"
	[ -x build/static/gpu-initd ] || fail "build/static/gpu-initd missing (make static)"
	local real=()
	[ "${2:-}" != real-root ] || real=(--real-root-bin build/gpu-initd)
	packaging/install.sh --bin build/static/gpu-initd "${real[@]}" \
		--config packaging/examples/vm-passthrough.json "$PKG/stage" >/dev/null
	export GPU_INITD_BIN=$PKG/stage/usr/sbin/gpu-initd
	if [ "${2:-}" = real-root ]; then
		cmp "$PKG/stage/usr/sbin/gpu-initd" build/gpu-initd || fail "real root: not the dynamic binary"
		cmp "$PKG/stage/usr/lib/gpu-initd/gpu-initd.static" build/static/gpu-initd ||
			fail "real root: no static binary for the initramfs"
		unset GPU_INITD_BIN
	fi
	export GPU_INITD_CONFIG=$PKG/stage/etc/gpu-initd/config.json
	export GPU_INITD_BOOT=$PKG/stage/usr/lib/gpu-initd/gpu-initd-boot
	export GPU_INITD_MODPROBE=$PKG/stage/usr/lib/modprobe.d/gpu-initd.conf
	read -r KVER KROOT < <(scripts/kernel-pkg.sh build/kernel) || fail "kernel package"
	[ -f "$KROOT/lib/modules/$KVER/modules.dep" ] || fail "no unpacked kernel"
}

# pkg_check_tree DIR: an unpacked initramfs holds the binary (byte for byte),
# the config, the softdeps, the boot step and the vfio modules (plus this
# kernel's vfio_pci variant drivers), known to the image's modules.dep.
pkg_check_tree() {
	local d=$1 m f variants
	cmp "$d/usr/sbin/gpu-initd" build/static/gpu-initd || fail "binary differs"
	[ -x "$d/usr/sbin/gpu-initd" ] || fail "binary not executable"
	# it runs in the image as is (nothing else from the host needed)
	env -i "$(PATH=$PATH:/usr/sbin:/sbin command -v chroot)" "$d" /usr/sbin/gpu-initd --version |
		grep -q '^gpu-initd ' || fail "gpu-initd --version inside the image"
	cmp "$d/etc/gpu-initd/config.json" packaging/examples/vm-passthrough.json || fail "config"
	grep -qx 'softdep nvidia pre: vfio-pci' "$d/etc/modprobe.d/gpu-initd.conf" || fail "nvidia softdep"
	grep -qx 'softdep nouveau pre: vfio-pci' "$d/etc/modprobe.d/gpu-initd.conf" || fail "nouveau softdep"
	[ -x "$d/usr/lib/gpu-initd/gpu-initd-boot" ] || fail "gpu-initd-boot"
	variants=$(awk '$1 == "alias" && $2 ~ /^vfio_pci:/ { print $3 }' "$KROOT/lib/modules/$KVER/modules.alias" | sort -u)
	[ -n "$variants" ] || fail "the kernel has no vfio_pci: aliases at all"
	for m in vfio vfio_iommu_type1 vfio_pci vfio_pci_core irqbypass $variants; do
		f=$(grep -E "(^|/)${m//_/[-_]}\.ko(\.[a-z]+)?:" "$KROOT/lib/modules/$KVER/modules.dep" | cut -d: -f1)
		[ -n "$f" ] || fail "$m is not in the kernel's modules.dep"
		[ -f "$d/lib/modules/$KVER/$f" ] || fail "module $f missing from the initramfs"
		grep -q "^$f:" "$d/lib/modules/$KVER/modules.dep" || fail "$f not in the initramfs's modules.dep"
	done
}

# pkg_check_boot_step DIR: run the image's own gpu-initd-boot, chrooted into
# the unpacked image (its own sh, sleep, kill), with a stub in place of
# gpu-initd and plain files for /proc/cmdline and /dev/kmsg: it runs
# `--log kmsg --timeout S apply` in passthrough mode only, logs failures to
# the kernel log, always exits 0, and stops waiting after S + 5 s.
pkg_check_boot_step() {
	local d=$1 chroot rc t0 t1
	chroot=$(PATH=$PATH:/usr/sbin:/sbin command -v chroot)
	mkdir -p "$d/proc" "$d/dev" "$d/tmp" "$d/run"
	# at boot /dev is a devtmpfs; the unpacked image may have no nodes
	[ -c "$d/dev/null" ] || { rm -f "$d/dev/null" && mknod -m 666 "$d/dev/null" c 1 3; }
	boot() { # CMDLINE STUB-BODY
		echo "$1" >"$d/proc/cmdline"
		printf '#!/bin/sh\n%s\n' "$2" >"$d/usr/sbin/gpu-initd"
		chmod +x "$d/usr/sbin/gpu-initd"
		rm -f "$d/dev/kmsg" "$d/tmp/args" && : >"$d/dev/kmsg"
		rc=0
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$chroot" "$d" /usr/lib/gpu-initd/gpu-initd-boot || rc=$?
		[ "$rc" -eq 0 ] || fail "gpu-initd-boot exited $rc for '$1'"
	}
	boot "quiet" 'echo "$@" >/tmp/args'
	[ "$(cat "$d/tmp/args")" = "--log kmsg --timeout 30 apply" ] || fail "args: $(cat "$d/tmp/args")"
	boot "gpu_initd.timeout=7" 'echo "$@" >/tmp/args; exit 1'
	[ "$(cat "$d/tmp/args")" = "--log kmsg --timeout 7 apply" ] || fail "args: $(cat "$d/tmp/args")"
	grep -q '^<4>gpu-initd-boot: apply exited 1' "$d/dev/kmsg" || fail "failure not in the kernel log"
	boot "gpu_initd=0" 'echo "$@" >/tmp/args'
	[ ! -e "$d/tmp/args" ] || fail "ran although gpu_initd=0"
	boot "gpu_initd.mode=vm-vgpu" 'echo "$@" >/tmp/args'
	[ ! -e "$d/tmp/args" ] || fail "ran in vm-vgpu mode (cmdline)"
	cp packaging/examples/vm-vgpu.json "$d/etc/gpu-initd/config.json"
	boot "quiet" 'echo "$@" >/tmp/args'
	[ ! -e "$d/tmp/args" ] || fail "ran in vm-vgpu mode (config)"
	cp packaging/examples/vm-passthrough.json "$d/etc/gpu-initd/config.json"
	t0=$(date +%s)
	boot "gpu_initd.timeout=1" 'exec sleep 1000'
	t1=$(date +%s)
	if [ $((t1 - t0)) -lt 5 ] || [ $((t1 - t0)) -gt 9 ]; then
		fail "a hung apply held the boot $((t1 - t0)) s (expected 1 + 5)"
	fi
	grep -q 'stopped waiting, boot continues' "$d/dev/kmsg" || fail "hang not in the kernel log"
}
