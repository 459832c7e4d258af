// SPDX-License-Identifier: GPL-2.0-or-later
#include "vgpu_vendor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "node/apply_stats.h"
#include "node/pcidev.h"
#include "rootfs.h"
#include "node/vfio.h"
#include "vgpu_catalog.h"
#include "vgpu_mig.h"
#include "vgpu_sriov.h"
#include "vgpu_type.h"

void vgpu_vendor_offers(int rootfd, struct vgpu_catalog *cat, struct vgpu_gpu *g)
{
	struct vgpu_catalog seen = { 0 };
	char vf[32], p[160], *txt;
	for (unsigned i = 0; i < g->slots; i++) {
		if (vgpu_vf_addr(rootfd, g->bdf, (int)i, vf, sizeof(vf)) < 0)
			continue;
		snprintf(p, sizeof(p), PCI_DEVICES "/%s/nvidia/creatable_vgpu_types", vf);
		if (rootfs_read_file(rootfd, p, &txt, NULL) < 0)
			continue;
		vgpu_catalog_add_creatable(&seen, txt);
		vgpu_catalog_add_creatable(cat, txt);
		free(txt);
	}
	for (size_t i = 0; g->ntypes == 0 && i < seen.nt; i++) {
		struct vgpu_type_name tn;
		if (vgpu_type_parse(seen.t[i].name, &tn) < 0 || g->ntypes == VGPU_MAX_GPU_TYPES)
			continue;
		struct vgpu_offer *o = &g->types[g->ntypes++];
		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", vgpu_type_short(seen.t[i].name));
		snprintf(o->id, sizeof(o->id), "%u", seen.t[i].id);
		o->max = g->slots;
		o->fb_gb = tn.fb_gb;
		o->mig = tn.slices > 0;
	}
	vgpu_catalog_free(&seen);
}

/* The type ID VF vf hosts (0: none), or -errno (not a vGPU VF). */
static long current_type(int rootfd, const char *vf)
{
	char p[160];
	uint64_t v;
	snprintf(p, sizeof(p), PCI_DEVICES "/%s/nvidia/current_vgpu_type", vf);
	int e = rootfs_read_u64(rootfd, p, &v);
	return e < 0 ? e : v > 0xffffffffu ? -ERANGE : (long)v;
}

/* Deletes the vGPU on vf unless a VM has it open.  0, 1 in use, -errno.
 * The VF's group node exists whether or not it hosts a vGPU (NVIDIA
 * registers a VF with VFIO at bind): "in use" is a process holding it
 * open, which the driver would refuse anyway (EPERM, usage_count). */
static int delete_vgpu(int rootfd, const char *vf, long cur, struct apply_stats *st)
{
	char p[160];
	int grp = -1;
	snprintf(p, sizeof(p), PCI_DEVICES "/%s", vf);
	if (vfio_dev_in_use(rootfd, p, &grp) == 1) {
		log_error("vGPU (type %ld) on VF %s is in use (dev/vfio/%d open): left in place", cur, vf,
			  grp);
		return 1;
	}
	snprintf(p, sizeof(p), PCI_DEVICES "/%s/nvidia/current_vgpu_type", vf);
	st->writes++;
	int e = rootfs_write(rootfd, p, "0");
	if (e < 0)
		return log_error_errno(e, "deleting the vGPU (type %ld) on VF %s: %m", cur, vf);
	log_info("deleted the vGPU (type %ld) on VF %s", cur, vf);
	return 0;
}

static struct vgpu_entry *entry_on(struct vgpu_node *n, const char *vf)
{
	for (size_t k = 0; k < n->nv; k++)
		if (strcmp(n->v[k].parent, vf) == 0)
			return &n->v[k];
	return NULL;
}

int vgpu_vendor_converge(int rootfd, struct vgpu_node *n, const struct vgpu_gpu *g, struct apply_stats *st)
{
	char vf[32], p[160];
	int res = 0;
	size_t gi = (size_t)(g - n->gpus);
	/* a GPU losing GPU instances gets all its vGPUs anew */
	bool rebuild = vgpu_mig_rebuilds(n->mig, gi);
	for (unsigned i = 0; vgpu_vf_addr(rootfd, g->bdf, (int)i, vf, sizeof(vf)) >= 0; i++) {
		long cur = current_type(rootfd, vf);
		if (cur <= 0)
			continue;
		struct vgpu_entry *v = entry_on(n, vf);
		int o = v ? vgpu_offer_find(g, v->type) : -1;
		if (o >= 0 && strtol(g->types[o].id, NULL, 10) == cur && !rebuild) {
			v->state = VGPU_KEPT;
			n->kept++;
			continue;
		}
		int e = delete_vgpu(rootfd, vf, cur, st);
		res |= vgpu_count_removal(n, e);
	}
	/* GPU instances between the vGPUs that went and the ones to create */
	int mig = vgpu_mig_apply(n->mig, gi, g);
	for (size_t k = 0; k < n->nv; k++) {
		struct vgpu_entry *v = &n->v[k];
		if (strcmp(v->gpu, g->bdf) != 0 || v->state == VGPU_KEPT)
			continue;
		int o = vgpu_offer_find(g, v->type), e = mig < 0 ? mig : -ENODEV;
		if (o >= 0 && v->parent[0] && mig >= 0) {
			snprintf(p, sizeof(p), PCI_DEVICES "/%s/nvidia/current_vgpu_type", v->parent);
			st->writes++;
			e = rootfs_write(rootfd, p, g->types[o].id);
		}
		if (e < 0) {
			log_error_errno(e, "creating vGPU %s (type %s) on VF %s: %m", v->type,
					o >= 0 ? g->types[o].id : "?", v->parent[0] ? v->parent : "(none)");
			v->state = VGPU_FAILED;
			v->err = e;
			n->failed++;
			res = 1;
		} else {
			log_info("created vGPU %s (type %s) on VF %s", v->type, g->types[o].id, v->parent);
			v->state = VGPU_CREATED;
			n->created++;
		}
	}
	return res;
}

int vgpu_vendor_undo(int rootfd, const char *pf, struct apply_stats *st)
{
	char vf[32];
	int res = 0;
	for (int i = 0; vgpu_vf_addr(rootfd, pf, i, vf, sizeof(vf)) >= 0; i++) {
		long cur = current_type(rootfd, vf);
		if (cur > 0 && delete_vgpu(rootfd, vf, cur, st) != 0)
			res = 1;
	}
	return res;
}
