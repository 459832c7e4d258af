#!/bin/bash
# simfs --uevents: a libudev kernel monitor in the same private network
# namespace receives bind/unbind/add/remove with the kernel's properties;
# in the host's namespace simfs refuses and mounts nothing.
source "$(dirname "$0")/lib.sh"

# refusal first, in this (initial) namespace: nothing may be sent or mounted
mnt=$(mktemp -d)
if out=$(build/simfs --uevents --fixture fixtures/h100-hgx-8x.json "$mnt" 2>&1); then
	fusermount3 -u "$mnt" 2>/dev/null
	fail "simfs --uevents started in the host network namespace"
fi
case $out in *"--uevents refused"*) ;; *) fail "refusal message: $out" ;; esac
mountpoint -q "$mnt" && fail "something got mounted"
rmdir "$mnt"

tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh
S=$SIMROOT/sys; ev=$(mktemp); ready=$(mktemp -u)
build/tests/uevent-listen --count 0 --timeout 4000 --ready $ready >$ev &
wait_for $ready
echo "modprobe vfio-pci" >$SIMFS/.simfs/control
D=$S/bus/pci/devices/0000:18:00.0
echo vfio-pci >$D/driver_override
echo 0000:18:00.0 >$D/driver/unbind
echo 0000:18:00.0 >$S/bus/pci/drivers_probe
echo 1 >$S/bus/pci/devices/0000:2a:00.0/remove
echo 1 >$S/bus/pci/rescan
echo "unplug 0000:3a:00.0" >$SIMFS/.simfs/control
wait || true
GPU18=/devices/pci0000:17/0000:17:01.0/0000:18:00.0
GPU2A=/devices/pci0000:29/0000:29:01.0/0000:2a:00.0
GPU3A=/devices/pci0000:39/0000:39:01.0/0000:3a:00.0
PROPS="MODALIAS=pci:v000010DEd00002330sv000010DEsd000016C1bc03sc02i00 PCI_CLASS=30200 PCI_ID=10DE:2330"
expect() {
	grep -qE "^$1" $ev || { cat $ev >&2; fail "no event matching: $1"; }
}
expect "add /module/vfio SEQNUM=[0-9]+ SUBSYSTEM=module$"
expect "add /module/vfio_pci SEQNUM=[0-9]+ SUBSYSTEM=module$"
expect "add /bus/pci/drivers/vfio-pci SEQNUM=[0-9]+ SUBSYSTEM=drivers$"
expect "unbind $GPU18 $PROPS PCI_SLOT_NAME=0000:18:00.0 PCI_SUBSYS_ID=10DE:16C1 SEQNUM=[0-9]+ SUBSYSTEM=pci$"
expect "add /devices/virtual/vfio/19 DEVNAME=/dev/vfio/19 MAJOR=243 MINOR=19 SEQNUM=[0-9]+ SUBSYSTEM=vfio$"
expect "bind $GPU18 DRIVER=vfio-pci $PROPS PCI_SLOT_NAME=0000:18:00.0 PCI_SUBSYS_ID=10DE:16C1 SEQNUM=[0-9]+ SUBSYSTEM=pci$"
expect "unbind $GPU2A .*PCI_SLOT_NAME=0000:2a:00.0 .*SUBSYSTEM=pci$"
expect "remove $GPU2A .*PCI_SLOT_NAME=0000:2a:00.0 .*SUBSYSTEM=pci$"
expect "add $GPU2A .*PCI_SLOT_NAME=0000:2a:00.0 .*SUBSYSTEM=pci$"
expect "bind $GPU2A DRIVER=nvidia .*PCI_SLOT_NAME=0000:2a:00.0 .*SUBSYSTEM=pci$"
expect "remove $GPU3A .*PCI_SLOT_NAME=0000:3a:00.0 .*SUBSYSTEM=pci$"
# the unbind event carries no DRIVER (the kernel sends it after the driver is gone)
grep "^unbind $GPU18" $ev | grep -q DRIVER= && fail "unbind carries DRIVER"
# events come in the order the changes happened (SEQNUM increasing)
awk "{for(i=1;i<=NF;i++) if (\$i ~ /^SEQNUM=/) {split(\$i,a,\"=\"); if (a[2] <= last) exit 1; last=a[2]}}" $ev || fail "SEQNUM order"
[ -e $S/bus/pci/devices/0000:2a:00.0/vendor ] || fail "rescan re-adds a removed device"
[ ! -e $S/bus/pci/devices/0000:3a:00.0 ] || fail "an unplugged device stays gone"
rm -f $ev
'
