/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocate and GetPreferredAllocation for one resource (pure): ID
 * validation against the resource's table, the KubeVirt response, the
 * preferred choice.  IOMMU-group siblings travel together: the preferred
 * choice never splits a group and Allocate refuses a split. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "deviceplugin.pb-c.h"
#include "discover.h"

struct pdev {
	struct sdev d; /* as first seen; d.aer_fatal: the count at the last healthy check */
	bool healthy;
	int why; /* enum sdev_sick (resources.h) while not healthy */
};

/* A resource's devices, sorted by id. */
struct ptable {
	const char *resource;
	struct pdev *v;
	size_t n;
};

const struct pdev *ptable_find(const struct ptable *t, const char *id);
/* Bounds an Allocate (or GetPreferredAllocation) before any other work:
 * kubelet sends one container per call (pkg/kubelet/cm/devicemanager/
 * endpoint.go, allocate()), and a container's IDs are distinct devices of
 * the resource, so neither the container count nor the total of IDs can
 * exceed the resource's device count.  0, or -EINVAL with msg. */
int allocate_bounds(const struct ptable *t, size_t containers, size_t total_ids, char *msg, size_t msize);
/* Checks one container's IDs: each known to this resource, healthy, given
 * once, and every healthy IOMMU-group sibling requested too.  0, or
 * -EINVAL with msg naming the (sanitised) ID and the reason. */
int allocate_validate(const struct ptable *t, const char *const *ids, size_t n, char *msg, size_t msize);
/* Fills a container response for devs (validated, re-checked): the env
 * (PCI_RESOURCE_/MDEV_PCI_RESOURCE_<NAME> = IDs comma-separated, in
 * request order), DeviceSpecs /dev/vfio/vfio and /dev/vfio/<group> once
 * per group, with iommufd also /dev/iommu and /dev/vfio/devices/vfioN.
 * 0 or -ENOMEM/-ENAMETOOLONG. */
int allocate_fill(const char *resource, const struct sdev *const *devs, size_t n, bool iommufd,
		  V1beta1__ContainerAllocateResponse *c);
/* The preferred allocation for one container request: must-include
 * first (with their group siblings), then whole IOMMU groups from one NUMA
 * node, preferring the same upstream switch as what is already chosen.
 * Unknown or unhealthy available IDs are skipped; any size is accepted.
 * out must hold navail + nmust entries; returns the count chosen. */
size_t preferred_choose(const struct ptable *t, const char *const *avail, size_t navail,
			const char *const *must, size_t nmust, long size, const char **out);
/* Copies id for an error message: at most 64 characters, non-printable
 * bytes as '?'. */
void allocate_quote_id(const char *id, char *buf, size_t size);
