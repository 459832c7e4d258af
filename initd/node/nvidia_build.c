// SPDX-License-Identifier: GPL-2.0-or-later
#include "nvidia_build.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rootfs.h"

const char *nv_build_name(enum nv_build b)
{
	switch (b) {
	case NV_BUILD_PLAIN: return "plain";
	case NV_BUILD_VGPU_KVM: return "vgpu-kvm";
	case NV_BUILD_UNKNOWN: return "unknown";
	default: return "none";
	}
}

/* Signs of the vGPU-KVM host build, each from a source:
 * - proc/driver/nvidia/gpus/<bdf>/unbindLock: kernel-open/nvidia/
 *   nv-procfs.c nv_procfs_add_gpu creates it only when os_is_vgx_hyper(),
 *   i.e. only in the vGPU host build (os-interface.c: NV_VGX_HYPER).  A
 *   plain 580 build shows information, power, registry and no unbindLock
 *   (fixtures/recorded/h100-sxm5-guest/nvidia-proc-and-iommu.txt).
 * - sys/module/nvidia_vgpu_vfio: the vGPU host package's VFIO module
 *   (nv-pci.c calls nvidia_vgpu_vfio_probe only under NV_VGPU_KVM_BUILD);
 *   its name "nvidia-vgpu-vfio" from a host's nvidia-installer log
 *   (third-party capture, pastebin.com/hMBiSLGk): unverified against
 *   NVIDIA's documentation.
 * - /proc/driver/nvidia/version: whether its text differs between the
 *   builds is unverified; not used. */
enum nv_build nv_build_detect(int rootfd, char *why, size_t size)
{
	snprintf(why, size, "%s", "");
	if (rootfs_exists(rootfd, "sys/module/nvidia_vgpu_vfio") > 0) {
		snprintf(why, size, "%s", "module nvidia_vgpu_vfio loaded");
		return NV_BUILD_VGPU_KVM;
	}
	if (rootfs_exists(rootfd, "proc/driver/nvidia") <= 0)
		return NV_BUILD_NONE;
	DIR *d = rootfs_opendir(rootfd, "proc/driver/nvidia/gpus");
	if (!d)
		return NV_BUILD_UNKNOWN;
	enum nv_build b = NV_BUILD_UNKNOWN;
	struct dirent *e;
	while ((e = readdir(d))) {
		char p[320];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "proc/driver/nvidia/gpus/%s/unbindLock", e->d_name);
		if (rootfs_exists(rootfd, p) > 0) {
			snprintf(why, size, "unbindLock of %s", e->d_name);
			b = NV_BUILD_VGPU_KVM;
			break;
		}
		if (b == NV_BUILD_UNKNOWN)
			snprintf(why, size, "%s on nvidia has no unbindLock", e->d_name);
		b = NV_BUILD_PLAIN;
	}
	closedir(d);
	return b;
}

int nv_build_assess(enum nv_build b, const char *why, bool vfs, bool iommu, char *err, size_t size)
{
	err[0] = '\0';
	if (b == NV_BUILD_PLAIN)
		return record_error(
		    err, size, EINVAL,
		    "no vGPU manager: the nvidia driver is a plain build (%s), vm-vgpu needs NVIDIA's "
		    "vGPU-KVM host driver",
		    why);
	/* nv-pci.c nv_pci_probe: the vGPU-KVM build aborts the probe of a VF
	 * when no IOMMU is present */
	if (b == NV_BUILD_VGPU_KVM && vfs && !iommu)
		return record_error(
		    err, size, EINVAL,
		    "VFs without an IOMMU: the vGPU-KVM nvidia driver refuses to probe VFs when no "
		    "IOMMU is present, and these GPUs host vGPUs on VFs");
	return 0;
}
