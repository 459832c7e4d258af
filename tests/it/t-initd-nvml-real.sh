#!/bin/bash
# Model provenance: docs/nvidia-model.md, "MIG and NVML".
# gpu-initd against NVIDIA's real NVML: Debian's libnvidia-ml1 (non-free,
# trixie), unpacked into build/nvidia/lib by scripts/nvidia-pkgs.sh (a
# private apt configuration; nothing installed).  The dynamically linked
# gpu-initd dlopens it, resolves every symbol it uses (a missing one would
# read "NVML lacks ..."), calls nvmlInit_v2 and reports NVML's own error as
# the reason MIG-backed types are unavailable: on this machine, which has
# no NVIDIA driver, "Driver Not Loaded".  Runs inside the simulated node's
# namespaces with a private /dev (a tmpfs with its own null, zero, full,
# random, urandom nodes): the real library, run as root,
# creates /dev/nvidiactl itself when it is missing (seen here: it made
# /dev/nvidiactl, 195:255), and that must not reach the host's /dev.  It
# refuses to run where an NVIDIA driver is present (a real /dev/nvidiactl
# or /proc/driver/nvidia), so the real library never touches a real GPU.
source "$(dirname "$0")/lib.sh"

lib=$(scripts/nvidia-pkgs.sh lib build/nvidia) || fail "cannot fetch Debian's libnvidia-ml1 (see above)"
NVML_DIR=$lib/usr/lib/x86_64-linux-gnu/nvidia/current
[ -e "$NVML_DIR/libnvidia-ml.so.1" ] || fail "no libnvidia-ml.so.1 in $NVML_DIR"
if ls /dev/nvidia* >/dev/null 2>&1 || [ -e /proc/driver/nvidia ]; then
	fail "an NVIDIA driver is present on this machine: the real-NVML test runs only where there is none"
fi

tests/simnode run fixtures/a100-pcie-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
# a private /dev in this mount namespace, with its own nodes: nothing of
# the host /dev is mounted anywhere (a bind of it under SIMROOT would be
# emptied by the teardown rm -rf of SIMROOT)
mount -t tmpfs -o mode=755,size=64k nvdev /dev
mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5; mknod -m 666 /dev/full c 1 7
mknod -m 666 /dev/random c 1 8; mknod -m 666 /dev/urandom c 1 9
cfg() { echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[{\"devices\":\"all\",\"vgpu-devices\":{$1}}]}}" >$2; }
cfg "\"A100-1-5C\":7" $SIMROOT/mig.json
cfg "\"A100-10C\":4" $SIMROOT/ts.json
# the real library, nothing else: no fake NVML, no SIMFS for it to find;
# an empty PATH so it cannot start helpers (nvidia-modprobe)
real() { env -u SIMFS LD_LIBRARY_PATH="$1" PATH=/nonexistent "${@:2}"; }
# what it loads is NVIDIA'"'"'s build (not tests/fakenvml)
grep -q "nvmlInit_v2" "$1/libnvidia-ml.so.1" || fail "not an NVML"
! grep -q "simfs" "$1/libnvidia-ml.so.1" || fail "the fake NVML, not the real one"

expect_rc 1 real "$1" $TOP/build/tests/kmod-trap --control $SIMFS/.simfs/control -- $GPU_INITD --root $SIMROOT \
	--config $SIMROOT/mig.json check >$SIMROOT/c.txt
grep -q "A100-1-5C: MIG-backed types unavailable: nvmlInit failed: Driver Not Loaded" $SIMROOT/c.txt ||
	fail "check with the real NVML: $(cat $SIMROOT/c.txt)"
# apply refuses the same way and writes nothing
expect_rc 1 real "$1" $TOP/build/tests/kmod-trap --control $SIMFS/.simfs/control -- $GPU_INITD --root $SIMROOT \
	--config $SIMROOT/mig.json apply 2>$SIMROOT/a.log
grep -q "nvmlInit failed: Driver Not Loaded" $SIMROOT/a.log || fail "apply: $(cat $SIMROOT/a.log)"
[ "$(stat_get writes)" = 0 ] || fail "apply with an unusable NVML wrote"
# time-sliced types need no NVML: the same library does not stand in the way
expect_rc 0 real "$1" $TOP/build/tests/kmod-trap --control $SIMFS/.simfs/control -- $GPU_INITD --root $SIMROOT \
	--config $SIMROOT/ts.json check >/dev/null
# it did make its node, in the private /dev only
[ -c /dev/nvidiactl ] || echo "note: the real NVML made no /dev/nvidiactl this time" >&2
' bash "$NVML_DIR"
# nothing of the real library reached the host /dev
! ls /dev/nvidia* >/dev/null 2>&1 || fail "the real NVML made $(ls /dev/nvidia*) in the host /dev"
