#!/bin/bash
# Sick GPUs under serve (issue 21), h100-hgx-8x with kubelet-stub as
# kubelet: a GPU falls off the bus (config space all ones), loses its link
# (current_link_speed "Unknown"), raises a fatal AER error (the kernel sends a
# BEGIN_RECOVERY uevent; an endpoint's native ERR_FATAL is not counted),
# whose recovery may fail (FAILED_RECOVERY), is surprise-removed.
# Each turns Unhealthy in ListAndWatch as kubelet sees it, with the reason
# in `gpu-initd status`, and back to Healthy when it recovers (heal, a
# function reset, SUCCESSFUL_RECOVERY).  Correctable and non-fatal AER
# errors change nothing.  Then a GPU that died unnoticed (no uevent, no
# rescan yet) is refused by Allocate's re-check and never handed out.
# `check` reports a sick GPU (dead; fatal errors counted), `apply` does not
# bind it.
source "$(dirname "$0")/lib.sh"

tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
R=nvidia.com/GH100_H100_SXM5_80GB
D=$SIMROOT/sys/bus/pci/devices
C=$SIMFS/.simfs/control
K="build/kubelet-stub --root $SIMROOT"
LOG=$TOP/build/it/t-serve-sick

# health BDF: as kubelet has it from ListAndWatch
health() {
	$K status --json 2>/dev/null | jcheck - --arg id $1 \
		--get "next((v.health for r in .resources for v in r.get(\"devices\", []) if v.id == id), \"none\")" 2>/dev/null || echo none
}
wait_health() { # BDF HEALTH WHAT
	local i
	for ((i = 0; i < 400; i++)); do [ "$(health $1)" = "$2" ] && return 0; sleep 0.05; done
	fail "$3: kubelet has $1 $(health $1), expected $2"
}
# served BDF: serve'"'"'s own view in gpu-initd status (health and reason)
served() { "$GPU_INITD" --root $SIMROOT status 2>/dev/null | awk -v id=$1 "\$1 == id { print \$NF }"; }
wait_served() { # BDF WANT: serve.json is written a moment after the change
	local i
	for ((i = 0; i < 400; i++)); do [ "$(served $1)" = "$2" ] && return 0; sleep 0.05; done
	fail "status: $1 $(served $1), expected $2"
}
# a barrier: another GPU loses its link and gets it back, which only a
# periodic rescan sees (no uevent); whatever serve would notice in a
# scan, it has by then
settle() {
	echo "sick 0000:db:00.0 link-down" >$C
	wait_health 0000:db:00.0 Unhealthy "barrier"
	echo "heal 0000:db:00.0" >$C
	wait_health 0000:db:00.0 Healthy "barrier"
}

echo "{\"mode\": \"vm-passthrough\"}" >$SIMROOT/mode.json
gi --config $SIMROOT/mode.json apply 2>$LOG.apply.log
$K serve 2>$LOG.kstub.log &
ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock
"$GPU_INITD" --root $SIMROOT serve --rescan 200 2>$LOG.gpu-initd.log &
gs=$!
wait_health 0000:18:00.0 Healthy start

# the model: vendor stays cached, config reads all ones, link Unknown
echo "sick 0000:18:00.0 dead" >$C
[ "$(cat $D/0000:18:00.0/vendor)" = 0x10de ] || fail "vendor of a dead GPU: $(cat $D/0000:18:00.0/vendor)"
[ "$(head -c 4 $D/0000:18:00.0/config | od -An -tx1 | tr -d " ")" = ffffffff ] || fail "config of a dead GPU"
[ "$(cat $D/0000:18:00.0/current_link_speed)" = Unknown ] || fail "link speed of a dead GPU"
wait_health 0000:18:00.0 Unhealthy "fell off the bus"
wait_served 0000:18:00.0 "Unhealthy(fell-off-bus)"
echo "heal 0000:18:00.0" >$C
wait_health 0000:18:00.0 Healthy "back on the bus"

# disconnected (pciehp surprise removal, DPC): the kernel refuses its own
# config reads, current_link_speed fails with EINVAL; the hardware
# answering again changes nothing, a new pci_dev does
echo "sick 0000:18:00.0 disconnected" >$C
if cat $D/0000:18:00.0/current_link_speed >/dev/null 2>&1; then fail "link speed of a disconnected GPU read"; fi
wait_served 0000:18:00.0 "Unhealthy(fell-off-bus)"
echo "heal 0000:18:00.0" >$C
[ "$(head -c 2 $D/0000:18:00.0/config | od -An -tx1 | tr -d " ")" = de10 ] || fail "config of a healed GPU"
settle
[ "$(health 0000:18:00.0)" = Unhealthy ] || fail "a disconnected GPU turned $(health 0000:18:00.0)"
echo 1 >$D/0000:18:00.0/remove
echo 1 >$SIMROOT/sys/bus/pci/rescan
gi --config $SIMROOT/mode.json apply 2>>$LOG.apply.log || fail "apply after rescan: $(tail -5 $LOG.apply.log)"
wait_health 0000:18:00.0 Healthy "a new pci_dev after a disconnect"

# link down, back after a function reset
echo "sick 0000:2a:00.0 link-down" >$C
wait_health 0000:2a:00.0 Unhealthy "link down"
wait_served 0000:2a:00.0 "Unhealthy(link-down)"
echo 1 >$D/0000:2a:00.0/reset
wait_health 0000:2a:00.0 Healthy "link up after reset"

# corrected and non-fatal errors: no reason
echo "sick 0000:3a:00.0 aer-correctable" >$C
echo "sick 0000:3a:00.0 aer-nonfatal" >$C
grep -qx "TOTAL_ERR_NONFATAL 1" $D/0000:3a:00.0/aer_dev_nonfatal || fail "aer_dev_nonfatal: $(cat $D/0000:3a:00.0/aer_dev_nonfatal)"
settle
[ "$(health 0000:3a:00.0)" = Healthy ] || fail "a corrected error made 3a:00.0 $(health 0000:3a:00.0)"

# a fatal AER error: Unhealthy until the recovery ends.  A natively
# reported ERR_FATAL of an endpoint is not counted in its aer_dev_fatal
# (the kernel cannot read its status: tests/vm/s-aer.sh); the kernel sends a
# BEGIN_RECOVERY uevent: that is what serve goes by
# While the kernel recovers it, its config space is locked (a read waits for
# the reset: simfs/pcihealth.c): serve (and status) read none of it, and
# go on serving the other GPUs (settle) -- a serve that read it would
# stall until the recovery ends, and kubelet would never hear of it
echo "sick 0000:3a:00.0 aer-fatal" >$C
grep -qx "TOTAL_ERR_FATAL 0" $D/0000:3a:00.0/aer_dev_fatal || fail "aer_dev_fatal counted a native ERR_FATAL: $(cat $D/0000:3a:00.0/aer_dev_fatal)"
wait_health 0000:3a:00.0 Unhealthy "fatal AER error"
wait_served 0000:3a:00.0 "Unhealthy(aer-recovering)"
settle
[ "$(health 0000:3a:00.0)" = Unhealthy ] || fail "fatal AER error forgotten before recovery"
[ "$(stat_get cfg_waits)" = 0 ] || fail "config space read during a recovery: $(stat_get cfg_waits) read(s) waited"
echo "heal 0000:3a:00.0" >$C
wait_health 0000:3a:00.0 Healthy "AER recovery done"

# a recovery that fails (FAILED_RECOVERY): nothing in sysfs changes, serve
# keeps it Unhealthy until the pci_dev is new (remove, rescan, apply)
echo "sick 0000:3a:00.0 aer-fatal" >$C
echo "sick 0000:3a:00.0 recovery-failed" >$C
wait_served 0000:3a:00.0 "Unhealthy(aer-recovery-failed)"
echo "heal 0000:3a:00.0" >$C
settle
[ "$(health 0000:3a:00.0)" = Unhealthy ] || fail "a failed recovery forgotten"
# serve crashes and starts again: the kernel shows nothing (sysfs as
# before), the record of serve in run/gpu-initd/ers (the sysfs
# directory inode of the pci_dev) keeps the GPU Unhealthy and out of any allocation
E=$SIMROOT/run/gpu-initd/ers
ino=$(stat -L -c %i $D/0000:3a:00.0)
grep -qx "0000:3a:00.0 $ino failed" $E || fail "no record of the failed recovery: $(cat $E 2>&1)"
kill -9 $gs; wait $gs 2>/dev/null || true
"$GPU_INITD" --root $SIMROOT serve --rescan 200 2>>$LOG.gpu-initd.log &
gs=$!
settle # (through the new serve)
[ "$(health 0000:3a:00.0)" = Unhealthy ] || fail "a restarted serve forgot the failed recovery: $(health 0000:3a:00.0)"
wait_served 0000:3a:00.0 "Unhealthy(aer-recovery-failed)"
if $K allocate $R 8 >$SIMROOT/alloc.json 2>$LOG.alloc.log; then
	fail "a GPU whose recovery failed was allocated after a restart: $(cat $SIMROOT/alloc.json)"
fi
# a new pci_dev while serve is down (remove, rescan, apply): the record is
# about the old one, the new serve drops it
kill $gs; wait $gs 2>/dev/null || true
echo 1 >$D/0000:3a:00.0/remove
echo 1 >$SIMROOT/sys/bus/pci/rescan
gi --config $SIMROOT/mode.json apply 2>>$LOG.apply.log || fail "apply after rescan: $(tail -5 $LOG.apply.log)"
[ "$(stat -L -c %i $D/0000:3a:00.0)" != "$ino" ] || fail "a new pci_dev with the old sysfs inode $ino"
grep -q "^0000:3a:00.0 " $E || fail "the record went before serve read it"
"$GPU_INITD" --root $SIMROOT serve --rescan 200 2>>$LOG.gpu-initd.log &
gs=$!
wait_health 0000:3a:00.0 Healthy "a new pci_dev after a failed recovery"
wait_served 0000:3a:00.0 Healthy
! grep -q "^0000:3a:00.0 " $E 2>/dev/null || fail "the stale record stays: $(cat $E)"

# surprise removal
echo "unplug 0000:5d:00.0" >$C
wait_health 0000:5d:00.0 Unhealthy "surprise removal"
wait_served 0000:5d:00.0 "Unhealthy(removed)"

# check reports a sick GPU, apply does not bind it but binds the
# other GPUs of the node: 9a:00.0 and db:00.0 back on nvidia, then 9a:00.0 dead
for g in 0000:9a:00.0 0000:db:00.0; do
	echo nvidia >$D/$g/driver_override
	echo $g >$D/$g/driver/unbind
	echo $g >$SIMROOT/sys/bus/pci/drivers_probe
	echo >$D/$g/driver_override
	expect_drv $g nvidia
done
echo "sick 0000:9a:00.0 dead" >$C
if gi --config $SIMROOT/mode.json apply 2>$LOG.apply2.log; then fail "apply bound no sick GPU but says ok"; fi
expect_drv 0000:9a:00.0 nvidia
expect_drv 0000:db:00.0 vfio-pci
grep -q "gpu-fell-off-bus" $LOG.apply2.log || fail "apply does not say why: $(cat $LOG.apply2.log)"
gi --config $SIMROOT/mode.json check --json >$SIMROOT/check.json 2>/dev/null || true
/usr/bin/python3 - $SIMROOT/check.json <<EOP || fail "check: $(cat $SIMROOT/check.json)"
import json, sys
r = json.load(open(sys.argv[1]))
codes = [(x["code"], x.get("device")) for x in r["reasons"]]
assert ("gpu-fell-off-bus", "0000:9a:00.0") in codes, codes
EOP
echo "heal 0000:9a:00.0" >$C
gi --config $SIMROOT/mode.json apply 2>>$LOG.apply.log || fail "apply after heal: $(tail -5 $LOG.apply.log)"
expect_drv 0000:9a:00.0 vfio-pci
wait_health 0000:9a:00.0 Healthy "9a:00.0 on vfio-pci again"

# fatal errors the kernel counted (firmware-first: the firmware hands over
# the status): check reports them, apply does not bind the GPU; a new
# pci_dev (remove, rescan) counts from zero
echo nvidia >$D/0000:9a:00.0/driver_override
echo 0000:9a:00.0 >$D/0000:9a:00.0/driver/unbind
echo 0000:9a:00.0 >$SIMROOT/sys/bus/pci/drivers_probe
echo >$D/0000:9a:00.0/driver_override
expect_drv 0000:9a:00.0 nvidia
echo "sick 0000:9a:00.0 aer-fatal-firmware" >$C
grep -qx "TOTAL_ERR_FATAL 1" $D/0000:9a:00.0/aer_dev_fatal || fail "firmware-first ERR_FATAL not counted"
echo "heal 0000:9a:00.0" >$C
if gi --config $SIMROOT/mode.json apply 2>$LOG.apply3.log; then fail "apply bound a GPU with fatal errors but says ok"; fi
expect_drv 0000:9a:00.0 nvidia
grep -q "gpu-aer-fatal" $LOG.apply3.log || fail "apply does not say why: $(cat $LOG.apply3.log)"
gi --config $SIMROOT/mode.json check --json >$SIMROOT/check.json 2>/dev/null || true
/usr/bin/python3 - $SIMROOT/check.json <<EOP || fail "check: $(cat $SIMROOT/check.json)"
import json, sys
r = json.load(open(sys.argv[1]))
codes = [(x["code"], x.get("device")) for x in r["reasons"]]
assert ("gpu-aer-fatal", "0000:9a:00.0") in codes, codes
EOP
echo 1 >$D/0000:9a:00.0/remove
echo 1 >$SIMROOT/sys/bus/pci/rescan
grep -qx "TOTAL_ERR_FATAL 0" $D/0000:9a:00.0/aer_dev_fatal || fail "a new pci_dev kept the count"
gi --config $SIMROOT/mode.json apply 2>>$LOG.apply.log || fail "apply after rescan: $(tail -5 $LOG.apply.log)"
expect_drv 0000:9a:00.0 vfio-pci

# Allocate: a GPU that died where serve has not looked yet
kill $gs; wait $gs 2>/dev/null || true
"$GPU_INITD" --root $SIMROOT serve --rescan 3600000 2>>$LOG.gpu-initd.log &
gs=$!
wait_health 0000:9b:00.0 Healthy "serve again"
echo "sick 0000:9b:00.0 dead" >$C
if $K allocate $R 7 >$SIMROOT/alloc.json 2>$LOG.alloc.log; then
	fail "Allocate handed out a dead GPU: $(cat $SIMROOT/alloc.json)"
fi
wait_health 0000:9b:00.0 Unhealthy "dead GPU seen by Allocate"
$K allocate $R 6 >$SIMROOT/alloc.json 2>>$LOG.alloc.log || fail "allocate 6: $(cat $LOG.alloc.log)"
! grep -q 9b:00.0 $SIMROOT/alloc.json || fail "dead GPU allocated: $(cat $SIMROOT/alloc.json)"
kill $gs $ks; wait 2>/dev/null || true
echo "ok"
'
