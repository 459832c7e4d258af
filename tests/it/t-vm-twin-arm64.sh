#!/bin/bash
# simfs twins of the arm64 guest scenarios (tests/vm/arm64/a-*.sh): each
# body runs here unchanged (tests/it/vm-twin-lib.sh), once per entry of
# its `# matrix:` line, on the fixture its `# twin:` line names for that
# kernel and firmware -- fixtures/TWIN-<kernel>[-acpi].json, kernel 6.12
# for trixie, 7.3 for trixie-backports, -acpi for uefi; read from those
# guests (fixtures/gen-fixtures.py qemu_virt) -- and the end state must be
# the one the real kernel left, tests/vm/golden/<scenario>@<kernel>.state
# (written by tests/vm/run-arm64.sh from the guest's state_dump).
source "$(dirname "$0")/lib.sh"

n=0
for t in tests/vm/arm64/a-*.sh; do
	name=$(basename "$t" .sh)
	twin=$(sed -n 's/^# twin: //p' "$t")
	[ -n "$twin" ] || fail "$t: no '# twin:' line"
	for entry in $(sed -n 's/^# matrix: //p' "$t"); do
		case ${entry%/*} in
		trixie) k=6.12 ;;
		trixie-backports) k=7.3 ;;
		*) fail "$t: matrix entry $entry: unknown suite" ;;
		esac
		acpi=
		[ "${entry#*/}" = dt ] || acpi=-acpi
		fx=fixtures/$twin-$k$acpi.json
		golden=tests/vm/golden/$name@$k.state
		[ -e "$fx" ] || fail "$t ($entry): no fixture $fx"
		[ -e "$golden" ] || fail "$t ($entry): no golden $golden (tests/vm/run-arm64.sh with VM_UPDATE_GOLDEN=1)"
		echo "== $name on $fx"
		T=$t G=$golden tests/simnode run --uevents "$fx" -- bash -c '
		source tests/it/lib.sh; source tests/it/initd-lib.sh
		initd_seam
		VM_LIB=tests/it/vm-twin-lib.sh
		. "$T"
		# the guest powers off; here what a body left running stops
		# (a-serve: vm-twin-lib.sh execs both servers in their jobs)
		[ -z "$(jobs -p)" ] || kill $(jobs -p)
		wait 2>/dev/null || true
		# the end state the real kernel left (tests/vm/golden, from the guest)
		source tests/vm/state.sh
		diff -u "$G" <(cat $SIMROOT/run/vm-state.extra 2>/dev/null; state_dump $SIMROOT) || fail "simfs and the real kernel disagree ($G)"
		'
		n=$((n + 1))
	done
done
[ $n -ge 8 ] || fail "only $n twin runs"
echo "ok: $n arm64 twin runs agree with the guests"
