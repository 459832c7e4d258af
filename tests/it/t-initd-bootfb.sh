#!/bin/bash
# The boot framebuffer on a GPU (issue 21).  vga-gpu-simpledrm: sysfb's
# simple-framebuffer.0 (BOOTFB, simpledrm) in BAR1 of a VGA GPU on 6.12,
# the VT the only console; vga-gpu-efifb: efifb in BAR1 on 5.15 with a
# serial console.  check names it (boot-framebuffer, the consequence and
# the fix for the kernel); apply refuses by default, refuses to take the
# only console unless "release-console", lets vfio-pci remove it on 6.0+
# (VGA) and unbinds efifb itself on 5.15 when "release" allows.
source "$(dirname "$0")/lib.sh"

# --- simpledrm, Linux 6.12, the only console --------------------------------
tests/simnode run fixtures/vga-gpu-simpledrm.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
G=0000:17:00.0
P=$SIMROOT/sys/bus/platform
# the model: BOOTFB under BAR1, simpledrm inside, the platform device bound
grep -A2 ": $G\$" $SIMROOT/proc/iomem | grep -q "^  [0-9a-f]*-[0-9a-f]* : BOOTFB\$" || fail "iomem: $(cat $SIMROOT/proc/iomem)"
grep -q "^    [0-9a-f]*-[0-9a-f]* : simpledrm\$" $SIMROOT/proc/iomem || fail "iomem lacks simpledrm"
[ "$(basename "$(readlink $P/devices/simple-framebuffer.0/driver)")" = simple-framebuffer ] || fail "simple-framebuffer.0 unbound"
grep -q "^tty0 " $SIMROOT/proc/consoles || fail "consoles: $(cat $SIMROOT/proc/consoles)"

# code MODE_JSON: check'"'"'s boot-framebuffer message for G, or "none"
code() {
	gi --config $SIMROOT/c.json check --json >$SIMROOT/check.json 2>/dev/null || true
	jcheck $SIMROOT/check.json --arg g $G \
		--get "([x.message for x in .reasons if x.code == \"boot-framebuffer\" and x.get(\"device\") == g] + [\"none\"])[0]"
}
echo "{\"mode\": \"vm-passthrough\"}" >$SIMROOT/c.json
msg=$(code)
case $msg in *BOOTFB*initcall_blacklist=sysfb_init*) ;; *) fail "check (default): $msg" ;; esac
case $msg in *"only console"*) ;; *) fail "check does not say it is the only console: $msg" ;; esac
if gi --config $SIMROOT/c.json apply 2>$SIMROOT/apply.log; then fail "apply took the boot framebuffer"; fi
expect_drv $G nvidia
grep -q boot-framebuffer $SIMROOT/apply.log || fail "apply: $(cat $SIMROOT/apply.log)"

# "release": still refused, it is the only console
echo "{\"mode\": \"vm-passthrough\", \"boot-framebuffer\": \"release\"}" >$SIMROOT/c.json
msg=$(code)
case $msg in *release-console*) ;; *) fail "check (release): $msg" ;; esac
if gi --config $SIMROOT/c.json apply 2>/dev/null; then fail "apply took the only console"; fi
expect_drv $G nvidia

# "release-console": vfio-pci (6.0+, VGA) removes it when it binds
echo "{\"mode\": \"vm-passthrough\", \"boot-framebuffer\": \"release-console\"}" >$SIMROOT/c.json
[ "$(code)" = none ] || fail "check (release-console): $(code)"
gi --config $SIMROOT/c.json apply 2>$SIMROOT/apply.log || fail "apply (release-console): $(cat $SIMROOT/apply.log)"
expect_drv $G vfio-pci
[ ! -e $P/devices/simple-framebuffer.0 ] || fail "simple-framebuffer.0 still registered"
! grep -q "BOOTFB\|simpledrm" $SIMROOT/proc/iomem || fail "iomem still has it: $(cat $SIMROOT/proc/iomem)"
grep -q "vfio-pci removes the boot framebuffer" $SIMROOT/apply.log || fail "apply log: $(cat $SIMROOT/apply.log)"
'

# --- efifb, Linux 5.15, a serial console too ---------------------------------
tests/simnode run fixtures/vga-gpu-efifb.json -- bash -c '
source tests/it/lib.sh; source tests/it/initd-lib.sh
initd_seam
G=0000:17:00.0
P=$SIMROOT/sys/bus/platform
grep -A1 ": $G\$" $SIMROOT/proc/iomem | grep -q "^  [0-9a-f]*-[0-9a-f]* : efifb\$" || fail "iomem: $(cat $SIMROOT/proc/iomem)"
# unprivileged readers see zeros (kernel/resource.c r_show)
z=$(setpriv --reuid=65534 --regid=65534 --clear-groups cat $SIMROOT/proc/iomem 2>/dev/null | grep efifb || true)
[ -z "$z" ] || [[ $z == *"00000000-00000000 : efifb" ]] || fail "unprivileged iomem: $z"

echo "{\"mode\": \"vm-passthrough\"}" >$SIMROOT/c.json
gi --config $SIMROOT/c.json check --json >$SIMROOT/check.json 2>/dev/null || true
/usr/bin/python3 - $SIMROOT/check.json <<EOP || fail "check: $(cat $SIMROOT/check.json)"
import json, sys
r = json.load(open(sys.argv[1]))
m = [x["message"] for x in r["reasons"] if x["code"] == "boot-framebuffer"]
assert m and "video=efifb:off" in m[0] and "only console" not in m[0], m
EOP
if gi --config $SIMROOT/c.json apply 2>/dev/null; then fail "apply took the framebuffer"; fi
expect_drv $G nvidia
[ -L $P/devices/efi-framebuffer.0/driver ] || fail "efifb unbound by a refused apply"

# "release": apply unbinds efifb, then binds the GPU; nothing left in the BAR
echo "{\"mode\": \"vm-passthrough\", \"boot-framebuffer\": \"release\"}" >$SIMROOT/c.json
# efifb does not let go: the device failed at step boot-framebuffer (logged
# once with the outcome, recorded in status.json), the GPU stays on nvidia
echo "fail sys/bus/platform/drivers/efi-framebuffer/unbind EIO" >$SIMFS/.simfs/control
if gi --config $SIMROOT/c.json apply 2>$SIMROOT/fb.log; then fail "apply ignored the failed unbind"; fi
grep -q "^gpu-initd: $G: boot-framebuffer failed: Input/output error\$" $SIMROOT/fb.log || fail "failure named: $(cat $SIMROOT/fb.log)"
[ "$(grep -c "Input/output error" $SIMROOT/fb.log)" = 1 ] || fail "logged more than once: $(cat $SIMROOT/fb.log)"
/usr/bin/python3 - $SIMROOT/run/gpu-initd/status.json $G <<EOP || fail "status: $(cat $SIMROOT/run/gpu-initd/status.json)"
import json, sys
d = [x for x in json.load(open(sys.argv[1]))["devices"] if x["bdf"] == sys.argv[2]][0]
assert d["state"] == "failed" and d["step"] == "boot-framebuffer" and d["errno"] == 5, d
EOP
expect_drv $G nvidia
gi --config $SIMROOT/c.json apply 2>$SIMROOT/apply.log || fail "apply (release): $(cat $SIMROOT/apply.log)"
expect_drv $G vfio-pci
[ ! -e $P/devices/efi-framebuffer.0/driver ] || fail "efifb still bound"
! grep -q efifb $SIMROOT/proc/iomem || fail "iomem: $(cat $SIMROOT/proc/iomem)"
# again: nothing to do, nothing written
gi --config $SIMROOT/c.json apply 2>$SIMROOT/apply2.log || fail "apply again: $(cat $SIMROOT/apply2.log)"
grep -q "no sysfs writes\|, 0 sysfs writes" $SIMROOT/apply2.log || fail "apply again wrote: $(tail -1 $SIMROOT/apply2.log)"
'
echo ok
