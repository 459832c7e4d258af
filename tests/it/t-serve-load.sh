#!/bin/bash
# gpu-initd serve under load and hostile device IDs, against the Python
# grpcio kubelet (tests/it/serve_load.py has the cases).  load: 4 rounds of
# 200 connections and 5,000 calls, 10 with FULL=1 (make check-full); RSS
# must stay near the start and level off (round 3 -> last within 512 kB).
source "$(dirname "$0")/lib.sh"
source tests/it/serve-lib.sh
serve_stubs
export ROUNDS=4
[ "${FULL:-}" = 1 ] && ROUNDS=10
for c in hostile_ids load; do
	serve_py fixtures/h100-hgx-8x.json tests/it/serve_load.py $c || fail "case $c"
done
