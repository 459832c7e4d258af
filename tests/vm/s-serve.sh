# Scenario 5: gpu-initd serve registers with kubelet-stub (both static, both
# in the guest) over the real device-plugin gRPC API; kubelet-stub allocate
# gets the edu device with KubeVirt's env variable and the VFIO device nodes
# (exactly those, and not twice); after a kubelet restart serve registers
# again and the device is allocatable again.
# One body for both environments (tests/vm/lib.sh): the twin on simfs,
# tests/it/t-vm-twin-serve.sh, sources this file (and stops the two
# servers this body leaves running).
# qemu: -device edu,addr=05.0
. "${VM_LIB:-/lib.sh}"
bdf=0000:00:05.0
R=$ROOT/run
config_passthrough 1234:11e8 1234:11e8 example.com/edu
kubelet_stub serve 2>$R/kstub.log &
i=0
while [ ! -S $ROOT/var/lib/kubelet/device-plugins/kubelet.sock ]; do
	i=$((i + 1)); [ $i -lt 500 ] || fail "no kubelet.sock"; sleep 0.02
done
expect_exit 0 gpu_initd apply
g=$(group_of $bdf)
gpu_initd serve 2>$R/serve.log &
wait_allocatable() { # N
	i=0
	until kubelet_stub status --json >$R/status.json 2>/dev/null &&
		flat $R/status.json | grep -q "\"allocatable\":{\"example.com/edu\":\"$1\"}"; do
		i=$((i + 1)); [ $i -lt 500 ] || { cat $R/status.json $R/serve.log $R/kstub.log; fail "edu allocatable never $1"; }
		sleep 0.02
	done
}
wait_allocatable 1
cat $R/status.json
kubelet_stub allocate example.com/edu 1 >$R/alloc.json || { cat $R/serve.log; fail "allocate"; }
cat $R/alloc.json
# KubeVirt's env variable, the only one
flat $R/alloc.json | grep -q '"envs":{"PCI_RESOURCE_EXAMPLE_COM_EDU":"0000:00:05.0"}' || fail "not KubeVirt's env (only) for the edu device"
# the container and group nodes, exactly those
paths=$(grep -o '"host_path":"[^"]*"' $R/alloc.json | LC_ALL=C sort | tr '\n' ' ')
[ "$paths" = "\"host_path\":\"/dev/vfio/$g\" \"host_path\":\"/dev/vfio/vfio\" " ] || fail "device specs: $paths"
! kubelet_stub allocate example.com/edu 1 >/dev/null 2>&1 || fail "allocated the edu device twice"
# kubelet restarts (every socket in the plugin dir removed): gpu-initd serve
# sees kubelet.sock come back (inotify) and registers again
kubelet_stub restart
i=0
until [ "$(grep -c 'registered with kubelet' $R/serve.log)" = 2 ]; do
	i=$((i + 1)); [ $i -lt 500 ] || { cat $R/serve.log; fail "no second registration after the kubelet restart"; }
	sleep 0.02
done
wait_allocatable 1
