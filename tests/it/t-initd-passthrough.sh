#!/bin/bash
# gpu-initd apply on the HGX H100 node: all 8 GPUs to vfio-pci (the pair
# 9a/9b sharing group 28 as one unit), NVSwitches, NIC, NVMe and bridges
# untouched; modules through the real libkmod (the case
# tests/cases/passthrough-h100); a second apply writes nothing; check
# before and after.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
# check --json and the first apply: tests/cases/passthrough-h100
expect_rc 0 gi check >$SIMROOT/check.txt
grep -q "group 28: 0000:99:00.0\[bridge,pcieport\] 0000:99:01.0\[bridge,pcieport\] 0000:9a:00.0\[target,nvidia\] 0000:9b:00.0\[target,nvidia\]" $SIMROOT/check.txt || fail "check lists group 28: $(cat $SIMROOT/check.txt)"
expect_rc 0 gi apply 2>$SIMROOT/apply1.log
w1=$(stat_get writes)

# idempotent: a second apply makes zero sysfs writes and says so
expect_rc 0 gi apply 2>$SIMROOT/apply2.log
[ "$(stat_get writes)" = "$w1" ] || fail "second apply wrote $(( $(stat_get writes) - w1 )) times"
grep -q "nothing to do" $SIMROOT/apply2.log || fail "second apply says so: $(cat $SIMROOT/apply2.log)"
[ -e $SIMROOT/run/gpu-initd/ready ] || fail "ready after the second apply"
expect_rc 0 gi check >/dev/null

# --log json: one object per line
gi --log json apply 2>$SIMROOT/apply3.log
tests/it/jcheck.py $SIMROOT/apply3.log --lines "isinstance(., dict)" || fail "--log json lines: $(cat $SIMROOT/apply3.log)"
'

# A VM holds group 28 open (0000:9a:00.0 already on vfio-pci): the whole
# group (the pair) is refused untouched, the other six GPUs are bound,
# exit 1, no ready, status.json names the pair.
tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
S=$SIMROOT/sys/bus/pci
echo "modprobe vfio-pci" >$SIMFS/.simfs/control
echo vfio-pci >$S/devices/0000:9a:00.0/driver_override
echo 0000:9a:00.0 >$S/drivers/nvidia/unbind
echo 0000:9a:00.0 >$S/drivers_probe
expect_drv 0000:9a:00.0 vfio-pci
exec 3<>$SIMROOT/dev/vfio/28
expect_rc 1 gi check >$SIMROOT/c.txt
grep -q "problem  device-in-use: 0000:9b:00.0 is in use" $SIMROOT/c.txt || fail "check reports the held group: $(cat $SIMROOT/c.txt)"
w0=$(stat_get writes)
expect_rc 1 gi apply 2>$SIMROOT/a.log
grep -q "0000:9b:00.0: refused (device-in-use" $SIMROOT/a.log || fail "apply names the GPU: $(cat $SIMROOT/a.log)"
expect_drv 0000:9b:00.0 nvidia
expect_drv 0000:9a:00.0 vfio-pci
for g in 0000:18:00.0 0000:2a:00.0 0000:3a:00.0 0000:5d:00.0 0000:ba:00.0 0000:db:00.0; do expect_drv $g vfio-pci; done
[ $(( $(stat_get writes) - w0 )) = 18 ] || fail "only the six free GPUs are written"
[ ! -e $SIMROOT/run/gpu-initd/ready ] || fail "no ready with a refused group"
tests/it/jcheck.py $SIMROOT/run/gpu-initd/status.json "not .ready" \
	"by(.devices, \"bdf\")[\"0000:9b:00.0\"].state == \"refused\"" \
	"by(.devices, \"bdf\")[\"0000:9a:00.0\"].state == \"refused\"" \
	"\"device-in-use\" in by(.devices, \"bdf\")[\"0000:9b:00.0\"].reasons" || fail "status.json"
exec 3>&-
expect_rc 0 gi apply 2>/dev/null
expect_drv 0000:9b:00.0 vfio-pci
'

# Partial failures: a write failing with EIO, then an unbind that blocks
# past --timeout.  The device, the step and the errno are named, the other
# GPUs are done, ready is not written, exit 1; the next apply converges.
tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
echo "fail-nth 3 EIO" >$SIMFS/.simfs/control   # drivers_probe of 0000:18:00.0
expect_rc 1 gi apply 2>$SIMROOT/a.log
grep -q "0000:18:00.0: drivers_probe failed: Input/output error" $SIMROOT/a.log || fail "failure named: $(cat $SIMROOT/a.log)"
[ ! -e $SIMROOT/run/gpu-initd/ready ] || fail "no ready after a failure"
tests/it/jcheck.py $SIMROOT/run/gpu-initd/status.json "not .ready" \
	"[(x.state, x.get(\"step\"), x.get(\"errno\")) for x in .devices if x.bdf == \"0000:18:00.0\"] == [(\"failed\", \"drivers_probe\", 5)]" \
	"all(x.state == \"done\" for x in .devices if x.bdf != \"0000:18:00.0\")" || fail "status.json names device, step, errno"
for g in 0000:2a:00.0 0000:3a:00.0 0000:5d:00.0 0000:9a:00.0 0000:9b:00.0 0000:ba:00.0 0000:db:00.0; do expect_drv $g vfio-pci; done
expect_rc 0 gi apply 2>/dev/null
expect_drv 0000:18:00.0 vfio-pci
[ -e $SIMROOT/run/gpu-initd/ready ] || fail "ready once converged"

# back to nvidia, then an unbind that never returns: bounded by --timeout.
# One GPU only: writes queued behind a stalled one on the same file would
# reach simfs after release, racing the next apply.
expect_rc 0 gi --config <(echo "{\"mode\":\"container\"}") apply 2>/dev/null
echo "stall-nth 2" >$SIMFS/.simfs/control       # the unbind of 0000:18:00.0
expect_rc 1 gi --timeout 0.2 --config <(echo "{\"devices\":[\"0000:18:00.0\"]}") apply 2>$SIMROOT/b.log
grep -q "0000:18:00.0: unbind failed: Connection timed out" $SIMROOT/b.log || fail "timeout named: $(cat $SIMROOT/b.log)"
grep -q "\"bdf\":\"0000:18:00.0\".*\"step\":\"unbind\",\"errno\":110" $SIMROOT/run/gpu-initd/status.json || fail "status: $(cat $SIMROOT/run/gpu-initd/status.json)"
[ ! -e $SIMROOT/run/gpu-initd/ready ] || fail "no ready after a timeout"
echo release >$SIMFS/.simfs/control
# whether the abandoned write still lands depends on how its writer died
# (under ASan, LSan stops threads at exit): wait until simfs is done with it
wait_stat stalled 0 || true
expect_rc 0 gi apply 2>/dev/null
for g in 0000:18:00.0 0000:2a:00.0 0000:db:00.0; do expect_drv $g vfio-pci; done
# a probe that never returns (nvgrace-gpu-vfio-pci 7.x waits up to 30 s
# for a GPU that is not ready): drivers_probe is bounded by --timeout too
expect_rc 0 gi --config <(echo "{\"mode\":\"container\"}") apply 2>/dev/null
echo "stall-nth 3" >$SIMFS/.simfs/control       # the drivers_probe of 0000:18:00.0
expect_rc 1 gi --timeout 0.2 --config <(echo "{\"devices\":[\"0000:18:00.0\"]}") apply 2>$SIMROOT/p.log
grep -q "0000:18:00.0: drivers_probe failed: Connection timed out" $SIMROOT/p.log || fail "probe timeout named: $(cat $SIMROOT/p.log)"
echo release >$SIMFS/.simfs/control
wait_stat stalled 0 || true
expect_rc 0 gi apply 2>/dev/null
expect_drv 0000:18:00.0 vfio-pci
'
