#!/bin/bash
# The real-root units, installed by packaging/install.sh, pass
# `systemd-analyze verify` with not a single warning: checked against a copy
# of the image root that also holds Debian's own units (sysinit.target etc.).
# And their contract: serve restarts on failure and comes before kubelet;
# apply comes after NVIDIA's vGPU host services and before serve.
source "$(dirname "$0")/lib.sh"
[ -x build/static/gpu-initd ] || fail "build/static/gpu-initd missing (make static)"
PKG=$TOP/build/it/pkg-systemd
rm -rf "$PKG"
packaging/install.sh --bin build/static/gpu-initd "$PKG/root" >/dev/null
cp -an /usr/lib/systemd/system/. "$PKG/root/usr/lib/systemd/system/"
out=$(systemd-analyze verify --man=no --root="$PKG/root" \
	gpu-initd-apply.service gpu-initd-serve.service 2>&1) || fail "verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"

u=packaging/systemd
grep -qx 'Restart=on-failure' $u/gpu-initd-serve.service || fail "serve: Restart"
grep -qx 'Before=kubelet.service' $u/gpu-initd-serve.service || fail "serve: before kubelet"
grep -qx 'ExecStart=/usr/sbin/gpu-initd serve' $u/gpu-initd-serve.service || fail "serve: ExecStart"
grep -qx 'LimitNOFILE=4096' $u/gpu-initd-serve.service || fail "serve: LimitNOFILE"
grep -q '^After=.*nvidia-vgpu-mgr.service' $u/gpu-initd-apply.service || fail "apply: after vgpu-mgr"
grep -q '^After=.*nvidia-vgpud.service' $u/gpu-initd-apply.service || fail "apply: after vgpud"
grep -q '^Before=.*gpu-initd-serve.service' $u/gpu-initd-apply.service || fail "apply: before serve"
grep -qE '^ExecStart=/usr/sbin/gpu-initd (--[a-z]+ [^ ]+ )*apply$' $u/gpu-initd-apply.service || fail "apply: ExecStart"
# the example configs are JSON with a valid mode each
for f in packaging/examples/*.json; do
	m=$(jcheck "$f" --get .mode) || fail "$f: not JSON"
	case $m in container | vm-passthrough | vm-vgpu) ;; *) fail "$f: mode $m" ;; esac
done
rm -rf "$PKG"
