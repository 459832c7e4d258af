/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resources (pure): which resource each discovered device belongs to,
 * KubeVirt's env names, and when a device counts as healthy. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "discover.h"

struct config;

/* Fills d->resource: the config's alias ("vvvv:dddd", the vGPU type's
 * short or full name, or "*" for everything), else the sandbox plugin's
 * default (passthrough: built-in table then pci.ids; vGPU: "nvidia.com/"
 * + type name with spaces as '_').  0, or -ENOENT when there is no valid
 * name (the device is not advertised). */
int resources_name(const struct config *cfg, struct sdev *d);
/* Whether resources_name needs d->pciids: a passthrough function no
 * alias ("vvvv:dddd", "*") and no built-in name covers. */
bool resources_wants_pciids(const struct config *cfg, const struct sdev *d);
/* "PCI_RESOURCE" for PCI functions (passthrough, VF vGPU), else
 * "MDEV_PCI_RESOURCE". */
const char *resource_env_prefix(enum sdev_kind k);
/* prefix + "_" + resource upper-cased, '/' and '.' -> '_' (KubeVirt).
 * Returns the length or -ENAMETOOLONG. */
int resource_env_name(const char *prefix, const char *resource, char *buf, size_t size);
/* Socket file name for a resource: "gpu-initd-nvidia.com_NAME.sock";
 * a resource over 48 characters keeps 40 and adds a hash (at most 64
 * characters in all, so /proc/self/fd/N/<name> fits sun_path). */
int resource_socket_name(const char *resource, char *buf, size_t size);
/* Why a device is Unhealthy (SICK_NONE: it is not). */
enum sdev_sick {
	SICK_NONE,
	SICK_GONE,	     /* removed (surprise removal, hot unplug) */
	SICK_MOVED,	     /* other driver, other IOMMU group, no group node, other vGPU */
	SICK_DEAD,	     /* fell off the bus: config space reads all ones */
	SICK_LINK_DOWN,	     /* current_link_speed "Unknown" */
	SICK_AER_FATAL,	     /* ERR_FATAL count rose since the last healthy check */
	SICK_AER_RECOVERING, /* the kernel's error recovery began and has not ended (ers.h) */
	SICK_AER_FAILED,     /* the kernel's error recovery failed (ers.h) */
	SICK__MAX
};
/* "removed", "moved", "fell-off-bus", "link-down", "aer-fatal", "aer-recovering",
 * "aer-recovery-failed" ("" for none). */
const char *resource_sick_str(enum sdev_sick s);
/* A device last seen healthy as `seen` (its aer_fatal: the count then) is
 * healthy now if it is still there (now != NULL), on the same driver, in
 * the same IOMMU group, its group node exists, (VF) it still hosts the
 * same vGPU type, its config space answers, its link is up, the kernel's
 * error recovery is not under way or failed (now->ers) and its
 * ERR_FATAL count has not risen (unless a recovery ended since, or the
 * count restarted: a new pci_dev).  The first reason that applies. */
enum sdev_sick resource_dev_verdict(const struct sdev *seen, const struct sdev *now);
bool resource_dev_healthy(const struct sdev *seen, const struct sdev *now);
/* The AER baseline to keep for the next check after a verdict: the count
 * now when the device is healthy (or a recovery ended), else the old one. */
uint64_t resource_aer_baseline(const struct sdev *seen, const struct sdev *now, enum sdev_sick v);
