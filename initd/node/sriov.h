/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SR-IOV for vm-passthrough ("sriov-vfs"): the VFs a PF should have for
 * VFIO, checked and enabled through the root fd. */
#pragma once
#include <stddef.h>

#include "config.h"
#include "modules.h"
#include "pcidev.h"

/* Read-only: can every "sriov-vfs" entry be honoured?  *ret_pending is
 * the number of VFs still to enable (they are the targets apply will
 * bind).  0, or -EINVAL with err saying why not. */
int sriov_assess(int rootfd, const struct config *c, const struct pcidevs *devs, unsigned *ret_pending,
		 char *err, size_t errsize);

/* Enables the VFs "sriov-vfs" asks for on every PF that has none yet:
 * a PF on a driver keeps it (the driver configures SR-IOV itself: never
 * take a PF from its host driver); an unbound PF goes to pci-pf-stub
 * through driver_override.  Autoprobe off first, so no host driver grabs
 * the new VFs before vfio-pci does.  *writes counts sysfs writes.
 * 0 or the first -errno (logged). */
int sriov_enable_all(int rootfd, struct modules *mods, const struct config *c, const struct pcidevs *devs,
		     int *writes);
