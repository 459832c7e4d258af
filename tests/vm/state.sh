# state_dump ROOT: what gpu-initd's work left, in one canonical text that a
# real kernel (tests/vm guest, ROOT empty) and simfs (a twin's $SIMROOT)
# must print identically: every PCI function (id, class, driver,
# driver_override, IOMMU group, SR-IOV state), the /dev/vfio nodes, the
# loaded modules of the VFIO stack.  POSIX sh: busybox in the guest, bash
# in the twins.  tests/vm/golden/<scenario>.state holds the expected text.
state_dump() {
	for d in "$1"/sys/bus/pci/devices/*; do
		b=${d##*/}
		drv=-
		[ -L "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
		grp=-
		[ -L "$d/iommu_group" ] && grp=$(basename "$(readlink "$d/iommu_group")")
		sr=
		[ -e "$d/sriov_numvfs" ] &&
			sr=" numvfs=$(cat "$d/sriov_numvfs")/$(cat "$d/sriov_totalvfs") autoprobe=$(cat "$d/sriov_drivers_autoprobe")"
		[ -L "$d/physfn" ] && sr=" physfn=$(basename "$(readlink "$d/physfn")")"
		echo "pci $b $(cat "$d/vendor"):$(cat "$d/device") class=$(cat "$d/class") driver=$drv override=$(cat "$d/driver_override") group=$grp$sr"
	done
	echo "vfio $(ls "$1/dev/vfio" 2>/dev/null | LC_ALL=C sort | tr '\n' ' ')"
	echo "modules $(cut -d' ' -f1 "$1/proc/modules" | grep -E '^(vfio.*|irqbypass|pci_stub|pci_pf_stub|mdev)$' | LC_ALL=C sort | tr '\n' ' ')"
}
