#!/bin/bash
# gpu-initd serve under faults, one serve process through all of them on
# h100-hgx-8x with kubelet-stub as kubelet: a GPU hot-unplugged, a GPU's
# driver changed behind our back, a VFIO group node removed, kubelet
# SIGKILLed and restarted 50 times, kubelet.sock replaced by a regular
# file, the plugin dir removed, then moved away, a client that opens 50
# ListAndWatch streams and stops reading while the list changes 100 times.
# serve must stay up, its RSS and fd count must not grow, and kubelet must
# end with the right devices registered and healthy.
source "$(dirname "$0")/lib.sh"

tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
R=nvidia.com/GH100_H100_SXM5_80GB
P=$SIMROOT/var/lib/kubelet/device-plugins
S=$SIMROOT/sys/bus/pci
K="build/kubelet-stub --root $SIMROOT"
LOG=$TOP/build/it/t-serve-faults

kstub_start() {
	$K serve 2>>$LOG.kstub.log &
	ks=$!
	wait_for $P/kubelet.sock
}
kstub_kill() {
	kill -KILL $ks
	wait $ks 2>/dev/null || true
}
# counts: capacity and allocatable (healthy, unallocated) of R at kubelet
counts() { echo "$(kstub_count capacity $R) $(kstub_count allocatable $R)"; }
wait_counts() { # CAPACITY ALLOCATABLE WHAT
	local i
	for ((i = 0; i < 300; i++)); do [ "$(counts)" = "$1 $2" ] && return 0; sleep 0.05; done
	fail "$3: kubelet has $(counts) (capacity allocatable) of $R, expected $1 $2"
}
alive() { kill -0 $gs 2>/dev/null || fail "serve died ($1)"; }
rss() { awk "/^VmRSS/ { print \$2 }" /proc/$gs/status; }
nfd() { ls /proc/$gs/fd | wc -l; }
# rebind BDF DRIVER: what an admin (or another tool) does behind our back
rebind() {
	echo $2 >$S/devices/$1/driver_override
	if [ -e $S/devices/$1/driver ]; then echo $1 >$S/devices/$1/driver/unbind; fi
	echo $1 >$S/drivers_probe
	expect_drv $1 $2
}

echo "{\"mode\": \"vm-passthrough\"}" >$SIMROOT/mode.json
gi --config $SIMROOT/mode.json apply 2>/dev/null
kstub_start
"$GPU_INITD" --root $SIMROOT serve --rescan 1000 2>$LOG.gpu-initd.log &
gs=$!
wait_counts 8 8 "start"
rss0=$(rss) fd0=$(nfd)
faults=0

# a GPU hot-unplugged: unhealthy for good (a rescan does not bring it back)
echo "unplug 0000:ba:00.0" >$SIMFS/.simfs/control
wait_counts 8 7 "hot-unplug"; faults=$((faults + 1))

# driver changed behind our back, then back
rebind 0000:db:00.0 nvidia
wait_counts 8 6 "db:00.0 moved to nvidia"
rebind 0000:db:00.0 vfio-pci
wait_counts 8 7 "db:00.0 back on vfio-pci"; faults=$((faults + 1))

# the VFIO group node removed (no uevent: the periodic rescan sees it);
# back when the GPU is bound to vfio-pci again
echo "rm-vfio-node 32" >$SIMFS/.simfs/control
[ ! -e $SIMROOT/dev/vfio/32 ] || fail "dev/vfio/32 still there"
wait_counts 8 6 "dev/vfio/32 removed"
rebind 0000:db:00.0 vfio-pci
wait_counts 8 7 "dev/vfio/32 back"; faults=$((faults + 1))

# kubelet SIGKILLed and started again, 50 times
for ((i = 1; i <= 50; i++)); do
	kstub_kill
	kstub_start
	wait_counts 8 7 "kubelet restart $i"
	alive "kubelet restart $i"
	faults=$((faults + 1))
done
rss50=$(rss)

# kubelet.sock a regular file for a while: serve keeps retrying
kstub_kill
rm -f $P/kubelet.sock
echo "not a socket" >$P/kubelet.sock
sleep 2
alive "kubelet.sock a regular file"
rm $P/kubelet.sock
kstub_start
wait_counts 8 7 "kubelet back after kubelet.sock was a regular file"; faults=$((faults + 1))

# the plugin dir removed with everything in it, then kubelet makes it again
kstub_kill
rm -rf $P
sleep 2
alive "plugin dir removed"
kstub_start
wait_counts 8 7 "kubelet back after the plugin dir was removed"; faults=$((faults + 1))

# the plugin dir moved away (no event for us: the periodic rescan sees it)
kstub_kill
mv $P $P.old
sleep 2
alive "plugin dir moved away"
[ -d $P ] || fail "serve did not make the plugin dir again"
kstub_start
wait_counts 8 7 "kubelet back after the plugin dir was moved away"; faults=$((faults + 1))
rm -rf $P.old

# a client that stops reading 50 streams while the list changes 100 times
sock=$(cd $P && ls | grep "^gpu-initd") || fail "no plugin socket in $P"
coproc SR { exec /usr/bin/python3 tests/it/h2_stuck_reader.py $P/$sock 50; }
read -r -u ${SR[0]} line && [ "$line" = open ] || fail "stuck reader did not start"
for ((i = 1; i <= 100; i++)); do
	echo 0000:db:00.0 >$S/devices/0000:db:00.0/driver/unbind
	echo 0000:db:00.0 >$S/drivers_probe
done
expect_drv 0000:db:00.0 vfio-pci
wait_counts 8 7 "after 100 list changes with a stuck reader"
alive "stuck reader"; faults=$((faults + 1))
rss_stuck=$(rss)
kill $SR_PID; wait $SR_PID 2>/dev/null || true

# fds back to where they were (connections closed), memory flat
for ((i = 0; i < 100; i++)); do [ "$(nfd)" -le $fd0 ] && break; sleep 0.05; done
[ "$(nfd)" -le $fd0 ] || { ls -l /proc/$gs/fd; ss -xap | grep -E "pid=$gs,|gpu-initd" || true; fail "fds: $fd0 at start, $(nfd) at the end"; }
rss_end=$(rss)
echo "serve RSS kB: start $rss0, after 50 kubelet restarts $rss50, with the stuck reader $rss_stuck, end $rss_end; fds $fd0 -> $(nfd)"
# under ASan freed memory sits in quarantine: LeakSanitizer judges at exit instead
[ -n "${SANITIZER_LOGS:-}" ] || [ $((rss_end - rss0)) -lt 4096 ] || fail "RSS grew by $((rss_end - rss0)) kB"

# the right devices, registered and healthy: all but the unplugged one
$K status --json >$SIMROOT/st.json
/usr/bin/python3 - $SIMROOT/st.json $R <<EOP || fail "kubelet status: $(cat $SIMROOT/st.json)"
import json, sys
st = json.load(open(sys.argv[1]))
res = [r for r in st["resources"] if r["name"] == sys.argv[2]]
assert len(res) == 1 and res[0]["connected"], res
h = {d["id"]: d["health"] for d in res[0]["devices"]}
assert len(h) == 8 and h.pop("0000:ba:00.0") == "Unhealthy" and set(h.values()) == {"Healthy"}, h
EOP
kill -TERM $gs
rc=0; wait $gs || rc=$?
[ $rc = 0 ] || fail "serve exited $rc"
kstub_kill
echo "$faults faults injected into one serve, all survived"
'
