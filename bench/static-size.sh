#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sizes of the static build (run `make static` first): the stripped
# binaries, and what each library contributes to the five-library probe
# (bytes of its allocated sections kept in the final link, from the link
# map of a relink with the same flags).  Results: bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
S=build/static
for b in $S/gpu-initd $S/tests/static-probe; do
	[ -x "$b" ] || { echo "$b missing: make static" >&2; exit 1; }
	printf '%-32s %8d bytes  %s\n' "$b" "$(stat -c %s "$b")" "$(file -b "$b" | cut -d, -f1-5)"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
libs=$(PKG_CONFIG_PATH=$PWD/build/static-deps/lib/pkgconfig pkg-config --libs \
	libkmod libpci libudev libnghttp2 libprotobuf-c)
# shellcheck disable=SC2086
cc -static -Wl,--gc-sections -Wl,-Map="$tmp/map" -o "$tmp/probe" \
	$S/obj/tests/tools/static-probe.o $libs -lpthread
echo
echo "static-probe, allocated bytes per input (after --gc-sections):"
awk '
function hex(s,  i, n) { n = 0; s = tolower(substr(s, 3)); for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n }
/^Linker script and memory map/ { on = 1; next }
!on { next }
# an input section: " .name 0xADDR 0xSIZE file" (name may sit alone on the line before)
/^ \.[^ ]+$/ { pend = $1; next }
{
	name = ""; a = 0
	if ($1 ~ /^\./ && $2 ~ /^0x/ && $3 ~ /^0x/ && NF >= 4) { name = $1; size = $3; file = $4 }
	else if (pend != "" && $1 ~ /^0x/ && $2 ~ /^0x/ && NF >= 3) { name = pend; size = $2; file = $3 }
	pend = ""
	if (name == "" || name ~ /^\.(debug|comment|note|gnu\.warning|stab)/) next
	if (file ~ /libkmod\.a/) lib = "libkmod (+xz, zstd below)"
	else if (file ~ /libpci\.a/) lib = "libpci"
	else if (file ~ /libudev\.a/) lib = "libudev"
	else if (file ~ /libnghttp2\.a/) lib = "nghttp2"
	else if (file ~ /libprotobuf-c\.a/) lib = "protobuf-c"
	else if (file ~ /liblzma\.a/) lib = "liblzma (xz modules)"
	else if (file ~ /libzstd\.a/) lib = "libzstd (zstd modules)"
	else if (file ~ /static-probe\.o/) lib = "probe itself"
	else lib = "glibc, libgcc, crt"
	sum[lib] += hex(size)
}
END { for (l in sum) printf "  %-28s %8d\n", l, sum[l] }' "$tmp/map" | sort -k1,1
