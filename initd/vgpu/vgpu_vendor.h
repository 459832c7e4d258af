/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Vendor-specific VFIO vGPUs (Ada, Hopper, Blackwell; vGPU 17+): a VF on
 * nvidia hosts one vGPU, created by writing a type ID to its
 * nvidia/current_vgpu_type and deleted by writing 0.  Such a vGPU has no
 * identity of its own, so gpu-initd manages every VF of the GPUs it puts
 * in vm-vgpu mode.  I/O through a root fd. */
#pragma once
#include "vgpu_node.h"

struct apply_stats;

struct vgpu_catalog;

/* Without a catalog entry for the GPU: the types its VFs list as
 * creatable now become g's offers (count limited by the VFs only: the
 * driver enforces capacity), their names added to cat. */
void vgpu_vendor_offers(int rootfd, struct vgpu_catalog *cat, struct vgpu_gpu *g);
/* Converges g's VFs to n's plan: deletes vGPUs that do not match (never
 * one in use) before creating the missing ones (NVIDIA's equal-size rule
 * needs the old size gone).  0 all in place, 1 some not. */
int vgpu_vendor_converge(int rootfd, struct vgpu_node *n, const struct vgpu_gpu *g, struct apply_stats *st);
/* Deletes every vGPU on pf's VFs.  0, 1 (some in use, left), -errno. */
int vgpu_vendor_undo(int rootfd, const char *pf, struct apply_stats *st);
