/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vm-vgpu view of a node that vgpu_apply reads and plans and the
 * converging paths (vgpu_apply's mdevs, vgpu_vendor's VFs) update: the
 * GPUs, their plan, the planned vGPUs and the outcome counts. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "uuid.h"
#include "vgpu_catalog.h"
#include "vgpu_plan.h"

enum vgpu_state { VGPU_PLANNED, VGPU_KEPT, VGPU_CREATED, VGPU_FAILED };

struct vgpu_entry {
	char gpu[PCI_ADDR_STRLEN];
	char parent[PCI_ADDR_STRLEN]; /* PF or VF address; "" while VFs are off */
	int slot;		      /* VF number on the SR-IOV paths */
	char type[48];
	char uuid[UUID_STRLEN];
	enum vgpu_state state;
	int err;
};

struct vgpu_mig;

struct vgpu_node {
	struct vgpu_gpu *gpus;
	size_t ngpus;
	struct vgpu_plan plan;
	struct vgpu_mig *mig;	 /* GPU instances for MIG-backed types (vgpu_mig.h) */
	struct vgpu_catalog cat; /* VGPU_CATALOG_PATH + VFs' creatable lists */
	int cat_err;		 /* VGPU_CATALOG_PATH unreadable (-EINVAL: not vgpuConfig): ignored */
	bool prepare;		 /* VFs to turn on or bind first: vgpu_prepare() */
	struct vgpu_entry *v;
	size_t nv;
	int removed, kept, created, failed, in_use;
};

/* Counts the outcome of removing one vGPU (remove_mdev, delete_vgpu: 0
 * removed, 1 in use and left, -errno).  1 when it is still there. */
int vgpu_count_removal(struct vgpu_node *n, int e);

void vgpu_node_free(struct vgpu_node *n);
/* What check says of an unreadable VGPU_CATALOG_PATH (ignored: the types
 * of GPUs whose VFs are off are then unknown), into buf; false if none. */
bool vgpu_catalog_note(const struct vgpu_node *n, char *buf, size_t size);
