#!/bin/bash
# Model provenance: docs/nvidia-model.md, "NVIDIA driver builds, the unbind lock, SR-IOV sequence".
# check tells when the nvidia build cannot do what vm-vgpu asks
# (reason nvidia-driver-build), reading the build from the node as a real
# host shows it (unbindLock only on the vGPU-KVM build): a plain build has
# no vGPU manager; the vGPU-KVM build without an IOMMU probes no VF.  The
# vGPU host with its IOMMU passes; apply changes nothing when refused.
source "$(dirname "$0")/lib.sh"

# reasons FILE: the node reasons as "code: message" lines

# a plain build (driver 550, no unbindLock)
tests/simnode run fixtures/gpu-shares-group-with-nic.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[{\"devices\":\"all\",\"vgpu-devices\":{\"A100-10C\":1}}]}}" >$SIMROOT/c.json
rc=0; gi --config $SIMROOT/c.json check --json >$SIMROOT/out.json 2>/dev/null || rc=$?
[ $rc = 1 ] || fail "check exited $rc"
check_reasons $SIMROOT/out.json >$SIMROOT/r.txt
grep -q "^nvidia-driver-build: no vGPU manager: the nvidia driver is a plain build (0000:43:00.0 on nvidia has no unbindLock)" $SIMROOT/r.txt ||
	fail "plain build: $(cat $SIMROOT/r.txt)"
w=$(stat_get writes)
rc=0; gi --config $SIMROOT/c.json apply 2>$SIMROOT/err || rc=$?
[ $rc != 0 ] && [ "$(stat_get writes)" = $w ] || fail "apply on a plain build: rc $rc, writes $w -> $(stat_get writes)"
grep -q "nvidia-driver-build: no vGPU manager" $SIMROOT/err || fail "apply: $(cat $SIMROOT/err)"
'

# the vGPU-KVM build with its IOMMU: no such reason
tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[{\"devices\":[0],\"vgpu-devices\":{\"H100XM-20C\":2}}]}}" >$SIMROOT/c.json
gi --config $SIMROOT/c.json check --json >$SIMROOT/out.json 2>/dev/null || fail "check on the vGPU host"
check_reasons $SIMROOT/out.json | grep nvidia-driver-build && fail "vGPU host flagged"
true
'

# the same host with the IOMMU off in the firmware: VFs cannot be probed
mkdir -p build/it
python3 - fixtures/h100-hgx-8x.json build/it/h100-no-iommu.json <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
d["name"] = "h100-no-iommu"
d["iommu"] = {"type": "none", "enabled": False}
d["acpi_tables"] = [t for t in d["acpi_tables"] if t != "DMAR"]
d["kernel"]["cmdline"] = d["kernel"]["cmdline"].replace(" intel_iommu=on iommu=pt", "")
for dev in d["devices"]:
    dev.pop("iommu_group", None)
    if "config" in dev:
        dev["config"] = os.path.abspath(os.path.join(os.path.dirname(sys.argv[1]), dev["config"]))
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
tests/simnode run build/it/h100-no-iommu.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
echo "{\"mode\":\"vm-vgpu\",\"vgpu-configs\":{\"default\":[{\"devices\":[0],\"vgpu-devices\":{\"H100XM-20C\":2}}]}}" >$SIMROOT/c.json
rc=0; gi --config $SIMROOT/c.json check --json >$SIMROOT/out.json 2>/dev/null || rc=$?
[ $rc = 1 ] || fail "check exited $rc"
check_reasons $SIMROOT/out.json >$SIMROOT/r.txt
grep -q "^nvidia-driver-build: VFs without an IOMMU" $SIMROOT/r.txt || fail "no IOMMU: $(cat $SIMROOT/r.txt)"
# what it protects from: nvidia refuses the VFs there
S=$SIMROOT/sys
pf_stub_vfs 0000:18:00.0 2
echo nvidia >$S/bus/pci/devices/0000:18:00.4/driver_override
expect_write_error "Operation not permitted" 0000:18:00.4 $S/bus/pci/drivers/nvidia/bind
'
