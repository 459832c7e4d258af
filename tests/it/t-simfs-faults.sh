#!/bin/bash
# Fault injection through the mount, concurrency, and fixture refusal:
# a writer killed while stalled leaves nothing behind; many concurrent
# writers leave the model consistent; a bad fixture mounts nothing.
source "$(dirname "$0")/lib.sh"

# a malformed fixture: file:line:col and exit 2, nothing mounted
bad=$(mktemp --suffix=.json); mnt=$(mktemp -d)
printf '{"kernel": {"release": "6.1"},\n "devices": [{"bdf": "0000:00:01.0", "id": "10de:2330", "clas": "0x030200"}]}\n' >"$bad"
set +e
out=$(build/simfs --fixture "$bad" "$mnt" 2>&1); rc=$?
set -e
[ $rc -eq 2 ] || fail "bad fixture: exit $rc"
case $out in *"$bad:2:"*'unknown key "clas"'*) ;; *) fail "bad fixture message: $out" ;; esac
mountpoint -q "$mnt" && fail "a bad fixture got mounted"
rm -f "$bad"; rmdir "$mnt"

tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh
S=$SIMROOT/sys; C=$SIMFS/.simfs/control; D=$S/bus/pci/devices/0000:18:00.0
# stall-nth + SIGKILL: the stalled write never takes effect
echo "stall-nth 1" >$C
(echo vfio-pci >$D/driver_override) &
pid=$!
wait_stat stalled 1 200 || fail "writer did not stall"
kill -9 $pid; wait $pid 2>/dev/null || true
wait_stat stalled 0 200 || fail "killed writer still stalled"
[ "$(cat $D/driver_override)" = "(null)" ] || fail "a killed stalled write took effect"
# stall + release: the write completes
echo "stall-nth 1" >$C
(echo vfio-pci >$D/driver_override) & pid=$!
wait_stat stalled 1 200 || true
echo release >$C
wait $pid || fail "released write failed"
[ "$(cat $D/driver_override)" = vfio-pci ] || fail "released write lost"
echo >$D/driver_override
# fail PATH ERRNO COUNT through the mount
echo "fail sys/bus/pci/drivers_probe EIO 1" >$C
expect_write_error "Input/output error" 0000:18:00.0 $S/bus/pci/drivers_probe
echo 0000:18:00.0 >$S/bus/pci/drivers_probe
expect_write_error "Invalid argument" "no-such-command" $C

# concurrency: 8 writers flip 8 GPUs between nvidia and vfio-pci at once
echo "modprobe vfio-pci" >$C
flip() {
	local d=$S/bus/pci/devices/$1
	for i in $(seq 25); do
		echo vfio-pci >$d/driver_override
		echo $1 >$d/driver/unbind
		echo $1 >$S/bus/pci/drivers_probe
		echo >$d/driver_override
		echo $1 >$d/driver/unbind
		echo $1 >$S/bus/pci/drivers_probe
		cat $d/uevent $d/config >/dev/null
	done
}
gpus="0000:18:00.0 0000:2a:00.0 0000:3a:00.0 0000:5d:00.0 0000:9a:00.0 0000:9b:00.0 0000:ba:00.0 0000:db:00.0"
for g in $gpus; do flip $g & done
wait
for g in $gpus; do
	[ "$(readlink $S/bus/pci/devices/$g/driver)" != "" ] || fail "$g unbound after the storm"
	case $(readlink $S/bus/pci/devices/$g/driver) in */nvidia) ;; *) fail "$g not back on nvidia";; esac
done
[ -z "$(ls $SIMROOT/dev/vfio | grep -v "^vfio$")" ] || fail "group nodes left: $(ls $SIMROOT/dev/vfio)"
grep -q "^binds 400$" $SIMFS/.simfs/stats || fail "binds: $(cat $SIMFS/.simfs/stats)"
grep -q "^unbinds 400$" $SIMFS/.simfs/stats || fail "unbinds: $(cat $SIMFS/.simfs/stats)"
'
