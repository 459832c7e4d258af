#!/bin/bash
# simfs twin of tests/vm/s-serve.sh (fixture qemu-edu): gpu-initd serve
# registers with kubelet-stub; allocate gets the edu device with KubeVirt's
# env and the VFIO nodes, not twice; after a kubelet restart serve registers
# again.
source "$(dirname "$0")/lib.sh"

tests/simnode run --uevents fixtures/qemu-edu.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
K="build/kubelet-stub --root $SIMROOT"
mkdir -p $SIMROOT/etc/gpu-initd
echo "{ \"mode\": \"vm-passthrough\", \"devices\": [\"1234:11e8\"],
  \"resource-names\": { \"1234:11e8\": \"example.com/edu\" } }" >$SIMROOT/etc/gpu-initd/config.json
allocatable() { kstub_count allocatable example.com/edu; }
$K serve 2>$SIMROOT/kstub.log & ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock
expect_rc 0 gi apply 2>/dev/null
g=$(basename $(readlink $SIMROOT/sys/bus/pci/devices/0000:00:05.0/iommu_group))
build/gpu-initd --root $SIMROOT serve 2>$SIMROOT/serve.log & gs=$!
for i in $(seq 1000); do [ "$(allocatable)" = 1 ] && break; sleep 0.01; done
[ "$(allocatable)" = 1 ] || fail "edu never allocatable: $(cat $SIMROOT/serve.log)"
$K allocate example.com/edu 1 >$SIMROOT/alloc.json || fail "allocate"
/usr/bin/python3 - $SIMROOT/alloc.json $g <<PY || fail "allocate response: $(cat $SIMROOT/alloc.json)"
import json, sys
r = json.load(open(sys.argv[1]))["response"]
assert r["envs"] == {"PCI_RESOURCE_EXAMPLE_COM_EDU": "0000:00:05.0"}, r
paths = sorted(d["host_path"] for d in r["devices"])
assert paths == sorted(["/dev/vfio/vfio", "/dev/vfio/" + sys.argv[2]]), paths
PY
! $K allocate example.com/edu 1 >/dev/null 2>&1 || fail "allocated the edu device twice"
$K restart
for i in $(seq 1000); do [ "$(grep -c "registered with kubelet" $SIMROOT/serve.log)" = 2 ] && break; sleep 0.01; done
[ "$(grep -c "registered with kubelet" $SIMROOT/serve.log)" = 2 ] || fail "no second registration: $(cat $SIMROOT/serve.log)"
kill $gs $ks; wait $gs $ks 2>/dev/null || true
# the end state the real kernel left (tests/vm/golden, from the guest)
source tests/vm/state.sh
diff -u tests/vm/golden/s-serve.state <(state_dump $SIMROOT) || fail "simfs and the real kernel disagree"

'
