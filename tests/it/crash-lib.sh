# SPDX-License-Identifier: GPL-2.0-or-later
# The crash-consistency sweep of t-initd-crash*.sh (source after lib.sh).
# The caller defines node_run FAULT N: a fresh node, apply with FAULT at
# its Nth sysfs write (initd-lib.sh's fault_at; N 0: no fault), apply
# again, then print the node state and check's verdict; INJECTED on a line
# of its own when the fault fired.  CLEAN_MUST_PASS=1: the clean apply must
# exit 0.
FAULTS_FULL="stall fail:EBUSY fail:EINVAL fail:ENODEV fail:EIO fail:ENOMEM fail:EAGAIN fail:EPERM"
FAULT_ERRNOS=(EBUSY EINVAL ENODEV EIO ENOMEM EAGAIN EPERM)
kills=0 fails=0

# sweep LABEL FAULT...: for each FAULT, N = 1, 2, ... until the apply ends
# before its Nth write; every run must print what the clean run printed.
# FAULT "fail:each" takes the errnos in turn, one per N.
sweep() {
	local label=$1 ref out got fault f n
	shift
	ref=$(node_run stall 0) || fail "$label: clean run"
	if [ -n "${CLEAN_MUST_PASS:-}" ] && ! grep -q '^rc 0$' <<<"$ref"; then
		fail "$label: clean run: $ref"
	fi
	if grep -q '^rc 0$' <<<"$ref" && ! grep -q '^check rc 0$' <<<"$ref"; then
		fail "$label: check does not pass after a clean apply: $ref"
	fi
	for fault in "$@"; do
		for ((n = 1; n < 300; n++)); do
			f=$fault
			[ "$f" = fail:each ] && f=fail:${FAULT_ERRNOS[n % ${#FAULT_ERRNOS[@]}]}
			out=$(node_run $f $n) || fail "$label: run with $f at write $n"
			grep -q '^INJECTED$' <<<"$out" || break
			got=$(grep -v '^INJECTED$' <<<"$out")
			if [ "$got" != "$ref" ]; then
				diff <(echo "$ref") <(echo "$got") || true
				fail "$label: $f at write $n, the next apply did not converge"
			fi
			if [ $f = stall ]; then kills=$((kills + 1)); else fails=$((fails + 1)); fi
		done
		if [ $n = 1 ]; then
			echo "$label: apply makes no sysfs write, nothing to fault"
			break
		fi
		echo "$label: $fault at each of writes 1..$((n - 1)): converged, check as after a clean apply"
	done
}

sweep_totals() {
	echo "faults injected: $((kills + fails)) ($kills SIGKILLs at a stalled write, $fails failed writes);" \
		"crashes survived: $kills; every next apply converged"
}
