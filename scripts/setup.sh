#!/bin/sh
# Install the Debian packages the build and the tests need, only when one is
# missing (a fresh machine).  We run as root; `apt-get update` goes first.
set -eu
PKGS="build-essential pkg-config clang libfuse3-dev fuse3 libkmod-dev kmod
libpci-dev pciutils libudev-dev libjsmn-dev libcmocka-dev libnghttp2-dev
libprotobuf-c-dev protobuf-c-compiler protobuf-compiler protobuf-compiler-grpc
python3-grpcio python3-protobuf util-linux iproute2 mdevctl"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
