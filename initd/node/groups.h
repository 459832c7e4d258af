/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IOMMU group safety (pure): a group may go to VFIO only if every member
 * is a function of a selected device's card or a PCI bridge. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "pcidev.h"

enum member_role {
	ROLE_TARGET,	/* a selected device */
	ROLE_COMPANION, /* another function of a selected card (HDMI audio) */
	ROLE_BRIDGE,	/* header type 1: stays on its driver */
	ROLE_FOREIGN,	/* anything else: binding would take it from the host */
};

#define GROUP_MAX_MEMBERS 32
struct group_plan {
	int group;
	size_t n;
	size_t member[GROUP_MAX_MEMBERS]; /* indices into devs, address order */
	enum member_role role[GROUP_MAX_MEMBERS];
	int foreign; /* index of the first foreign member, or -1 */
};

const char *member_role_name(enum member_role r);
/* Classifies the members of `group`.  -ENOENT if the group has no member,
 * -E2BIG beyond GROUP_MAX_MEMBERS. */
/* allowed (may be NULL): devices the config lets go with a selected GPU
 * that shares their group ("group-companions"). */
int group_assess_with(const struct pcidev *devs, size_t n, const bool *selected, const bool *allowed,
		      int group, struct group_plan *ret);
int group_assess(const struct pcidev *devs, size_t n, const bool *selected, int group,
		 struct group_plan *ret);
static inline bool group_is_safe(const struct group_plan *g)
{
	return g->foreign < 0;
}
