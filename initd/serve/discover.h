/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What serve can advertise, re-discovered from sysfs under the root each
 * time (never remembered from apply): functions bound to a VFIO driver,
 * SR-IOV VFs hosting an NVIDIA vGPU (current_vgpu_type), and mdevs. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pciaddr.h"

struct config;
struct ers_table;

enum sdev_kind { SDEV_PASSTHROUGH, SDEV_VF_VGPU, SDEV_MDEV };

#define SDEV_ID_MAX 40 /* a UUID (36) or a BDF (12) */

struct sdev {
	enum sdev_kind kind;
	char id[SDEV_ID_MAX];	      /* BDF, or the mdev's UUID */
	char parent[PCI_ADDR_STRLEN]; /* PCI function whose locality counts: own BDF, VF's PF, mdev parent */
	uint16_t vendor, device;
	uint32_t class;
	char pciids[128];   /* pci.ids device name or "" */
	char vgpu_type[64]; /* mdev type name / VF vGPU type name ("NVIDIA A100-1-5C") */
	unsigned vgpu_id;   /* VF: current_vgpu_type */
	char driver[64];
	int group;	    /* IOMMU group, -1 none */
	int numa;	    /* -1 none */
	bool group_node;    /* dev/vfio/<group> exists */
	char vfio_dev[32];  /* "vfio3" from vfio-dev/ (iommufd), or "" */
	char locality[192]; /* sysfs path of the upstream switch (PCI locality) */
	char resource[128]; /* filled by resources_name() */
	/* sickness, read on every scan (PCI functions; an mdev: its parent) */
	bool dead;	    /* config space reads all ones: fell off the bus */
	bool link_down;	    /* current_link_speed "Unknown" */
	uint64_t aer_fatal; /* aer_dev_fatal TOTAL_ERR_FATAL; SDEV_AER_UNKNOWN when unread */
	bool recovered;	    /* serve: an AER recovery ended since the last look */
	uint8_t ers;	    /* serve: the kernel's error recovery state (enum ers_state, ers.h) */
};
#define SDEV_AER_UNKNOWN UINT64_MAX

struct sdevs {
	struct sdev *d;
	size_t n;
};

/* Scans the node; devices come sorted by id.  cfg selects which
 * non-NVIDIA VFIO functions count (a resource-names alias).  prev (may be
 * NULL) is the previous scan: attributes that never change are taken
 * from it for devices it knew, so a rescan reads only driver, group and
 * group node per device.  ers (may be NULL): the kernel's error recovery
 * state as serve knows it, into each sdev's ers; a function recovering
 * (or its parent) has no config read (sick.c).  0 or -errno. */
int discover_scan(int rootfd, const char *rootdir, const struct config *cfg, const struct sdevs *prev,
		  const struct ers_table *ers, struct sdevs *ret);
/* prev with only the named PCI functions read again (added, changed or
 * gone): what a burst of PCI uevents needs, without a full scan. */
int discover_rescan_pci(int rootfd, const char *rootdir, const struct config *cfg, const struct sdevs *prev,
			const struct ers_table *ers, const char *const *bdfs, size_t n, struct sdevs *ret);
void sdevs_free(struct sdevs *s);
/* Re-reads one device's driver, group and group node (and with iommufd
 * its vfio-dev node) into *now (for Allocate: is it still where it
 * was?).  0, -ENODEV when gone, -EINVAL for an id that is no BDF/UUID. */
int discover_recheck(int rootfd, const struct sdev *seen, bool iommufd, struct sdev *now);
/* The sickness of PCI function bdf (dead, link_down, aer_fatal of *d). */
int discover_read_sick(int rootfd, const char *bdf, struct sdev *d);
/* Parses aer_dev_fatal's text: the TOTAL_ERR_FATAL count (pure). */
int discover_parse_aer_total(const char *text, uint64_t *ret);
/* True for "0000:17:00.4" in canonical form. */
bool discover_valid_bdf(const char *s);
/* True for a lower/upper-case 8-4-4-4-12 UUID. */
bool discover_valid_uuid(const char *s);
