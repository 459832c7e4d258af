#!/bin/bash
# simfs twin of tests/vm/s-shared-group.sh (fixture qemu-edu-shared-group):
# two edu functions of one slot share group 2, 05.1 on pci-stub; selecting
# 05.0 is refused (group-has-foreign-device) by check and apply, nothing moves.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/qemu-edu-shared-group.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
a=0000:00:05.0 b=0000:00:05.1
mkdir -p $SIMROOT/etc/gpu-initd
echo "{ \"mode\": \"vm-passthrough\", \"devices\": [\"0000:00:05.0\"],
  \"resource-names\": { \"1234:11e8\": \"example.com/edu\" } }" >$SIMROOT/etc/gpu-initd/config.json
S=$SIMROOT/sys/bus/pci/devices
[ "$(readlink $S/$a/iommu_group)" = "$(readlink $S/$b/iommu_group)" ] || fail "05.0 and 05.1 in different groups"
expect_drv $b pci-stub
out=$SIMROOT/check.txt
expect_rc 1 gi check >$out 2>&1
grep -q "group-has-foreign-device: .*$b" $out || fail "check does not name the foreign function: $(cat $out)"
w=$(stat_get writes)
expect_rc 1 gi apply
[ "$(stat_get writes)" = "$w" ] || fail "apply wrote to sysfs"
expect_drv $b pci-stub
expect_drv $a none
[ "$(cat $S/$a/driver_override)" = "(null)" ] || fail "05.0 driver_override written"
# the end state the real kernel left (tests/vm/golden, from the guest)
source tests/vm/state.sh
diff -u tests/vm/golden/s-shared-group.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"

'
