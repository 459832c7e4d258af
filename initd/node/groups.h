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
	int foreign;  /* index of the first foreign member, or -1 */
	bool at_bind; /* predicted: the kernel makes the group at the bind */
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
/* A kernel that makes IOMMU groups at driver probe (arm64 Debian 6.12:
 * docs/nvidia-model.md "IOMMU groups made at probe") gives an unbound
 * device none to assess.  The group it will make
 * (drivers/iommu/iommu.c pci_device_group) can hold only: the device, the
 * other functions of its slot (get_pci_function_alias_group, no ACS), the
 * groups those already have, and the group of the bridge above it (a path
 * without ACS joins the bridge's group).  Predicts that set, roles as
 * group_assess_with.  ret->group: the existing group it would join, else
 * -2 - the index of its lowest member (a key apply groups the slot by).
 * The real group is checked again after the bind (apply_groups.c). */
int group_predict_at_bind(const struct pcidev *devs, size_t n, const bool *selected, const bool *allowed,
			  size_t idx, struct group_plan *ret);
static inline bool group_is_safe(const struct group_plan *g)
{
	return g->foreign < 0;
}
