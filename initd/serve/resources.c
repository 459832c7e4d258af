// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "node/config.h"
#include "node/naming.h"
#include "ers.h"
#include "resources.h"
#include "vgpu/vgpu_type.h"

static int vgpu_default_name(const char *type, char *buf, size_t size)
{
	size_t o = (size_t)snprintf(buf, size, "nvidia.com/");
	for (const char *s = type; *s && o + 1 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (isspace(c)) {
			if (o && buf[o - 1] != '_')
				buf[o++] = '_';
		} else if (isalnum(c) || c == '-' || c == '_' || c == '.') {
			buf[o++] = (char)c;
		}
	}
	buf[o] = '\0';
	return naming_valid_resource(buf) ? 0 : -ENOENT;
}

int resources_name(const struct config *cfg, struct sdev *d)
{
	char key[80];
	const char *alias = NULL;
	d->resource[0] = '\0';
	if (d->kind == SDEV_PASSTHROUGH) {
		alias = cfg ? config_resource_alias(cfg, naming_key(d->vendor, d->device, key)) : NULL;
	} else {
		if (!d->vgpu_type[0])
			return -ENOENT;
		alias = cfg ? config_resource_alias(cfg, vgpu_type_short(d->vgpu_type)) : NULL;
		if (!alias && cfg)
			alias = config_resource_alias(cfg, d->vgpu_type);
	}
	if (!alias && cfg)
		alias = config_resource_alias(cfg, "*");
	if (alias) {
		snprintf(d->resource, sizeof(d->resource), "%s", alias);
		return naming_valid_resource(d->resource) ? 0 : -ENOENT;
	}
	if (d->kind != SDEV_PASSTHROUGH)
		return vgpu_default_name(d->vgpu_type, d->resource, sizeof(d->resource));
	return naming_resolve(NULL, d->vendor, d->device, d->pciids[0] ? d->pciids : NULL, d->resource,
			      sizeof(d->resource)) == NAME_NONE
		   ? -ENOENT
		   : 0;
}

bool resources_wants_pciids(const struct config *cfg, const struct sdev *d)
{
	return d->kind == SDEV_PASSTHROUGH && naming_wants_pciids(cfg, d->vendor, d->device) &&
	       !(cfg && config_resource_alias(cfg, "*"));
}

const char *resource_env_prefix(enum sdev_kind k)
{
	return k == SDEV_MDEV ? "MDEV_PCI_RESOURCE" : "PCI_RESOURCE";
}

int resource_env_name(const char *prefix, const char *resource, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s_%s", prefix, resource);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	for (char *s = buf + strlen(prefix); *s; s++)
		*s = *s == '/' || *s == '.' ? '_' : (char)toupper((unsigned char)*s);
	return n;
}

int resource_socket_name(const char *resource, char *buf, size_t size)
{
	/* sun_path holds 108 bytes and the socket is reached through
	 * "/proc/self/fd/N/": long names keep a prefix plus a hash of the
	 * whole name */
	char name[64];
	size_t len = strlen(resource);
	if (len > 48) {
		uint32_t h = 2166136261u; /* FNV-1a */
		for (const char *c = resource; *c; c++)
			h = (h ^ (uint8_t)*c) * 16777619u;
		snprintf(name, sizeof(name), "%.40s-%08x", resource, h);
		resource = name;
	}
	int n = snprintf(buf, size, "gpu-initd-%s.sock", resource);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	for (char *s = buf; *s; s++)
		if (*s == '/')
			*s = '_';
	return n;
}

/* Healthy: still there, on the same driver, in the same IOMMU group whose
 * node exists; a vendor-VFIO VF also still hosts the same vGPU type.  The
 * group node alone proves nothing for such a VF: NVIDIA's nvidia-vgpu-vfio
 * registers every VF with VFIO when it binds (nv_vfio_pci_core_init()), so
 * the node exists with no vGPU, and a VM cannot open the device then
 * (nv_vfio_pci_open_device(): ENODEV "current_vgpu_type of VF not
 * configured").  Then the device's own health (discover.c read_sick()):
 * answering config reads, link up, no error recovery under way or failed
 * (uevents: ers.h), no new ERR_FATAL (counted for an endpoint only when
 * its status was read: a non-fatal error, firmware-first reports through
 * aer_recover_queue()/pci_print_aer(); not a native ERR_FATAL, ers.h).  AER counters only
 * grow for the life of a pci_dev (drivers/pci/pcie/aer.c
 * pci_dev_aer_stats_incr()); the kernel says a recovery ended with a
 * SUCCESSFUL_RECOVERY uevent (drivers/pci/pci-driver.c pci_uevent_ers()),
 * which serve passes as now->recovered. */
enum sdev_sick resource_dev_verdict(const struct sdev *seen, const struct sdev *now)
{
	if (!now)
		return SICK_GONE;
	if (now->kind != seen->kind || strcmp(now->driver, seen->driver) != 0 || now->group != seen->group ||
	    !now->group_node)
		return SICK_MOVED;
	if (seen->kind == SDEV_VF_VGPU && now->vgpu_id != seen->vgpu_id)
		return SICK_MOVED;
	if (now->dead)
		return SICK_DEAD;
	if (now->link_down)
		return SICK_LINK_DOWN;
	if (now->ers == ERS_FAILED)
		return SICK_AER_FAILED;
	if (now->ers == ERS_RECOVERING)
		return SICK_AER_RECOVERING;
	if (!now->recovered && now->aer_fatal != SDEV_AER_UNKNOWN && seen->aer_fatal != SDEV_AER_UNKNOWN &&
	    now->aer_fatal > seen->aer_fatal)
		return SICK_AER_FATAL;
	return SICK_NONE;
}

bool resource_dev_healthy(const struct sdev *seen, const struct sdev *now)
{
	return resource_dev_verdict(seen, now) == SICK_NONE;
}

uint64_t resource_aer_baseline(const struct sdev *seen, const struct sdev *now, enum sdev_sick v)
{
	if (!now || now->aer_fatal == SDEV_AER_UNKNOWN)
		return seen->aer_fatal;
	/* healthy, a recovery ended, or a new pci_dev (counts restart at 0) */
	if (v == SICK_NONE || now->recovered || seen->aer_fatal == SDEV_AER_UNKNOWN ||
	    now->aer_fatal < seen->aer_fatal)
		return now->aer_fatal;
	return seen->aer_fatal;
}

const char *resource_sick_str(enum sdev_sick s)
{
	static const char *const names[SICK__MAX] = {
		"",	     "removed",	  "moved",	    "fell-off-bus",
		"link-down", "aer-fatal", "aer-recovering", "aer-recovery-failed"
	};
	return s < SICK__MAX ? names[s] : "";
}
