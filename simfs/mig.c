// SPDX-License-Identifier: GPL-2.0-or-later
/* MIG on simulated GPUs.  Profiles and placements follow NVIDIA's MIG user
 * guide for A100 40GB, A100 80GB and H100 80GB: 8 memory slices, 7
 * compute slices; 1g at 0..6, 1g with twice the memory at 0/2/4/6, 2g at
 * 0/2/4, 3g at 0/4 (four memory slices), 4g at 0, 7g at 0 (all eight);
 * one +me (media extensions) instance per GPU.  memorySizeMB values are
 * close to what NVML reports, not exact. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

#define P(id, name, sl, gb, mb, max, size, starts) { id, name, sl, gb, mb, max, size, starts }
static const struct mig_profile a100_40[] = {
	P(0, "1g.5gb", 1, 5, 4864, 7, 1, 0x7f),	     P(7, "1g.5gb+me", 1, 5, 4864, 1, 1, 0x7f),
	P(9, "1g.10gb", 1, 10, 9856, 4, 2, 0x55),    P(1, "2g.10gb", 2, 10, 9856, 3, 2, 0x15),
	P(2, "3g.20gb", 3, 20, 19968, 2, 4, 0x11),   P(3, "4g.20gb", 4, 20, 19968, 1, 4, 0x01),
	P(4, "7g.40gb", 7, 40, 40192, 1, 8, 0x01),
};
static const struct mig_profile gb80[] = {
	P(0, "1g.10gb", 1, 10, 9856, 7, 1, 0x7f),    P(7, "1g.10gb+me", 1, 10, 9856, 1, 1, 0x7f),
	P(9, "1g.20gb", 1, 20, 19968, 4, 2, 0x55),   P(1, "2g.20gb", 2, 20, 19968, 3, 2, 0x15),
	P(2, "3g.40gb", 3, 40, 40320, 2, 4, 0x11),   P(3, "4g.40gb", 4, 40, 40320, 1, 4, 0x01),
	P(4, "7g.80gb", 7, 80, 80896, 1, 8, 0x01),
};
#define GEO(dev, t) { dev, t, sizeof(t) / sizeof(t[0]) }
static const struct mig_geometry geometries[] = {
	GEO(0x20f1, a100_40), GEO(0x20b0, a100_40), GEO(0x20b5, gb80), GEO(0x20b2, gb80), GEO(0x2330, gb80),
};

const struct mig_geometry *mig_geometry_find(uint16_t device)
{
	for (size_t i = 0; i < sizeof(geometries) / sizeof(geometries[0]); i++)
		if (geometries[i].device == device)
			return &geometries[i];
	return NULL;
}

const struct mig_profile *mig_profile_by_id(const struct mig_geometry *g, unsigned id)
{
	for (int i = 0; g && i < g->nprofiles; i++)
		if (g->profiles[i].id == id)
			return &g->profiles[i];
	return NULL;
}

const struct mig_profile *mig_profile_of_type(const struct mig_geometry *g, const struct vgpu_type *t)
{
	size_t n = strlen(t->name);
	bool me = n > 2 && strcmp(t->name + n - 2, "ME") == 0;
	for (int i = 0; g && t->mig_slices && i < g->nprofiles; i++) {
		const struct mig_profile *p = &g->profiles[i];
		if (p->slices == t->mig_slices && p->mem_gb == t->fb_gb && (strstr(p->name, "+me") != NULL) == me)
			return p;
	}
	return NULL;
}

/* ---- which GPU instances host a vGPU --------------------------------- */

static bool gi_busy(struct model *m, const struct sim_dev *gpu, unsigned id)
{
	for (struct sim_mdev *x = m->mdevs; x; x = x->next)
		if ((x->parent->physfn ? x->parent->physfn : x->parent) == gpu && x->gi == id)
			return true;
	for (int i = 0; i < m->ndevs; i++)
		if (m->devs[i]->present && m->devs[i]->physfn == gpu && m->devs[i]->vgpu_gi == id)
			return true;
	return false;
}

static bool has_vgpus(struct model *m, const struct sim_dev *gpu)
{
	unsigned fb;
	if (mdev_count_on_gpu(m, gpu, &fb))
		return true;
	for (int i = 0; i < m->ndevs; i++)
		if (m->devs[i]->present && m->devs[i]->physfn == gpu && m->devs[i]->vgpu_type)
			return true;
	return false;
}

unsigned mig_free_instances(struct model *m, struct sim_dev *gpu, const struct vgpu_type *t)
{
	const struct sim_mig *s = &gpu->mig;
	const struct mig_profile *p = mig_profile_of_type(s->geo, t);
	unsigned n = 0;
	if (!s->mode || !p)
		return 0;
	for (int i = 0; i < s->ngi; i++)
		n += s->gi[i].profile == p->id && !gi_busy(m, gpu, s->gi[i].id);
	return n;
}

int mig_take_instance(struct model *m, struct sim_dev *gpu, const struct vgpu_type *t)
{
	const struct sim_mig *s = &gpu->mig;
	const struct mig_profile *p = mig_profile_of_type(s->geo, t);
	int best = -ENOSPC;
	for (int i = 0; s->mode && p && i < s->ngi; i++)
		if (s->gi[i].profile == p->id && !gi_busy(m, gpu, s->gi[i].id) &&
		    (best < 0 || s->gi[i].id < (unsigned)best))
			best = (int)s->gi[i].id;
	return best;
}

void mig_on_release(struct sim_dev *gpu)
{
	gpu->mig.ngi = 0;
}

/* ---- control ---------------------------------------------------------- */

int mig_set_mode(struct sim_dev *gpu, bool on)
{
	struct sim_mig *s = &gpu->mig;
	if (!s->geo || !gpu->driver || !(gpu->driver->desc->flags & DRV_NVIDIA))
		return -ENOTSUP;
	if (on == s->mode) {
		s->pending = on;
		return 0;
	}
	if (has_vgpus(gpu->m, gpu) || (!on && s->ngi))
		return -EBUSY;
	s->pending = on;
	/* the driver resets the GPU to apply it, unless a client has it open */
	if (gpu->nv_users == 0)
		s->mode = on;
	gpu->m->seq++;
	return 0;
}

int mig_gpu_reset(struct sim_dev *gpu)
{
	struct sim_mig *s = &gpu->mig;
	if (gpu->nv_users || has_vgpus(gpu->m, gpu))
		return -EBUSY;
	s->mode = s->pending;
	s->ngi = 0;
	gpu->m->seq++;
	return 0;
}

int mig_gi_create(struct sim_dev *gpu, unsigned profile, unsigned start)
{
	struct sim_mig *s = &gpu->mig;
	if (!s->geo || !s->mode || !gpu->driver)
		return -ENOTSUP;
	const struct mig_profile *p = mig_profile_by_id(s->geo, profile);
	if (!p || start >= 8 || !(p->starts & (1u << start)))
		return -EINVAL;
	unsigned same = 0, slices = p->slices;
	bool me = false;
	for (int i = 0; i < s->ngi; i++) {
		const struct mig_gi *g = &s->gi[i];
		const struct mig_profile *q = mig_profile_by_id(s->geo, g->profile);
		if (start < g->start + g->size && g->start < start + p->size)
			return -ENOSPC; /* overlaps */
		same += g->profile == profile;
		slices += q->slices;
		me |= strstr(q->name, "+me") != NULL;
	}
	if (same >= p->max || slices > 7 || (me && strstr(p->name, "+me")) || s->ngi == MIG_MAX_GI)
		return -ENOSPC;
	unsigned id = 1;
	for (bool taken = true; taken; id += taken) {
		taken = false;
		for (int i = 0; i < s->ngi; i++)
			taken |= s->gi[i].id == id;
	}
	s->gi[s->ngi++] = (struct mig_gi){ .id = id, .profile = profile, .start = start, .size = p->size };
	gpu->m->seq++;
	return 0;
}

int mig_gi_destroy(struct sim_dev *gpu, unsigned id)
{
	struct sim_mig *s = &gpu->mig;
	if (!s->geo || !s->mode)
		return -ENOTSUP;
	for (int i = 0; i < s->ngi; i++) {
		if (s->gi[i].id != id)
			continue;
		if (gi_busy(gpu->m, gpu, id))
			return -EBUSY;
		s->gi[i] = s->gi[--s->ngi];
		gpu->m->seq++;
		return 0;
	}
	return -ENOENT;
}

/* ---- .simfs/mig/<bdf> ------------------------------------------------- */

/* "mode C", "pending P", one "profile ID NAME SLICES MEM_MB MAX SIZE
 * STARTS" line per profile (STARTS: comma-separated), one "gi ID PROFILE
 * START SIZE BUSY" line per GPU instance. */
static ssize_t state_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *gpu = n->obj;
	const struct sim_mig *s = &gpu->mig;
	size_t o = 0;
#define OUT(...) o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, __VA_ARGS__)
	OUT("mode %d\npending %d\n", s->mode, s->pending);
	for (int i = 0; i < s->geo->nprofiles; i++) {
		const struct mig_profile *p = &s->geo->profiles[i];
		OUT("profile %u %s %u %u %u %u ", p->id, p->name, p->slices, p->mem_mb, p->max, p->size);
		const char *sep = "";
		for (unsigned b = 0; b < 8; b++)
			if (p->starts & (1u << b)) {
				OUT("%s%u", sep, b);
				sep = ",";
			}
		OUT("\n");
	}
	for (int i = 0; i < s->ngi; i++)
		OUT("gi %u %u %u %u %d\n", s->gi[i].id, s->gi[i].profile, s->gi[i].start, s->gi[i].size,
		    gi_busy(gpu->m, gpu, s->gi[i].id));
#undef OUT
	return o < cap ? (ssize_t)o : -EFBIG;
}

static const struct attr_ops state_ops = { .show = state_show };

int mig_init(struct model *m)
{
	struct node *dir = NULL;
	for (int i = 0; i < m->ndevs; i++) {
		struct sim_dev *d = m->devs[i];
		if (!d->vgpu || d->physfn || !(d->mig.geo = mig_geometry_find(d->device)))
			continue;
		if (!dir && !(dir = tree_mkdir_p(m->root, ".simfs/mig")))
			return -ENOMEM;
		if (!tree_add_attr(dir, d->bdf, 0444, &state_ops, d, 0))
			return -ENOMEM;
	}
	return 0;
}
