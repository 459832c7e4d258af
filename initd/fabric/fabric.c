// SPDX-License-Identifier: GPL-2.0-or-later
#include "fabric.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int fabric_bdf(const char *fm, char out[PCI_ADDR_STRLEN])
{
	if (!fm || !*fm)
		return -ENOENT;
	/* NVML and FM write an 8-digit domain ("00000000:18:00.0"); sysfs 4 */
	const char *s = fm;
	size_t len = strlen(fm);
	if (len == 16 && strncmp(fm, "0000", 4) == 0)
		s = fm + 4;
	struct pci_addr a;
	if (pci_addr_parse(s, &a) < 0)
		return -EINVAL;
	if (a.domain == 0 && a.bus == 0 && a.dev == 0 && a.fn == 0)
		return -ENOENT;
	pci_addr_format(&a, out);
	return 0;
}

void fabric_fill_bdfs(struct fabric *f)
{
	for (size_t i = 0; i < f->n; i++)
		for (unsigned g = 0; g < f->p[i].n; g++) {
			if (f->p[i].bdf[g][0])
				continue;
			for (size_t j = 0; j < f->n && !f->p[i].bdf[g][0]; j++)
				for (unsigned h = 0; h < f->p[j].n; h++)
					if (f->p[j].phys[h] == f->p[i].phys[g] && f->p[j].bdf[h][0]) {
						memcpy(f->p[i].bdf[g], f->p[j].bdf[h], PCI_ADDR_STRLEN);
						break;
					}
		}
}

void fabric_name_modules(struct fabric *f, const unsigned *ids, const struct pci_addr *addrs, size_t n)
{
	for (size_t i = 0; i < f->n; i++)
		for (unsigned g = 0; g < f->p[i].n; g++)
			for (size_t k = 0; k < n && !f->p[i].bdf[g][0]; k++)
				if (ids[k] == f->p[i].phys[g])
					pci_addr_format(&addrs[k], f->p[i].bdf[g]);
}

bool fabric_mapped(const struct fabric *f)
{
	for (size_t i = 0; i < f->n; i++)
		for (unsigned g = 0; g < f->p[i].n; g++)
			if (f->p[i].supported && !f->p[i].bdf[g][0])
				return false;
	return true;
}

int fabric_by_id(const struct fabric *f, unsigned id)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->p[i].id == id)
			return (int)i;
	return -ENOENT;
}

bool fabric_has(const struct fabric_part *p, const char *bdf)
{
	for (unsigned g = 0; g < p->n; g++)
		if (p->bdf[g][0] && strcmp(p->bdf[g], bdf) == 0)
			return true;
	return false;
}

bool fabric_overlap(const struct fabric_part *a, const struct fabric_part *b)
{
	/* by physical ID: known for every partition, named or not */
	for (unsigned g = 0; g < a->n; g++)
		for (unsigned h = 0; h < b->n; h++)
			if (a->phys[g] == b->phys[h])
				return true;
	return false;
}

static bool in_list(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return true;
	return false;
}

int fabric_find_set(const struct fabric *f, const char *const *bdfs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(bdfs[i], bdfs[j]) == 0)
				return -ENOENT;
	for (size_t i = 0; i < f->n; i++) {
		const struct fabric_part *p = &f->p[i];
		if (!p->supported || p->n != n)
			continue;
		bool all = true;
		for (size_t k = 0; k < n && all; k++)
			all = fabric_has(p, bdfs[k]);
		if (all)
			return (int)i;
	}
	return -ENOENT;
}

int fabric_active_overlap(const struct fabric *f, size_t i)
{
	for (size_t j = 0; j < f->n; j++)
		if (j != i && f->p[j].active && fabric_overlap(&f->p[i], &f->p[j]))
			return (int)j;
	return -1;
}

/* Usable now: supported, every GPU in avail and in no active partition. */
static bool part_free(const struct fabric *f, size_t i, const char *const *avail, size_t navail)
{
	const struct fabric_part *p = &f->p[i];
	if (!p->supported || p->active || fabric_active_overlap(f, i) >= 0)
		return false;
	for (unsigned g = 0; g < p->n; g++)
		if (!p->bdf[g][0] || !in_list(p->bdf[g], avail, navail))
			return false;
	return true;
}

/* a's GPUs a strict subset of b's */
static bool inside(const struct fabric_part *a, const struct fabric_part *b)
{
	if (a->n >= b->n)
		return false;
	for (unsigned g = 0; g < a->n; g++) {
		bool found = false;
		for (unsigned h = 0; h < b->n && !found; h++)
			found = a->phys[g] == b->phys[h];
		if (!found)
			return false;
	}
	return true;
}

int fabric_choose(const struct fabric *f, const char *const *avail, size_t navail, const char *const *must,
		  size_t nmust, size_t size, bool (*ok_fn)(const struct fabric_part *p, void *ctx), void *ctx)
{
	int best = -ENOENT;
	unsigned best_score = 0;
	for (size_t i = 0; i < f->n; i++) {
		const struct fabric_part *p = &f->p[i];
		if (!p->supported || p->n != size || !part_free(f, i, avail, navail))
			continue;
		bool ok = !ok_fn || ok_fn(p, ctx);
		for (size_t k = 0; k < nmust && ok; k++)
			ok = fabric_has(p, must[k]);
		if (!ok)
			continue;
		/* the smallest enclosing partition that is no longer whole */
		unsigned score = FABRIC_MAX_GPUS + 1;
		for (size_t j = 0; j < f->n; j++)
			if (inside(p, &f->p[j]) && f->p[j].n < score && !part_free(f, j, avail, navail))
				score = f->p[j].n;
		if (best < 0 || score < best_score || (score == best_score && p->id < f->p[best].id)) {
			best = (int)i;
			best_score = score;
		}
	}
	return best;
}

void fabric_part_str(const struct fabric_part *p, char *buf, size_t size)
{
	size_t o = 0;
	if (size)
		buf[0] = '\0';
	for (unsigned g = 0; g < p->n && o < size; g++)
		o +=
		    (size_t)snprintf(buf + o, size - o, "%s%s", g ? "," : "", p->bdf[g][0] ? p->bdf[g] : "?");
}
