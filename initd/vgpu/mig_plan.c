// SPDX-License-Identifier: GPL-2.0-or-later
#include "mig_plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vgpu_plan.h"

const struct mig_profile *mig_profile_get(const struct mig_state *s, unsigned id)
{
	for (size_t i = 0; i < s->nprof; i++)
		if (s->prof[i].id == id)
			return &s->prof[i];
	return NULL;
}

int mig_profile_for(const struct mig_state *s, unsigned slices, unsigned fb_gb, bool me)
{
	int best = -ENOENT;
	unsigned long long want = (unsigned long long)fb_gb * 1024, bd = 0;
	for (size_t i = 0; i < s->nprof; i++) {
		const struct mig_profile *p = &s->prof[i];
		if (p->slices != slices || p->me != me)
			continue;
		unsigned long long d = p->mem_mb > want ? p->mem_mb - want : want - p->mem_mb;
		if (best < 0 || d < bd) {
			best = (int)p->id;
			bd = d;
		}
	}
	/* a profile more than a quarter off is another size, not this one */
	return best >= 0 && bd * 4 <= want ? best : -ENOENT;
}

static unsigned span(unsigned start, unsigned size)
{
	return ((1u << size) - 1) << start;
}

/* Places items[i..] into the free memory slices `used`; backtracking over
 * the few placements each profile has.  true when all fit. */
static bool place(const struct mig_profile **items, size_t n, size_t i, unsigned used, unsigned nslices,
		  struct mig_gi *out)
{
	if (i == n)
		return true;
	const struct mig_profile *p = items[i];
	for (unsigned st = 0; st < 8; st++) {
		if (!(p->starts & (1u << st)) || st + p->size > nslices || (used & span(st, p->size)))
			continue;
		out[i] = (struct mig_gi){ .profile = p->id, .start = st, .size = p->size };
		if (place(items, n, i + 1, used | span(st, p->size), nslices, out))
			return true;
	}
	return false;
}

/* Keeps up to the wanted count of existing instances per profile (keep
 * true), places the missing ones. */
static bool try_plan(const struct mig_state *s, const struct mig_want *w, size_t nw, bool keep,
		     unsigned nslices, struct mig_change *c)
{
	const struct mig_profile *items[MIG_MAX_GI];
	size_t n = 0;
	unsigned used = 0;
	memset(c, 0, sizeof(*c));
	for (size_t k = 0; k < nw; k++) {
		unsigned have = 0;
		for (size_t g = 0; g < s->ngi && keep; g++)
			if (s->gi[g].profile == w[k].profile && have < w[k].count) {
				c->keep[c->nkeep++] = s->gi[g].id;
				used |= span(s->gi[g].start, s->gi[g].size);
				have++;
			}
		for (; have < w[k].count; have++)
			items[n++] = mig_profile_get(s, w[k].profile);
	}
	for (size_t g = 0; g < s->ngi; g++) {
		bool kept = false;
		for (size_t k = 0; k < c->nkeep; k++)
			kept |= c->keep[k] == s->gi[g].id;
		if (!kept)
			c->destroy[c->ndestroy++] = s->gi[g].id;
	}
	/* the largest first: they have the fewest placements */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && items[j]->size > items[j - 1]->size; j--) {
			const struct mig_profile *t = items[j];
			items[j] = items[j - 1];
			items[j - 1] = t;
		}
	/* destroyed instances go first: their slices are free for the new ones */
	c->ncreate = n;
	return place(items, n, 0, used, nslices, c->create);
}

int mig_plan(const struct mig_state *s, const struct mig_want *w, size_t nw, struct mig_change *ret,
	     char *err, size_t es)
{
	unsigned total = 0, compute = 0, nslices = 0, count = 0;
	for (size_t i = 0; i < s->nprof; i++) {
		if (s->prof[i].slices > compute)
			compute = s->prof[i].slices;
		for (unsigned st = 0; st < 8; st++)
			if ((s->prof[i].starts & (1u << st)) && st + s->prof[i].size > nslices)
				nslices = st + s->prof[i].size;
	}
	for (size_t k = 0; k < nw; k++) {
		const struct mig_profile *p = mig_profile_get(s, w[k].profile);
		if (!p)
			return vgpu_plan_fail(err, es, "%s: the GPU has no GPU instance profile %u",
					      w[k].label, w[k].profile);
		unsigned same = 0;
		for (size_t j = 0; j < nw; j++)
			same += w[j].profile == w[k].profile ? w[j].count : 0;
		if (same > p->max)
			return vgpu_plan_fail(
			    err, es, "%s x%u: needs %u GPU instances of its profile, the GPU has room for %u",
			    w[k].label, w[k].count, same, p->max);
		total += w[k].count * p->slices;
		count += w[k].count;
	}
	if (total > compute)
		return vgpu_plan_fail(err, es, "MIG-backed vGPUs need %u compute slices, the GPU has %u",
				      total, compute);
	if (count > MIG_MAX_GI)
		return vgpu_plan_fail(err, es, "%u GPU instances: more than %d", count, MIG_MAX_GI);
	if (try_plan(s, w, nw, true, nslices, ret) || try_plan(s, w, nw, false, nslices, ret))
		return 0;
	char what[256] = "";
	size_t o = 0;
	for (size_t k = 0; k < nw && o < sizeof(what); k++)
		o += (size_t)snprintf(what + o, sizeof(what) - o, "%s%s x%u", k ? " + " : "", w[k].label,
				      w[k].count);
	return vgpu_plan_fail(
	    err, es, "no MIG placement fits %s on one GPU (NVIDIA's GPU instance placement rules)", what);
}
