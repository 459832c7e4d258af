#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetch NVIDIA's NVML packages from Debian (non-free) with a PRIVATE apt
# configuration under OUT (its own sources list, lists and cache; /etc/apt
# is not read for sources and not changed), `apt-get download` them and
# unpack them with `dpkg-deb -x` -- never installed.  Nothing of NVIDIA is
# committed: the build fetches this on demand (mk/nvidia.mk).
#
#   libnvidia-ml-dev  NVIDIA's nvml.h (OUT/dev/usr/include/nvml.h): gpu-initd's
#                     initd/vgpu/nvml.c and tests/fakenvml are compiled against it
#   libnvidia-ml1     NVIDIA's real libnvidia-ml.so.1 (OUT/lib/...): the
#                     real-library test (tests/it/t-initd-nvml-real.sh)
#
# Debian trixie is the newest release that offers them (12.4.127~12.4.1-2 and
# 550.163.01-2 when this was written); the version is whatever trixie has.
#
# Usage: scripts/nvidia-pkgs.sh dev|lib [OUT]   (default build/nvidia)
# NVIDIA_PKGS_MIRROR: the Debian mirror (default http://deb.debian.org/debian).
# Prints the unpacked folder.  Exit status 1 with a message on stderr when
# the download fails (no network, mirror down).
set -eu
what=${1:?usage: nvidia-pkgs.sh dev|lib [OUT]}
OUT=${2:-build/nvidia}
case $what in
dev) pkg=libnvidia-ml-dev need="the build needs NVIDIA's nvml.h from it" ;;
lib) pkg=libnvidia-ml1 need="the real-NVML test (tests/it/t-initd-nvml-real.sh) needs it" ;;
*) echo "nvidia-pkgs: unknown '$what' (dev or lib)" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
root=$OUT/$what
stamp=$root/.unpacked
if [ -f "$stamp" ]; then
	echo "$root"
	exit 0
fi

apt=$OUT/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
cat >"$apt/sources.list" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${NVIDIA_PKGS_MIRROR:-http://deb.debian.org/debian} trixie non-free
EOF
# An empty status file: apt resolves nothing against the host's packages.
: >"$apt/status"
opts="-o Dir::Etc::sourcelist=$apt/sources.list -o Dir::Etc::sourceparts=- \
-o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache -o Dir::State::status=$apt/status \
-o APT::Sandbox::User=root -o Debug::NoLocking=1"
fail() {
	echo "nvidia-pkgs: cannot fetch $pkg from Debian trixie non-free ($1)." >&2
	echo "nvidia-pkgs: $need; check the network (or set NVIDIA_PKGS_MIRROR) and try again." >&2
	exit 1
}
if ! ls "$apt/lists"/*_dists_trixie_non-free_*Packages* >/dev/null 2>&1; then
	echo "nvidia-pkgs: apt-get update (private list: trixie non-free)" >&2
	# shellcheck disable=SC2086
	apt-get -qq --error-on=any $opts update >&2 || fail "apt-get update failed"
fi
echo "nvidia-pkgs: apt-get download $pkg" >&2
rm -f "$apt/debs/${pkg}_"*.deb
# shellcheck disable=SC2086
(cd "$apt/debs" && apt-get -qq $opts download "$pkg" >&2) || fail "apt-get download failed"
deb=$(ls "$apt/debs/${pkg}_"*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "no .deb"
rm -rf "$root.tmp"
dpkg-deb -x "$deb" "$root.tmp" || fail "dpkg-deb -x failed"
basename "$deb" >"$root.tmp/.unpacked"
rm -rf "$root"
mv "$root.tmp" "$root"
echo "$root"
