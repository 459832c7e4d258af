// SPDX-License-Identifier: GPL-2.0-or-later
#include "vgpu_node.h"

#include <stdlib.h>

#include "vgpu_mig.h"

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
