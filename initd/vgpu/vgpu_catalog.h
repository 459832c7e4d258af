/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NVIDIA's vGPU type catalog, usr/share/nvidia/vgpu/vgpuConfig.xml (the
 * file the vGPU manager installs and nvidia-vgpud reads): type IDs, names,
 * framebuffer sizes, and per GPU device ID the supported types with their
 * maximum count.  It names the types of a GPU whose VFs are not enabled
 * yet, and the type a VF hosts once no VF lists it as creatable.  Pure but
 * for vgpu_catalog_load(). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "vgpu_plan.h"

#define VGPU_CATALOG_PATH "usr/share/nvidia/vgpu/vgpuConfig.xml"

struct vgpu_catalog_type {
	unsigned id;
	char name[64]; /* "NVIDIA H100XM-10C" */
};

struct vgpu_catalog_support {
	uint16_t device; /* the physical GPU's PCI device ID */
	unsigned id, max;
};

struct vgpu_catalog {
	struct vgpu_catalog_type *t;
	size_t nt;
	struct vgpu_catalog_support *s;
	size_t ns;
};

/* Reads the elements it needs from the XML text (tolerant: unknown
 * elements, comments and declarations are skipped).  0, -EINVAL (not a
 * vgpuconfig document) or -ENOMEM. */
int vgpu_catalog_parse(const char *xml, size_t len, struct vgpu_catalog *c);
/* Adds the types of a VF's nvidia/creatable_vgpu_types ("1013 : NVIDIA
 * H100XM-10C" lines) the catalog does not name yet.  Returns how many, or
 * -ENOMEM. */
int vgpu_catalog_add_creatable(struct vgpu_catalog *c, const char *text);
void vgpu_catalog_free(struct vgpu_catalog *c);
/* Reads VGPU_CATALOG_PATH under rootfd into c (empty when the file is
 * missing or unreadable).  The module's one I/O call.  0 (also when the
 * file is missing), -EINVAL (not a vgpuConfig document) or -errno: the
 * caller records it (check prints it as a note). */
int vgpu_catalog_load(int rootfd, struct vgpu_catalog *c);
/* The name of type id ("NVIDIA H100XM-10C"), or NULL. */
const char *vgpu_catalog_name(const struct vgpu_catalog *c, unsigned id);
/* The types GPU `device` supports, as offers (id in decimal), at most max.
 * Returns how many were written. */
size_t vgpu_catalog_offers(const struct vgpu_catalog *c, uint16_t device, struct vgpu_offer *o, size_t max);
