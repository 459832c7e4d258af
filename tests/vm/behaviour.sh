# behaviour_probe ROOT VMTOOL LOAD: the sysfs and VFIO answers simfs must
# give as the kernel does (docs/design.md section 6), asked in one sequence of
# single writes on QEMU's edu (00:05.0) and SR-IOV nvme (00:06.0, 2 VFs):
# each line names a step and the write's outcome (ok or the errno name,
# from `VMTOOL write`).  LOAD MODULE loads a module (busybox modprobe in the
# guest, simfs's control file in the twin).  POSIX sh (busybox and bash).
behaviour_probe() {
	R=$1 T=$2 L=$3
	S=$R/sys/bus/pci
	D=$S/devices
	edu=0000:00:05.0 pf=0000:00:06.0 vf=0000:00:06.1
	nl='
'
	w() { echo "$1: $("$T" write "$2" "$3")"; }
	drv() {
		if [ -L "$D/$1/driver" ]; then basename "$(readlink "$D/$1/driver")"; else echo none; fi
	}
	$L vfio_pci
	$L pci_pf_stub
	echo "vfio-pci loaded, /dev/vfio: $(ls "$R/dev/vfio" | tr '\n' ' ')"
	echo "override at boot: $(cat "$D/$edu/driver_override")"
	w "bind vfio-pci without override" "$S/drivers/vfio-pci/bind" $edu
	w "unbind from a driver it is not on" "$S/drivers/vfio-pci/unbind" $edu
	w "drivers_probe unknown BDF" "$S/drivers_probe" 0000:00:1e.0
	w "override vfio-pci" "$D/$edu/driver_override" vfio-pci
	echo "override reads: $(cat "$D/$edu/driver_override"), driver $(drv $edu)"
	w "drivers_probe" "$S/drivers_probe" $edu
	echo "driver: $(drv $edu)"
	w "bind while bound" "$S/drivers/vfio-pci/bind" $edu
	g=$(basename "$(readlink "$D/$edu/iommu_group")")
	echo "group node second open: $("$T" open2 "$R/dev/vfio/$g")"
	w "unbind" "$S/drivers/vfio-pci/unbind" $edu
	echo "driver: $(drv $edu), /dev/vfio: $(ls "$R/dev/vfio" | tr '\n' ' ')"
	w "bind with override" "$S/drivers/vfio-pci/bind" $edu
	echo "driver: $(drv $edu)"
	w "unbind" "$S/drivers/vfio-pci/unbind" $edu
	w "override cleared (newline)" "$D/$edu/driver_override" "$nl"
	echo "override reads: $(cat "$D/$edu/driver_override")"
	w "drivers_probe without override" "$S/drivers_probe" $edu
	echo "driver: $(drv $edu)"
	w "sriov_numvfs above total" "$D/$pf/sriov_numvfs" 3
	w "sriov_numvfs on an unbound PF" "$D/$pf/sriov_numvfs" 1
	w "PF override pci-pf-stub" "$D/$pf/driver_override" pci-pf-stub
	w "PF drivers_probe" "$S/drivers_probe" $pf
	echo "PF driver: $(drv $pf)"
	w "sriov_numvfs 1" "$D/$pf/sriov_numvfs" 1
	w "sriov_numvfs 1 again" "$D/$pf/sriov_numvfs" 1
	w "sriov_numvfs 2 while 1" "$D/$pf/sriov_numvfs" 2
	echo "VF $vf: driver $(drv $vf), physfn $(basename "$(readlink "$D/$vf/physfn")"), virtfn0 $(basename "$(readlink "$D/$pf/virtfn0")")"
	w "sriov_numvfs 0" "$D/$pf/sriov_numvfs" 0
	echo "VF $vf exists after numvfs 0: $([ -e "$D/$vf" ] && echo yes || echo no)"
	w "sriov_drivers_autoprobe 0" "$D/$pf/sriov_drivers_autoprobe" 0
	w "sriov_numvfs 2" "$D/$pf/sriov_numvfs" 2
	w "VF bind vfio-pci without override" "$S/drivers/vfio-pci/bind" $vf
	w "VF override vfio-pci" "$D/$vf/driver_override" vfio-pci
	w "VF drivers_probe" "$S/drivers_probe" $vf
	echo "VF driver: $(drv $vf), /dev/vfio: $(ls "$R/dev/vfio" | tr '\n' ' ')"
	w "sriov_numvfs 0 with a VF on vfio-pci" "$D/$pf/sriov_numvfs" 0
	echo "/dev/vfio: $(ls "$R/dev/vfio" | tr '\n' ' ')"
}
