#!/bin/bash
# The initramfs-tools hook builds an initramfs (mkinitramfs) for Debian's
# current kernel (unpacked, not installed) that holds the static gpu-initd,
# the config, the vfio modules and the softdeps, with scripts/init-top/gpu-initd
# ordered before init-top/udev; the boot step behaves with the image's own
# shell (see pkg_check_boot_step).
#
# mkinitramfs reads /lib/modules/KVER and /boot/config-KVER at fixed paths:
# inside a private mount namespace only, an overlay on /usr/lib (this host has
# no /lib/modules to mount over) gets the unpacked modules bind-mounted in,
# and the unpacked /boot is bind-mounted over /boot.  The host sees nothing.
source "$(dirname "$0")/lib.sh"
source tests/it/pkg-lib.sh
# The real-root layout (install.sh --real-root-bin): the image's
# /usr/sbin/gpu-initd is the dynamic binary, and the hook, given no
# GPU_INITD_BIN, takes /usr/lib/gpu-initd/gpu-initd.static (put into the
# namespace's /usr/lib overlay below); pkg_check_tree compares the
# initramfs's binary with the static one.
pkg_setup initramfs-tools real-root

conf=$PKG/conf
cp -a /etc/initramfs-tools "$conf"
sed -i 's/^COMPRESS=.*/COMPRESS=gzip/; s/^MODULES=.*/MODULES=list/' "$conf/initramfs.conf"
mkdir -p "$conf/hooks" "$conf/scripts/init-top"
cp "$PKG/stage/usr/share/initramfs-tools/hooks/gpu-initd" "$conf/hooks/"
cp "$PKG/stage/usr/share/initramfs-tools/scripts/init-top/gpu-initd" "$conf/scripts/init-top/"
img=$PKG/initrd.img
before=$(ls -la /boot /usr/lib/modules 2>&1 || true)
unshare -m bash -c '
set -e
PKG=$1 KVER=$2 KROOT=$3 conf=$4 img=$5
mount --make-rprivate /
mkdir -p "$PKG/ovl" && mount -t tmpfs tmpfs "$PKG/ovl" && mkdir "$PKG/ovl/up" "$PKG/ovl/work"
mount -t overlay overlay -o lowerdir=/usr/lib,upperdir="$PKG/ovl/up",workdir="$PKG/ovl/work" /usr/lib
mkdir -p "/usr/lib/modules/$KVER"
cp -a "$PKG/stage/usr/lib/gpu-initd" /usr/lib/gpu-initd
mount --bind -o ro "$KROOT/lib/modules/$KVER" "/usr/lib/modules/$KVER"
mount --bind -o ro "$KROOT/boot" /boot
TMPDIR=$PKG/tmp PATH=/usr/sbin:/usr/bin:/sbin:/bin mkinitramfs -d "$conf" -o "$img" "$KVER"
' _ "$PKG" "$KVER" "$KROOT" "$conf" "$img" >"$PKG/mkinitramfs.log" 2>&1 ||
	{ tail -n 30 "$PKG/mkinitramfs.log"; fail "mkinitramfs"; }
[ "$(ls -la /boot /usr/lib/modules 2>&1 || true)" = "$before" ] || fail "the host's /boot or /lib/modules changed"

lsinitramfs "$img" >"$PKG/list" || fail "lsinitramfs"
for p in usr/sbin/gpu-initd etc/gpu-initd/config.json etc/modprobe.d/gpu-initd.conf \
	usr/lib/gpu-initd/gpu-initd-boot scripts/init-top/gpu-initd \
	"usr/lib/modules/$KVER/kernel/drivers/vfio/pci/vfio-pci.ko"; do
	grep -qx "$p" "$PKG/list" || fail "lsinitramfs does not list $p"
done
unmkinitramfs "$img" "$PKG/x" || fail "unmkinitramfs"
pkg_check_tree "$PKG/x"
order=$(grep -o 'init-top/[a-z_-]*' "$PKG/x/scripts/init-top/ORDER" | tr '\n' ' ')
case $order in
*init-top/gpu-initd*init-top/udev*) ;;
*) fail "init-top order: $order (gpu-initd must run before udev)" ;;
esac
pkg_check_boot_step "$PKG/x"
rm -rf "$PKG"
