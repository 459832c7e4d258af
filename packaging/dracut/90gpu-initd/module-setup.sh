#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module: the static gpu-initd, its config, the vfio modules (and the
# vfio-pci variant drivers of this kernel) and the modprobe.d softdeps, with
# a pre-udev hook that runs `gpu-initd apply` (see gpu-initd-boot).
# Sources on the build host (override through the environment):
#   GPU_INITD_BIN       /usr/lib/gpu-initd/gpu-initd.static when installed
#                       (install.sh --real-root-bin), else /usr/sbin/gpu-initd
#   GPU_INITD_CONFIG    /etc/gpu-initd/config.json  (optional)
#   GPU_INITD_BOOT      /usr/lib/gpu-initd/gpu-initd-boot
#   GPU_INITD_MODPROBE  /usr/lib/modprobe.d/gpu-initd.conf
# srcmods, moddir and the inst* helpers come from dracut.
# shellcheck disable=SC2154

# the static binary: the real root may run the dynamic one (install.sh)
gpu_initd_bin() {
	if [[ -n ${GPU_INITD_BIN:-} ]]; then
		echo "$GPU_INITD_BIN"
	elif [[ -x /usr/lib/gpu-initd/gpu-initd.static ]]; then
		echo /usr/lib/gpu-initd/gpu-initd.static
	else
		echo /usr/sbin/gpu-initd
	fi
}

check() {
	[[ -x $(gpu_initd_bin) ]] || return 1
	return 0
}

depends() {
	return 0
}

installkernel() {
	local variants
	# Variant drivers: modules with vfio_pci: aliases (e.g. nvgrace_gpu_vfio_pci).
	variants=$(while read -r kw alias mod; do
		[[ $kw == alias && $alias == vfio_pci:* ]] && echo "$mod"
	done <"$srcmods/modules.alias" | sort -u)
	# shellcheck disable=SC2086 # one word per module
	hostonly='' instmods vfio vfio_iommu_type1 vfio_pci vfio_pci_core irqbypass $variants
}

install() {
	local bin
	bin=$(gpu_initd_bin)
	local config=${GPU_INITD_CONFIG:-/etc/gpu-initd/config.json}
	inst_simple "$bin" /usr/sbin/gpu-initd
	inst_simple "${GPU_INITD_BOOT:-/usr/lib/gpu-initd/gpu-initd-boot}" /usr/lib/gpu-initd/gpu-initd-boot
	inst_simple "${GPU_INITD_MODPROBE:-/usr/lib/modprobe.d/gpu-initd.conf}" /etc/modprobe.d/gpu-initd.conf
	[[ -f $config ]] && inst_simple "$config" /etc/gpu-initd/config.json
	inst_hook pre-udev 10 "$moddir/gpu-initd-pre-udev.sh"
}
