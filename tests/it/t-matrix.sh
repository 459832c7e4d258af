#!/bin/bash
# The simulated-node matrix: every fixture x every mode (vm-passthrough,
# container, vm-vgpu) x every starting state of the node:
#   fresh    as the fixture boots;
#   applied  `gpu-initd apply` already ran: the measured run must write
#            nothing and end in the same state as from fresh;
#   half     an apply killed at the middle sysfs write of a clean apply
#            (fault_at stall): the measured run must end in the same state.
# Each cell is one simulated node: `gpu-initd check`, then `gpu-initd run`
# (apply + serve) against `kubelet-stub serve`, then the verdict from
# kubelet-stub (allocatable per resource, `launch-vm RESOURCE 1`), from
# sysfs (GPU drivers, vGPUs: mdevs and VFs' current_vgpu_type), from the
# exit statuses of check and run, and from simfs's write counter.  A mode
# a fixture cannot be put in must be refused by check and run with the
# reason named and no sysfs write: that is the cell's expected outcome.
# make check runs a slice; FULL=1 (make check-full) every cell.
# Internally: t-matrix.sh --cell FIXTURE MODE STATE N runs one cell inside
# tests/simnode and prints "RESULT key=value...".
source "$(dirname "$0")/lib.sh"

# expect FIXTURE MODE: "RC RESOURCE COUNT GPU-DRIVERS VGPUS REASON"
# RC: exit status of check and run; RESOURCE COUNT: the only gpu-initd
# resource with something allocatable (- 0: none); GPU-DRIVERS: the GPUs'
# (physical functions') drivers as DRIVER:N,...; VGPUS: vGPUs in sysfs;
# REASON: what the refusal must name, _ for spaces (-: none).
expect() {
	case $1:$2 in
	h100-hgx-8x:vm-passthrough) echo "0 nvidia.com/GH100_H100_SXM5_80GB 8 vfio-pci:8 0 -" ;;
	h100-hgx-8x:vm-vgpu) echo "0 nvidia.com/NVIDIA_H100XM-10C 64 nvidia:8 64 -" ;;
	h100-hgx-8x:container) echo "0 - 0 nvidia:8 0 -" ;;
	a100-pcie-8x:vm-passthrough) echo "0 nvidia.com/GA100_A100_PCIE_40GB 8 vfio-pci:8 0 -" ;;
	a100-pcie-8x:vm-vgpu) echo "0 nvidia.com/NVIDIA_A100-10C 32 nvidia:8 32 -" ;;
	a100-pcie-8x:container) echo "0 - 0 nvidia:8 0 -" ;;
	t4-4x:vm-passthrough) echo "0 nvidia.com/TU104GL_TESLA_T4 4 vfio-pci:4 0 -" ;;
	t4-4x:vm-vgpu) echo "0 nvidia.com/GRID_T4-4Q 16 nvidia:4 16 -" ;;
	t4-4x:container) echo "0 - 0 nvidia:4 0 -" ;;
	amd-iommu:vm-passthrough) echo "0 nvidia.com/GH100_H100_PCIE 2 vfio-pci:2 0 -" ;;
	amd-iommu:container) echo "0 - 0 nvidia:2 0 -" ;;
	vga-gpu-with-audio:vm-passthrough) echo "0 nvidia.com/GA102GL_RTX_A6000 1 vfio-pci:1 0 -" ;;
	vga-gpu-with-audio:container) echo "0 - 0 nvidia:1 0 -" ;;
	iommu-off:vm-passthrough) echo "1 - 0 nvidia:4 0 iommu-no-acpi-table" ;;
	iommu-off:container) echo "0 - 0 nvidia:4 0 -" ;;
	gpu-shares-group-with-nic:vm-passthrough) echo "1 - 0 nvidia:2 0 group-has-foreign-device" ;;
	gpu-shares-group-with-nic:container) echo "0 - 0 nvidia:2 0 -" ;;
	amd-iommu:vm-vgpu) echo "1 - 0 nvidia:2 0 no_vGPU_host_driver" ;;
	vga-gpu-with-audio:vm-vgpu) echo "1 - 0 nvidia:1 0 no_vGPU_host_driver" ;;
	iommu-off:vm-vgpu) echo "1 - 0 nvidia:4 0 no_vGPU_host_driver" ;;
	gpu-shares-group-with-nic:vm-vgpu) echo "1 - 0 nvidia:2 0 no_vGPU_host_driver" ;;
	vga-gpu-simpledrm:vm-passthrough | vga-gpu-efifb:vm-passthrough) echo "1 - 0 nvidia:1 0 boot-framebuffer" ;;
	vga-gpu-simpledrm:container | vga-gpu-efifb:container) echo "0 - 0 nvidia:1 0 -" ;;
	vga-gpu-simpledrm:vm-vgpu | vga-gpu-efifb:vm-vgpu) echo "1 - 0 nvidia:1 0 no_vGPU_host_driver" ;;
	# Grace (issue 22): Debian's arm64 kernel lacks nvgrace_gpu_vfio_pci
	gh200-1x:vm-passthrough) echo "1 - 0 nvidia:1 0 vfio-driver-missing" ;;
	gh200-1x-nvgrace:vm-passthrough) echo "0 nvidia.com/GH100_GH200_120GB 1 nvgrace_gpu_vfio_pci:1 0 -" ;;
	gh200-1x-no-smmu:vm-passthrough) echo "1 - 0 nvidia:1 0 iommu-no-acpi-table" ;;
	gh200-1x*:container) echo "0 - 0 nvidia:1 0 -" ;;
	gb200-4x-egm:vm-passthrough) echo "0 nvidia.com/GB100_GB200 4 nvgrace_gpu_vfio_pci:4 0 -" ;;
	gb200-4x-egm:container) echo "0 - 0 nvidia:4 0 -" ;;
	gb200-4x-egm:vm-vgpu) echo "1 - 0 nvidia:4 0 no_vGPU_host_driver" ;;
	gh200-1x*:vm-vgpu) echo "1 - 0 nvidia:1 0 no_vGPU_host_driver" ;;
	*) return 1 ;;
	esac
}

# the config of a mode on a fixture (vm-vgpu: the type its GPUs offer)
config() {
	local t=H100XM-10C n=8
	case $1 in
	a100-pcie-8x) t=A100-10C n=4 ;;
	t4-4x) t=T4-4Q n=4 ;;
	esac
	case $2 in
	vm-vgpu) echo "{\"mode\": \"vm-vgpu\", \"vgpu-configs\": {\"default\": [{\"devices\": \"all\", \"vgpu-devices\": {\"$t\": $n}}]}}" ;;
	container) echo '{"mode": "container"}' ;;
	*) echo '{"mode": "vm-passthrough", "devices": "all"}' ;;
	esac
}

# node_facts ROOT: "GPU-DRIVERS VGPUS DIGEST" read from sysfs (one process:
# the h100 node has 100 functions once its VFs are on).  GPU-DRIVERS: the
# NVIDIA display controllers' (not VFs') drivers as DRIVER:N,...; VGPUS:
# mdevs plus VFs with a current_vgpu_type; DIGEST: every function's driver,
# driver_override, sriov_numvfs and vGPU type, the mdevs (UUID, parent,
# type), dev/vfio and the loaded modules -- what must converge.
node_facts() {
	python3 - "$1" <<'PY'
import collections, hashlib, os, sys
root = sys.argv[1]
pci = root + "/sys/bus/pci/devices/"
mdev = root + "/sys/bus/mdev/devices/"
def rd(p):
    try:
        with open(p) as f:
            return f.read().strip()
    except OSError:
        return None
def link(p):
    return os.path.basename(os.readlink(p)) if os.path.islink(p) else "none"
state, drivers, vgpus = [], collections.Counter(), 0
for d in sorted(os.listdir(pci)):
    p = pci + d
    drv = link(p + "/driver")
    vt = rd(p + "/nvidia/current_vgpu_type")
    state.append(" ".join(map(str, (d, drv, rd(p + "/driver_override"), rd(p + "/sriov_numvfs"), vt))))
    if rd(p + "/vendor") == "0x10de" and rd(p + "/class").startswith("0x03") and not os.path.exists(p + "/physfn"):
        drivers[drv] += 1
    vgpus += vt not in (None, "0")
for u in sorted(os.listdir(mdev)) if os.path.isdir(mdev) else []:
    vgpus += 1
    state.append("%s %s %s" % (u, os.path.basename(os.path.dirname(os.readlink(mdev + u))), link(mdev + u + "/mdev_type")))
state.append(" ".join(sorted(os.listdir(root + "/dev/vfio"))))
state.append(" ".join(sorted(l.split()[0] for l in open(root + "/proc/modules"))))
print(",".join("%s:%d" % kv for kv in sorted(drivers.items())), vgpus,
      hashlib.sha256("\n".join(state).encode()).hexdigest()[:12])
PY
}

# --- one cell, inside tests/simnode ------------------------------------------
cell() {
	local fixture=$1 mode=$2 state=$3 n=$4
	source tests/it/initd-lib.sh
	initd_seam
	local rc_want res count_want drivers_want vgpus_want reason
	local e
	e=$(expect "$fixture" "$mode") || fail "no expectation for $fixture in $mode"
	read -r rc_want res count_want drivers_want vgpus_want reason <<<"$e"
	reason=${reason//_/ }
	local cfg=$SIMROOT/etc/gpu-initd/config.json K="build/kubelet-stub --root $SIMROOT"
	mkdir -p "$(dirname "$cfg")"
	config "$fixture" "$mode" >"$cfg"

	local rc=0
	case $state in
	applied)
		gi apply 2>"$SIMROOT/pre.log" || rc=$?
		[ "$rc" = "$rc_want" ] || fail "the first apply exited $rc, expected $rc_want: $(tail -5 "$SIMROOT/pre.log")" ;;
	half) fault_at stall "$n" "$cfg" | grep -qx INJECTED || fail "apply was not stalled at write $n" ;;
	esac

	rc=0
	gi check >"$SIMROOT/check.txt" 2>&1 || rc=$?
	[ "$rc" = "$rc_want" ] || fail "check exited $rc, expected $rc_want: $(tail -5 "$SIMROOT/check.txt")"
	[ "$reason" = - ] || grep -q "$reason" "$SIMROOT/check.txt" || fail "check does not name '$reason': $(cat "$SIMROOT/check.txt")"

	$K serve 2>"$SIMROOT/kstub.log" &
	local ks_pid=$!
	PIDS+=($ks_pid)
	wait_for "$SIMROOT/var/lib/kubelet/device-plugins/kubelet.sock"
	local w0 i gi_pid
	w0=$(stat_get writes)
	# $! is gpu-initd's supervisor itself (it forwards SIGTERM)
	"$KMOD_TRAP" --control "$SIMFS/.simfs/control" -- "$GPU_INITD" --root "$SIMROOT" run >"$SIMROOT/run.log" 2>&1 &
	gi_pid=$!
	PIDS+=($gi_pid)
	# until apply is done: serve has written its status (container: run exits)
	for ((i = 0; i < 3000; i++)); do
		[ -e "$SIMROOT/run/gpu-initd/serve.json" ] && break
		kill -0 $gi_pid 2>/dev/null || break
		sleep 0.01
	done
	allocatable() {
		$K status --json 2>/dev/null | jcheck - \
			--get '" ".join("%s=%s" % (k, v) for k, v in sorted(.status.allocatable.items()) if int(v) > 0) or "-"' 2>/dev/null || echo "?"
	}
	local want=- got
	[ "$count_want" = 0 ] || want="$res=$count_want"
	for ((i = 0; i < 1000; i++)); do
		got=$(allocatable)
		[ "$got" = "$want" ] && break
		sleep 0.01
	done
	[ "$got" = "$want" ] || fail "allocatable: $got, expected $want; run: $(tail -5 "$SIMROOT/run.log")"
	local writes=$(($(stat_get writes) - w0))
	[ "$state" != applied ] || [ "$writes" = 0 ] || fail "run on an applied node wrote $writes times"
	[ "$rc_want" = 0 ] || [ "$writes" = 0 ] || fail "refused, yet $writes writes"

	# sysfs: the GPUs' drivers, the vGPUs, a digest of the node's state
	local drivers vgpus digest
	read -r drivers vgpus digest < <(node_facts "$SIMROOT")
	[ "$drivers" = "$drivers_want" ] || fail "GPU drivers $drivers, expected $drivers_want"
	[ "$vgpus" = "$vgpus_want" ] || fail "$vgpus vGPUs in sysfs, expected $vgpus_want"

	# a VM gets one device
	if [ "$count_want" != 0 ]; then
		$K launch-vm "$res" 1 >"$SIMROOT/vm.xml" 2>&1 || fail "launch-vm $res 1: $(cat "$SIMROOT/vm.xml")"
		[ "$(grep -c "<hostdev " "$SIMROOT/vm.xml")" = 1 ] || fail "launch-vm: $(cat "$SIMROOT/vm.xml")"
	fi

	# run's exit status is apply's (container: it has exited by itself)
	kill -TERM $gi_pid 2>/dev/null || true
	rc=0
	wait $gi_pid || rc=$?
	[ "$rc" = "$rc_want" ] || fail "run exited $rc, expected $rc_want: $(tail -5 "$SIMROOT/run.log")"
	[ "$reason" = - ] || grep -q "$reason" "$SIMROOT/run.log" || fail "run does not name '$reason': $(cat "$SIMROOT/run.log")"
	kill $ks_pid
	wait $ks_pid || true
	local verdict=ok
	[ "$rc_want" = 0 ] || verdict=refused-as-expected
	echo "RESULT verdict=$verdict writes=$writes digest=$digest allocatable=$got"
}

if [ "${1:-}" = --cell ]; then
	shift
	PIDS=()  # background processes of a cell, stopped when it fails
	trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait' EXIT
	cell "$@"
	exit 0
fi

# --- the matrix --------------------------------------------------------------
FIXTURES="h100-hgx-8x a100-pcie-8x t4-4x amd-iommu vga-gpu-with-audio iommu-off gpu-shares-group-with-nic vga-gpu-simpledrm vga-gpu-efifb gh200-1x gh200-1x-nvgrace gh200-1x-no-smmu gb200-4x-egm"
MODES="vm-passthrough container vm-vgpu"
# a new fixture needs its expectations: check-full fails until it has them
# (qemu-*: the QEMU guests of tests/vm, no GPU; t-vm-twin-* run them)
for f in fixtures/*.json; do
	[[ " $FIXTURES " == *" $(basename "$f" .json) "* || $(basename "$f") == qemu-* ]] && continue
	[ "${FULL:-}" = 1 ] && fail "$f is not in the matrix (FIXTURES, expect)"
	echo "note: $f is not in the matrix yet"
done
STATES="fresh applied half"
if [ "${FULL:-}" = 1 ]; then
	SLICE=""
else
	# fixture:mode:states -- the vendor-VFIO vGPU path fresh and crashed,
	# mdev vGPUs applied twice, passthrough crashed with VFs to turn off,
	# container, the three kinds of refusal
	SLICE="h100-hgx-8x:vm-vgpu:fresh,half t4-4x:vm-vgpu:fresh,applied
	a100-pcie-8x:vm-passthrough:fresh,half t4-4x:container:fresh
	gpu-shares-group-with-nic:vm-passthrough:fresh iommu-off:vm-passthrough:applied
	vga-gpu-with-audio:vm-vgpu:fresh gh200-1x-nvgrace:vm-passthrough:fresh,applied"
fi

table=() nok=0 nrefused=0 nfail=0 nnocrash=0 failed=()
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
record() { # FIXTURE MODE STATE VERDICT DETAIL
	table+=("$(printf '%-26s %-15s %-8s %-20s %s' "$@")")
	case $4 in
	ok) nok=$((nok + 1)) ;;
	refused-as-expected) nrefused=$((nrefused + 1)) ;;
	*) nfail=$((nfail + 1)); failed+=("$1 $2 $3") ;;
	esac
}

for fixture in $FIXTURES; do
	for mode in $MODES; do
		states=$STATES
		if [ -n "$SLICE" ]; then
			states=$(tr ' \t\n' '\n\n\n' <<<"$SLICE" | sed -n "s/^$fixture:$mode://p" | tr , ' ')
			[ -n "$states" ] || continue
		fi
		ref="" writes=0
		# half and applied compare with fresh: run fresh first even if not listed
		[[ " $states " == *" fresh "* ]] || states="fresh-ref $states"
		for state in $states; do
			n=$(((writes + 1) / 2))
			if [ "$state" = half ] && [ "$n" = 0 ]; then
				record "$fixture" "$mode" "$state" "$verdict" "(a clean apply writes nothing: no crash point)"
				nnocrash=$((nnocrash + 1))
				continue
			fi
			st=${state%-ref}
			t0=$(date +%s%N)
			out=$(tests/simnode run --uevents "fixtures/$fixture.json" -- bash tests/it/t-matrix.sh --cell "$fixture" "$mode" "$st" "$n" 2>&1) || true
			res=$(grep '^RESULT ' <<<"$out" || true)
			if [ -z "$res" ]; then
				echo "--- $fixture $mode $state (crash at $n):"
				tail -n 15 <<<"$out" | sed 's/^/  | /'
				[ "$st" = "$state" ] && record "$fixture" "$mode" "$state" FAIL "$(grep '^FAIL' <<<"$out" | head -1)"
				[ "$st" = "$state" ] || record "$fixture" "$mode" fresh FAIL "(reference run) $(grep '^FAIL' <<<"$out" | head -1)"
				break
			fi
			verdict=$(field verdict "$res")
			detail="$(field allocatable "$res"), $(field writes "$res") writes"
			[ "$st" = half ] && detail+=", killed at write $n"
			ds=$((($(date +%s%N) - t0) / 100000000))
			detail+=" ($((ds / 10)).$((ds % 10)) s)"
			if [ "$st" = fresh ]; then
				ref=$(field digest "$res") writes=$(field writes "$res")
			elif [ "$(field digest "$res")" != "$ref" ]; then
				verdict=FAIL detail="state differs from fresh's ($detail)"
			fi
			[ "$st" = "$state" ] && record "$fixture" "$mode" "$state" "$verdict" "$detail"
		done
	done
done

printf '\n%-26s %-15s %-8s %-20s %s\n' FIXTURE MODE STATE RESULT "ALLOCATABLE, WRITES OF THE MEASURED RUN"
printf '%s\n' "${table[@]}"
note=""
[ "$nnocrash" = 0 ] || note=" ($nnocrash half-applied cells are the fresh node: a clean apply writes nothing there)"
echo "matrix: $((nok + nrefused + nfail)) cells, $nok ok, $nrefused refused as expected, $nfail failed$note"
[ "$nfail" = 0 ] || fail "cells failed: ${failed[*]}"
