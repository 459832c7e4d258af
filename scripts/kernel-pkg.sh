#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetch Debian's current kernel image package (resolved through the
# linux-image-amd64 metapackage) with `apt-get download` and unpack it with
# `dpkg-deb -x` into a cache -- never installed, nothing under /boot or
# /lib/modules is touched.  Prints "KVER DIR": DIR/lib/modules/KVER holds
# the modules, DIR/boot the kernel and its config.
#
# Usage: scripts/kernel-pkg.sh [OUT]   (default build/kernel)
set -eu
OUT=${1:-build/kernel}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
meta=linux-image-$(dpkg --print-architecture)
pkg=$(apt-cache depends "$meta" | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || { echo "kernel-pkg: cannot resolve $meta" >&2; exit 1; }
kver=${pkg#linux-image-}
root=$OUT/$pkg
if [ ! -f "$root/lib/modules/$kver/modules.dep" ]; then
	echo "kernel-pkg: apt-get download $pkg" >&2
	rm -rf "$root" "$OUT"/*.deb
	(cd "$OUT" && apt-get download -qq -o APT::Sandbox::User=root "$pkg")
	dpkg-deb -x "$OUT/$pkg"_*.deb "$root.tmp"
	rm -f "$OUT/$pkg"_*.deb
	# The package leaves modules.dep & co. to its postinst: depmod them here.
	PATH=$PATH:/usr/sbin:/sbin depmod -b "$root.tmp" "$kver"
	mv "$root.tmp" "$root"
fi
echo "$kver $root"
