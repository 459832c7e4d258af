#!/bin/bash
# gpu-initd apply in container mode gives the GPUs back to nvidia after a
# passthrough apply; a GPU whose VFIO group is held open stays, is
# reported, and keeps ready from being written; a second apply writes
# nothing.  Config precedence: --config over etc/gpu-initd/config.json.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
GPUS="0000:18:00.0 0000:2a:00.0 0000:3a:00.0 0000:5d:00.0 0000:9a:00.0 0000:9b:00.0 0000:ba:00.0 0000:db:00.0"
expect_rc 0 gi apply 2>/dev/null
mkdir -p $SIMROOT/etc/gpu-initd
echo "{\"mode\": \"container\"}" >$SIMROOT/etc/gpu-initd/config.json
echo "{\"mode\": \"vm-passthrough\"}" >$SIMROOT/passthrough.json

# the group of 0000:18:00.0 is held open (a VM uses it): left alone
exec 3<>$SIMROOT/dev/vfio/19
expect_rc 1 gi apply 2>$SIMROOT/c1.log
grep -q "0000:18:00.0: refused (device-in-use" $SIMROOT/c1.log || fail "in-use GPU reported: $(cat $SIMROOT/c1.log)"
expect_drv 0000:18:00.0 vfio-pci
for g in ${GPUS#* }; do expect_drv $g nvidia; done
[ ! -e $SIMROOT/run/gpu-initd/ready ] || fail "no ready while a GPU is not restored"
jcheck $SIMROOT/run/gpu-initd/status.json "not .ready" ".mode == \"container\"" \
	"by(.devices, \"bdf\")[\"0000:18:00.0\"].state == \"refused\"" \
	"\"device-in-use\" in by(.devices, \"bdf\")[\"0000:18:00.0\"].reasons" \
	"all(x.state == \"done\" and x.driver == \"nvidia\" for x in .devices if x.bdf != \"0000:18:00.0\")" || fail "status.json names the refused GPU"
exec 3>&-

expect_rc 0 gi apply 2>/dev/null
for g in $GPUS; do expect_drv $g nvidia; done
for d in $GPUS; do
	[ "$(cat $SIMROOT/sys/bus/pci/devices/$d/driver_override)" = "(null)" ] || fail "$d: driver_override cleared"
done
[ "$(ls $SIMROOT/dev/vfio)" = vfio ] || fail "no group nodes left: $(ls $SIMROOT/dev/vfio)"
[ -e $SIMROOT/run/gpu-initd/ready ] || fail "ready once all are back"
w=$(stat_get writes)
expect_rc 0 gi apply 2>$SIMROOT/c3.log
[ "$(stat_get writes)" = "$w" ] || fail "second container apply wrote"
grep -q "nothing to do" $SIMROOT/c3.log || fail "second container apply says so"

# --config FILE wins over etc/gpu-initd/config.json
expect_rc 0 gi --config $SIMROOT/passthrough.json apply 2>/dev/null
for g in $GPUS; do expect_drv $g vfio-pci; done
'
