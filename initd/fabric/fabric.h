/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NVLink fabric partitions of an NVSwitch system (pure): the table Fabric
 * Manager reports (fm.c fills it), mapped to our GPUs by PCI address, and
 * the choices made on it: which partition a set of GPUs is, which free
 * partition to offer for N GPUs, which partitions overlap.
 *
 * A partition is a fixed set of GPUs FM can connect over NVLink (FM User
 * Guide, "Shared NVSwitch Virtualization Model": on HGX H100 8-GPU one
 * 8-GPU, two 4-GPU, four 2-GPU and eight 1-GPU partitions).  Partitions
 * that share a GPU cannot be active together (a GPU is in one VM); a VM's
 * GPUs must be exactly one partition for NVLink between them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "pciaddr.h"

#define FABRIC_MAX_PARTS 64 /* FM_MAX_FABRIC_PARTITIONS */
#define FABRIC_MAX_GPUS 16  /* FM_MAX_NUM_GPUS */

struct fabric_part {
	unsigned id;
	unsigned n;
	unsigned phys[FABRIC_MAX_GPUS];		    /* FM's physicalId (module ID) */
	char bdf[FABRIC_MAX_GPUS][PCI_ADDR_STRLEN]; /* "" when FM does not name it */
	bool active;
	bool supported; /* false: FM lists it as unsupported (failed NVLinks) */
};

struct fabric {
	struct fabric_part p[FABRIC_MAX_PARTS];
	size_t n;
};

/* FM's PCI bus ID ("00000000:18:00.0", NVML's form, or "0000:18:00.0") in
 * sysfs form.  0; -ENOENT for "" and an all-zero address (FM's way of not
 * naming a GPU); -EINVAL otherwise. */
int fabric_bdf(const char *fm, char out[PCI_ADDR_STRLEN]);
/* Names the GPUs of unsupported partitions (FM gives only their physical
 * IDs) from the supported ones. */
void fabric_fill_bdfs(struct fabric *f);
/* Names GPUs FM lists by physical ID only from a module ID -> PCI address
 * map (the config's "fabric-module-ids"); a GPU FM names keeps its name. */
void fabric_name_modules(struct fabric *f, const unsigned *ids, const struct pci_addr *addrs, size_t n);
/* True when every GPU of every supported partition has a PCI address. */
bool fabric_mapped(const struct fabric *f);
/* The index of the partition with id, or -ENOENT. */
int fabric_by_id(const struct fabric *f, unsigned id);
/* True if partition i has GPU bdf. */
bool fabric_has(const struct fabric_part *p, const char *bdf);
/* True if partitions a and b share a GPU. */
bool fabric_overlap(const struct fabric_part *a, const struct fabric_part *b);
/* The index of the supported partition whose GPUs are exactly bdfs (any
 * order, no repeats), or -ENOENT. */
int fabric_find_set(const struct fabric *f, const char *const *bdfs, size_t n);
/* Index of an active partition sharing a GPU with partition i (not i
 * itself), or -1. */
int fabric_active_overlap(const struct fabric *f, size_t i);
/* The free partition to offer for a request of `size` GPUs: supported, of
 * exactly that size, all its GPUs among avail, holding every must, no GPU
 * in an active partition, and ok(p, ctx) (NULL: any).  Preferred: the one whose smallest already
 * broken-up enclosing partition (one with a GPU not free) is smallest, so
 * whole larger partitions stay free; then the lowest ID.  -ENOENT if none. */
int fabric_choose(const struct fabric *f, const char *const *avail, size_t navail, const char *const *must,
		  size_t nmust, size_t size, bool (*ok)(const struct fabric_part *p, void *ctx), void *ctx);
/* "0000:18:00.0,0000:2a:00.0" (at most size bytes). */
void fabric_part_str(const struct fabric_part *p, char *buf, size_t size);
