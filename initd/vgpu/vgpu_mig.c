// SPDX-License-Identifier: GPL-2.0-or-later
#include "vgpu_mig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mig_plan.h"
#include "nvml.h"
#include "vgpu_type.h"

enum want { WANT_NONE, WANT_MIG, WANT_OFF };

struct mig_gpu {
	enum want want;
	bool known; /* NVML read the GPU's state */
	struct mig_state st;
	struct mig_change ch; /* valid when planned */
	bool planned;
};

struct vgpu_mig {
	struct nvml *nvml;
	char why[192];		      /* NVML unavailable: why */
	const struct vgpu_plan *plan; /* the node's, outlives this */
	size_t ngpus;
	struct mig_gpu *g;
};

void vgpu_mig_free(struct vgpu_mig *m)
{
	if (!m)
		return;
	nvml_close(m->nvml);
	free(m->g);
	free(m);
}

/* The wanted GPU instances of GPU gi from the plan; 0 or -EINVAL. */
static int wants(const struct vgpu_gpu *g, const struct vgpu_plan *p, size_t gi, const struct mig_state *st,
		 struct mig_want *w, size_t *nw, char *err, size_t es)
{
	*nw = 0;
	for (size_t k = 0; k < p->n; k++) {
		const struct vgpu_offer *o = &g->types[p->a[k].type];
		struct vgpu_type_name tn;
		if (p->a[k].gpu != gi || !o->mig || vgpu_type_parse(o->name, &tn) < 0)
			continue;
		int prof = mig_profile_for(st, tn.slices, tn.fb_gb, tn.suffix == VGPU_SUFFIX_ME);
		if (prof < 0) {
			snprintf(err, es,
				 "GPU %s: %s: NVML lists no GPU instance profile of %u slices and %u GB%s",
				 g->bdf, o->name, tn.slices, tn.fb_gb,
				 tn.suffix == VGPU_SUFFIX_ME ? " with media extensions" : "");
			return -EINVAL;
		}
		if (*nw == MIG_MAX_GI)
			break;
		w[(*nw)++] =
		    (struct mig_want){ .label = o->name, .profile = (unsigned)prof, .count = p->a[k].count };
	}
	return 0;
}

/* NVIDIA's layout of the 7-slice parts (A100, H100: 8 memory slices),
 * from the GPU's MIG-backed types, for checking a plan when NVML cannot
 * show the profiles (the GPU not on nvidia yet, or a driver that answers
 * no profiles with MIG mode off).  The profile IDs here are labels of this
 * check only: such a plan is never applied (plan_gpu), apply reads the
 * real IDs from NVML first.  false: not such a part. */
static bool guess_profiles(const struct vgpu_gpu *g, struct mig_state *s)
{
	unsigned small = 0, compute = 0;
	struct vgpu_type_name tn;
	for (size_t t = 0; t < g->ntypes; t++)
		if (g->types[t].mig && vgpu_type_parse(g->types[t].name, &tn) == 0) {
			if (tn.slices == 1 && (!small || tn.fb_gb < small))
				small = tn.fb_gb;
			if (tn.slices > compute)
				compute = tn.slices;
		}
	if (compute != 7)
		return false;
	memset(s, 0, sizeof(*s));
	for (size_t t = 0; t < g->ntypes && s->nprof < MIG_MAX_PROFILES; t++) {
		if (!g->types[t].mig || vgpu_type_parse(g->types[t].name, &tn) < 0)
			continue;
		struct mig_profile *p = &s->prof[s->nprof];
		*p = (struct mig_profile){ .id = (unsigned)t, /* a label, never given to NVML */
					   .me = tn.suffix == VGPU_SUFFIX_ME,
					   .slices = tn.slices,
					   .max = g->types[t].max,
					   .mem_mb = tn.fb_gb * 1024ull };
		switch (tn.slices) {
		case 1:
			p->size = tn.fb_gb > small ? 2 : 1;
			p->starts = tn.fb_gb > small ? 0x55 : 0x7f;
			break;
		case 2: p->size = 2, p->starts = 0x15; break;
		case 3: p->size = 4, p->starts = 0x11; break;
		case 4: p->size = 4, p->starts = 0x01; break;
		case 7: p->size = 8, p->starts = 0x01; break;
		default: continue;
		}
		s->nprof++;
	}
	return true;
}

/* Plans GPU instances with the profiles NVML shows (a real driver shows
 * them with MIG mode off too; apply plans again once MIG mode is on);
 * without profiles from NVML, checks the plan against NVIDIA's layout
 * only. */
static int plan_gpu(struct mig_gpu *mg, const struct vgpu_gpu *g, const struct vgpu_plan *p, size_t gi,
		    char *err, size_t es)
{
	struct mig_want w[MIG_MAX_GI] = { 0 };
	struct mig_state guess;
	const struct mig_state *st = &mg->st;
	size_t nw = 0;
	mg->planned = false;
	if (mg->want == WANT_MIG && mg->st.nprof == 0) {
		if (!guess_profiles(g, &guess))
			return 0;
		st = &guess;
	}
	int e = mg->want == WANT_MIG ? wants(g, p, gi, st, w, &nw, err, es) : 0;
	if (e < 0)
		return e;
	char why[256];
	struct mig_change ch;
	if ((e = mig_plan(st, w, nw, &ch, why, sizeof(why))) < 0) {
		snprintf(err, es, "GPU %s: %s", g->bdf, why);
		return e;
	}
	if (st == &mg->st) {
		mg->ch = ch;
		mg->planned = true;
	}
	return 0;
}

int vgpu_mig_check(const struct vgpu_gpu *gpus, size_t ngpus, const struct vgpu_plan *p,
		   struct vgpu_mig **ret, char *err, size_t es)
{
	struct vgpu_mig *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	*ret = m;
	m->plan = p;
	m->ngpus = ngpus;
	m->g = calloc(ngpus ? ngpus : 1, sizeof(*m->g));
	if (!m->g)
		return -ENOMEM;
	bool any = false;
	const char *mig_type = NULL;
	size_t mig_gpu = 0;
	for (size_t k = 0; k < p->n; k++) {
		const struct vgpu_offer *o = &gpus[p->a[k].gpu].types[p->a[k].type];
		struct mig_gpu *mg = &m->g[p->a[k].gpu];
		mg->want = o->mig ? WANT_MIG : mg->want == WANT_MIG ? WANT_MIG : WANT_OFF;
		if (o->mig && !mig_type) {
			mig_type = o->name;
			mig_gpu = p->a[k].gpu;
		}
		any = true;
	}
	if (!any)
		return 0;
	int e = nvml_open(&m->nvml, m->why, sizeof(m->why));
	if (e < 0) {
		m->nvml = NULL;
		if (!mig_type) {
			log_debug("NVML: %s; time-sliced vGPUs only, MIG mode not checked", m->why);
			return 0;
		}
		snprintf(err, es, "GPU %s: %s: MIG-backed types unavailable: %s", gpus[mig_gpu].bdf, mig_type,
			 m->why);
		return -EINVAL;
	}
	for (size_t i = 0; i < ngpus; i++) {
		struct mig_gpu *mg = &m->g[i];
		if (mg->want == WANT_NONE)
			continue;
		e = nvml_mig_read(m->nvml, gpus[i].bdf, &mg->st);
		if (e == -ENODEV && mg->want == WANT_MIG) {
			/* not on nvidia now (VFs to turn on, or a crashed run's
			 * pci-pf-stub): apply reads it again once it is back */
			memset(&mg->st, 0, sizeof(mg->st));
			if ((e = plan_gpu(mg, &gpus[i], p, i, err, es)) < 0)
				return e;
			continue;
		}
		if (e < 0 && mg->want == WANT_MIG) {
			snprintf(err, es, "GPU %s: MIG-backed types unavailable: %s", gpus[i].bdf,
				 e == -ENOTSUP ? "the GPU has no MIG" : strerror(-e));
			return -EINVAL;
		}
		if (e < 0)
			continue; /* time-sliced on a GPU without MIG */
		mg->known = true;
		if ((e = plan_gpu(mg, &gpus[i], p, i, err, es)) < 0)
			return e;
	}
	return 0;
}

bool vgpu_mig_describe(const struct vgpu_mig *m, size_t gpu, char *buf, size_t size)
{
	if (!m || gpu >= m->ngpus || !m->g[gpu].known)
		return false;
	const struct mig_gpu *mg = &m->g[gpu];
	/* NVML may answer profiles with MIG mode off (nvml-580.txt): apply
	 * plans again after turning it on */
	if (mg->want == WANT_MIG && (!mg->planned || !mg->st.mode))
		snprintf(buf, size, "MIG mode off: apply turns it on, then creates the GPU instances");
	else if (mg->want == WANT_MIG)
		snprintf(buf, size, "MIG mode on: %zu GPU instances kept, %zu to create, %zu to destroy",
			 mg->ch.nkeep, mg->ch.ncreate, mg->ch.ndestroy);
	else if (mg->st.mode || mg->st.pending)
		snprintf(buf, size, "MIG mode on: apply destroys its %zu GPU instances and turns it off",
			 mg->st.ngi);
	else
		return false;
	return true;
}

bool vgpu_mig_rebuilds(const struct vgpu_mig *m, size_t gpu)
{
	return m && gpu < m->ngpus && m->g[gpu].planned && m->g[gpu].ch.ndestroy > 0;
}

static int set_mode(struct vgpu_mig *m, const char *bdf, bool on)
{
	bool pending = false;
	int e = nvml_mig_set_mode(m->nvml, bdf, on, &pending);
	if (e < 0)
		return log_error_errno(e, "GPU %s: turning MIG mode %s: %m", bdf, on ? "on" : "off");
	if (pending) {
		/* the driver resets the GPU to apply it and could not: it is in
		 * use (nvml.h, nvmlDeviceSetMigMode's activationStatus) */
		log_error(
		    "GPU %s: MIG mode %s waits for a GPU reset (the GPU is in use): its vGPUs cannot be "
		    "created until then",
		    bdf, on ? "on" : "off");
		return -EAGAIN;
	}
	log_info("GPU %s: MIG mode %s", bdf, on ? "on" : "off");
	return 0;
}

bool vgpu_mig_mode_changes(const struct vgpu_mig *m, size_t gpu)
{
	if (!m || !m->nvml || gpu >= m->ngpus || m->g[gpu].want == WANT_NONE)
		return false;
	const struct mig_gpu *mg = &m->g[gpu];
	if (!mg->known) /* not on nvidia (a crashed run's SR-IOV sequence): unknown */
		return true;
	if (mg->want == WANT_MIG)
		return !mg->st.mode || !mg->st.pending;
	return mg->want == WANT_OFF && (mg->st.mode || mg->st.pending);
}

bool vgpu_mig_wanted(const struct vgpu_mig *m, size_t gpu)
{
	return m && gpu < m->ngpus && m->g[gpu].want == WANT_MIG;
}

int vgpu_mig_mode(struct vgpu_mig *m, size_t gpu, const struct vgpu_gpu *g)
{
	if (!m || !m->nvml || gpu >= m->ngpus || m->g[gpu].want == WANT_NONE)
		return 0;
	struct mig_gpu *mg = &m->g[gpu];
	struct mig_state st;
	int e = nvml_mig_read(m->nvml, g->bdf, &st);
	if (e == -ENODEV)
		return 0; /* not on nvidia now: vgpu_mig_apply finds it later */
	if (e < 0)
		return log_error_errno(e, "GPU %s: reading its MIG state: %m", g->bdf);
	mg->st = st;
	mg->known = true;
	mg->planned = false; /* placed again from what NVML shows now */
	bool on = mg->want == WANT_MIG;
	if (on ? st.mode && st.pending : !st.mode && !st.pending)
		return 0;
	if (!on && st.ngi) /* their vGPUs go first: vgpu_mig_apply destroys them */
		return 0;
	if ((e = set_mode(m, g->bdf, on)) < 0)
		return e;
	if ((e = nvml_mig_read(m->nvml, g->bdf, &mg->st)) < 0)
		return log_error_errno(e, "GPU %s: reading its MIG state: %m", g->bdf);
	return 0;
}

int vgpu_mig_apply(struct vgpu_mig *m, size_t gpu, const struct vgpu_gpu *g)
{
	if (!m || !m->nvml || gpu >= m->ngpus)
		return 0;
	struct mig_gpu *mg = &m->g[gpu];
	if (!mg->known && mg->want == WANT_MIG)
		return log_error_errno(SYNTHETIC_ERRNO(ENODEV),
				       "GPU %s: NVML does not see it (not on nvidia): no GPU instances",
				       g->bdf);
	if (!mg->known)
		return 0;
	bool on = mg->want == WANT_MIG;
	int e;
	if (on && (!mg->st.mode || !mg->st.pending)) { /* also a plan made with MIG mode off */
		if ((e = set_mode(m, g->bdf, true)) < 0 || (e = nvml_mig_read(m->nvml, g->bdf, &mg->st)) < 0)
			return e;
		mg->planned = false;
	}
	if (!mg->planned) { /* MIG mode was off in check: placed now that NVML shows the profiles */
		char err[256];
		if ((e = plan_gpu(mg, g, m->plan, gpu, err, sizeof(err))) < 0)
			return log_error_errno(SYNTHETIC_ERRNO(-e), "%s", err);
		if (!mg->planned)
			return log_error_errno(SYNTHETIC_ERRNO(EIO),
					       "GPU %s: NVML shows no GPU instance profiles in MIG mode",
					       g->bdf);
	}
	for (size_t i = 0; i < mg->ch.ndestroy; i++) {
		if ((e = nvml_gi_destroy(m->nvml, g->bdf, mg->ch.destroy[i])) < 0)
			return log_error_errno(e, "GPU %s: destroying GPU instance %u: %m", g->bdf,
					       mg->ch.destroy[i]);
		log_info("GPU %s: GPU instance %u destroyed", g->bdf, mg->ch.destroy[i]);
	}
	for (size_t i = 0; i < mg->ch.ncreate; i++) {
		unsigned id;
		const struct mig_gi *c = &mg->ch.create[i];
		if ((e = nvml_gi_create(m->nvml, g->bdf, c->profile, c->start, &id)) < 0)
			return log_error_errno(
			    e, "GPU %s: creating a GPU instance of profile %u at slice %u: %m", g->bdf,
			    c->profile, c->start);
		log_info("GPU %s: GPU instance %u created (profile %u, slices %u-%u)", g->bdf, id, c->profile,
			 c->start, c->start + c->size - 1);
	}
	if (!on && (mg->st.mode || mg->st.pending) && (e = set_mode(m, g->bdf, false)) < 0)
		return e;
	mg->ch.ndestroy = mg->ch.ncreate = 0; /* done */
	return 0;
}
