#!/bin/bash
# gpu-initd serve under load and hostile device IDs, against the Python
# grpcio kubelet (tests/it/serve_load.py has the cases).
source "$(dirname "$0")/lib.sh"
source tests/it/serve-lib.sh
serve_stubs
for c in hostile_ids load; do
	serve_py fixtures/h100-hgx-8x.json tests/it/serve_load.py $c || fail "case $c"
done
