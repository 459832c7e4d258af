#!/bin/bash
# Fabric Manager partitions on h100-hgx-8x in vm-passthrough (issue 20),
# FM being tests/fakefm (HGX H100 8-GPU table): check reports the table;
# VMs of 4 and 2 GPUs get whole partitions, active while the VM holds its
# GPUs (kubelet-stub launch-vm --hold); a 4-GPU request beyond the free
# GPUs is refused by kubelet while 2 GPUs still fit as a partition; a set
# that is no partition is refused by Allocate; stopping a VM deactivates
# its partition; serve and FM restarts keep FM's active list right.  FM
# lists GPUs by module ID only here, the config names them
# (t-serve-fabric-faults: FM naming them by PCI address).
source "$(dirname "$0")/lib.sh"

tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh; source tests/it/fabric-lib.sh
initd_seam
fm_setup
fm_by_module
K="build/kubelet-stub --root $SIMROOT"
R=nvidia.com/GH100_H100_SXM5_80GB
gi apply 2>$SIMROOT/apply.log || fail "apply: $(cat $SIMROOT/apply.log)"
gi check --json >$SIMROOT/check.json 2>/dev/null || fail "check"
/usr/bin/python3 - $SIMROOT/check.json <<PY || fail "check --json: $(cat $SIMROOT/check.json)"
import json, sys
f = json.load(open(sys.argv[1]))["fabric"]
assert f["code"] == "FM_OK" and f["nvswitches"] == 4, f
p = {x["id"]: x for x in f["partitions"]}
assert len(p) == 15 and sorted(p[1]["gpus"]) == ["0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0", "0000:5d:00.0"], p[1]
assert p[5]["gpus"] == ["0000:9a:00.0", "0000:9b:00.0"] and not any(x["active"] for x in p.values())
PY

$K serve 2>$SIMROOT/kstub.log & ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock
serve
wait_allocatable 8

# two VMs: 4 GPUs get partition 1 (both 4s whole: the lower ID), 2 GPUs
# the pair 5 = 9a+9b (one IOMMU group) in the other 4
vm a 4
wait_active "1"
grep -q "bus=.0x3a." $SIMROOT/a.out || fail "VM a has not GPU 3a"
# 3 of the 4 free GPUs span partitions 5 and 6: Allocate refuses them
if out=$($K launch-vm $R 3 --pod split 2>&1); then fail "3 GPUs across partitions allocated: $out"; fi
case $out in *"not one NVLink partition"*) ;; *) fail "split refused for another reason: $out" ;; esac
wait_active "1"
vm b 2
wait_active "1 5"
wait_held "1:running 5:running"
# a third 4-GPU VM: kubelet has 2 GPUs left (unavailable); 2 still fit
if out=$($K launch-vm $R 4 --pod c 2>&1); then fail "a third 4-GPU VM started: $out"; fi
case $out in *"requested number of devices unavailable"*) ;; *) fail "4 GPUs: $out" ;; esac
vm d 2
wait_active "1 5 6"

# stopping a VM deactivates its partition
stop_vm b
wait_active "1 6"
wait_held "1:running 6:running"

# serve restarts: the list stays; a VM that ended meanwhile loses its partition
kill $gs; wait $gs || true
stop_vm d
serve
wait_active "1"
wait_held "1:running"

# FM restarts (resiliency mode): serve gives it the list again
fm_restart
wait_active "1"
grep -q "set-activated 1 0" $FAKEFM_STATE.calls || fail "no fmSetActivatedFabricPartitions: $(cat $FAKEFM_STATE.calls)"
grep -q "awaiting 0" $FAKEFM_STATE || fail "FM still waits for its list"
stop_vm a
wait_active ""
wait_held ""

kill $gs $ks; wait $gs $ks || true
! grep -E "AddressSanitizer|runtime error" $SIMROOT/serve.log || fail "sanitizer: $(cat $SIMROOT/serve.log)"
' || fail "fabric partitions"
echo "PASS t-serve-fabric"
