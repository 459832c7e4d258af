#!/bin/bash
# Runs the simulated-node tests (tests/it/t-*.sh).  Each test is a bash
# script that exits 0 on success; it runs inside its own private mount and
# network namespace (tests/simnode does that).  FULL=1 selects the long ones.
# Usage: run.sh [GLOB] (default t-*); with SANITIZER_LOGS=DIR set, any
# sanitizer report written there (ASAN_OPTIONS=log_path=...) fails the run.
set -u
cd "$(dirname "$0")/../.."
pass=0; fail=0; failed=()
# the FULL=1 sweeps run for long
limit=600
[ "${FULL:-}" = 1 ] && limit=14400
for t in tests/it/${1:-t-*}.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	log=build/it/$name.log
	mkdir -p build/it
	start=$(date +%s%N)
	if timeout $limit bash "$t" >"$log" 2>&1; then
		pass=$((pass + 1)); res=ok
	else
		fail=$((fail + 1)); res=FAIL; failed+=("$name")
		tail -n 40 "$log" | sed "s/^/  $name| /"
	fi
	ms=$((($(date +%s%N) - start) / 1000000))
	printf '%-40s %s (%d.%03ds)\n' "$name" "$res" $((ms / 1000)) $((ms % 1000))
done
if [ -n "${SANITIZER_LOGS:-}" ] && [ -n "$(ls -A "$SANITIZER_LOGS" 2>/dev/null)" ]; then
	cat "$SANITIZER_LOGS"/* | head -60
	echo "sanitizer reports in $SANITIZER_LOGS"
	fail=$((fail + 1))
fi
echo "it: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
