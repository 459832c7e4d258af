/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI devices under the root: enumeration with libpci (sysfs.path under
 * --root), attributes and links read through the root fd. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pciaddr.h"

/* Where PCI functions are, under the root (the one spelling of it in initd). */
#define PCI_DEVICES "sys/bus/pci/devices"

struct pcidev {
	struct pci_addr addr;
	char bdf[PCI_ADDR_STRLEN];
	uint16_t vendor, device;
	uint32_t class;		/* 0xCCSSPP */
	int header_type;	/* 0 endpoint, 1 bridge */
	int numa;		/* -1: none */
	int group;		/* -1: no IOMMU group */
	bool has_parent;	/* a PCI bridge above it: pcidev_read_parent() only */
	struct pci_addr parent; /* that bridge, from the devices/ link's target */
	bool is_vf;
	struct pci_addr pf; /* a VF's physfn */
	int numvfs;	    /* -1: no sriov_numvfs */
	char driver[64];    /* "" when unbound */
	char override[64];  /* "" when unset */
	char modalias[160];
};

struct pcidevs {
	struct pcidev *dev;
	size_t n;
};

/* Enumerates every PCI function, sorted by address.  rootdir is the
 * --root string (libpci opens files itself); everything else goes
 * through rootfd.  -ENOENT when the root has no sys/bus/pci. */
int pcidev_scan(int rootfd, const char *rootdir, struct pcidevs *ret);
void pcidevs_free(struct pcidevs *p);
/* Re-reads what a bind changes: driver, driver_override, numvfs. */
int pcidev_refresh(int rootfd, struct pcidev *d);
/* The IOMMU group of bdf (a kernel that makes groups at driver probe
 * gives one only at the bind): its number, -ENOENT when none, -errno. */
int pcidev_read_group(int rootfd, const char *bdf);
/* Fills has_parent/parent (not read by the scan: only a group predicted
 * before its bind needs the bridge above). */
void pcidev_read_parent(int rootfd, struct pcidev *d);
/* Current driver name ("" when unbound). */
int pcidev_read_driver(int rootfd, const char *bdf, char *buf, size_t size);
/* One counted sysfs write, logged when it fails: sys/bus/pci/devices/
 * <bdf>/<attr>, or sys/bus/pci/<attr> when bdf is NULL ("drivers_probe",
 * "drivers/<name>/unbind").  0 or -errno. */
int pcidev_write(int rootfd, int *writes, const char *bdf, const char *attr, const char *val);
/* Reads sys/bus/pci/devices/<bdf>/<attr> as rootfs_read_attr() does
 * (trailing whitespace stripped): the length or -errno; pcidev_read_int()
 * as rootfs_read_int(). */
int pcidev_read(int rootfd, const char *bdf, const char *attr, char *buf, size_t size);
int pcidev_read_int(int rootfd, const char *bdf, const char *attr, int *ret);
static inline bool pcidev_is_bridge(const struct pcidev *d)
{
	return d->header_type == 1 || (d->class >> 8) == 0x0604;
}
static inline bool pcidev_is_gpu(const struct pcidev *d)
{
	return d->vendor == 0x10de && ((d->class >> 8) == 0x0300 || (d->class >> 8) == 0x0302);
}
/* The extra functions a GPU card carries next to the GPU (HDMI/DP audio,
 * USB-C's USB and UCSI serial-bus controllers): only these ride along to
 * VFIO with a selected function of their slot.  Anything else sharing the
 * slot (a multifunction device of another kind, e.g. two QEMU edu
 * functions) is a device of its own, foreign unless selected or listed in
 * "group-companions". */
static inline bool pcidev_is_card_function(const struct pcidev *d)
{
	unsigned cls = d->class >> 8;
	return (cls >> 8) == 0x04 || cls == 0x0c03 || cls == 0x0c80;
}
/* Same domain/bus/device: functions of one card (GPU + its audio). */
static inline bool pcidev_same_slot(const struct pcidev *a, const struct pcidev *b)
{
	return a->addr.domain == b->addr.domain && a->addr.bus == b->addr.bus && a->addr.dev == b->addr.dev;
}
