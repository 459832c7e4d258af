#!/bin/sh
# Runs each cmocka unit test binary; prints one summary line and fails if any
# test failed.  Usage: run-unit.sh BINARY...
# RUN_UNIT_WRAP: a command each binary runs under (mk/arm64.mk: qemu-aarch64).
pass=0; fail=0
for t in "$@"; do
	# shellcheck disable=SC2086
	if out=$(${RUN_UNIT_WRAP:-} "$t" 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "$out"
		echo "FAILED: $t"
	fi
	echo "$out" | grep -E '^\[  (PASSED|FAILED)  \]' | sed "s|^|$(basename "$t"): |"
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
