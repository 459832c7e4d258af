/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-vgpu on a node once read and planned (vgpu_check.h): converge: keep
 * matching vGPUs, remove managed ones that do not match (never one in
 * use), create the missing ones. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "vgpu_node.h"

struct pcidevs;
struct apply_stats;
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
