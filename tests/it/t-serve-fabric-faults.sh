#!/bin/bash
# Fabric Manager partitions when things go wrong, on h100-hgx-8x in
# vm-passthrough with tests/fakefm (issue 20):
# - no FM (library missing, FM down, FM not in Shared NVSwitch mode, GPUs
#   not named, the static build): check gives the code and the fix; serve
#   serves as before (2 GPUs too);
# - a GPU with failed NVLinks takes its partitions out (check lists them
#   unsupported; serve never offers or activates them);
# - serve killed between FM's activation and Allocate's answer: the next
#   serve deactivates the partition (no VM got it); killed while a VM runs:
#   the partition stays active.
source "$(dirname "$0")/lib.sh"

tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh; source tests/it/fabric-lib.sh
initd_seam
fm_setup
K="build/kubelet-stub --root $SIMROOT"
R=nvidia.com/GH100_H100_SXM5_80GB
code() { # the fabric code check --json gives, and whether its fix names error 802
	gi check --json 2>/dev/null | /usr/bin/python3 -c "import json,sys; f=json.load(sys.stdin)[\"fabric\"]; print(f[\"code\"], \"fix\" if f[\"code\"] == \"FM_OK\" or \"error 802\" in f[\"fix\"] else \"NOFIX\")"
}
gi apply 2>$SIMROOT/apply.log || fail "apply: $(cat $SIMROOT/apply.log)"

# --- without a usable FM: the code and its fix; serve as before ---------
[ "$(code)" = "FM_OK fix" ] || fail "with FM: $(code)"
[ "$(LD_LIBRARY_PATH= code)" = "FM_LIBRARY_MISSING fix" ] || fail "no library: $(LD_LIBRARY_PATH= code)"
fm_edit "s/^running 1/running 0/"
[ "$(code)" = "FM_UNREACHABLE fix" ] || fail "FM down: $(code)"
fm_edit "s/^running 0/running 1/; s/^mode 1/mode 0/"
[ "$(code)" = "FM_NOT_SHARED_NVSWITCH fix" ] || fail "bare-metal mode: $(code)"
fm_edit "s/^mode 0/mode 1/; s/^identity 1/identity 0/"
[ "$(code)" = "FM_GPUS_UNNAMED fix" ] || fail "GPUs by module ID only: $(code)"
# the config names them: module ID per PCI address (fm_setup map)
cat >$SIMROOT/fmcfg.json <<J
{"fabric-module-ids": {"0000:3a:00.0": 1, "0000:18:00.0": 2, "0000:5d:00.0": 3, "0000:2a:00.0": 4,
 "0000:9a:00.0": 5, "0000:ba:00.0": 6, "0000:9b:00.0": 7, "0000:db:00.0": 8}}
J
gi --config $SIMROOT/fmcfg.json check --json >$SIMROOT/fmcheck.json 2>/dev/null || fail "check with fabric-module-ids"
/usr/bin/python3 - $SIMROOT/fmcheck.json <<PY || fail "module IDs from the config: $(cat $SIMROOT/fmcheck.json)"
import json, sys
f = json.load(open(sys.argv[1]))["fabric"]
p = {x["id"]: x for x in f["partitions"]}
assert f["code"] == "FM_OK" and p[5]["gpus"] == ["0000:9a:00.0", "0000:9b:00.0"], f
PY
# the static gpu-initd (make static; make check builds it) has no dlopen
if [ -x build/static/gpu-initd ]; then
	[ "$(GPU_INITD=$TOP/build/static/gpu-initd code)" = "FM_STATIC_BUILD fix" ] ||
		fail "static build: $(GPU_INITD=$TOP/build/static/gpu-initd code)"
else
	echo "note: no build/static/gpu-initd, its FM_STATIC_BUILD not tested" >&2
fi
fm_edit "s/^identity 0/identity 1/; s/^running 1/running 0/"
$K serve 2>$SIMROOT/kstub.log & ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock
serve
wait_allocatable 8
$K launch-vm $R 2 --pod nofm >$SIMROOT/nofm.xml 2>&1 || fail "2 GPUs without FM: $(cat $SIMROOT/nofm.xml)"
$K launch-vm $R 1 --pod nofm1 >$SIMROOT/nofm1.xml 2>&1 || fail "1 GPU without FM: $(cat $SIMROOT/nofm1.xml)"
grep -q "without Fabric Manager" $SIMROOT/serve.log || fail "no warning for a multi-GPU VM without FM"
[ -z "$(fm_active)" ] || fail "FM changed while down"
kill $gs $ks; wait $gs $ks || true
' || fail "without FM"

tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh; source tests/it/fabric-lib.sh
initd_seam
fm_setup
K="build/kubelet-stub --root $SIMROOT"
R=nvidia.com/GH100_H100_SXM5_80GB
gi apply 2>$SIMROOT/apply.log || fail "apply: $(cat $SIMROOT/apply.log)"

# --- a GPU with failed NVLinks (ba = physical ID 6) ---------------------
fm_edit "\$a failed 0000:ba:00.0"
gi check --json >$SIMROOT/check.json 2>/dev/null || fail "check"
/usr/bin/python3 - $SIMROOT/check.json <<PY || fail "unsupported partitions: $(cat $SIMROOT/check.json)"
import json, sys
f = json.load(open(sys.argv[1]))["fabric"]
bad = sorted(p["id"] for p in f["partitions"] if not p["supported"])
assert f["code"] == "FM_OK" and bad == [0, 2, 6, 12], bad
# FM names a GPU only in supported partitions: ba is in none
six = [p for p in f["partitions"] if p["id"] == 6][0]
assert six["gpus"] == [None, "0000:db:00.0"] and six["physical_ids"] == [6, 8], six
PY
$K serve 2>$SIMROOT/kstub.log & ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock
serve
wait_allocatable 8
# 2 GPUs: the pair inside the broken 2 (9a+9b), so 1 stays whole
vm a 2
wait_active "5"
vm b 4
wait_active "1 5"
# ba alone is no supported partition; db alone is
if out=$($K launch-vm $R 2 --pod c 2>&1); then fail "ba+db (unsupported) allocated: $out"; fi
case $out in *"0000:ba:00.0 is in no partition"*) ;; *) fail "ba+db refused for another reason: $out" ;; esac
vm d 1
wait_active "1 5 14"
wait_held "14:running 1:running 5:running"
grep -q "bus=.0xdb." $SIMROOT/d.out || fail "the 1-GPU VM is not on db: $(cat $SIMROOT/d.out)"

stop_vm a; stop_vm b; stop_vm d
wait_active ""
kill $gs $ks; wait $gs $ks || true
' || fail "NVLink failure"

tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh; source tests/it/fabric-lib.sh
initd_seam
fm_setup
K="build/kubelet-stub --root $SIMROOT"
R=nvidia.com/GH100_H100_SXM5_80GB
gi apply 2>$SIMROOT/apply.log || fail "apply: $(cat $SIMROOT/apply.log)"
$K serve 2>$SIMROOT/kstub.log & ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock

# --- serve killed between FM activation and the answer -----------------
FAKEFM_STALL_ACTIVATE=$SIMROOT/stalled $GPU_INITD --root $SIMROOT -v serve 2>>$SIMROOT/serve.log & gs=$!
wait_allocatable 8
$K launch-vm $R 2 --pod e >$SIMROOT/e.out 2>&1 & e=$!
wait_for $SIMROOT/stalled 1000
wait_active "3"
grep -q "^3 pending" $SIMROOT/run/gpu-initd/fabric-partitions || fail "no pending record: $(cat $SIMROOT/run/gpu-initd/fabric-partitions)"
kill -9 $gs; wait $gs || true
wait $e && fail "launch-vm got an answer from a killed serve"
wait_allocatable 0
serve
wait_active ""
grep -q "never answered" $SIMROOT/serve.log || fail "no log of the undone activation"
grep -q "^3 " $SIMROOT/run/gpu-initd/fabric-partitions && fail "the pending record stayed"
# kubelet asks again: the same partition, now for a VM
wait_allocatable 8
vm f 2
wait_active "3"
wait_held "3:running"
# serve killed while the VM runs: the partition stays, and goes with the VM
kill -9 $gs; wait $gs || true
wait_allocatable 0
serve
wait_allocatable 8
wait_held "3:running"
[ "$(fm_active)" = "3" ] || fail "after a crash with a VM running: FM active \"$(fm_active)\""
stop_vm f
wait_active ""
kill $gs $ks; wait $gs $ks || true
' || fail "crash"
echo "PASS t-serve-fabric-faults"
