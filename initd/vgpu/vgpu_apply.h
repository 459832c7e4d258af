/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-vgpu on a node: discover each GPU's vGPU path and types, plan (pure,
 * vgpu_plan.h), then converge: keep matching vGPUs, remove managed ones
 * that do not match (never one in use), create the missing ones. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "uuid.h"
#include "vgpu_catalog.h"
#include "vgpu_plan.h"

struct config;
struct pcidevs;
struct apply_stats;

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
	bool prepare;		 /* VFs to turn on or bind first: vgpu_prepare() */
	struct vgpu_entry *v;
	size_t nv;
	int removed, kept, created, failed, in_use;
};

/* Counts the outcome of removing one vGPU (remove_mdev, delete_vgpu: 0
 * removed, 1 in use and left, -errno).  1 when it is still there. */
int vgpu_count_removal(struct vgpu_node *n, int e);

/* Reads every GPU's vGPU path and offers, then plans.  *ret is set even on
 * -EINVAL (a plan that cannot work: err says why). */
int vgpu_check(int rootfd, const struct config *c, const struct pcidevs *devs, struct vgpu_node **ret,
	       char *err, size_t es);
void vgpu_node_free(struct vgpu_node *n);
struct modules;
/* Makes the planned VFs ready: MIG mode as planned first (NVIDIA's order;
 * a GPU whose MIG mode waits for a GPU reset keeps its VFs off), SR-IOV on
 * by NVIDIA's sequence where it is off, each planned VF on nvidia.  The node must then be read and planned
 * again (the VFs' own types replace the catalog's).  0 or -errno. */
int vgpu_prepare(int rootfd, struct modules *mods, const struct vgpu_node *n, struct apply_stats *st);
/* Loads what a VM needs to open a vGPU's group: vfio_iommu_type1 (and
 * through its dependency vfio, dev/vfio/vfio).  The vendor-specific VFIO
 * path registers VF groups without it.  Nothing to do without planned
 * vGPUs.  0 or -errno. */
int vgpu_load_vfio(struct modules *mods, const struct vgpu_node *n, struct apply_stats *st);
/* Converges the node to n's plan.  0 all in place, 1 some not, -errno.
 * A MIG mode change on a GPU whose VFs are on turns them off and on again
 * around it (mods: pci-pf-stub for NVIDIA's SR-IOV sequence). */
int vgpu_apply_run(int rootfd, struct modules *mods, struct vgpu_node *n, struct apply_stats *st);
/* Removes every vGPU gpu-initd manages (leaving vm-vgpu).  0, 1 (some in
 * use, left), -errno. */
int vgpu_undo(int rootfd, const struct pcidevs *devs, struct apply_stats *st);
