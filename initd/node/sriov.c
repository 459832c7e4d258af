// SPDX-License-Identifier: GPL-2.0-or-later
#include "sriov.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rootfs.h"
#include "select.h"

int sriov_assess(int rootfd, const struct config *c, const struct pcidevs *devs, unsigned *ret_pending,
		 char *err, size_t errsize)
{
	unsigned pending = 0;
	for (size_t s = 0; s < c->nsriov; s++) {
		bool any = false;
		for (size_t i = 0; i < devs->n; i++) {
			const struct pcidev *p = &devs->dev[i];
			if (p->is_vf || !sriov_want_matches(&c->sriov[s], p->vendor, p->device, &p->addr))
				continue;
			unsigned want = select_sriov_want(c, p); /* the first entry naming it wins */
			any = true;
			int total = -1;
			if (p->numvfs < 0 || pcidev_read_int(rootfd, p->bdf, "sriov_totalvfs", &total) < 0)
				return record_error(err, errsize, EINVAL,
						    "sriov-vfs: %s has no SR-IOV capability", p->bdf);
			if ((unsigned)total < want)
				return record_error(err, errsize, EINVAL,
						    "sriov-vfs: %s offers %d VFs, %u asked", p->bdf, total,
						    want);
			if (p->numvfs > 0 && (unsigned)p->numvfs != want)
				return record_error(err, errsize, EINVAL,
						    "sriov-vfs: %s has %d VFs enabled, %u asked: set "
						    "sriov_numvfs to 0 "
						    "first (VFs may be in use)",
						    p->bdf, p->numvfs, want);
			if (p->numvfs == 0)
				pending += want;
		}
		if (!any)
			return record_error(err, errsize, EINVAL, "sriov-vfs: entry %zu names no PF", s + 1);
	}
	*ret_pending = pending;
	return 0;
}

static int enable(int rootfd, struct modules *mods, const struct pcidev *pf, unsigned want, int *writes)
{
	char drv[64], n[16];
	int e;
	if (pcidev_read_driver(rootfd, pf->bdf, drv, sizeof(drv)) < 0)
		drv[0] = '\0';
	if (!drv[0]) {
		if (mods && (e = modules_load(mods, "pci-pf-stub")) < 0)
			return log_error_errno(e, "loading pci-pf-stub: %m");
		if ((e = pcidev_write(rootfd, writes, pf->bdf, "driver_override", "pci-pf-stub")) < 0 ||
		    (e = pcidev_write(rootfd, writes, NULL, "drivers_probe", pf->bdf)) < 0)
			return e;
		if (pcidev_read_driver(rootfd, pf->bdf, drv, sizeof(drv)) < 0 ||
		    strcmp(drv, "pci-pf-stub") != 0)
			return log_error_errno(SYNTHETIC_ERRNO(ENXIO), "%s: pci-pf-stub did not bind",
					       pf->bdf);
	}
	snprintf(n, sizeof(n), "%u", want);
	if ((e = pcidev_write(rootfd, writes, pf->bdf, "sriov_drivers_autoprobe", "0")) < 0 ||
	    (e = pcidev_write(rootfd, writes, pf->bdf, "sriov_numvfs", n)) < 0)
		return e;
	log_info("%s: %u VFs enabled (PF on %s, VF autoprobe off)", pf->bdf, want, drv);
	return 0;
}

int sriov_enable_all(int rootfd, struct modules *mods, const struct config *c, const struct pcidevs *devs,
		     int *writes)
{
	for (size_t i = 0; i < devs->n; i++) {
		const struct pcidev *p = &devs->dev[i];
		unsigned want = select_sriov_want(c, p);
		if (want == 0 || p->numvfs != 0)
			continue; /* sriov_assess refused any other count */
		int e = enable(rootfd, mods, p, want, writes);
		if (e < 0)
			return e;
	}
	return 0;
}
