/* SPDX-License-Identifier: GPL-2.0-or-later */
/* serve on an NVSwitch node in vm-passthrough (issue 20): a VM's GPUs
 * are one Fabric Manager partition, activated before Allocate answers and
 * deactivated when the VM has let its GPUs go.
 *
 * What serve keeps (run/gpu-initd/fabric-partitions, one line per
 * partition it activated: "ID STATE"):
 *   pending   activated, Allocate not answered yet (a crash here: the
 *             next serve deactivates it; kubelet saw no answer)
 *   answered  Allocate answered; the VM has not opened its GPUs yet
 *   running   the VM holds its GPUs' VFIO nodes open (held.h)
 * running -> its VFIO nodes closed again: deactivated, forgotten.  A
 * partition FM reports active that serve has no line for is deactivated
 * when none of its GPUs is held, adopted as running when some are.  After
 * an FM restart (FM answers FM_ST_NOT_CONFIGURED) the answered and
 * running partitions are FM's activated list (fmSetActivatedFabricPartitions).
 *
 * Without a usable FM (none installed, not running, static build) serve
 * serves as before: any set of GPUs, logged once. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "discover.h"
#include "jsonw.h"

#define FABRIC_RECORDS "run/gpu-initd/fabric-partitions"

struct fabric_ctl;

/* NULL in *ret when the node has no NVSwitch (nothing to do).  Loads the
 * records; the first fabric_ctl_sync() reconciles them.  cfg (kept) names
 * GPUs FM lists by module ID only ("fabric-module-ids"). */
struct config;
int fabric_ctl_new(int rootfd, const struct config *cfg, struct fabric_ctl **ret);
void fabric_ctl_free(struct fabric_ctl *c);
/* The devices of the last scan (IOMMU group, iommufd node of each GPU). */
void fabric_ctl_devices(struct fabric_ctl *c, const struct sdevs *all);
/* Connects to FM if not connected, re-reads the table, gives a restarted
 * FM its list, and reconciles records, FM and what VMs hold.  Returns true
 * when anything changed (status worth writing). */
bool fabric_ctl_sync(struct fabric_ctl *c);
/* True while some partition is held by serve (poll for VMs ending). */
bool fabric_ctl_busy(const struct fabric_ctl *c);
/* GetPreferredAllocation: the GPUs of the free partition of `size` (see
 * fabric_choose), whole IOMMU groups only.  The count written to out, or
 * -ENOENT (no such partition, or FM unusable: serve's usual choice). */
int fabric_ctl_prefer(struct fabric_ctl *c, const char *const *avail, size_t navail, const char *const *must,
		      size_t nmust, size_t size, const char **out);
/* Allocate: ids must be one partition; activates it (recorded pending
 * first).  0; -EINVAL not one partition, -EBUSY/-EIO FM refused; msg
 * says why.  *ret_id: the partition (-1 when FM is not used). */
int fabric_ctl_allocate(struct fabric_ctl *c, const char *const *ids, size_t n, int *ret_id, char *msg,
			size_t msize);
/* Allocate's answer is going out: pending -> answered. */
void fabric_ctl_answered(struct fabric_ctl *c, int id);
/* Allocate failed after fabric_ctl_allocate: deactivate, forget. */
void fabric_ctl_abandon(struct fabric_ctl *c, int id);
/* "fabric": {"code","message","partitions":[...],"held":[{"id","state"}]} */
void fabric_ctl_print_json(const struct fabric_ctl *c, struct jsonw *w);
