/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-vgpu planning (pure): the selected vgpu-configs entry, matched against
 * what each GPU offers, becomes a list of (GPU, type, count) within
 * capacity and NVIDIA's rules; or an error naming what cannot work. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/config.h"
#include "pciaddr.h"

enum vgpu_path {
	VGPU_PATH_NONE,	       /* no vGPU host driver seen on this GPU */
	VGPU_PATH_MDEV_PF,     /* mdev types on the PF (T4, V100) */
	VGPU_PATH_MDEV_VF,     /* SR-IOV, one mdev per VF (A100) */
	VGPU_PATH_VENDOR_VFIO, /* SR-IOV, VF nvidia/current_vgpu_type (Hopper) */
	VGPU_PATH_SRIOV_OFF,   /* SR-IOV capable, VFs off or not on nvidia yet:
				* types from the catalog until apply enables them */
};
const char *vgpu_path_name(enum vgpu_path p);

#define VGPU_MAX_GPU_TYPES 32
struct vgpu_offer {
	char name[48]; /* short name: "A100-10C", "T4-4Q" */
	char id[24];   /* "nvidia-471" (mdev type dir) or "1013" (vendor ID) */
	unsigned max;  /* instances on an empty GPU */
	unsigned fb_gb;
	bool mig; /* MIG-backed: needs GPU instances first */
};

struct vgpu_gpu {
	struct pci_addr addr;
	char bdf[PCI_ADDR_STRLEN];
	int index; /* rank among "all" GPUs */
	uint16_t vendor, device;
	enum vgpu_path path;
	unsigned slots; /* VFs that can host one vGPU each; 0: no limit (PF mdev) */
	size_t ntypes;
	struct vgpu_offer types[VGPU_MAX_GPU_TYPES];
};

#define VGPU_MAX_ASSIGN 64
struct vgpu_assign {
	size_t gpu;	/* index into the gpus array */
	size_t type;	/* index into that GPU's types */
	unsigned count; /* instances wanted */
	unsigned first; /* first slot (VF number on SR-IOV paths) */
};

struct vgpu_plan {
	size_t n;
	struct vgpu_assign a[VGPU_MAX_ASSIGN];
};

/* Index of the offer whose short name is `name` (a "NVIDIA "/"GRID "
 * prefix on either side is ignored), or -1. */
int vgpu_offer_find(const struct vgpu_gpu *g, const char *name);

/* Writes the reason to err (printf-style) and returns -EINVAL: how the
 * planners (this one, mig_plan.c) refuse. */
__attribute__((format(printf, 3, 4))) int vgpu_plan_fail(char *err, size_t es, const char *fmt, ...);

/* Builds the plan for c->vgpu_config.  0, or -EINVAL with err saying why
 * ("GPU 0000:17:00.0: A100-20C x3 exceeds its capacity of 2", "unknown
 * vGPU type", "mixed sizes on one GPU", "... MIG-backed, ... time-sliced",
 * "... need 9 compute slices"...).  MIG-backed types are planned here up
 * to their GPU instances, which vgpu_mig.h places with NVML's data. */
int vgpu_plan_make(const struct config *c, const struct vgpu_gpu *gpus, size_t ngpus, struct vgpu_plan *p,
		   char *err, size_t es);
