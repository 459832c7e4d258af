// SPDX-License-Identifier: GPL-2.0-or-later
/* usr/share/nvidia/vgpu/vgpuConfig.xml: the type catalog NVIDIA's vGPU
 * manager installs (nvidia-vgpud reads it).  Its shape, as on real hosts:
 * one <vgpuType id name class> per type with <devId> and <framebuffer>
 * (bytes, hex), and one <pgpu> per supported GPU listing
 * <supportedVgpu vgpuId><maxVgpus>.  Generated from the fixture's GPU
 * models, so it agrees with the types the host driver offers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct out {
	char *buf;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static int put(struct out *o, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return 0;
		}
		size_t nc = 2 * o->cap + (size_t)n;
		char *nb = realloc(o->buf, nc);
		if (!nb)
			return -ENOMEM;
		o->buf = nb;
		o->cap = nc;
	}
}

static unsigned type_id(const struct vgpu_type *t)
{
	return t->mdev_id > 0 ? (unsigned)t->mdev_id : t->vfio_id;
}

static const char *type_class(const struct vgpu_type *t)
{
	size_t n = strlen(t->name);
	char s = n ? t->name[n - 1] : 0;
	if (n > 2 && strcmp(t->name + n - 2, "ME") == 0)
		s = t->name[n - 3];
	return s == 'Q' ? "Quadro" : s == 'B' ? "NVS" : s == 'A' ? "GRID" : "Compute";
}

int vgpu_config_init(struct model *m)
{
	const struct vgpu_model *seen[16]; /* one per GPU device ID */
	uint16_t dev[16];
	size_t nseen = 0;
	if (m->nv_vgpu == VGPU_NONE)
		return 0;
	for (int i = 0; i < m->ndevs && nseen < 16; i++) {
		const struct sim_dev *d = m->devs[i];
		bool dup = !d->vgpu || d->physfn;
		for (size_t k = 0; k < nseen && !dup; k++)
			dup = dev[k] == d->device;
		if (!dup) {
			dev[nseen] = d->device;
			seen[nseen++] = d->vgpu;
		}
	}
	struct out o = { 0 };
	int r =
	    put(&o, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<vgpuconfig>\n  <version>1.0</version>\n");
	for (size_t k = 0; k < nseen && r == 0; k++) {
		bool again = false; /* two device IDs of one model: its types once */
		for (size_t j = 0; j < k; j++)
			again |= seen[j] == seen[k];
		for (int i = 0; i < seen[k]->ntypes && r == 0 && !again; i++) {
			const struct vgpu_type *t = &seen[k]->types[i];
			r = put(
			    &o,
			    "  <vgpuType id=\"%u\" name=\"%s %s\" class=\"%s\">\n"
			    "    <devId vendorId=\"0x10de\" deviceId=\"0x%04x\" subsystemVendorId=\"0x10de\" "
			    "subsystemId=\"0x%04x\"></devId>\n"
			    "    <framebuffer>0x%llx</framebuffer>\n    <numHeads>1</numHeads>\n  "
			    "</vgpuType>\n",
			    type_id(t), m->nv_grid_names ? "GRID" : "NVIDIA", t->name, type_class(t), dev[k],
			    type_id(t), (unsigned long long)t->fb_gb << 30);
		}
	}
	for (size_t k = 0; k < nseen && r == 0; k++) {
		r = put(&o,
			"  <pgpu>\n    <devId vendorId=\"0x10de\" deviceId=\"0x%04x\" "
			"subsystemVendorId=\"0x10de\" "
			"subsystemId=\"0x0\"></devId>\n",
			dev[k]);
		for (int i = 0; i < seen[k]->ntypes && r == 0; i++)
			r = put(&o,
				"    <supportedVgpu vgpuId=\"%u\">\n      <maxVgpus>%u</maxVgpus>\n    "
				"</supportedVgpu>\n",
				type_id(&seen[k]->types[i]), seen[k]->types[i].max);
		if (r == 0)
			r = put(&o, "  </pgpu>\n");
	}
	if (r == 0)
		r = put(&o, "</vgpuconfig>\n");
	struct node *dir = r == 0 ? tree_mkdir_p(m->root, "usr/share/nvidia/vgpu") : NULL;
	if (r == 0 && (!dir || !tree_add_data(dir, "vgpuConfig.xml", 0444, o.buf, o.len)))
		r = -ENOMEM;
	free(o.buf);
	return r;
}
