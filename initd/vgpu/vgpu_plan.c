// SPDX-License-Identifier: GPL-2.0-or-later
#include "vgpu_plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vgpu_type.h"

const char *vgpu_path_name(enum vgpu_path p)
{
	switch (p) {
	case VGPU_PATH_MDEV_PF: return "mdev";
	case VGPU_PATH_MDEV_VF: return "sriov-mdev";
	case VGPU_PATH_VENDOR_VFIO: return "sriov-vendor-vfio";
	case VGPU_PATH_SRIOV_OFF: return "sriov-off";
	default: return "none";
	}
}

int vgpu_offer_find(const struct vgpu_gpu *g, const char *name)
{
	const char *want = vgpu_type_short(name);
	for (size_t i = 0; i < g->ntypes; i++)
		if (strcmp(vgpu_type_short(g->types[i].name), want) == 0)
			return (int)i;
	return -1;
}

int vgpu_plan_fail(char *err, size_t es, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, es, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool sel_matches(const struct selector *s, const struct vgpu_gpu *g)
{
	switch (s->kind) {
	case SEL_ADDR: return pci_addr_cmp(&s->addr, &g->addr) == 0;
	case SEL_INDEX: return g->index >= 0 && (unsigned)g->index == s->index;
	case SEL_ID: return s->vendor == g->vendor && (s->device < 0 || s->device == g->device);
	}
	return false;
}

static unsigned mig_slices(const struct vgpu_offer *o)
{
	struct vgpu_type_name tn;
	return o->mig && vgpu_type_parse(o->name, &tn) == 0 ? tn.slices : 0;
}

/* MIG-backed assignments of one GPU: each type within its count, the
 * compute slices within the GPU's (its largest MIG-backed type's), one VF
 * each.  GPU instance placement needs NVML: vgpu_mig.c. */
static int check_gpu_mig(const struct vgpu_gpu *g, const struct vgpu_plan *p, size_t gi, char *err, size_t es)
{
	unsigned total = 0, slices = 0, compute = 0;
	for (size_t t = 0; t < g->ntypes; t++)
		if (mig_slices(&g->types[t]) > compute)
			compute = mig_slices(&g->types[t]);
	for (size_t k = 0; k < p->n; k++) {
		if (p->a[k].gpu != gi)
			continue;
		const struct vgpu_offer *o = &g->types[p->a[k].type];
		if (p->a[k].count > o->max)
			return vgpu_plan_fail(err, es, "GPU %s: %u x %s exceeds its capacity of %u", g->bdf,
					      p->a[k].count, vgpu_type_short(o->name), o->max);
		slices += p->a[k].count * mig_slices(o);
		total += p->a[k].count;
	}
	if (slices > compute)
		return vgpu_plan_fail(err, es,
				      "GPU %s: the MIG-backed vGPUs need %u compute slices, the GPU has %u",
				      g->bdf, slices, compute);
	if (g->slots && total > g->slots)
		return vgpu_plan_fail(err, es, "GPU %s: %u vGPUs need %u VFs, it has %u", g->bdf, total,
				      total, g->slots);
	return 0;
}

/* Every assignment of one GPU: one size, within capacity and slots; or
 * all MIG-backed (a GPU is in MIG mode or not). */
static int check_gpu(const struct vgpu_gpu *g, const struct vgpu_plan *p, size_t gi, char *err, size_t es)
{
	const struct vgpu_offer *first = NULL, *mig = NULL;
	unsigned total = 0, cap = 0;
	for (size_t k = 0; k < p->n; k++) {
		if (p->a[k].gpu != gi)
			continue;
		const struct vgpu_offer *o = &g->types[p->a[k].type];
		if (o->mig) {
			mig = mig ? mig : o;
			continue;
		}
		if (first && o->fb_gb != first->fb_gb)
			return vgpu_plan_fail(
			    err, es,
			    "GPU %s: mixed sizes on one GPU (%s and %s): NVIDIA's time-sliced vGPUs on a "
			    "GPU are all of one size",
			    g->bdf, first->name, o->name);
		if (!first || o->max < cap)
			cap = o->max;
		if (!first)
			first = o;
		total += p->a[k].count;
	}
	if (mig && first)
		return vgpu_plan_fail(
		    err, es,
		    "GPU %s: %s is MIG-backed, %s time-sliced: a GPU hosts one kind (MIG mode is on or off)",
		    g->bdf, vgpu_type_short(mig->name), vgpu_type_short(first->name));
	if (mig)
		return check_gpu_mig(g, p, gi, err, es);
	if (!first)
		return 0;
	if (total > cap)
		return vgpu_plan_fail(err, es, "GPU %s: %u x %s exceeds its capacity of %u", g->bdf, total,
				      first->name, cap);
	if (g->slots && total > g->slots)
		return vgpu_plan_fail(err, es, "GPU %s: %u vGPUs need %u VFs, it has %u", g->bdf, total,
				      total, g->slots);
	return 0;
}

int vgpu_plan_make(const struct config *c, const struct vgpu_gpu *gpus, size_t ngpus, struct vgpu_plan *p,
		   char *err, size_t es)
{
	int claimed[256];
	bool any = false;
	p->n = 0;
	if (ngpus > 256)
		return vgpu_plan_fail(err, es, "more than 256 GPUs");
	for (size_t g = 0; g < ngpus; g++)
		claimed[g] = -1;
	for (size_t ri = 0, item = 0; ri < c->nvrules; ri++) {
		const struct vgpu_rule *r = &c->vrules[ri];
		if (strcmp(r->config, c->vgpu_config) != 0)
			continue;
		any = true;
		for (size_t s = 0; s < r->nsel; s++) {
			bool hit = false;
			for (size_t g = 0; g < ngpus; g++)
				hit |= sel_matches(&r->sel[s], &gpus[g]);
			if (!hit)
				return vgpu_plan_fail(err, es,
						      "vgpu-configs.%s[%zu].devices[%zu] matches no GPU",
						      r->config, item, s);
		}
		for (size_t g = 0; g < ngpus; g++) {
			bool m = r->devices_all && gpus[g].index >= 0;
			for (size_t s = 0; s < r->nsel && !m; s++)
				m = sel_matches(&r->sel[s], &gpus[g]);
			if (!m)
				continue;
			if (claimed[g] >= 0)
				return vgpu_plan_fail(err, es,
						      "GPU %s is named by vgpu-configs.%s[%d] and [%zu]",
						      gpus[g].bdf, r->config, claimed[g], item);
			claimed[g] = (int)item;
			for (size_t t = 0; t < r->ntypes; t++) {
				if (r->types[t].count == 0)
					continue;
				if (gpus[g].path == VGPU_PATH_NONE)
					return vgpu_plan_fail(
					    err, es,
					    "GPU %s: no vGPU host driver (no mdev types, no SR-IOV vGPU "
					    "types; with VFs off they come from "
					    "usr/share/nvidia/vgpu/vgpuConfig.xml)",
					    gpus[g].bdf);
				int o = vgpu_offer_find(&gpus[g], r->types[t].type);
				if (o < 0) {
					struct vgpu_type_name tn;
					return vgpu_plan_fail(err, es, "GPU %s: unknown vGPU type %s%s",
							      gpus[g].bdf, r->types[t].type,
							      vgpu_type_parse(r->types[t].type, &tn) < 0
								  ? " (not a vGPU type name)"
								  : " (this GPU does not offer it)");
				}
				if (p->n == VGPU_MAX_ASSIGN)
					return vgpu_plan_fail(err, es, "more than %d (GPU, type) pairs",
							      VGPU_MAX_ASSIGN);
				p->a[p->n++] = (struct vgpu_assign){ .gpu = g,
								     .type = (size_t)o,
								     .count = r->types[t].count };
			}
		}
		item++;
	}
	if (!any)
		return vgpu_plan_fail(err, es, "vgpu-config \"%s\": no such entry in vgpu-configs",
				      c->vgpu_config);
	for (size_t g = 0; g < ngpus; g++) {
		int e = check_gpu(&gpus[g], p, g, err, es);
		if (e < 0)
			return e;
		unsigned next = 0;
		for (size_t k = 0; k < p->n; k++)
			if (p->a[k].gpu == g) {
				p->a[k].first = next;
				next += p->a[k].count;
			}
	}
	return 0;
}
