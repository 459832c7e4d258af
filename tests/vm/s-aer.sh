# Scenario: PCIe errors injected through QEMU's monitor (pcie_aer_inject_error)
# into a device gpu-initd serves: a virtio-rng (1af4:1044, aer=on) behind a
# pcie-root-port, on vfio-pci.  What Debian's 6.1 kernel shows, and how
# serve answers:
#  - a non-fatal error (Completion Timeout): counted in the device's
#    aer_dev_nonfatal and the root port's aer_rootport_total_err_nonfatal,
#    recovered at once (BEGIN_ then SUCCESSFUL_RECOVERY uevents): Healthy;
#  - a fatal error (Data Link Protocol): NOT counted in the device's
#    aer_dev_fatal ("type=Inaccessible"), counted by the root port; the
#    link reset fails under QEMU ("Data Link Layer Link Active not set"),
#    the kernel sends BEGIN_ then FAILED_RECOVERY; sysfs still shows the
#    device as before (link up, config answering): serve says
#    Unhealthy(aer-recovery-failed), kubelet gets nothing to allocate;
#  - serve killed and started again: still Unhealthy(aer-recovery-failed)
#    (its record in run/gpu-initd/ers, about this pci_dev);
#  - remove + rescan + apply while serve is down: a new pci_dev (its sysfs
#    directory has another inode number), the restarted serve drops the
#    record: Healthy again.
# QEMU 7.2 sends an error message only when the device's Device Control
# enables reporting (hw/pci/pcie_aer.c pcie_aer_msg_alldev()): virtio-pci's
# can be set (x-pcie-deverr-init) and are set in this guest; e1000e's
# cannot (reads 0), so an e1000e never reports.  Correctable errors cannot
# be shown: QEMU 7.2's pcie_aer_msg_alldev() passes only uncorrectable
# messages.
# One body for both environments (tests/vm/lib.sh): the twin on simfs,
# tests/it/t-vm-twin-aer.sh, sources this file; there aer_inject is
# simfs's sick control, error_events its uevents.
# qemu: -device pcie-root-port,id=rp1,chassis=1,addr=07.0
# qemu: -device virtio-rng-pci,bus=rp1,id=gpu1,aer=on
# monitor: pcie_aer_inject_error
. "${VM_LIB:-/lib.sh}"
rp=0000:00:07.0 dev=0000:01:00.0
S=$ROOT/sys/bus/pci/devices
R=$ROOT/run
error_events_start
config_passthrough 1af4:1044 1af4:1044 example.com/rng
kubelet_stub serve 2>$R/kstub.log &
i=0
while [ ! -S $ROOT/var/lib/kubelet/device-plugins/kubelet.sock ]; do
	i=$((i + 1)); [ $i -lt 500 ] || fail "no kubelet.sock"; sleep 0.02
done
expect_exit 0 gpu_initd apply
gpu_initd serve 2>$R/serve.log &
allocatable() { kubelet_stub status --json 2>/dev/null | tr -d ' \t\n' | sed -n 's/.*"allocatable":{"example.com\/rng":"\([0-9]*\)"}.*/\1/p'; }
served() { gpu_initd status 2>/dev/null | awk -v id=$dev '$1 == id { print $NF }'; }
wait_until() { # WHAT CMD...: CMD true within ~30 s
	what=$1
	shift
	i=0
	until "$@"; do
		i=$((i + 1)); [ $i -lt 1500 ] || { cat $R/serve.log; fail "$what"; }
		sleep 0.02
	done
}
wait_until "never allocatable" eval '[ "$(allocatable)" = 1 ]'
total() { sed -n "s/^TOTAL_ERR_$2 //p" $S/$1/aer_dev_$3; }
extra=$R/vm-state.extra

# a non-fatal error: counted, recovered at once
error_events_mark
aer_inject gpu1 $dev nonfatal
wait_until "no SUCCESSFUL_RECOVERY after the non-fatal error" eval 'error_events $dev | grep -q SUCCESSFUL_RECOVERY'
wait_until "root port did not count it" eval '[ "$(cat $S/$rp/aer_rootport_total_err_nonfatal)" = 1 ]'
echo "aer non-fatal: device $(grep '^CmpltTO ' $S/$dev/aer_dev_nonfatal) total $(total $dev NONFATAL nonfatal)," \
	"fatal $(total $dev FATAL fatal); root port non-fatal $(cat $S/$rp/aer_rootport_total_err_nonfatal);" \
	"events $(error_events $dev)" >>$extra
wait_until "Healthy after a recovered error" eval '[ "$(served)" = Healthy ]'
[ "$(allocatable)" = 1 ] || fail "allocatable $(allocatable) after a recovered error"

# a fatal error: not counted by the device, the recovery fails
error_events_mark
aer_inject gpu1 $dev fatal
wait_until "no FAILED_RECOVERY after the fatal error" eval 'error_events $dev | grep -q FAILED_RECOVERY'
kernel_log | grep -E "AER|Link Active" | tail -n 8 || true
echo "aer fatal: device total $(total $dev FATAL fatal); root port fatal $(cat $S/$rp/aer_rootport_total_err_fatal);" \
	"link $(cat $S/$dev/current_link_speed); vendor $(hexdump -n 2 -e '1/2 "%04x"' $S/$dev/config);" \
	"driver $(driver_of $dev); events $(error_events $dev)" >>$extra
wait_until "serve did not mark it" eval '[ "$(served)" = "Unhealthy(aer-recovery-failed)" ]'
wait_until "kubelet still has it allocatable" eval '[ "$(allocatable)" = 0 ]'
! kubelet_stub allocate example.com/rng 1 >/dev/null 2>&1 || fail "allocated a device whose recovery failed"
echo "aer fatal: serve $(served), allocatable $(allocatable)" >>$extra

# serve crashes and starts again: sysfs still shows nothing
serve_pid() { sed -n 's/^{"pid":\([0-9]*\),.*/\1/p' $R/gpu-initd/serve.json 2>/dev/null; }
kill_serve() { # kill -9 the running serve (its serve.json stays)
	old=$(serve_pid)
	[ -n "$old" ] || fail "no serve pid in serve.json"
	kill -9 $old
}
start_serve() { # another serve, once its status is written
	gpu_initd serve 2>>$R/serve.log &
	wait_until "serve did not start again" eval '[ -n "$(serve_pid)" ] && [ "$(serve_pid)" != $old ]'
}
kill_serve
start_serve
wait_until "a restarted serve forgot the failed recovery" eval '[ "$(served)" = "Unhealthy(aer-recovery-failed)" ]'
! kubelet_stub allocate example.com/rng 1 >/dev/null 2>&1 || fail "allocated a device whose recovery failed after a serve restart"
echo "aer fatal, serve restarted: serve $(served), allocatable $(allocatable)" >>$extra

# a new pci_dev while serve is down: remove, rescan, apply, then serve
inode() { ls -id "$S/$1/" | awk '{ print $1 }'; }
ino=$(inode $dev)
kill_serve
echo 1 >$S/$dev/remove
echo 1 >$ROOT/sys/bus/pci/rescan
[ -e $S/$dev ] || fail "rescan did not find it again"
expect_exit 0 gpu_initd apply
[ "$(inode $dev)" != "$ino" ] || fail "a new pci_dev has the old sysfs inode number $ino"
start_serve
wait_until "not Healthy after remove+rescan" eval '[ "$(served)" = Healthy ]'
wait_until "not allocatable after remove+rescan" eval '[ "$(allocatable)" = 1 ]'
echo "after remove, rescan, apply, serve started: sysfs inode new, serve $(served), allocatable" \
	"$(allocatable), device fatal total $(total $dev FATAL fatal)" >>$extra
cat $extra
grep -E "error recovery|unhealthy|healthy" $R/serve.log
