#!/bin/bash
# Model provenance: docs/nvidia-model.md, "NVIDIA driver builds, the unbind lock, SR-IOV sequence".
# nvidia's unbindLock (vGPU-KVM build: h100-hgx-8x) is given back on every
# failure after it was taken: for each N, the Nth sysfs write of an apply
# fails (each errno in turn); afterwards every GPU still on nvidia reads
# unbindLock 0 and its /dev/nvidiaN opens (while held, open() fails
# ENODEV: kernel-open/nvidia/nv.c nv_open_device).  Cases: vm-passthrough
# of every GPU (apply.c bind_group; 9a/9b share a group: two locks), and
# vm-vgpu turning SR-IOV on (vgpu_sriov.c).  A SIGKILL cannot give the
# lock back: t-initd-crash.sh shows the next run converges then (taking a
# held lock again reads 1).
source "$(dirname "$0")/lib.sh"
source tests/it/crash-lib.sh

node_run() { # CONFIG ERRNO N: prints INJECTED and what is still locked
	tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
	source tests/it/lib.sh; source tests/it/initd-lib.sh
	initd_seam
	echo "$1" >$SIMROOT/cfg.json
	fault_at fail:$2 $3 $SIMROOT/cfg.json
	for g in $SIMROOT/proc/driver/nvidia/gpus/*; do
		[ -e $g/unbindLock ] || continue
		[ "$(cat $g/unbindLock)" = 0 ] || echo "LOCKED $(basename $g)"
		m=$(awk "/Device Minor/ {print \$3}" $g/information)
		(exec 3<$SIMROOT/dev/nvidia$m) 2>/dev/null || echo "CANNOT-OPEN $(basename $g) /dev/nvidia$m"
	done
	' bash "$1" "$2" "$3"
}

# the simulated driver holds the lock against open(): the check can fail
out=$(tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
	L=$SIMROOT/proc/driver/nvidia/gpus/0000:18:00.0/unbindLock
	echo 1 >$L; (exec 3<$SIMROOT/dev/nvidia0) 2>&1 || true; echo 0 >$L; (exec 3<$SIMROOT/dev/nvidia0) && echo opened')
grep -q "No such device" <<<"$out" && grep -q opened <<<"$out" || fail "lock vs open: $out"

total=0
for cfg in '{"mode": "vm-passthrough"}' \
	'{"mode": "vm-vgpu", "vgpu-configs": {"default": [{"devices": [0, 1], "vgpu-devices": {"H100XM-20C": 2}}]}}'; do
	for ((n = 1; n < 200; n++)); do
		e=${FAULT_ERRNOS[n % ${#FAULT_ERRNOS[@]}]}
		out=$(node_run "$cfg" $e $n) || fail "run with $e at write $n"
		grep -q '^INJECTED$' <<<"$out" || break
		if grep -v '^INJECTED$' <<<"$out" | grep -q .; then
			fail "$cfg: $e at write $n left: $(grep -v '^INJECTED$' <<<"$out" | tr '\n' ' ')"
		fi
		total=$((total + 1))
	done
	[ $n -gt 2 ] || fail "$cfg: no write to fault"
	echo "$cfg: a failed write at each of 1..$((n - 1)): every lock given back, every GPU opens"
done
echo "failed writes injected: $total"

# SIGKILL right after the lock was taken (at the first sysfs write): the
# lock stays held, the GPU cannot be opened; the next run converges: in
# vm-passthrough it takes the held lock again (reads 1) and goes on, in
# container mode it gives the lock back.
tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
L=$SIMROOT/proc/driver/nvidia/gpus/0000:18:00.0/unbindLock
echo "{\"mode\": \"vm-passthrough\", \"devices\": [0]}" >$SIMROOT/p.json
echo "{\"mode\": \"container\"}" >$SIMROOT/c.json
fault_at stall 1 $SIMROOT/p.json | grep -q INJECTED || fail "no stall"
[ "$(cat $L)" = 1 ] || fail "lock not left held by the killed run"
(exec 3<$SIMROOT/dev/nvidia0) 2>/dev/null && fail "a held lock lets open() through"
expect_rc 0 gi --config $SIMROOT/c.json apply 2>/dev/null
[ "$(cat $L)" = 0 ] || fail "container mode left the lock held"
(exec 3<$SIMROOT/dev/nvidia0) || fail "GPU does not open after container mode"
echo 1 >$L
expect_rc 0 gi --config $SIMROOT/p.json apply 2>/dev/null
expect_drv 0000:18:00.0 vfio-pci
'
echo "SIGKILL after the lock: container mode gives it back, vm-passthrough goes on"
