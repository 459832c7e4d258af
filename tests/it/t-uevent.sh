#!/bin/bash
# Kernel uevents from simfs/uevent.c reach a libudev "kernel" monitor in a
# private network namespace, carrying the kernel's SEQNUM; uevent-send
# refuses, before opening any socket, wherever privacy is not proven.
#
# Sending needs a namespace the check can prove private.  On machines where
# the host's /proc/1/ns/net is unreadable even to root (this one), plain
# `unshare -n` cannot prove it, so private_netns() puts a PID namespace
# around it whose init (a bash outside the new network namespace) is the
# /proc/1 the check compares with.
# Scripts passed to private_netns expand their variables inside the namespace.
# shellcheck disable=SC2016
set -euo pipefail
shopt -s extglob
cd "$(dirname "$0")/../.."

export B=build/tests
export DEVPATH=/devices/pci0000:17/0000:17:01.0/0000:18:00.0
export MODALIAS=pci:v000010DEd00002330sv000010DEsd000016C1bc03sc02i00
tmp=$(mktemp -d /tmp/t-uevent.XXXXXX)
export tmp
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# private_netns SCRIPT: bash -c SCRIPT in a new mount+PID namespace, then in
# a new network namespace inside it (SCRIPT is never PID 1 there).
private_netns() {
	unshare -m -p -f --mount-proc bash -c 'unshare -n bash -c "$1"; exit $?' _ "$1"
}

# wait_file FILE: up to 5 s.
wait_file() {
	for _ in $(seq 100); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# --- 0. usage errors exit 2 and send nothing ---------------------------------
for args in "--count x" "--timeout -1" "extra"; do
	rc=0
	# shellcheck disable=SC2086
	$B/uevent-listen $args 2>/dev/null || rc=$?
	[ "$rc" -eq 2 ] || fail "uevent-listen $args exited $rc, expected 2"
done
for args in "" "bind /devices/x" "plug /devices/x pci" "bind devices/x pci" "bind /devices/x pci SEQNUM=1"; do
	rc=0
	# shellcheck disable=SC2086
	$B/uevent-send $args 2>/dev/null || rc=$?
	[ "$rc" -eq 2 ] || fail "uevent-send $args exited $rc, expected 2"
done
echo "ok: usage errors"

# --- 1. refusal in this (shared) namespace, without unshare ----------------
host_like() {
	[ "$(readlink /proc/self/ns/net)" = "net:[4026531833]" ] ||
		grep -qvE '^ *(lo:|Inter-|face)' /proc/net/dev
}
if host_like; then
	# A passive listener here would see the event if the check let it
	# through.  The event itself is a harmless "change" of a device that
	# does not exist.
	$B/uevent-listen --count 0 --timeout 1500 --ready "$tmp/host.ready" >"$tmp/host.events" 2>&1 &
	lpid=$!
	wait_file "$tmp/host.ready" || fail "host listener not ready"
	if command -v strace >/dev/null; then
		trace=(strace -f -qq -e trace=socket -o "$tmp/strace")
	else
		trace=()
	fi
	rc=0
	"${trace[@]}" $B/uevent-send change /devices/virtual/gpu-initd-test/refusal gpu-initd-test \
		GPU_INITD_TEST=refusal 2>"$tmp/refusal.err" || rc=$?
	cat "$tmp/refusal.err"
	[ "$rc" -eq 1 ] || fail "uevent-send in a shared namespace exited $rc, expected 1"
	grep -q 'refusing to send a uevent (nothing sent): ' "$tmp/refusal.err" ||
		fail "no clear refusal message"
	if [ -e "$tmp/strace" ]; then
		! grep -q 'AF_NETLINK' "$tmp/strace" ||
			fail "uevent-send opened a netlink socket: $(cat "$tmp/strace")"
		echo "ok: no netlink socket opened (strace)"
	fi
	wait "$lpid" || true
	! grep -q gpu-initd-test "$tmp/host.events" || fail "the refused event was broadcast"
	echo "ok: refused in the shared namespace"
else
	echo "skip: refusal check (this namespace is not shared with the host)"
fi

# --- 2. bind + unbind received by libudev in a private namespace ------------
private_netns '
set -eu
ip link set lo up
$B/uevent-listen --count 2 --timeout 5000 --subsystem pci --ready "$tmp/ready" >"$tmp/events" 2>"$tmp/listen.err" &
lpid=$!
for _ in $(seq 100); do [ -e "$tmp/ready" ] && break; sleep 0.05; done
[ -e "$tmp/ready" ] || { echo "listener not ready"; exit 1; }
$B/uevent-send bind "$DEVPATH" pci DRIVER=vfio-pci PCI_CLASS=30200 PCI_ID=10DE:2330 \
	PCI_SUBSYS_ID=10DE:16C1 PCI_SLOT_NAME=0000:18:00.0 MODALIAS=$MODALIAS
# As the kernel does: unbind is sent once the driver is gone, so no DRIVER.
$B/uevent-send unbind "$DEVPATH" pci PCI_CLASS=30200 PCI_ID=10DE:2330 \
	PCI_SUBSYS_ID=10DE:16C1 PCI_SLOT_NAME=0000:18:00.0 MODALIAS=$MODALIAS
wait $lpid
' || fail "private namespace run failed: $(cat "$tmp/listen.err" 2>/dev/null)"
cat "$tmp/events"

[ "$(wc -l <"$tmp/events")" -eq 2 ] || fail "expected 2 events"
bind=$(sed -n 1p "$tmp/events")
unbind=$(sed -n 2p "$tmp/events")
expect_bind="bind $DEVPATH DRIVER=vfio-pci MODALIAS=$MODALIAS PCI_CLASS=30200 PCI_ID=10DE:2330"
expect_bind+=" PCI_SLOT_NAME=0000:18:00.0 PCI_SUBSYS_ID=10DE:16C1 SEQNUM=N SUBSYSTEM=pci"
expect_unbind="unbind $DEVPATH MODALIAS=$MODALIAS PCI_CLASS=30200 PCI_ID=10DE:2330"
expect_unbind+=" PCI_SLOT_NAME=0000:18:00.0 PCI_SUBSYS_ID=10DE:16C1 SEQNUM=N SUBSYSTEM=pci"
[ "${bind/SEQNUM=+([0-9])/SEQNUM=N}" = "$expect_bind" ] || fail "bind line: $bind"
[ "${unbind/SEQNUM=+([0-9])/SEQNUM=N}" = "$expect_unbind" ] || fail "unbind line: $unbind"
seq1=$(grep -o 'SEQNUM=[0-9]*' <<<"$bind" | cut -d= -f2)
seq2=$(grep -o 'SEQNUM=[0-9]*' <<<"$unbind" | cut -d= -f2)
[ "$seq2" -gt "$seq1" ] || fail "kernel SEQNUM not increasing: $seq1 then $seq2"
echo "ok: bind and unbind received with kernel SEQNUM $seq1, $seq2"

# --- 3. refusal in a private namespace that has another interface ------------
rc=0
private_netns '
ip link add ue-test0 type veth peer name ue-test1 2>/dev/null || exit 77
rc=0
$B/uevent-send change /devices/virtual/gpu-initd-test/veth gpu-initd-test 2>"$tmp/veth.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "has interface .ue-test" "$tmp/veth.err"
' || rc=$?
case $rc in
0) echo "ok: refused with a second interface" ;;
77) echo "skip: no veth support" ;;
*) fail "not refused with a second interface: $(cat "$tmp/veth.err")" ;;
esac
