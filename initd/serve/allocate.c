// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocate.h"
#include "dpapi.h"
#include "log.h"
#include "resources.h"

static int cmp_key(const void *k, const void *e)
{
	return strcmp((const char *)k, ((const struct pdev *)e)->d.id);
}

const struct pdev *ptable_find(const struct ptable *t, const char *id)
{
	if (!id || !t->n)
		return NULL;
	return bsearch(id, t->v, t->n, sizeof(*t->v), cmp_key);
}

void allocate_quote_id(const char *id, char *buf, size_t size)
{
	size_t o = 0;
	for (const char *s = id; *s && o + 4 < size && o < 64; s++)
		buf[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (id[o] && o + 4 < size && o >= 64)
		memcpy(buf + o, "...", 3), o += 3;
	buf[o] = '\0';
}

static bool in_list(const char *const *ids, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

/* Group siblings matter for PCI functions; an mdev has its own group. */
static bool same_group(const struct sdev *a, const struct sdev *b)
{
	return a != b && a->kind != SDEV_MDEV && b->kind != SDEV_MDEV && a->group >= 0 &&
	       a->group == b->group;
}

int allocate_bounds(const struct ptable *t, size_t containers, size_t total_ids, char *msg, size_t msize)
{
	if (containers == 0)
		return record_error(msg, msize, EINVAL, "no container requests");
	if (containers > t->n)
		return record_error(
		    msg, msize, EINVAL,
		    "%zu container requests in one call, %s has %zu devices (kubelet sends one)", containers,
		    t->resource, t->n);
	if (total_ids > t->n)
		return record_error(msg, msize, EINVAL, "%zu device IDs requested, %s has %zu", total_ids,
				    t->resource, t->n);
	return 0;
}

int allocate_validate(const struct ptable *t, const char *const *ids, size_t n, char *msg, size_t msize)
{
	char q[80];
	if (n == 0)
		return record_error(msg, msize, EINVAL, "no device IDs requested for %s", t->resource);
	/* more IDs than devices cannot be valid; this also bounds the checks below */
	if (n > t->n)
		return record_error(msg, msize, EINVAL, "%zu device IDs requested, %s has %zu", n,
				    t->resource, t->n);
	for (size_t i = 0; i < n; i++) {
		const struct pdev *p = ptable_find(t, ids[i]);
		allocate_quote_id(ids[i], q, sizeof(q));
		if (!p)
			return record_error(msg, msize, EINVAL, "device \"%s\" is not a device of %s", q,
					    t->resource);
		if (!p->healthy)
			return record_error(msg, msize, EINVAL, "device \"%s\" of %s is not healthy", q,
					    t->resource);
		if (in_list(ids, i, ids[i]))
			return record_error(msg, msize, EINVAL, "device \"%s\" is requested twice", q);
	}
	for (size_t i = 0; i < n; i++) {
		const struct pdev *p = ptable_find(t, ids[i]);
		for (size_t k = 0; k < t->n; k++)
			if (t->v[k].healthy && same_group(&t->v[k].d, &p->d) &&
			    !in_list(ids, n, t->v[k].d.id))
				return record_error(
				    msg, msize, EINVAL,
				    "device \"%s\" shares IOMMU group %d with \"%s\": they can "
				    "only be allocated together",
				    p->d.id, p->d.group, t->v[k].d.id);
	}
	return 0;
}

int allocate_fill(const char *resource, const struct sdev *const *devs, size_t n, bool iommufd,
		  V1beta1__ContainerAllocateResponse *c)
{
	char env[192], path[64];
	int r;
	/* one env per kind present (an alias may mix passthrough and mdevs) */
	for (int kind = SDEV_PASSTHROUGH; kind <= SDEV_MDEV; kind++) {
		const char *prefix = resource_env_prefix((enum sdev_kind)kind);
		if (kind == SDEV_VF_VGPU)
			continue; /* same prefix as passthrough, gathered below */
		size_t len = 0;
		for (size_t i = 0; i < n; i++)
			if ((devs[i]->kind == SDEV_MDEV) == (kind == SDEV_MDEV))
				len += strlen(devs[i]->id) + 1;
		if (!len)
			continue;
		char *val = malloc(len);
		if (!val)
			return -ENOMEM;
		val[0] = '\0';
		size_t o = 0;
		for (size_t i = 0; i < n; i++)
			if ((devs[i]->kind == SDEV_MDEV) == (kind == SDEV_MDEV))
				o += (size_t)sprintf(val + o, "%s%s", o ? "," : "", devs[i]->id);
		if ((r = resource_env_name(prefix, resource, env, sizeof(env))) >= 0)
			r = dpapi_container_set_env(c, env, val);
		free(val);
		if (r < 0)
			return r;
	}
	if ((r = dpapi_container_add_device(c, "/dev/vfio/vfio", "/dev/vfio/vfio", "mrw")) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup |= devs[k]->group == devs[i]->group;
		if (dup || devs[i]->group < 0)
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/%d", devs[i]->group);
		if ((r = dpapi_container_add_device(c, path, path, "mrw")) < 0)
			return r;
	}
	if (iommufd) {
		if ((r = dpapi_container_add_device(c, "/dev/iommu", "/dev/iommu", "mrw")) < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			if (!devs[i]->vfio_dev[0])
				continue;
			snprintf(path, sizeof(path), "/dev/vfio/devices/%s", devs[i]->vfio_dev);
			if ((r = dpapi_container_add_device(c, path, path, "mrw")) < 0)
				return r;
		}
	}
	return 0;
}

/* --- preferred allocation ------------------------------------------------ */

struct cand {
	const struct sdev *d;
	bool taken;
	bool near;    /* same upstream switch as something chosen */
	size_t usize; /* untaken members of its IOMMU group */
	size_t loc;   /* index of the first candidate with its locality */
};

static bool chosen_has(const char **out, size_t n, const char *id)
{
	return in_list(out, n, id);
}

/* Members of c's group among the candidates not yet taken (c included). */
static size_t unit_size(const struct cand *c, size_t nc, size_t i)
{
	size_t k = 0;
	for (size_t j = 0; j < nc; j++)
		if (!c[j].taken && (j == i || same_group(c[j].d, c[i].d)))
			k++;
	return k;
}

static void take_unit(struct cand *c, size_t nc, size_t i, const char **out, size_t *n)
{
	for (size_t j = 0; j < nc; j++)
		if (!c[j].taken && (j == i || same_group(c[j].d, c[i].d))) {
			c[j].taken = true;
			out[(*n)++] = c[j].d->id;
		}
}

size_t preferred_choose(const struct ptable *t, const char *const *avail, size_t navail,
			const char *const *must, size_t nmust, long size, const char **out)
{
	size_t n = 0, nc = 0;
	if (size <= 0)
		return 0;
	/* must-include first, as given (kubelet guarantees they are available);
	 * IDs this resource does not have cannot be allocated and are dropped,
	 * which also bounds the work by the table's size */
	for (size_t i = 0; i < nmust && (long)n < size; i++) {
		const struct pdev *p = must[i] ? ptable_find(t, must[i]) : NULL;
		if (p && !chosen_has(out, n, p->d.id))
			out[n++] = p->d.id;
	}
	struct cand *c = calloc(navail ? navail : 1, sizeof(*c));
	if (!c)
		return n;
	for (size_t i = 0; i < navail; i++) {
		const struct pdev *p = avail[i] ? ptable_find(t, avail[i]) : NULL;
		if (!p || !p->healthy)
			continue;
		bool dup = false;
		for (size_t k = 0; k < nc; k++)
			dup |= c[k].d == &p->d;
		if (!dup)
			c[nc++] = (struct cand){ .d = &p->d, .taken = chosen_has(out, n, p->d.id) };
	}
	/* siblings of must-include devices come along */
	for (size_t i = 0; i < nc && (long)n < size; i++)
		if (!c[i].taken)
			for (size_t j = 0; j < nc; j++)
				if (c[j].taken && same_group(c[i].d, c[j].d) &&
				    chosen_has(out, n, c[j].d->id)) {
					c[i].taken = true;
					out[n++] = c[i].d->id;
					break;
				}
	/* the NUMA node: the one of what is chosen, else the fullest-fitting */
	int numa = -2;
	for (size_t i = 0; i < n && numa == -2; i++) {
		const struct pdev *p = ptable_find(t, out[i]);
		if (p)
			numa = p->d.numa;
	}
	if (numa == -2) {
		long best = -1, left = size - (long)n;
		for (size_t i = 0; i < nc; i++) {
			long cnt = 0;
			for (size_t j = 0; j < nc; j++)
				cnt += !c[j].taken && c[j].d->numa == c[i].d->numa;
			/* best fit: the smallest node that holds the request, else the largest */
			bool better = best < 0 || (cnt >= left && (best < left || cnt < best)) ||
				      (best < left && cnt > best);
			if (better) {
				best = cnt;
				numa = c[i].d->numa;
			}
		}
	}
	/* O(candidates) per pick: unit sizes, locality classes and "near what
	 * is chosen" are computed once and updated as units are taken (a
	 * 512-device request must not stall the loop) */
	for (size_t i = 0; i < nc; i++) {
		c[i].usize = c[i].taken ? 0 : unit_size(c, nc, i);
		c[i].loc = i;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c[j].d->locality, c[i].d->locality) == 0) {
				c[i].loc = c[j].loc;
				break;
			}
	}
	for (size_t k = 0; k < n; k++) {
		const struct pdev *p = ptable_find(t, out[k]);
		for (size_t i = 0; p && i < nc; i++)
			c[i].near |= strcmp(p->d.locality, c[i].d->locality) == 0;
	}
	while ((long)n < size) {
		size_t pick = SIZE_MAX;
		int pick_score = 0;
		for (size_t i = 0; i < nc && !(pick != SIZE_MAX && pick_score == 0); i++) {
			if (c[i].taken || (long)c[i].usize > size - (long)n)
				continue;
			int score = (c[i].d->numa == numa ? 0 : 2) + (c[i].near ? 0 : 1);
			if (pick == SIZE_MAX || score < pick_score) {
				pick = i;
				pick_score = score;
			}
		}
		if (pick == SIZE_MAX)
			break;
		size_t loc = c[pick].loc;
		take_unit(c, nc, pick, out, &n);
		for (size_t i = 0; i < nc; i++)
			c[i].near |= c[i].loc == loc;
	}
	free(c);
	return n;
}
