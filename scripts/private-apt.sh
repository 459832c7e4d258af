# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by scripts/arm64-kernel-pkg.sh and scripts/nvgrace-module.sh:
# private_apt DIR SUITE -- a PRIVATE apt configuration for Debian's arm64
# packages of SUITE under DIR (its own sources list, lists, cache, an empty
# dpkg status; /etc/apt is not read for sources and not changed), updated
# once; sets $opts, the apt-get/apt-cache options that use it, and $apt,
# DIR (with debs/ for downloads).  MIRROR: the Debian mirror.
private_apt() {
	apt=$1
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
	echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${MIRROR:-http://deb.debian.org/debian} $2 main" >"$apt/sources.list"
	: >"$apt/status"
	opts="-o APT::Architecture=arm64 -o APT::Architectures::=arm64 \
-o Dir::Etc::sourcelist=$apt/sources.list -o Dir::Etc::sourceparts=- \
-o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache -o Dir::State::status=$apt/status \
-o APT::Sandbox::User=root -o Debug::NoLocking=1"
	# shellcheck disable=SC2086
	apt-get -qq $opts update >&2
}
