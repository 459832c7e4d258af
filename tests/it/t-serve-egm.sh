#!/bin/bash
# serve on a GB200 tray (issue 22): an Allocate holding every GPU of an EGM
# region gets its /dev/egmN, no other Allocate does (one GPU of a region,
# and kubelet-stub's launch-vm accepts the result; ListAndWatch gives each
# GPU its socket's NUMA node.  (A region split
# between pods is held by the unit test: kubelet-stub picks the devices.)
source "$(dirname "$0")/lib.sh"

for run in pairs split; do
tests/simnode run --uevents fixtures/gb200-4x-egm.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
K="build/kubelet-stub --root $SIMROOT"
R=nvidia.com/GB100_GB200
allocatable() {
	$K status --json 2>/dev/null | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[\"status\"][\"allocatable\"].get(sys.argv[1], 0))" "$1" 2>/dev/null || echo 0
}
$K serve 2>$SIMROOT/kstub.log & ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock
gi apply 2>$SIMROOT/apply.log || fail "apply: $(cat $SIMROOT/apply.log)"
build/gpu-initd --root $SIMROOT serve 2>$SIMROOT/serve.log & gs=$!
for i in $(seq 1000); do [ "$(allocatable $R)" = 4 ] && break; sleep 0.01; done
[ "$(allocatable $R)" = 4 ] || fail "4 GB200 allocatable: $(allocatable $R)"
# egm DEVICES-JSON: the /dev/egm* host paths of an allocate output
egm() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(\" \".join(x[\"host_path\"] for x in d[\"response\"][\"devices\"] if x[\"host_path\"].startswith(\"/dev/egm\")) or \"-\")"; }
devs() { /usr/bin/python3 -c "import json,sys; print(\",\".join(json.load(sys.stdin)[\"devices\"]))"; }
# ListAndWatch: each GPU with its socket'"'"'s NUMA node (the PCI device'"'"'s
# numa_node, as NVIDIA'"'"'s plugin advertises Topology.Nodes)
$K status --json >$SIMROOT/st.json
/usr/bin/python3 -c "
import json,sys; st=json.load(open(sys.argv[1]))
r=[x for x in st[\"resources\"] if x[\"name\"]==sys.argv[2]][0]
numa={d[\"id\"]: d.get(\"numa\") for d in r[\"devices\"]}
assert numa=={\"0008:01:00.0\":0,\"0009:01:00.0\":0,\"0018:01:00.0\":1,\"0019:01:00.0\":1}, numa
" $SIMROOT/st.json $R || fail "NUMA nodes: $(cat $SIMROOT/st.json)"
if [ "$1" = pairs ]; then
	# two GPUs: the preferred allocation keeps them on one socket: its region
	for pod in two four; do
		$K allocate $R 2 --pod $pod >$SIMROOT/a.json || fail "allocate 2"
		case "$(devs <$SIMROOT/a.json) $(egm <$SIMROOT/a.json)" in
		"0008:01:00.0,0009:01:00.0 /dev/egm2" | "0018:01:00.0,0019:01:00.0 /dev/egm3") ;;
		*) fail "two GPUs of a socket: $(cat $SIMROOT/a.json)" ;;
		esac
	done
else
	# KubeVirt'"'"'s side takes a socket'"'"'s pair with its EGM
	$K launch-vm $R 2 --pod vm >$SIMROOT/vm.xml 2>$SIMROOT/vm.err || fail "launch-vm 2: $(cat $SIMROOT/vm.err)"
	[ "$(grep -c "<hostdev " $SIMROOT/vm.xml)" = 2 ] || fail "two hostdevs: $(cat $SIMROOT/vm.xml)"
	# one GPU of the other socket, then its other GPU for another pod:
	# neither holds the whole region
	$K allocate $R 1 --pod one >$SIMROOT/a1.json || fail "allocate 1"
	[ "$(egm <$SIMROOT/a1.json)" = - ] || fail "one GPU of a region got EGM: $(cat $SIMROOT/a1.json)"
	$K allocate $R 1 --pod three >$SIMROOT/a3.json || fail "allocate the last GPU"
	[ "$(egm <$SIMROOT/a3.json)" = - ] || fail "a region split between pods got EGM: $(cat $SIMROOT/a3.json)"
fi
kill $gs $ks; wait $gs $ks 2>/dev/null || true
' _ $run
done
