#!/bin/bash
# gpu-initd serve, passthrough on h100-hgx-8x, against a Python grpcio
# kubelet (tests/it/serve_passthrough.py has the cases).
source "$(dirname "$0")/lib.sh"
source tests/it/serve-lib.sh
serve_stubs
for c in registration_and_allocate health_and_hotplug kubelet_restarts kubelet_late; do
	serve_py fixtures/h100-hgx-8x.json tests/it/serve_passthrough.py $c || fail "case $c"
done
tests/simnode run fixtures/h100-hgx-8x.json -- /usr/bin/python3 tests/it/serve_passthrough.py rescan_without_uevents ||
	fail "case rescan_without_uevents"
