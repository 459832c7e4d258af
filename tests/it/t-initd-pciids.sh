#!/bin/bash
# pci.ids is opened only when a device has no other name (issue 19): on
# h100-hgx-8x, with a pci.ids under the root, check, apply, serve, status
# and kubevirt-config never open it (strace of every open: the test fails
# on any open of a path ending in pci.ids); a check naming an NVSwitch,
# which the built-in table lacks, opens it and gets its name (so the strace
# can see the open when it happens); serve on a plain tree of GPUs the
# table lacks (Tesla P40) advertises them under their pci.ids name.
source "$(dirname "$0")/lib.sh"

tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
mkdir -p $SIMROOT/usr/share/misc
printf "10de  NVIDIA Corporation\n\t1b38  GP102GL [Tesla P40]\n\t22a3  GH100 [H100 NVSwitch]\n\t2330  GH100[H100 SXM5 80GB]\n" >$SIMROOT/usr/share/misc/pci.ids
T=$SIMROOT/trace; mkdir -p $T
# st NAME CMD...: CMD under strace, every open of every thread and child
# (LeakSanitizer cannot run under ptrace: off in this test, ASan build)
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
st() { local n=$1; shift; strace -f -qq -e trace=open,openat,openat2 -o $T/$n "$@"; }
# sgi NAME ARGS...: gi (gpu-initd under the module trap) under strace
sgi() { local n=$1; shift; st $n "$KMOD_TRAP" --control "$SIMFS/.simfs/control" -- "$GPU_INITD" --root "$SIMROOT" "$@"; }
# never NAME: the trace saw opens, none of them of pci.ids
never() {
	grep -q "open" $T/$1 || fail "$1: strace recorded no open (the test could not see pci.ids)"
	if grep "pci\.ids" $T/$1; then fail "$1 opened pci.ids"; fi
}
sgi check check --json >$SIMROOT/c.json || true
grep -q "\"resource\":\"nvidia.com/GH100_H100_SXM5_80GB\",\"resource_source\":\"builtin\"" $SIMROOT/c.json || fail "check names: $(cat $SIMROOT/c.json)"
never check
sgi apply --config <(echo "{\"devices\": [\"0000:2a:00.0\", \"0000:3a:00.0\", \"0000:5d:00.0\", \"0000:ba:00.0\"]}") apply 2>$SIMROOT/apply.log || fail "apply: $(cat $SIMROOT/apply.log)"
never apply
expect_drv 0000:2a:00.0 vfio-pci

K="build/kubelet-stub --root $SIMROOT"
$K serve 2>$SIMROOT/kstub.log & ks=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock
strace -f -qq -e trace=open,openat,openat2 -o $T/serve "$GPU_INITD" --root $SIMROOT serve 2>$SIMROOT/serve.log & gs=$!
for i in $(seq 1000); do
	n=$(kstub_count allocatable nvidia.com/GH100_H100_SXM5_80GB)
	[ "$n" = 4 ] && break
	sleep 0.01
done
[ "$n" = 4 ] || fail "serve: allocatable $n, expected 4: $(cat $SIMROOT/serve.log)"
st status "$GPU_INITD" --root $SIMROOT status --json >$SIMROOT/status.json
grep -q "\"resource\":\"nvidia.com/GH100_H100_SXM5_80GB\"" $SIMROOT/status.json || fail "status: $(cat $SIMROOT/status.json)"
never status
st kubevirt "$GPU_INITD" --root $SIMROOT kubevirt-config >$SIMROOT/kv.yaml
grep -q "GH100_H100_SXM5_80GB" $SIMROOT/kv.yaml || fail "kubevirt-config: $(cat $SIMROOT/kv.yaml)"
never kubevirt
# $gs is strace: end the serve it runs (strace then exits with it)
kill $(pgrep -P $gs) 2>/dev/null; wait $gs 2>/dev/null || true
kill $ks; wait $ks 2>/dev/null || true
never serve

# an NVSwitch has no built-in name: check opens pci.ids for it
echo "{\"devices\": [\"10de:22a3\"]}" >$SIMROOT/nvswitch.json
sgi nvswitch --config $SIMROOT/nvswitch.json check --json >$SIMROOT/c.json || fail "NVSwitch check: $(cat $SIMROOT/c.json)"
grep -q "\"resource\":\"nvidia.com/GH100_H100_NVSWITCH\",\"resource_source\":\"pci.ids\"" $SIMROOT/c.json || fail "NVSwitch name: $(cat $SIMROOT/c.json)"
grep -q "pci\.ids" $T/nvswitch || fail "the NVSwitch check named it from pci.ids without an open the trace saw"

# serve on a plain tree of two Tesla P40s (not in the built-in table)
tree=$SIMROOT/p40
/usr/bin/python3 bench/plugin/gen-tree.py 2 $tree 1b38
mkdir -p $tree/usr/share/misc && cp $SIMROOT/usr/share/misc/pci.ids $tree/usr/share/misc/
"$GPU_INITD" --root $tree serve 2>$SIMROOT/p40.log & gs=$!
wait_for $tree/var/lib/kubelet/device-plugins/gpu-initd-nvidia.com_GP102GL_TESLA_P40.sock
"$GPU_INITD" --root $tree status --json >$SIMROOT/p40.json
grep -q "\"resource\":\"nvidia.com/GP102GL_TESLA_P40\"" $SIMROOT/p40.json || fail "P40 status: $(cat $SIMROOT/p40.json)"
kill $gs; wait $gs 2>/dev/null || true
'
