#!/bin/bash
# `make static`: build/static/gpu-initd, kubelet-stub (for tests/vm) and the
# five-library probe are fully
# static (no interpreter, no NEEDED), and the probe works in a chroot that
# holds nothing but a simulated node's files (no /etc content, no /usr, no
# pci.ids, no shared libraries, empty environment), giving exactly the
# answers the dynamic build of the same source gives from outside; so does
# the static gpu-initd's read-only `check`.  (tests/it/t-initd-* run again
# with the static binary in `make check-initd-static`, part of make check.)
source "$(dirname "$0")/lib.sh"

S=build/static
for b in $S/gpu-initd $S/kubelet-stub $S/tests/static-probe; do
	[ -x "$b" ] || fail "$b missing (make static)"
	file -L "$b" | grep -q 'statically linked' || fail "$b: $(file -L "$b")"
	! readelf -d "$b" 2>/dev/null | grep -q NEEDED || fail "$b has NEEDED entries"
	! readelf -l "$b" | grep -q INTERP || fail "$b asks for a program interpreter"
	# no NSS: nothing linked would ever read nsswitch.conf or load libnss_*
	! strings "$b" | grep -qE 'nsswitch\.conf|libnss_' || fail "$b links glibc's NSS"
done
# the same source, built by plain `make`, is dynamic
readelf -d build/tests/static-probe | grep -q 'NEEDED.*libkmod' || fail "dynamic probe is not dynamic"
env -i $S/gpu-initd --version | grep -q '^gpu-initd ' || fail "static gpu-initd --version"

tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh
S=build/static
mkdir -p "$SIMROOT/bin"
cp $S/tests/static-probe $S/gpu-initd "$SIMROOT/bin/"
[ -z "$(ls -A "$SIMROOT/etc")" ] || fail "the chroot has an /etc"
# /usr holds the vGPU catalog only (usr/share/nvidia, no libraries)
[ "$(cd "$SIMROOT/usr" && find . -mindepth 1 -maxdepth 2 | sort | tr "\n" " ")" = "./share ./share/nvidia " ] ||
	fail "the chroot has a /usr beyond share/nvidia"
chroot=$(PATH=$PATH:/usr/sbin:/sbin command -v chroot)
out=$(mktemp -d)
env -i "$chroot" "$SIMROOT" /bin/static-probe >$out/static.txt 2>&1 || { cat $out/static.txt; fail "static probe in the chroot"; }
build/tests/static-probe "$SIMROOT" >$out/dynamic.txt 2>&1 || { cat $out/dynamic.txt; fail "dynamic probe"; }
cat $out/static.txt
diff -u $out/dynamic.txt $out/static.txt || fail "static and dynamic probes differ"
n=$(jcheck fixtures/h100-hgx-8x.json --get "len(.devices)")
g=$(jcheck fixtures/h100-hgx-8x.json --get "sum(1 for x in .devices if x.id.startswith(\"10de:\") and x.class.startswith(\"0x03\"))")
grep -qx "pci: $n devices, $g NVIDIA display controllers" $out/static.txt || fail "pci: expected $n devices, $g GPUs"
grep -q "^kmod: kernel .*, vfio-pci is vfio_pci (kernel/drivers/vfio/pci/vfio-pci.ko)$" $out/static.txt || fail "kmod lookup"
grep -q "^udev: kernel monitor created (fd open)$" $out/static.txt || fail "udev"
grep -q "^nghttp2: .* server session, SETTINGS frame of 15 bytes$" $out/static.txt || fail "nghttp2"
grep -q "^protobuf-c: .*, 14 bytes packed and unpacked$" $out/static.txt || fail "protobuf-c"
env -i "$chroot" "$SIMROOT" /bin/gpu-initd --version | grep -q "^gpu-initd " || fail "gpu-initd --version in the chroot"
# the real read-only diagnosis: same report, resource names included
# (no pci.ids in the chroot), same exit status
for args in check "check --json"; do
	rs=0 rd=0
	env -i "$chroot" "$SIMROOT" /bin/gpu-initd $args >$out/static.txt 2>&1 || rs=$?
	build/gpu-initd --root "$SIMROOT" $args >$out/dynamic.txt 2>&1 || rd=$?
	[ "$rs" = "$rd" ] || fail "gpu-initd $args: static exit $rs, dynamic $rd"
	# the one documented difference: Fabric Manager on this NVSwitch node
	# (the static binary cannot dlopen its client library); the rest alike
	grep -q "FM_STATIC_BUILD" $out/static.txt || fail "gpu-initd $args: static does not say FM_STATIC_BUILD"
	grep -q "FM_LIBRARY_MISSING" $out/dynamic.txt || fail "gpu-initd $args: dynamic does not say FM_LIBRARY_MISSING"
	for f in static dynamic; do
		sed -i -E "/^fabric /,+1d; s/,\"fabric\":\{.*\}\}$/}/" $out/$f.txt
	done
	diff -u $out/dynamic.txt $out/static.txt || fail "gpu-initd $args: static and dynamic differ"
done
grep -q "nvidia.com/GH100_H100_SXM5_80GB" $out/static.txt || fail "no resource name in the static check"
rm -rf $out
'
