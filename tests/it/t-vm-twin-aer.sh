#!/bin/bash
# simfs twin of tests/vm/s-aer.sh (fixture qemu-aer): a device on vfio-pci
# behind a root port, served; a non-fatal error (counted, recovered: stays
# Healthy), a fatal one (not counted by the endpoint, counted by the root
# port, recovery failed: Unhealthy(aer-recovery-failed), nothing to
# allocate), then remove, rescan, apply (Healthy again).  What the guest
# printed (the aer lines) and its end state must be what simfs gives.
source "$(dirname "$0")/lib.sh"

tests/simnode run --uevents fixtures/qemu-aer.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
K="build/kubelet-stub --root $SIMROOT"
S=$SIMROOT/sys/bus/pci/devices
C=$SIMFS/.simfs/control
rp=0000:00:07.0 dev=0000:01:00.0
ev=$SIMROOT/uevents ready=$SIMROOT/uevents.ready extra=$SIMROOT/extra
build/tests/uevent-listen --count 0 --timeout 0 --subsystem pci --ready $ready >$ev &
ul=$!
wait_for $ready
mkdir -p $SIMROOT/etc/gpu-initd
echo "{ \"mode\": \"vm-passthrough\", \"devices\": [\"1af4:1044\"],
  \"resource-names\": { \"1af4:1044\": \"example.com/rng\" } }" >$SIMROOT/etc/gpu-initd/config.json
allocatable() {
	$K status --json 2>/dev/null | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[\"status\"][\"allocatable\"].get(\"example.com/rng\", 0))" 2>/dev/null || echo 0
}
served() { build/gpu-initd --root $SIMROOT status 2>/dev/null | awk -v id=$dev "\$1 == id { print \$NF }"; }
wait_until() { # WHAT CMD...
	local what=$1 i
	shift
	for ((i = 0; i < 1000; i++)); do "$@" && return 0; sleep 0.02; done
	fail "$what: $(cat $SIMROOT/serve.log)"
}
total() { sed -n "s/^TOTAL_ERR_$2 //p" $S/$1/aer_dev_$3; }
# the ERROR_EVENTs of the device since the mark, in order
events() { tail -n +$((mark + 1)) $ev | awk -v d=/$dev "\$1 == \"change\" && \$2 ~ d\"\$\"" | grep -o "ERROR_EVENT=[A-Z_]*" | cut -d= -f2 | paste -sd,; }
$K serve 2>$SIMROOT/kstub.log & ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock
expect_rc 0 gi apply 2>/dev/null
build/gpu-initd --root $SIMROOT serve 2>$SIMROOT/serve.log & gs=$!
wait_until "never allocatable" eval "[ \"\$(allocatable)\" = 1 ]"

mark=$(wc -l <$ev)
echo "sick $dev aer-nonfatal" >$C
wait_until "no SUCCESSFUL_RECOVERY" eval "events | grep -q SUCCESSFUL_RECOVERY"
echo "aer non-fatal: device $(grep "^CmpltTO " $S/$dev/aer_dev_nonfatal) total $(total $dev NONFATAL nonfatal)," \
	"fatal $(total $dev FATAL fatal); root port non-fatal $(cat $S/$rp/aer_rootport_total_err_nonfatal);" \
	"events $(events)" >>$extra
wait_until "Healthy after a recovered error" eval "[ \"\$(served)\" = Healthy ]"
[ "$(allocatable)" = 1 ] || fail "allocatable $(allocatable) after a recovered error"

mark=$(wc -l <$ev)
echo "sick $dev aer-fatal" >$C
echo "sick $dev recovery-failed" >$C
wait_until "no FAILED_RECOVERY" eval "events | grep -q FAILED_RECOVERY"
echo "aer fatal: device total $(total $dev FATAL fatal); root port fatal $(cat $S/$rp/aer_rootport_total_err_fatal);" \
	"link $(cat $S/$dev/current_link_speed); vendor $(hexdump -n 2 -e "1/2 \"%04x\"" $S/$dev/config);" \
	"driver $(basename $(readlink $S/$dev/driver)); events $(events)" >>$extra
wait_until "serve did not mark it" eval "[ \"\$(served)\" = \"Unhealthy(aer-recovery-failed)\" ]"
wait_until "kubelet still has it allocatable" eval "[ \"\$(allocatable)\" = 0 ]"
! $K allocate example.com/rng 1 >/dev/null 2>&1 || fail "allocated a device whose recovery failed"
echo "aer fatal: serve $(served), allocatable $(allocatable)" >>$extra

echo 1 >$S/$dev/remove
echo 1 >$SIMROOT/sys/bus/pci/rescan
[ -e $S/$dev ] || fail "rescan did not find it again"
expect_rc 0 gi apply 2>/dev/null
wait_until "not Healthy after remove+rescan" eval "[ \"\$(served)\" = Healthy ]"
wait_until "not allocatable after remove+rescan" eval "[ \"\$(allocatable)\" = 1 ]"
echo "after remove, rescan, apply: serve $(served), allocatable $(allocatable), device fatal total" \
	"$(total $dev FATAL fatal)" >>$extra
kill $gs $ks $ul; wait $gs $ks $ul 2>/dev/null || true
source tests/vm/state.sh
diff -u tests/vm/golden/s-aer.state <(cat $extra; state_dump $SIMROOT) || fail "simfs and the real kernel disagree"
'
