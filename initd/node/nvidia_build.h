/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which build of NVIDIA's driver the node runs, told from what a real
 * host shows (never from a fixture), and whether the configuration asks
 * for something that build cannot do.  Detection reads through a root fd;
 * the decision is pure. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

enum nv_build {
	NV_BUILD_NONE,	   /* nvidia not loaded (no /proc/driver/nvidia) */
	NV_BUILD_UNKNOWN,  /* loaded, but no GPU on nvidia to tell by */
	NV_BUILD_PLAIN,	   /* GPUs on nvidia, no vGPU host signs */
	NV_BUILD_VGPU_KVM, /* NVIDIA's vGPU-KVM host driver */
};
const char *nv_build_name(enum nv_build b);

/* Reads the signs: an unbindLock under proc/driver/nvidia/gpus/<bdf>
 * (created only by the vGPU-KVM build), the nvidia_vgpu_vfio module under
 * sys/module.  *why gets the evidence ("unbindLock of 0000:18:00.0"). */
enum nv_build nv_build_detect(int rootfd, char *why, size_t size);

/* What vm-vgpu needs of the build.  vfs: some selected GPU hosts its vGPUs
 * on SR-IOV VFs; iommu: the IOMMU works.  0, or -EINVAL with the reason
 * in err. */
int nv_build_assess(enum nv_build b, const char *why, bool vfs, bool iommu, char *err, size_t size);
