# SPDX-License-Identifier: GPL-2.0-or-later
# For tests of Fabric Manager partitions (source after lib.sh and
# initd-lib.sh, inside a simulated h100-hgx-8x): tests/fakefm as FM's
# client library, its state file in the simulated root.
fm_setup() {
	export FAKEFM_STATE=$SIMROOT/fm.state LD_LIBRARY_PATH=$TOP/build/tests/fakefm
	# physical ID (module ID) -> GPU: not in bus order, as on real boards
	# (unverified mapping); 9a and 9b (one IOMMU group) are pair {5,7}
	cat >"$FAKEFM_STATE" <<S
running 1
mode 1
generation 1
awaiting 0
identity 1
gpu 1 0000:3a:00.0
gpu 2 0000:18:00.0
gpu 3 0000:5d:00.0
gpu 4 0000:2a:00.0
gpu 5 0000:9a:00.0
gpu 6 0000:ba:00.0
gpu 7 0000:9b:00.0
gpu 8 0000:db:00.0
S
}
# fm_edit SED-SCRIPT: change FM's state as FM would (under its lock)
fm_edit() { flock "$FAKEFM_STATE.lock" sed -i "$1" "$FAKEFM_STATE"; }
# fm_active: FM's active partitions, sorted, space-separated
fm_active() { awk '$1 == "active" { print $2 }' "$FAKEFM_STATE" | sort -n | tr '\n' ' ' | sed 's/ $//'; }
# wait_active "IDS": until FM's active list is IDS
wait_active() {
	local i
	for i in $(seq 1000); do [ "$(fm_active)" = "$1" ] && return 0; sleep 0.01; done
	[ -e "$SIMROOT/serve.log" ] && tail -n 5 "$SIMROOT/serve.log" >&2
	fail "FM's active partitions: '$(fm_active)', expected '$1'"
}
# fm_restart: FM stops and comes back in its resiliency mode (it keeps
# the fabric but forgets its list, waits for fmSetActivatedFabricPartitions)
fm_restart() {
	flock "$FAKEFM_STATE.lock" awk '
		$1 == "generation" { print "generation", $2 + 1; next }
		$1 == "awaiting" { print "awaiting 1"; next }
		$1 == "active" { next }
		{ print }' "$FAKEFM_STATE" >"$FAKEFM_STATE.new"
	mv "$FAKEFM_STATE.new" "$FAKEFM_STATE"
}

# With K (kubelet-stub command) and R (the GPUs' resource) set:
allocatable() {
	$K status --json 2>/dev/null | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[\"status\"][\"allocatable\"].get(sys.argv[1], 0))" "$R" 2>/dev/null || echo 0
}
wait_allocatable() { # N
	local i
	for i in $(seq 1000); do [ "$(allocatable)" = "$1" ] && return 0; sleep 0.01; done
	fail "$R: allocatable $(allocatable), expected $1"
}
# held: the partitions serve holds, "ID:STATE" sorted (run/gpu-initd/serve.json)
held() {
	/usr/bin/python3 -c "import json,sys; print(' '.join(sorted('%d:%s' % (h['id'], h['state']) for h in json.load(open(sys.argv[1]))['fabric']['held'])))" "$SIMROOT/run/gpu-initd/serve.json" 2>/dev/null || true
}
wait_held() {
	local i
	for i in $(seq 1000); do [ "$(held)" = "$1" ] && return 0; sleep 0.01; done
	fail "serve holds \"$(held)\", expected \"$1\""
}
# vm NAME COUNT: a VM holding its GPUs until stop_vm NAME
vm() {
	local i
	$K launch-vm "$R" "$2" --pod "$1" --hold >"$SIMROOT/$1.out" 2>"$SIMROOT/$1.err" &
	eval "vm_$1=\$!"
	for i in $(seq 1000); do grep -q running "$SIMROOT/$1.out" 2>/dev/null && return 0; sleep 0.01; done
	fail "VM $1 did not start: $(cat "$SIMROOT/$1.err")"
}
stop_vm() { eval "kill \$vm_$1; wait \$vm_$1" || true; }
# serve: gpu-initd serve in the background ($gs), logging to serve.log
serve() {
	"$GPU_INITD" --root "$SIMROOT" -v serve 2>>"$SIMROOT/serve.log" &
	gs=$!
}
# fm_by_module: FM lists GPUs by module ID only (H100 and later, per
# NVIDIA's DRA driver); the node's config names them (fabric-module-ids)
fm_by_module() {
	fm_edit "s/^identity 1/identity 0/"
	mkdir -p "$SIMROOT/etc/gpu-initd"
	awk 'BEGIN { printf "{\"fabric-module-ids\": {" } $1 == "gpu" { printf "%s\"%s\": %s", n++ ? ", " : "", $3, $2 }
		END { print "}}" }' "$FAKEFM_STATE" >"$SIMROOT/etc/gpu-initd/config.json"
}
