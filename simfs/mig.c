// SPDX-License-Identifier: GPL-2.0-or-later
/* MIG on simulated GPUs: the GPU instance profiles of A100 40GB, A100 80GB
 * and H100 80GB with their NVML profile index, profile ID, memorySizeMB,
 * instance count and placements.  8 memory slices, 7 compute slices.
 *
 * Sources, per column:
 * - H100 80GB (10de:2330): every number is what a real H100 80GB HBM3's
 *   NVML answered (driver 580.159.04): fixtures/recorded/h100-sxm5-guest/
 *   nvml-580.txt (index -> id, slices, instances, memMB, placements).
 * - A100 40GB (10de:20f1, 20b0): profile IDs, instance counts and memory
 *   (GiB x 1024) from NVIDIA's MIG User Guide, "Getting Started with MIG >
 *   List GPU Instance Profiles" (`nvidia-smi mig -lgip` on an
 *   A100-SXM4-40GB: 1g.5gb 19 7/7 4.75, 1g.5gb+me 20 1/1 4.75, 1g.10gb 15
 *   4/4 9.62, 2g.10gb 14 3/3 9.62, 3g.20gb 9 2/2 19.50, 4g.20gb 5 1/1 19.50,
 *   7g.40gb 0 1/1 39.25; the guide's example as reproduced e.g. in
 *   seansiddens/mps-test README.md); placements of IDs 19, 14, 9, 5, 0 from
 *   `nvidia-smi mig -lgipp` on an A100-SXM4-40GB (ALCF ThetaGPU's MIG
 *   notes: {0..6}:1, {0,2,4}:2, {0,4}:4, {0}:4, {0}:8).  Placements of
 *   IDs 20 and 15 on A100: unverified (taken from the H100 capture, which
 *   has the same layout).  Index -> ID: the same constants as on H100
 *   (nvml.h's NVML_GPU_INSTANCE_PROFILE_* names the profile by slices and
 *   revision); unverified on an A100.
 * - A100 80GB (10de:20b5, 20b2): the A100 table's IDs and placements
 *   (MIG User Guide, "Supported MIG Profiles > A100 MIG Profiles": the
 *   80GB part has the same profiles with twice the memory); memorySizeMB
 *   unverified (NVIDIA's go-nvml mock of an A100 80GB,
 *   pkg/nvml/mock/shared/gpus/a100.go, not a capture).
 * - One +me instance per GPU: instanceCount 1 in every source above. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

#define P(ix, id, name, sl, gb, mb, max, size, starts)                                                       \
	{                                                                                                    \
		ix, id, name, sl, gb, mb, max, size, starts                                                  \
	}
static const struct mig_profile a100_40[] = {
	P(0, 19, "1g.5gb", 1, 5, 4864, 7, 1, 0x7f),   P(7, 20, "1g.5gb+me", 1, 5, 4864, 1, 1, 0x7f),
	P(9, 15, "1g.10gb", 1, 10, 9856, 4, 2, 0x55), P(1, 14, "2g.10gb", 2, 10, 9856, 3, 2, 0x15),
	P(2, 9, "3g.20gb", 3, 20, 19968, 2, 4, 0x11), P(3, 5, "4g.20gb", 4, 20, 19968, 1, 4, 0x01),
	P(4, 0, "7g.40gb", 7, 40, 40192, 1, 8, 0x01),
};
static const struct mig_profile a100_80[] = {
	P(0, 19, "1g.10gb", 1, 10, 9856, 7, 1, 0x7f),  P(7, 20, "1g.10gb+me", 1, 10, 9856, 1, 1, 0x7f),
	P(9, 15, "1g.20gb", 1, 20, 19968, 4, 2, 0x55), P(1, 14, "2g.20gb", 2, 20, 19968, 3, 2, 0x15),
	P(2, 9, "3g.40gb", 3, 40, 40192, 2, 4, 0x11),  P(3, 5, "4g.40gb", 4, 40, 40192, 1, 4, 0x01),
	P(4, 0, "7g.80gb", 7, 80, 80384, 1, 8, 0x01),
};
static const struct mig_profile h100_80[] = {
	P(0, 19, "1g.10gb", 1, 10, 9984, 7, 1, 0x7f),  P(7, 20, "1g.10gb+me", 1, 10, 9984, 1, 1, 0x7f),
	P(9, 15, "1g.20gb", 1, 20, 20096, 4, 2, 0x55), P(1, 14, "2g.20gb", 2, 20, 20096, 3, 2, 0x15),
	P(2, 9, "3g.40gb", 3, 40, 40448, 2, 4, 0x11),  P(3, 5, "4g.40gb", 4, 40, 40448, 1, 4, 0x01),
	P(4, 0, "7g.80gb", 7, 80, 81152, 1, 8, 0x01),
};
/* reset_to_apply: on Ampere a MIG mode change takes effect at a GPU reset
 * (NVIDIA MIG User Guide, "Getting Started with MIG > Enable MIG Mode";
 * GPU Operator PR #2603: "On Ampere (A100, A30) enabling MIG mode needs a
 * GPU reset, and the driver tries that reset itself ... the reset is
 * refused while the GPU is in use"). */
#define GEO(dev, t, reset)                                                                                   \
	{                                                                                                    \
		dev, t, sizeof(t) / sizeof(t[0]), reset                                                      \
	}
static const struct mig_geometry geometries[] = {
	GEO(0x20f1, a100_40, true), GEO(0x20b0, a100_40, true),	 GEO(0x20b5, a100_80, true),
	GEO(0x20b2, a100_80, true), GEO(0x2330, h100_80, false),
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
		if (p->slices == t->mig_slices && p->mem_gb == t->fb_gb &&
		    (strstr(p->name, "+me") != NULL) == me)
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

/* Whether the driver can reset the GPU now to apply a MIG mode change:
 * not while a client has it open (nvml.h, nvmlDeviceSetMigMode: "if
 * device unbind fails because the device isn't idle, NVML_ERROR_IN_USE"
 * as activationStatus), and on Ampere not while its SR-IOV VFs are
 * enabled -- unverified: NVIDIA documents MIG mode before the VFs
 * (NVIDIA AI Enterprise / vGPU user guide, "Configuring a GPU for
 * MIG-Backed vGPUs": MIG mode, GPU instances, then the vGPUs; VFs come
 * with the vGPUs via sriov-manage), and GPU Operator PR #2603 resets only
 * GPUs without VFs ("it skips any GPU that already has VFs"; #2600: "enable
 * MIG, run --gpu-reset, run sriov-manage -e"). */
static bool can_reset(const struct sim_dev *gpu)
{
	return gpu->nv_users == 0 && !(gpu->mig.geo->reset_to_apply && gpu->num_vfs > 0);
}

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
	/* the driver resets the GPU to apply it, unless it is in use */
	if (can_reset(gpu))
		s->mode = on;
	gpu->m->seq++;
	return 0;
}

int mig_gpu_reset(struct sim_dev *gpu)
{
	struct sim_mig *s = &gpu->mig;
	if (!s->geo) /* the model resets MIG-capable GPUs only */
		return -ENOTSUP;
	if (!can_reset(gpu) || has_vgpus(gpu->m, gpu))
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

/* "mode C", "pending P", one "profile INDEX ID NAME SLICES MEM_MB MAX
 * SIZE STARTS" line per profile (INDEX: NVML_GPU_INSTANCE_PROFILE_*, ID:
 * the profile ID; STARTS: comma-separated), one "gi ID PROFILE_ID START
 * SIZE BUSY" line per GPU instance. */
static ssize_t state_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *gpu = n->obj;
	const struct sim_mig *s = &gpu->mig;
	size_t o = 0;
#define OUT(...) o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, __VA_ARGS__)
	OUT("mode %d\npending %d\n", s->mode, s->pending);
	for (int i = 0; i < s->geo->nprofiles; i++) {
		const struct mig_profile *p = &s->geo->profiles[i];
		OUT("profile %u %u %s %u %u %u %u ", p->index, p->id, p->name, p->slices, p->mem_mb, p->max,
		    p->size);
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
