#!/bin/bash
# The dracut module builds an initramfs for Debian's current kernel
# (unpacked, not installed) that holds the static gpu-initd, the config, the
# vfio modules and the softdeps, with gpu-initd-boot in pre-udev; that step
# behaves (see pkg_check_boot_step) with the image's own shell.
source "$(dirname "$0")/lib.sh"
source tests/it/pkg-lib.sh
pkg_setup dracut

# dracut finds modules only under $dracutbasedir/modules.d: use a copy of
# Debian's with ours added, and no host configuration.
cp -a /usr/lib/dracut "$PKG/dracut-base"
cp -a "$PKG/stage/usr/lib/dracut/modules.d/90gpu-initd" "$PKG/dracut-base/modules.d/"
mkdir -p "$PKG/conf.d" && : >"$PKG/dracut.conf"
img=$PKG/initrd.img
dracutbasedir=$PKG/dracut-base dracut --conf "$PKG/dracut.conf" --confdir "$PKG/conf.d" \
	--no-hostonly --kver "$KVER" --kmoddir "$KROOT/lib/modules/$KVER" \
	--modules "base gpu-initd" --no-compress --force --tmpdir "$PKG/tmp" "$img" \
	>"$PKG/dracut.log" 2>&1 || { tail -n 30 "$PKG/dracut.log"; fail "dracut"; }

lsinitrd "$img" >"$PKG/list" || fail "lsinitrd"
for p in usr/sbin/gpu-initd etc/gpu-initd/config.json etc/modprobe.d/gpu-initd.conf \
	usr/lib/gpu-initd/gpu-initd-boot usr/lib/dracut/hooks/pre-udev/10-gpu-initd-pre-udev.sh \
	"usr/lib/modules/$KVER/kernel/drivers/vfio/pci/vfio-pci.ko"; do
	grep -q " $p$" "$PKG/list" || fail "lsinitrd does not list $p"
done
mkdir -p "$PKG/x"
(cd "$PKG/x" && lsinitrd --unpack "$img") || fail "unpack"
pkg_check_tree "$PKG/x"
grep -q '^/usr/lib/gpu-initd/gpu-initd-boot' "$PKG/x/usr/lib/dracut/hooks/pre-udev/10-gpu-initd-pre-udev.sh" ||
	fail "pre-udev hook does not run gpu-initd-boot"
pkg_check_boot_step "$PKG/x"
rm -rf "$PKG"
