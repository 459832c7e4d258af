// SPDX-License-Identifier: GPL-2.0-or-later
#include "vgpu_node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_mig.h"

bool vgpu_catalog_note(const struct vgpu_node *n, char *buf, size_t size)
{
	if (!n->cat_err)
		return false;
	snprintf(buf, size, "%s: %s: ignored (the vGPU types of GPUs whose VFs are off are unknown)",
		 VGPU_CATALOG_PATH,
		 n->cat_err == -EINVAL ? "not a vgpuConfig document" : strerror(-n->cat_err));
	return true;
}

void vgpu_node_free(struct vgpu_node *n)
{
	if (!n)
		return;
	free(n->gpus);
	free(n->v);
	vgpu_mig_free(n->mig);
	vgpu_catalog_free(&n->cat);
	free(n);
}

int vgpu_count_removal(struct vgpu_node *n, int e)
{
	if (e == 1)
		n->in_use++;
	else if (e == 0)
		n->removed++;
	return e ? 1 : 0;
}
