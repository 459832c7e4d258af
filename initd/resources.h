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
/* A device first seen as `seen` is healthy now if it is still there
 * (now != NULL), on the same driver, in the same IOMMU group, its group
 * node exists and (VF) it still hosts the same vGPU type. */
bool resource_dev_healthy(const struct sdev *seen, const struct sdev *now);
