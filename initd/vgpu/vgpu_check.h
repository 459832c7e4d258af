/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-vgpu's read of a node: every GPU's vGPU path and offers, then the
 * plan (pure, vgpu_plan.h) and the planned vGPUs (vgpu_node.h). */
#pragma once
#include <stddef.h>

#include "vgpu_node.h"

struct config;
struct pcidevs;

/* Reads every GPU's vGPU path and offers, then plans.  *ret is set even on
 * -EINVAL (a plan that cannot work: err says why). */
int vgpu_check(int rootfd, const struct config *c, const struct pcidevs *devs, struct vgpu_node **ret,
	       char *err, size_t es);
struct pcidev;
/* One GPU's vGPU path, VFs and offers (cat's types for its device; the
 * VFs' creatable lists without one); index: its "all" GPU index or -1. */
void vgpu_gpu_read(int rootfd, struct vgpu_catalog *cat, const struct pcidev *p, int index,
		   struct vgpu_gpu *g);
