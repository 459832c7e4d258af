#!/bin/bash
# The declarative simulated-node tests: each folder of tests/cases is one
# case (as kmod's testsuite has a rootfs and a correct.txt per test):
#   fixture      the fixtures/NAME.json the node is built from (one word)
#   cmd          gpu-initd command lines, one a line (`apply`, `check --json`)
#   config.json  optional: given as --config to every line
#   control      optional: lines written to simfs's .simfs/control first
#   expect.txt   the exit code and sysfs writes of each line, the driver
#                changes, vfio nodes, modules, mdevs, check reasons and
#                status.json, as this runner prints them (see node_report)
#   expect.json  optional: contained in the first line's stdout (jcheck --subset)
#   expect.jcheck optional: jcheck expressions, one a line, true of that stdout
# Usage: t-cases.sh [NAME-GLOB]; CASES=GLOB through tests/it/run.sh.
# BLESS=1 writes expect.txt from what the case did (read it before you
# commit it).  Outputs go to build/it/cases/NAME/.
source "$(dirname "$0")/lib.sh"

# Inside the node (tests/simnode run ... t-cases.sh --in CASE OUT).
if [ "${1:-}" = --in ]; then
	source tests/it/initd-lib.sh
	initd_seam
	case=$2 out=$3
	drivers() {
		local d
		for d in "$SIMROOT"/sys/bus/pci/devices/*; do echo "$(basename "$d") $(drv "$(basename "$d")")"; done
	}
	drivers >"$out/drivers.before"
	if [ -f "$case/control" ]; then
		while read -r l; do echo "$l" >"$SIMFS/.simfs/control"; done <"$case/control"
	fi
	cfg=()
	[ -f "$case/config.json" ] && cfg=(--config "$case/config.json")
	n=0
	while read -r line <&3; do
		case $line in '' | '#'*) continue ;; esac
		n=$((n + 1))
		w0=$(stat_get writes)
		rc=0
		read -ra words <<<"$line"
		gi "${cfg[@]}" "${words[@]}" </dev/null >"$out/out.$n" 2>"$out/err.$n" || rc=$?
		echo "\$ gpu-initd $line"
		echo "exit $rc writes $(($(stat_get writes) - w0))"
		# check --json: its reason codes
		if tests/it/jcheck.py "$out/out.$n" '"reasons" in .' 2>/dev/null; then
			tests/it/jcheck.py "$out/out.$n" --get '["reason %s %s" % (r.code, r.device or "-") for r in .reasons]'
		fi
	done 3<"$case/cmd" >"$out/got.txt"
	{
		# the node after the last line
		drivers | join -a 2 -e '(new)' -o 1.2,0,2.2 "$out/drivers.before" - |
			awk '$1 != $3 { print "driver " $2 " " $1 " -> " $3 }'
		join -v 1 "$out/drivers.before" <(drivers) | awk '{ print "driver " $1 " " $2 " -> (gone)" }'
		echo "vfio $(ls "$SIMROOT/dev/vfio" | { grep -vx vfio || true; } | sort -n | tr '\n' ' ')"
		echo "modules $(cut -d' ' -f1 "$SIMROOT/proc/modules" | sort | tr '\n' ' ')"
		mdev_list | sort | sed 's/^/mdev /'
		st=$SIMROOT/run/gpu-initd/status.json
		if [ -e "$st" ]; then
			tests/it/jcheck.py "$st" --get '"status mode %s ready %s" % (.mode, json.dumps(.ready))'
			tests/it/jcheck.py "$st" --get '["status %s %s %s %s" % (x.bdf, x.state, x.get("driver", "-"), " ".join(x.get("reasons", []))) for x in .devices]'
			tests/it/jcheck.py "$st" --get '["status vgpus %s %s x%d" % (t, s, [(v.type, v.state) for v in d.get("vgpus", [])].count((t, s))) for t, s in sorted(set((v.type, v.state) for v in d.get("vgpus", [])))]'
		fi
		[ -e "$SIMROOT/run/gpu-initd/ready" ] && echo "ready" || echo "not ready"
	} >>"$out/got.txt"
	sed -i 's/ *$//' "$out/got.txt"
	cp "$out/out.1" "$out/first.out"
	exit 0
fi

only=${1:-${CASES:-*}}
pass=0
for c in tests/cases/$only/; do
	[ -f "$c/cmd" ] || continue
	name=$(basename "$c")
	out=$TOP/build/it/cases/$name
	rm -rf "$out" && mkdir -p "$out"
	start=$(date +%s%N)
	fixture=fixtures/$(cat "$c/fixture").json
	[ -f "$fixture" ] || fail "$name: no $fixture"
	tests/simnode run "$fixture" -- bash tests/it/t-cases.sh --in "$TOP/$c" "$out" ||
		fail "$name: the case did not run (build/it/cases/$name/err.*)"
	if [ "${BLESS:-}" = 1 ]; then
		cp "$out/got.txt" "$c/expect.txt"
		echo "$name: wrote $c/expect.txt"
	fi
	diff -u "$c/expect.txt" "$out/got.txt" || fail "$name: node state differs from expect.txt (-expected +got; stderr in build/it/cases/$name/err.*)"
	if [ -f "$c/expect.json" ]; then
		tests/it/jcheck.py "$out/first.out" --subset "$c/expect.json" || fail "$name: expect.json"
	fi
	if [ -f "$c/expect.jcheck" ]; then
		mapfile -t exprs < <(grep -v '^\s*\(#\|$\)' "$c/expect.jcheck")
		tests/it/jcheck.py "$out/first.out" "${exprs[@]}" || fail "$name: expect.jcheck"
	fi
	ms=$((($(date +%s%N) - start) / 1000000))
	printf '  case %-32s ok (%d.%03ds)\n' "$name" $((ms / 1000)) $((ms % 1000))
	pass=$((pass + 1))
done
[ $pass -gt 0 ] || fail "no case matches tests/cases/$only"
echo "cases: $pass passed"
