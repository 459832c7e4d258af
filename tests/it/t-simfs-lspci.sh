#!/bin/bash
# Real lspci cannot tell simfs from a kernel: through sysfs.path and with
# the simulated sys bind-mounted over /sys, it lists every device of
# h100-hgx-8x with its IDs and decodes the capability chains.
# lspci runs with hwdb.disable=1: names come from pci.ids only, not from
# whatever udev hwdb the machine happens to have.
source "$(dirname "$0")/lib.sh"

tests/simnode run fixtures/h100-hgx-8x.json -- bash -c '
source tests/it/lib.sh
out=$(mktemp -d)
lspci -O hwdb.disable=1 -A linux-sysfs -O sysfs.path=$SIMROOT/sys/bus/pci -nnvvv >$out/path.txt 2>/dev/null
# every fixture device, by address and IDs
jcheck fixtures/h100-hgx-8x.json --get "[x.bdf[5:] + \" \" + x.id for x in .devices]" | while read -r addr id; do
	grep -q "^$addr .*\[$id\]" $out/path.txt || fail "lspci lacks $addr [$id]"
done
n=$(grep -c "^[0-9a-f][0-9a-f]:" $out/path.txt)
want=$(jcheck fixtures/h100-hgx-8x.json --get "len(.devices)")
[ "$n" -eq "$want" ] || fail "lspci lists $n devices, the fixture has $want"
# the H100s: capability chain decoded, group, driver
for cap in "Express (v2) Endpoint" "MSI-X: Enable+ Count=9" "Single Root I/O Virtualization (SR-IOV)" \
	"Total VFs: 32, Number of VFs: 0" "VF offset: 4, stride: 1, Device ID: 2330" \
	"Alternative Routing-ID Interpretation (ARI)" "Device Serial Number 48-b0-2d-03-00-00-00-07" \
	"IOMMU group: 31" "Kernel driver in use: nvidia" "NUMA node: 1" "Region 2: Memory at 11c000000000 (64-bit, prefetchable) [size=128G]"; do
	grep -qF "$cap" $out/path.txt || fail "lspci -vvv lacks \"$cap\""
done
grep -q "Bus: primary=99, secondary=9a, subordinate=9a" $out/path.txt || fail "bridge bus numbers"
grep -q "Express (v2) Downstream Port" $out/path.txt || fail "switch downstream port type"
# plain lspci with the simulated sys over /sys (private mount namespace)
mount --bind "$SIMFS/sys" /sys
lspci -O hwdb.disable=1 -nnvvv >$out/plain.txt 2>/dev/null
umount /sys
diff -u $out/path.txt $out/plain.txt || fail "plain lspci differs from lspci -O sysfs.path"
lspci -O hwdb.disable=1 -A linux-sysfs -O sysfs.path=$SIMROOT/sys/bus/pci -nn 2>/dev/null >$out/nn.txt
diff -u tests/it/golden/h100-hgx-8x.lspci-nn $out/nn.txt || fail "lspci -nn differs from the golden listing"
rm -rf $out
'

# every other fixture: lspci lists each device with its IDs
for fx in fixtures/*.json; do
	tests/simnode run "$fx" -- bash -c '
	source tests/it/lib.sh
	out=$(lspci -O hwdb.disable=1 -A linux-sysfs -O sysfs.path=$SIMROOT/sys/bus/pci -nn 2>/dev/null)
	jcheck "$1" --get "[x.bdf[5:] + \" \" + x.bdf + \" \" + x.id for x in .devices]" | while read -r addr full id; do
		# lspci prints the domain once a device is outside domain 0000 (Grace)
		grep -qE "^($addr|$full) .*\[$id\]" <<<"$out" || fail "$1: lspci lacks $full [$id]"
	done' _ "$fx"
done
