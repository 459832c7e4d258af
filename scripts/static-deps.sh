#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the static archives Debian does not ship -- libkmod, libpci, libudev --
# from Debian's own source packages (`apt-get source`, deb-src enabled by
# scripts/setup.sh), once, into a cache:
#
#   OUT/src/                      unpacked source packages
#   OUT/include/                  their headers (libkmod.h, pci/*.h, libudev.h)
#   OUT/lib/lib{kmod,pci,udev}.a  one partially linked object each
#   OUT/lib/pkgconfig/*.pc        so the Makefile's `pkg-config --libs` finds them
#
# Each archive holds a single `ld -r` object that keeps only the library's
# exported API global (objcopy --keep-global-symbols): libkmod's and systemd's
# internal helpers share names (mkdir_p, memdup, ...) and would otherwise
# clash in one static link.  A library is rebuilt only when its recipe line
# (source version, flags and this script's checksum, kept in
# OUT/lib/.NAME.stamp) changes.
#
# ARCH arm64 cross-builds the same archives for aarch64 (NVIDIA Grace, issue
# 22) with Debian's aarch64-linux-gnu toolchain: kmod's sources compiled by
# the cross compiler, pciutils' Makefile with CROSS_COMPILE and HOST, systemd's
# meson with a cross file (pkg-config looks only at the arm64 multiarch .pc
# files).  The sources are unpacked per OUT: pciutils builds in its tree.
#
# Usage: scripts/static-deps.sh [OUT [ARCH]]
#        (default build/static-deps, ARCH the build machine's; or arm64)
set -eu
OUT=${1:-build/static-deps}
ARCH=${2:-native}
mkdir -p "$OUT/src" "$OUT/include" "$OUT/lib/pkgconfig" "$OUT/work"
OUT=$(cd "$OUT" && pwd)
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
case $ARCH in
native) CC=${CC:-cc} TOOL="" ;;
arm64)
	TRIPLET=aarch64-linux-gnu
	CC=$TRIPLET-gcc TOOL=$TRIPLET-
	;;
*)
	echo "static-deps: unknown ARCH $ARCH (native or arm64)" >&2
	exit 2
	;;
esac
# Section-per-function, so the partial links below can drop unused code.
DEP_CFLAGS="-O2 -g0 -ffunction-sections -fdata-sections"
SCRIPT_SUM=$(cksum <"$0" | cut -d' ' -f1)

log() { echo "static-deps: $*"; }

# srcdir PKG: unpack Debian's source package PKG under OUT/src (once) and
# print its directory.
srcdir() {
	d=$(ls -d "$OUT/src/$1"-[0-9]*/ 2>/dev/null | head -n 1)
	if [ -z "$d" ]; then
		log "apt-get source $1" >&2
		(cd "$OUT/src" && apt-get source -qq -o APT::Sandbox::User=root "$1" >/dev/null)
		d=$(ls -d "$OUT/src/$1"-[0-9]*/ | head -n 1)
	fi
	echo "${d%/}"
}

# fresh NAME RECIPE: true when NAME's archive exists and was built with
# RECIPE by this very script.
fresh() {
	[ -f "$OUT/lib/lib$1.a" ] && [ "$(cat "$OUT/lib/.$1.stamp" 2>/dev/null)" = "$2 $SCRIPT_SUM" ]
}

# partial_link NAME SYMFILE INPUT...: OUT/lib/libNAME.a from the INPUTs
# (objects/archives), pulling in only what the symbols in SYMFILE need, with
# every other definition made local and unreferenced symbols dropped.
partial_link() {
	name=$1 syms=$2
	shift 2
	w=$OUT/work/$name
	# shellcheck disable=SC2046
	"${TOOL}ld" -r --gc-sections $(sed 's/^/-u /' "$syms") -o "$w/$name-r.o" "$@"
	"${TOOL}objcopy" --strip-unneeded --keep-global-symbols="$syms" "$w/$name-r.o" "$w/$name.o"
	rm -f "$OUT/lib/lib$name.a"
	"${TOOL}ar" rcs "$OUT/lib/lib$name.a" "$w/$name.o"
}

# pcfile NAME VERSION LIBS: a relocatable .pc (paths relative to the file).
pcfile() {
	cat >"$OUT/lib/pkgconfig/$1.pc" <<-EOF
	prefix=\${pcfiledir}/../..
	Name: $1
	Description: static $1 built by gpu-initd's scripts/static-deps.sh
	Version: $2
	Cflags: -I\${prefix}/include
	Libs: -L\${prefix}/lib $3
	EOF
}

# --- libkmod ------------------------------------------------------------------
# kmod's configure refuses --enable-static, so compile the library's sources
# directly with a config.h of our own: xz and zstd modules (Debian 12 ships
# plain .ko, Ubuntu zstd, Fedora/RHEL xz), no openssl (signature details for
# modinfo only), logging through the caller's callback, the real /etc.
build_kmod() {
	src=$(srcdir kmod)
	ver=$(basename "$src" | sed 's/^kmod-//')
	recipe="$ARCH kmod $ver xz zstd sysconfdir=/etc $DEP_CFLAGS"
	fresh kmod "$recipe" && return 0
	log "building libkmod $ver"
	w=$OUT/work/kmod
	rm -rf "$w" && mkdir -p "$w"
	cat >"$w/config.h" <<-'EOF'
	#define ENABLE_LOGGING 1
	#define ENABLE_XZ 1
	#define ENABLE_ZSTD 1
	#define HAVE_DECL_BE32TOH 1
	#define HAVE_DECL_STRNDUPA 1
	#define HAVE_LINUX_MODULE_H 1
	#define HAVE_NORETURN 1
	#define HAVE_SECURE_GETENV 1
	#define HAVE_STATIC_ASSERT 1
	#define HAVE_STRUCT_STAT_ST_MTIM 1
	#define HAVE___BUILTIN_UADDLL_OVERFLOW 1
	#define HAVE___BUILTIN_UADDL_OVERFLOW 1
	#define KMOD_FEATURES "+ZSTD +XZ -ZLIB -LIBCRYPTO"
	#define PACKAGE "kmod"
	EOF
	echo "#define VERSION \"${ver%%+*}\"" >>"$w/config.h"
	objs=""
	for c in "$src"/libkmod/libkmod*.c "$src"/shared/*.c; do
		o=$w/$(basename "$c" .c).o
		# shellcheck disable=SC2086
		$CC $DEP_CFLAGS -D_GNU_SOURCE -include "$w/config.h" -I"$src" \
			-DSYSCONFDIR='"/etc"' -c -o "$o" "$c"
		objs="$objs $o"
	done
	grep -oE '\bkmod_[a-z0-9_]+' "$src/libkmod/libkmod.sym" | sort -u >"$w/syms"
	# shellcheck disable=SC2086
	partial_link kmod "$w/syms" $objs
	cp "$src/libkmod/libkmod.h" "$OUT/include/"
	pcfile libkmod "$ver" "-lkmod -llzma -lzstd"
	echo "$recipe $SCRIPT_SUM" >"$OUT/lib/.kmod.stamp"
}

# --- libpci -------------------------------------------------------------------
# pciutils' own Makefile builds lib/libpci.a; no zlib, DNS, libkmod or udev
# hwdb (gpu-initd names GPUs from its built-in table, pci.ids when present).
# Its generated config.h must go with it: Debian's headers describe another
# build.
build_pci() {
	src=$(srcdir pciutils)
	ver=$(basename "$src" | sed 's/^pciutils-//')
	flags="SHARED=no ZLIB=no DNS=no LIBKMOD=no HWDB=no PREFIX=/usr IDSDIR=/usr/share/misc"
	recipe="$ARCH pciutils $ver $flags $DEP_CFLAGS"
	fresh pci "$recipe" && return 0
	log "building libpci $ver"
	w=$OUT/work/pci
	rm -rf "$w" && mkdir -p "$w"
	make -s -C "$src" clean >/dev/null
	# shellcheck disable=SC2086
	cross=""
	[ "$ARCH" = arm64 ] && cross="CROSS_COMPILE=$TOOL HOST=aarch64-linux"
	# shellcheck disable=SC2086
	make -s -C "$src" -j"$JOBS" lib/libpci.a $flags $cross CC="$CC" OPT="$DEP_CFLAGS" >/dev/null
	grep -oE '\bpci_[a-z0-9_]+' "$src/lib/libpci.ver" | sort -u >"$w/syms"
	partial_link pci "$w/syms" "$src/lib/libpci.a"
	mkdir -p "$OUT/include/pci"
	cp "$src"/lib/config.h "$src"/lib/header.h "$src"/lib/pci.h "$src"/lib/types.h \
		"$OUT/include/pci/"
	pcfile libpci "$ver" "-lpci"
	echo "$recipe $SCRIPT_SUM" >"$OUT/lib/.pci.stamp"
}

# --- libudev ------------------------------------------------------------------
# systemd's meson builds libudev.a (-Dstatic-libudev); every optional feature
# is turned off explicitly, so the result does not depend on which -dev
# packages happen to be installed, and the generated headers are built before
# the library (its ninja target does not order them).  libudev's only user
# lookup (getpwuid_r, reached from code the monitor API never runs) is bound
# to a local stub so glibc's NSS can never be linked in.
build_udev() {
	src=$(srcdir systemd)
	ver=$(basename "$src" | sed 's/^systemd-//')
	recipe="$ARCH systemd $ver static-libudev=pic release no-auto-features nss-stub"
	fresh udev "$recipe" && return 0
	log "building libudev (systemd $ver)"
	w=$OUT/work/udev
	rm -rf "$w" && mkdir -p "$w"
	off=$(sed -n "s/^option('\([^']*\)', type : 'combo', choices : \[.*'auto'.*'false'.*/-D\1=false/p" \
		"$src/meson_options.txt")
	# The cross GCC 12 inlines differently at -O3 and sees a null %s in
	# src/shared/condition.c (condition_dump_list, which the partial link
	# drops: no libudev API reaches it); systemd's -Werror=format=2 makes
	# that fatal, so it stays a warning for arm64.
	cross=""
	if [ "$ARCH" = arm64 ]; then
		cat >"$w/cross.ini" <<-EOF
		[binaries]
		c = '$CC'
		ar = '${TOOL}ar'
		strip = '${TOOL}strip'
		pkgconfig = 'pkg-config'
		exe_wrapper = ['qemu-aarch64', '-L', '/usr/$TRIPLET']
		[built-in options]
		c_args = ['-Wno-error=format-overflow']
		[properties]
		pkg_config_libdir = '/usr/lib/$TRIPLET/pkgconfig:/usr/share/pkgconfig'
		[host_machine]
		system = 'linux'
		cpu_family = 'aarch64'
		cpu = 'aarch64'
		endian = 'little'
		EOF
		cross="--cross-file $w/cross.ini"
	fi
	# shellcheck disable=SC2086
	meson setup "$w/b" "$src" $cross $off -Dstatic-libudev=pic -Dbuildtype=release \
		-Dmode=release -Dtests=false -Dlink-udev-shared=false >"$w/meson.log" 2>&1 ||
		{ tail -n 30 "$w/meson.log"; exit 1; }
	gen=$(ninja -C "$w/b" -t targets all | sed -n 's/^\([^ ]*\.h\): .*/\1/p' |
		grep -E '^(version\.h|src/(basic|shared|libsystemd)/)')
	# shellcheck disable=SC2086
	{ ninja -C "$w/b" -j"$JOBS" $gen && ninja -C "$w/b" -j"$JOBS" libudev.a; } \
		>"$w/ninja.log" 2>&1 || { tail -n 30 "$w/ninja.log"; exit 1; }
	cat >"$w/nss-stub.c" <<-'EOF'
	#include <errno.h>
	#include <pwd.h>
	int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
		       struct passwd **result);
	int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
		       struct passwd **result)
	{
		*result = 0;
		return ENOENT;
	}
	EOF
	# shellcheck disable=SC2086
	$CC $DEP_CFLAGS -c -o "$w/nss-stub.o" "$w/nss-stub.c"
	grep -oE '\budev_[a-z0-9_]+' "$src/src/libudev/libudev.sym" | sort -u >"$w/syms"
	partial_link udev "$w/syms" "$w/nss-stub.o" "$w/b/libudev.a"
	if "${TOOL}nm" -u "$w/udev.o" | grep -qE ' (getpw|getgr|getaddrinfo|getnameinfo|dlopen)'; then
		"${TOOL}nm" -u "$w/udev.o" | grep -E ' (getpw|getgr|getaddrinfo|getnameinfo|dlopen)'
		log "libudev still needs NSS/dlopen; refusing"
		exit 1
	fi
	cp "$src/src/libudev/libudev.h" "$OUT/include/"
	pcfile libudev "$ver" "-ludev"
	echo "$recipe $SCRIPT_SUM" >"$OUT/lib/.udev.stamp"
	rm -rf "$w/b" # 300 MB of objects; the archive is all we keep
}

build_kmod
build_pci
build_udev
