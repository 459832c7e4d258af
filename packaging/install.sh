#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install gpu-initd and its boot integration into an image root (DESTDIR),
# for node-image builders:
#   /usr/sbin/gpu-initd                          the static binary, or with
#                                                --real-root-bin the dynamic one
#   /usr/lib/gpu-initd/gpu-initd.static          with --real-root-bin: the
#                                                static binary, which the
#                                                initramfs hooks then take
#   /usr/lib/gpu-initd/gpu-initd-boot            the initramfs step
#   /usr/lib/modprobe.d/gpu-initd.conf           softdeps: vfio-pci first
#   /usr/lib/dracut/modules.d/90gpu-initd/       dracut module
#   /usr/share/initramfs-tools/{hooks,scripts/init-top}/gpu-initd
#   /usr/lib/systemd/system/gpu-initd-{apply,serve}.service
#   /usr/share/doc/gpu-initd/examples/*.json     one config per mode
#   /etc/gpu-initd/config.json                   with --config FILE only
# Enabling the units and building the initramfs are the image builder's
# steps (see docs/node-images.md).
#
# --real-root-bin FILE: the real root's units run FILE, the dynamically
# linked gpu-initd (build/gpu-initd), which can load NVML (MIG-backed vGPU)
# and Fabric Manager's client (NVSwitch partitions); its shared libraries
# (`ldd`) must be in the image.  The initramfs keeps the static --bin.
#
# Usage: packaging/install.sh [--bin FILE] [--real-root-bin FILE] [--config FILE] DESTDIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../build/static/gpu-initd
config=""
realbin=""
while [ $# -gt 1 ]; do
	case $1 in
	--bin) bin=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--real-root-bin) realbin=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--bin FILE] [--real-root-bin FILE] [--config FILE] DESTDIR" >&2; exit 2; }
d=$1
[ -x "$bin" ] || { echo "install.sh: $bin missing (make static)" >&2; exit 1; }
[ -z "$realbin" ] || [ -x "$realbin" ] || { echo "install.sh: $realbin missing (make)" >&2; exit 1; }

if [ -n "$realbin" ]; then
	install -D -m 0755 "$realbin" "$d/usr/sbin/gpu-initd"
	install -D -m 0755 "$bin" "$d/usr/lib/gpu-initd/gpu-initd.static"
else
	install -D -m 0755 "$bin" "$d/usr/sbin/gpu-initd"
fi
install -D -m 0755 "$here/gpu-initd-boot" "$d/usr/lib/gpu-initd/gpu-initd-boot"
install -D -m 0644 "$here/modprobe.d/gpu-initd.conf" "$d/usr/lib/modprobe.d/gpu-initd.conf"
for f in module-setup.sh gpu-initd-pre-udev.sh; do
	install -D -m 0755 "$here/dracut/90gpu-initd/$f" "$d/usr/lib/dracut/modules.d/90gpu-initd/$f"
done
install -D -m 0755 "$here/initramfs-tools/hooks/gpu-initd" "$d/usr/share/initramfs-tools/hooks/gpu-initd"
install -D -m 0755 "$here/initramfs-tools/scripts/init-top/gpu-initd" \
	"$d/usr/share/initramfs-tools/scripts/init-top/gpu-initd"
for u in gpu-initd-apply.service gpu-initd-serve.service; do
	install -D -m 0644 "$here/systemd/$u" "$d/usr/lib/systemd/system/$u"
done
for e in "$here"/examples/*.json; do
	install -D -m 0644 "$e" "$d/usr/share/doc/gpu-initd/examples/$(basename "$e")"
done
[ -z "$config" ] || install -D -m 0644 "$config" "$d/etc/gpu-initd/config.json"
