#!/bin/bash
# The static build's libkmod reads plain, xz (Fedora/RHEL, Debian 13) and
# zstd (Ubuntu) compressed modules: Debian's real vfio-pci.ko (from the
# unpacked kernel package, see scripts/kernel-pkg.sh), compressed each way
# and indexed by the host's depmod into a bare root, is found and its
# modinfo read by the static probe chrooted there with an empty environment.
# Nothing is loaded.
source "$(dirname "$0")/lib.sh"
[ -x build/static/tests/static-probe ] || fail "make static first"
read -r KVER KROOT < <(scripts/kernel-pkg.sh build/kernel) || fail "kernel package"
src=$KROOT/lib/modules/$KVER/kernel/drivers/vfio/pci/vfio-pci.ko
[ -f "$src" ] || fail "no $src"
want=$(PATH=$PATH:/usr/sbin:/sbin modinfo -F description "$src")
[ -n "$want" ] || fail "modinfo cannot read $src"
depmod=$(PATH=$PATH:/usr/sbin:/sbin command -v depmod)
chroot=$(PATH=$PATH:/usr/sbin:/sbin command -v chroot)
W=$TOP/build/it/kmod-compressed
for comp in none xz zstd; do
	r=$W/$comp
	rm -rf "$r"
	mkdir -p "$r/bin" "$r/proc/sys/kernel" "$r/sys/bus/pci/devices" \
		"$r/lib/modules/$KVER/kernel/drivers/vfio/pci"
	echo "$KVER" >"$r/proc/sys/kernel/osrelease"
	cp build/static/tests/static-probe "$r/bin/"
	d=$r/lib/modules/$KVER/kernel/drivers/vfio/pci
	case $comp in
	none) cp "$src" "$d/" ;;
	xz) xz -c --check=crc32 "$src" >"$d/vfio-pci.ko.xz" ;;
	zstd) zstd -q -c "$src" >"$d/vfio-pci.ko.zst" ;;
	esac
	"$depmod" -b "$r" "$KVER" 2>/dev/null || fail "depmod ($comp)"
	# pci finds no devices in this bare root: only the kmod lines matter
	out=$(env -i "$chroot" "$r" /bin/static-probe 2>&1) || true
	echo "$comp: $out" | head -n 2
	grep -q "^kmod: kernel $KVER, vfio-pci is vfio_pci (kernel/drivers/vfio/pci/vfio-pci.ko" <<<"$out" ||
		fail "$comp: lookup: $out"
	grep -qF "kmod: module file read, " <<<"$out" || fail "$comp: module file: $out"
	grep -qF "\"$want\"" <<<"$out" || fail "$comp: description '$want' not read"
done
rm -rf "$W"
