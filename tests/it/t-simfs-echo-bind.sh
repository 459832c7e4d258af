#!/bin/bash
# Plain shell writes through the mount bind an H100 to vfio-pci the way an
# admin would on a real host, and wrong writes fail with the kernel's errnos.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh
S=$SIMROOT/sys; D=$S/bus/pci/devices/0000:18:00.0
[ "$(readlink $D/driver)" = ../../../../bus/pci/drivers/nvidia ] || fail "GPU starts on nvidia"
[ ! -e $S/bus/pci/drivers/vfio-pci ] || fail "vfio-pci is not loaded at start"
[ ! -e $SIMROOT/dev/vfio/vfio ] || fail "no /dev/vfio/vfio before the vfio module"
echo "modprobe vfio-pci" >$SIMFS/.simfs/control
[ -e $SIMROOT/dev/vfio/vfio ] || fail "/dev/vfio/vfio comes with the vfio module"
grep -q "^vfio_pci " $SIMROOT/proc/modules || fail "/proc/modules lists vfio_pci"

# wrong writes: the kernel errnos
expect_write_error "No such device" 0000:18:00.0 $S/bus/pci/drivers/vfio-pci/bind   # no match yet
expect_write_error "No such device" 0000:77:00.0 $S/bus/pci/drivers/vfio-pci/bind   # no device
expect_write_error "No such device" 0000:18:00.0 $S/bus/pci/drivers/vfio-pci/unbind # not bound there
expect_write_error "No such device" 0000:77:00.0 $S/bus/pci/drivers_probe
expect_write_error "Device or resource busy" 0000:18:00.0 $S/bus/pci/drivers/nvidia/bind
expect_write_error "Invalid argument" 10de $S/bus/pci/drivers/vfio-pci/new_id
expect_write_error "No such device" "10de 2330" $S/bus/pci/drivers/vfio-pci/remove_id
expect_write_error "Permission denied" 0x1234 $D/vendor
cat $S/bus/pci/drivers/vfio-pci/bind 2>/dev/null && fail "bind is write-only"

# the sequence gpu-initd uses: override, unbind, probe
[ "$(cat $D/driver_override)" = "(null)" ] || fail "driver_override reads (null) when unset"
echo vfio-pci >$D/driver_override
[ "$(readlink $D/driver)" = ../../../../bus/pci/drivers/nvidia ] || fail "driver_override binds nothing by itself"
echo 0000:18:00.0 >$D/driver/unbind
[ ! -e $D/driver ] || fail "unbind removes the driver link"
[ ! -e $SIMROOT/proc/driver/nvidia/gpus/0000:18:00.0 ] || fail "nvidia forgets an unbound GPU"
echo 0000:18:00.0 >$S/bus/pci/drivers_probe
[ "$(readlink $D/driver)" = ../../../../bus/pci/drivers/vfio-pci ] || fail "drivers_probe binds vfio-pci"
[ -L $S/bus/pci/drivers/vfio-pci/0000:18:00.0 ] || fail "driver lists its device"
g=$(basename "$(readlink $D/iommu_group)")
[ -e $SIMROOT/dev/vfio/$g ] || fail "/dev/vfio/$g appears with the bind"
[ "$(cat $S/class/vfio/$g/dev)" = "243:$g" ] || fail "class/vfio/$g"
expect_write_error "Device or resource busy" 0000:18:00.0 $S/bus/pci/drivers/vfio-pci/bind

# a VFIO group is opened by one user at a time
exec 3<>$SIMROOT/dev/vfio/$g
if out=$(cat $SIMROOT/dev/vfio/$g 2>&1); then fail "second open of a group succeeded"; fi
case $out in *"Device or resource busy"*) ;; *) fail "second open: $out";; esac
exec 3>&-
cat $SIMROOT/dev/vfio/$g >/dev/null || fail "group can be opened again after close"
# dev/kmsg takes early-boot log lines
echo "<6>gpu-initd: hello" >$SIMROOT/dev/kmsg
grep -q "^<6>gpu-initd: hello$" $SIMROOT/dev/kmsg || fail "dev/kmsg keeps what was written"

# new_id binds every matching unbound device at once (the other seven GPUs
# stay on nvidia: bound devices are not taken)
echo "10de 2330" >$S/bus/pci/drivers/vfio-pci/new_id
expect_write_error "File exists" "10de 2330" $S/bus/pci/drivers/vfio-pci/new_id
[ "$(readlink $S/bus/pci/devices/0000:2a:00.0/driver)" = ../../../../bus/pci/drivers/nvidia ] || fail "new_id leaves bound GPUs alone"
echo 0000:2a:00.0 >$S/bus/pci/drivers/nvidia/unbind
echo 0000:2a:00.0 >$S/bus/pci/drivers/vfio-pci/bind
[ "$(readlink $S/bus/pci/devices/0000:2a:00.0/driver)" = ../../../../bus/pci/drivers/vfio-pci ] || fail "bind matches the dynamic id"
# a probe tries drivers in registration order: nvidia (loaded at boot) first
echo 0000:2a:00.0 >$S/bus/pci/drivers/vfio-pci/unbind
echo 0000:2a:00.0 >$S/bus/pci/drivers_probe
[ "$(readlink $S/bus/pci/devices/0000:2a:00.0/driver)" = ../../../../bus/pci/drivers/nvidia ] || fail "probe order"
echo "10de 2330" >$S/bus/pci/drivers/vfio-pci/remove_id

# the stats count what happened on sys/
grep -q "^binds 3$" $SIMFS/.simfs/stats || fail "stats: $(cat $SIMFS/.simfs/stats)"
grep -q "^unbinds 3$" $SIMFS/.simfs/stats || fail "stats: $(cat $SIMFS/.simfs/stats)"

# back to nvidia: clear the override, unbind, probe
echo >$D/driver_override
echo 0000:18:00.0 >$S/bus/pci/drivers/vfio-pci/unbind
[ ! -e $SIMROOT/dev/vfio/$g ] || fail "group node leaves with its last VFIO member"
echo 0000:18:00.0 >$S/bus/pci/drivers_probe
[ "$(readlink $D/driver)" = ../../../../bus/pci/drivers/nvidia ] || fail "GPU back on nvidia"

# a bridge in a GPU group stays on pcieport; vfio-pci refuses bridges
echo vfio-pci >$S/bus/pci/devices/0000:99:00.0/driver_override
echo 0000:99:00.0 >$S/bus/pci/drivers/pcieport/unbind
expect_write_error "Invalid argument" 0000:99:00.0 $S/bus/pci/drivers/vfio-pci/bind
'
