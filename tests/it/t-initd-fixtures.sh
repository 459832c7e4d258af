#!/bin/bash
# gpu-initd on the edge-case fixtures: a VGA GPU goes with its HDMI audio
# function, the AMD IOMMU, the IOMMU off (on the recorded guest: a VM, told
# about its hypervisor's virtual IOMMU) and a GPU sharing its group with
# a NIC (refused with reason codes and zero sysfs writes), bad configs
# (exit 2, named field, nothing touched).
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/vga-gpu-with-audio.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
gi check --json >$SIMROOT/c.json || fail "check on vga-gpu-with-audio"
jcheck $SIMROOT/c.json ".devices[0].bdf == \"0000:17:00.0\"" ".devices[0].resource == \"nvidia.com/GA102GL_RTX_A6000\"" \
	"[m.role for m in .devices[0].members] == [\"target\", \"companion\"]" \
	".devices[1].bdf == \"0000:17:00.1\" and not .devices[1].selected" \
	".iommu.virtual_machine is False and .iommu.hypervisor is None" || fail "check --json: GPU with its audio companion"
expect_rc 0 gi apply 2>/dev/null
expect_drv 0000:17:00.0 vfio-pci
expect_drv 0000:17:00.1 vfio-pci
expect_drv 0000:00:01.0 pcieport
[ -e $SIMROOT/dev/vfio/2 ] || fail "group 2 node"
[ "$(stat_get writes)" = 6 ] || fail "writes $(stat_get writes), expected 6 (unbindLock is under proc)"
# back: both functions to their drivers
expect_rc 0 gi --config <(echo "{\"mode\":\"container\"}") apply 2>/dev/null
expect_drv 0000:17:00.0 nvidia
expect_drv 0000:17:00.1 snd_hda_intel
'

tests/simnode run fixtures/amd-iommu.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
gi check >$SIMROOT/c.txt || fail "check on amd-iommu: $(cat $SIMROOT/c.txt)"
grep -q "iommu    on: amd (ivhd0)" $SIMROOT/c.txt || fail "AMD IOMMU seen: $(cat $SIMROOT/c.txt)"
grep -q "acpi     IVRS" $SIMROOT/c.txt || fail "IVRS seen"
# unbindLock (driver 550): taken before each unbind; a user makes it refuse
echo "nvidia-open 0000:41:00.0" >$SIMFS/.simfs/control
expect_rc 1 gi apply 2>$SIMROOT/a.log
grep -q "0000:41:00.0: refused (device-in-use" $SIMROOT/a.log || fail "nvidia user refuses: $(cat $SIMROOT/a.log)"
expect_drv 0000:01:00.0 vfio-pci
expect_drv 0000:41:00.0 nvidia
echo "nvidia-close 0000:41:00.0" >$SIMFS/.simfs/control
expect_rc 0 gi apply 2>/dev/null
expect_drv 0000:41:00.0 vfio-pci
expect_drv 0000:00:00.2 amd_iommu
'

tests/simnode run fixtures/iommu-off.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
# check --json (the reasons, the cause, what a VM is told) and the refused
# apply (exit 1, zero writes, no module, not ready): tests/cases/refuse-iommu-off
# the recorded guest (the CPU hypervisor flag, no DMI vendor): the fix is the
# hypervisor virtual IOMMU, not the BIOS
grep -q "hypervisor" $SIMROOT/proc/cpuinfo || fail "the guest CPU has the hypervisor flag"
expect_rc 1 gi check >$SIMROOT/c.txt
grep -q "fix: this node is a virtual machine: firmware settings do not apply; the hypervisor must give it a virtual IOMMU (QEMU: .*intel-iommu,intremap=on,caching-mode=on" $SIMROOT/c.txt ||
	fail "check tells a VM what to do: $(cat $SIMROOT/c.txt)"
grep -q "^node     virtual machine (CPU hypervisor flag)$" $SIMROOT/c.txt || fail "check says the node is a VM: $(cat $SIMROOT/c.txt)"
grep -q "BIOS" $SIMROOT/c.txt && fail "a VM is told about its BIOS: $(cat $SIMROOT/c.txt)"
expect_rc 1 gi apply 2>$SIMROOT/a.log
grep -q "iommu-no-acpi-table" $SIMROOT/a.log || fail "apply names the cause"
# container mode needs no IOMMU
expect_rc 0 gi --config <(echo "{\"mode\":\"container\"}") apply 2>/dev/null
'

tests/simnode run fixtures/gpu-shares-group-with-nic.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
expect_rc 1 gi check --json >$SIMROOT/c.json
G43="by(.devices, \"bdf\")[\"0000:43:00.0\"]" G81="by(.devices, \"bdf\")[\"0000:81:00.0\"]"
jcheck $SIMROOT/c.json "$G43.reasons == [\"group-has-foreign-device\"] and not $G43.group_safe" \
	"[m.role for m in $G43.members] == [\"bridge\", \"bridge\", \"target\", \"foreign\"]" \
	"$G81.reasons == [] and $G81.group_safe" "codes(.reasons) == [\"group-has-foreign-device\"]" \
	"\"0000:44:00.0\" in .reasons[0].message" || fail "check --json: $(cat $SIMROOT/c.json)"
expect_rc 1 gi apply 2>$SIMROOT/a.log
grep -q "0000:43:00.0: refused (group-has-foreign-device)" $SIMROOT/a.log || fail "apply names the device: $(cat $SIMROOT/a.log)"
[ "$(stat_get writes)" = 0 ] || fail "unsafe group: $(stat_get writes) writes"
expect_drv 0000:44:00.0 e1000e
expect_drv 0000:43:00.0 nvidia
# selecting only the safe GPU binds it
expect_rc 0 gi --config <(echo "{\"devices\": [\"0000:81:00.0\"]}") apply 2>/dev/null
expect_drv 0000:81:00.0 vfio-pci
expect_drv 0000:43:00.0 nvidia
expect_drv 0000:44:00.0 e1000e

# bad configs: exit 2, the field named, nothing touched
w=$(stat_get writes)
bad() { local rc=0; gi --config <(echo "$1") apply 2>$SIMROOT/bad.log || rc=$?; [ $rc = 2 ] || fail "config $1: exit $rc"; grep -q "$2" $SIMROOT/bad.log || fail "config $1: $(cat $SIMROOT/bad.log)"; }
bad "{\"mode\": \"vm-passthru\"}" "mode: expected"
bad "{\"devices\": [\"0000:zz:00.0\"]}" "devices\[0\]"
bad "{\"resource-names\": {\"10de:20b5\": \"gpu\"}}" "resource-names.10de:20b5"
bad "{\"devcies\": \"all\"}" "devcies: unknown field"
bad "{\"mode\": " "not valid JSON"
[ "$(stat_get writes)" = "$w" ] || fail "a bad config touched sysfs"
expect_rc 2 gi --timeout 0 apply
expect_rc 2 gi frobnicate
'

# Names from pci.ids under the root (libpci, no hwdb), from the config for
# a non-NVIDIA device, and none: refused by check.  --config-only, the
# libudev monitor path (--uevents), --log kmsg.
tests/simnode run --uevents fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
echo "{\"devices\": [\"10de:22a3\"]}" >$SIMROOT/nvswitch.json
expect_rc 1 gi --config $SIMROOT/nvswitch.json check --json >$SIMROOT/c.json
grep -q "\"code\":\"no-resource-name\",\"device\":\"0000:05:00.0\"" $SIMROOT/c.json || fail "no name without pci.ids: $(cat $SIMROOT/c.json)"
mkdir -p $SIMROOT/usr/share/misc
printf "10de  NVIDIA Corporation\n\t22a3  GH100 [H100 NVSwitch]\n" >$SIMROOT/usr/share/misc/pci.ids
gi --config $SIMROOT/nvswitch.json check --json >$SIMROOT/c.json || fail "NVSwitch named by pci.ids: $(cat $SIMROOT/c.json)"
grep -q "\"resource\":\"nvidia.com/GH100_H100_NVSWITCH\",\"resource_source\":\"pci.ids\"" $SIMROOT/c.json || fail "pci.ids name: $(cat $SIMROOT/c.json)"
echo "{\"devices\": [\"15b3:1021\"], \"resource-names\": {\"15b3:1021\": \"example.com/cx7\"}}" >$SIMROOT/nic.json
gi --config $SIMROOT/nic.json check --json >$SIMROOT/c.json || fail "NIC named by the config"
grep -q "\"resource\":\"example.com/cx7\",\"resource_source\":\"config\"" $SIMROOT/c.json || fail "config name"
# --config-only validates without looking at the node
expect_rc 0 gi --config $SIMROOT/nic.json check --config-only >/dev/null
echo "{\"devices\": 5}" >$SIMROOT/bad.json
expect_rc 2 gi --config $SIMROOT/bad.json check --config-only 2>/dev/null
[ "$(stat_get writes)" = 0 ] || fail "checks wrote"
# apply with real uevents (the libudev monitor wakes the wait); --log kmsg
# (simfs serves no dev/kmsg yet: gpu-initd keeps its messages on stderr)
expect_rc 0 gi --log kmsg apply
for g in 19 21 23 25 28 30 32; do [ -e $SIMROOT/dev/vfio/$g ] || fail "dev/vfio/$g"; done
[ "$(stat_get writes)" = 24 ] || fail "writes $(stat_get writes)"
'

# libkmod reads the root's modprobe.d: a softdep there pulls mdev in
# before vfio_pci (and /etc/modprobe.d of this host is not read).
tests/simnode run fixtures/amd-iommu.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
mkdir -p $SIMROOT/etc/modprobe.d
echo "softdep vfio_pci pre: mdev" >$SIMROOT/etc/modprobe.d/gpu.conf
expect_rc 0 gi apply 2>$SIMROOT/a.log
grep -q "^mdev " $SIMROOT/proc/modules || fail "softdep from ROOT/etc/modprobe.d applied: $(cut -d" " -f1 $SIMROOT/proc/modules)"
grep -q "^vfio_pci " $SIMROOT/proc/modules || fail "vfio_pci loaded"
expect_drv 0000:01:00.0 vfio-pci
'

# The kernel command line: gpu_initd.config= picks a file under the root,
# gpu_initd.mode= overrides its mode; --config still wins over both files.
fxd=$(mktemp -d /tmp/initd-fixture.XXXXXX)
trap 'rm -rf "$fxd"' EXIT
ln -s "$TOP/fixtures/data" "$fxd/data"    # config files are relative to the fixture
fx=$fxd/amd-cmdline.json
python3 -c "
import json,os,sys
d=json.load(open(\"fixtures/amd-iommu.json\"))
d[\"kernel\"][\"cmdline\"]+=\" gpu_initd.config=/etc/gi.json gpu_initd.mode=container\"
json.dump(d, open(sys.argv[1], \"w\"))" "$fx"
tests/simnode run "$fx" -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
mkdir -p $SIMROOT/etc/gpu-initd
echo "{\"mode\": \"vm-passthrough\", \"devices\": [\"0000:01:00.0\"]}" >$SIMROOT/etc/gi.json
echo "{\"devcies\": 1}" >$SIMROOT/etc/gpu-initd/config.json   # not read
gi check --json >$SIMROOT/c.json || fail "check: $(cat $SIMROOT/c.json)"
grep -q "\"mode\":\"container\"" $SIMROOT/c.json || fail "gpu_initd.mode= wins: $(head -c 200 $SIMROOT/c.json)"
jcheck $SIMROOT/c.json "[x.bdf for x in .devices] == [\"0000:01:00.0\"]" || fail "devices from gpu_initd.config="
echo "{\"mode\": \"vm-passthrough\"" >$SIMROOT/etc/gi.json
expect_rc 2 gi check 2>$SIMROOT/e.log
grep -q "/etc/gi.json (gpu_initd.config=, under the root): .*not valid JSON" $SIMROOT/e.log || fail "bad gpu_initd.config file named: $(cat $SIMROOT/e.log)"
rm $SIMROOT/etc/gi.json
expect_rc 2 gi check 2>/dev/null          # named by the command line: must exist
expect_rc 0 gi --config <(echo "{}") check >/dev/null
'
