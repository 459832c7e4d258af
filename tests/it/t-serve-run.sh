#!/bin/bash
# gpu-initd run on h100-hgx-8x: apply binds the GPUs (real libkmod under
# the module trap), then serve registers all 8 with a Python grpcio
# kubelet; SIGTERM ends it with apply's exit status (0).  In container
# mode run applies and does not serve.
source "$(dirname "$0")/lib.sh"
source tests/it/serve-lib.sh
serve_stubs
tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh
source tests/it/initd-lib.sh
initd_seam
/usr/bin/python3 bench/plugin/kubelet.py &
kpid=$!
wait_for $SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock
gi run --rescan 1000 2>$TOP/build/it/t-serve-run.gpu-initd.log &
rpid=$!
S=$SIMROOT/run/gpu-initd/serve.json
for i in $(seq 1 1000); do
	grep -q "\"registered\":true" $S 2>/dev/null && grep -q "\"allocatable\":8" $S && grep -q "\"streams\":1" $S && break
	sleep 0.01
done
grep -q "\"registered\":true" $S && grep -q "\"allocatable\":8" $S || fail "run: not registered with 8 GPUs: $(cat $S 2>&1)"
[ -e $SIMROOT/run/gpu-initd/ready ] || fail "apply did not write ready"
for g in 18 2a 3a 5d 9a 9b ba db; do expect_drv 0000:$g:00.0 vfio-pci; done
spid=$(grep -o "\"pid\":[0-9]*" $S | cut -d: -f2)
kill -TERM $spid
rc=0; wait $rpid || rc=$?
[ $rc = 0 ] || fail "run exited $rc"
[ -z "$(ls $SIMROOT/var/lib/kubelet/device-plugins | grep gpu-initd)" ] || fail "sockets left"
# container mode: apply gives the GPUs back; nothing is served
mkdir -p $SIMROOT/etc/gpu-initd
echo "{\"mode\": \"container\"}" >$SIMROOT/etc/gpu-initd/config.json
expect_rc 0 gi run
expect_drv 0000:18:00.0 nvidia
[ ! -e $S ] || fail "container mode served"
kill -TERM $kpid; wait $kpid || true
'
