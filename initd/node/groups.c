// SPDX-License-Identifier: GPL-2.0-or-later
#include "groups.h"

#include <errno.h>

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

int group_assess_with(const struct pcidev *devs, size_t n, const bool *selected, const bool *allowed,
		      int group, struct group_plan *ret)
{
	struct group_plan g = { .group = group, .foreign = -1 };
	if (group < 0)
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		if (devs[i].group != group)
			continue;
		if (g.n == GROUP_MAX_MEMBERS)
			return -E2BIG;
		enum member_role role = ROLE_FOREIGN;
		if (selected[i])
			role = ROLE_TARGET;
		else if (pcidev_is_bridge(&devs[i]))
			role = ROLE_BRIDGE;
		else if (allowed && allowed[i])
			role = ROLE_COMPANION;
		else
			for (size_t j = 0; j < n; j++)
				if (selected[j] && j != i && pcidev_same_slot(&devs[i], &devs[j]) &&
				    pcidev_is_card_function(&devs[i])) {
					role = ROLE_COMPANION;
					break;
				}
		if (role == ROLE_FOREIGN && g.foreign < 0)
			g.foreign = (int)i;
		g.member[g.n] = i;
		g.role[g.n] = role;
		g.n++;
	}
	if (g.n == 0)
		return -ENOENT;
	*ret = g;
	return 0;
}
