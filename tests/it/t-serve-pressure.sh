#!/bin/bash
# gpu-initd serve under pressure (issue 23): at its fd limit, a huge
# Allocate, many unfinished messages, a connection cap
# (tests/it/serve_pressure.py has the cases; FULL=1: the issue's sizes).
source "$(dirname "$0")/lib.sh"
source tests/it/serve-lib.sh
serve_stubs
for c in fdlimit huge memory conncap; do
	serve_py fixtures/h100-hgx-8x.json tests/it/serve_pressure.py $c || fail "case $c"
done
