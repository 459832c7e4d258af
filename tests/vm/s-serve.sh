# Scenario 5: gpu-initd serve registers with kubelet-stub (both static, both
# in the guest) over the real device-plugin gRPC API; kubelet-stub allocate
# gets the edu device with KubeVirt's env variable and the VFIO device nodes
# (and not twice); after a kubelet restart serve registers again.
# Twin on simfs: tests/it/t-vm-twin-serve.sh.
# qemu: -device edu,addr=05.0
. /lib.sh
bdf=0000:00:05.0
cat >/etc/gpu-initd/config.json <<'JSON'
{ "mode": "vm-passthrough", "devices": ["1234:11e8"],
  "resource-names": { "1234:11e8": "example.com/edu" } }
JSON
kubelet-stub serve 2>/tmp/kstub.log &
i=0
while [ ! -S /var/lib/kubelet/device-plugins/kubelet.sock ]; do
	i=$((i + 1)); [ $i -lt 500 ] || fail "no kubelet.sock"; sleep 0.02
done
expect_exit 0 gpu-initd apply
g=$(group_of $bdf)
gpu-initd serve 2>/tmp/serve.log &
i=0
until kubelet-stub status --json >/tmp/status.json 2>/dev/null &&
	flat /tmp/status.json | grep -q '"allocatable":{"example.com/edu":"1"}'; do
	i=$((i + 1)); [ $i -lt 500 ] || { cat /tmp/status.json /tmp/serve.log /tmp/kstub.log; fail "edu never allocatable"; }
	sleep 0.02
done
cat /tmp/status.json
kubelet-stub allocate example.com/edu 1 >/tmp/alloc.json || { cat /tmp/serve.log; fail "allocate"; }
cat /tmp/alloc.json
flat /tmp/alloc.json | grep -q '"PCI_RESOURCE_EXAMPLE_COM_EDU":"0000:00:05.0"' || fail "no KubeVirt env for the edu device"
grep -q "\"/dev/vfio/$g\"" /tmp/alloc.json || fail "no /dev/vfio/$g device spec"
grep -q '"/dev/vfio/vfio"' /tmp/alloc.json || fail "no /dev/vfio/vfio device spec"
wait_allocatable() { # N
	i=0
	until kubelet-stub status --json >/tmp/status.json 2>/dev/null &&
		flat /tmp/status.json | grep -q "\"allocatable\":{\"example.com/edu\":\"$1\"}"; do
		i=$((i + 1)); [ $i -lt 500 ] || { cat /tmp/status.json /tmp/serve.log /tmp/kstub.log; fail "edu allocatable never $1"; }
		sleep 0.02
	done
}
! kubelet-stub allocate example.com/edu 1 >/dev/null 2>&1 || fail "allocated the edu device twice"
# kubelet restarts (every socket in the plugin dir removed): gpu-initd serve
# sees kubelet.sock come back (inotify) and registers again
kubelet-stub restart
i=0
until [ "$(grep -c 'registered with kubelet' /tmp/serve.log)" = 2 ]; do
	i=$((i + 1)); [ $i -lt 500 ] || { cat /tmp/serve.log; fail "no second registration after the kubelet restart"; }
	sleep 0.02
done
wait_allocatable 1
