// SPDX-License-Identifier: GPL-2.0-or-later
#include "groups.h"

#include <errno.h>
#include <stdlib.h>

const char *member_role_name(enum member_role r)
{
	switch (r) {
	case ROLE_TARGET: return "target";
	case ROLE_COMPANION: return "companion";
	case ROLE_BRIDGE: return "bridge";
	default: return "foreign";
	}
}

int group_assess(const struct pcidev *devs, size_t n, const bool *selected, int group, struct group_plan *ret)
{
	return group_assess_with(devs, n, selected, NULL, group, ret);
}

static enum member_role classify(const struct pcidev *devs, size_t n, const bool *selected,
				 const bool *allowed, size_t i)
{
	if (selected[i])
		return ROLE_TARGET;
	if (pcidev_is_bridge(&devs[i]))
		return ROLE_BRIDGE;
	if (allowed && allowed[i])
		return ROLE_COMPANION;
	for (size_t j = 0; j < n; j++)
		if (selected[j] && j != i && pcidev_same_slot(&devs[i], &devs[j]) &&
		    pcidev_is_card_function(&devs[i]))
			return ROLE_COMPANION;
	return ROLE_FOREIGN;
}

/* The plan of the members in[] marks, in address order (devs is). */
static int plan_of(const struct pcidev *devs, size_t n, const bool *selected, const bool *allowed,
		   const bool *in, struct group_plan *g)
{
	for (size_t i = 0; i < n; i++) {
		if (!in[i])
			continue;
		if (g->n == GROUP_MAX_MEMBERS)
			return -E2BIG;
		enum member_role role = classify(devs, n, selected, allowed, i);
		if (role == ROLE_FOREIGN && g->foreign < 0)
			g->foreign = (int)i;
		g->member[g->n] = i;
		g->role[g->n] = role;
		g->n++;
	}
	return g->n ? 0 : -ENOENT;
}

int group_assess_with(const struct pcidev *devs, size_t n, const bool *selected, const bool *allowed,
		      int group, struct group_plan *ret)
{
	struct group_plan g = { .group = group, .foreign = -1 };
	if (group < 0)
		return -ENOENT;
	bool *in = calloc(n ? n : 1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		in[i] = devs[i].group == group;
	int r = plan_of(devs, n, selected, allowed, in, &g);
	free(in);
	if (r == 0)
		*ret = g;
	return r;
}

int group_predict_at_bind(const struct pcidev *devs, size_t n, const bool *selected, const bool *allowed,
			  size_t idx, struct group_plan *ret)
{
	struct group_plan g = { .group = -1, .foreign = -1, .at_bind = true };
	bool *in = calloc(n, sizeof(*in));
	if (!in)
		return -ENOMEM;
	const struct pcidev *d = &devs[idx];
	int join = -1; /* an existing group the device would join */
	for (size_t i = 0; i < n; i++)
		if (pcidev_same_slot(&devs[i], d)) {
			in[i] = true;
			if (join < 0)
				join = devs[i].group;
		} else if (d->has_parent && pci_addr_cmp(&devs[i].addr, &d->parent) == 0) {
			in[i] = true;
		}
	/* the groups the slot's functions and the bridge are in come along */
	for (size_t i = 0; i < n; i++)
		if (in[i] && devs[i].group >= 0) {
			if (join < 0)
				join = devs[i].group;
			for (size_t j = 0; j < n; j++)
				if (devs[j].group == devs[i].group)
					in[j] = true;
		}
	size_t lowest = idx;
	for (size_t i = 0; i < n; i++)
		if (in[i] && i < lowest)
			lowest = i;
	g.group = join >= 0 ? join : -2 - (int)lowest;
	int r = plan_of(devs, n, selected, allowed, in, &g);
	free(in);
	if (r == 0)
		*ret = g;
	return r;
}
