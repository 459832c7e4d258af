// SPDX-License-Identifier: GPL-2.0-or-later
/* The apply sequence: which steps a mode takes, in which order, and the
 * outcome logged once and written to run/gpu-initd/status.json. */
#include "apply.h"

#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "log.h"
#include "node/sriov.h"
#include "status.h"
#include "vgpu/vgpu_apply.h"
#include "vgpu/vgpu_sriov.h"

static void log_outcome(const struct report *r, const struct apply_stats *st)
{
	for (int x = 0; x < R__MAX; x++)
		if (r->reasons & (1u << x)) {
			if (x == R_IOMMU_OFF)
				log_error("%s: %s", iommu_cause_code(r->cause), r->fix);
			else if (x == R_VGPU_PLAN)
				log_error("vgpu-plan: %s: nothing was changed", r->vgpu_err);
			else if (x == R_NVIDIA_BUILD)
				log_error("nvidia-driver-build: %s: nothing was changed", r->build_err);
			else
				log_error("%s: nothing was changed", reason_code((enum reason)x));
		}
	if (st->modules_err)
		log_error_errno(st->modules_err, "loading %s with libkmod failed: %m", st->modules_failed);
	for (size_t k = 0; k < r->ndr; k++) {
		const struct dev_report *d = &r->dr[k];
		const struct pcidev *p = &r->devs.dev[d->idx];
		switch (d->state) {
		case DEV_DONE:
			log_info("%s: now on %s (group %d)", p->bdf, p->driver[0] ? p->driver : "no driver",
				 p->group);
			break;
		case DEV_UNCHANGED:
			log_debug("%s: already on %s", p->bdf, p->driver[0] ? p->driver : "no driver");
			break;
		case DEV_REFUSED:
			for (int x = 0; x < R__MAX; x++)
				if (d->reasons & (1u << x))
					log_error("%s: refused (%s%s%s), left untouched", p->bdf,
						  reason_code((enum reason)x), d->in_use ? ": " : "",
						  d->in_use ? d->in_use_by : "");
			if (!d->reasons)
				log_notice(
				    "%s: left untouched (the configuration cannot be applied as a whole)",
				    p->bdf);
			break;
		case DEV_FAILED:
			if (d->err == -ECANCELED)
				log_error("%s: not attempted after a failure in its group", p->bdf);
			else
				log_error_errno(d->err, "%s: %s failed: %m", p->bdf, vfio_step_name(d->step));
			break;
		default: break;
		}
	}
	if (r->mode == MODE_VGPU && r->vgpu)
		log_info("vGPUs: %d created, %d kept, %d removed, %d in use, %d failed", r->vgpu->created,
			 r->vgpu->kept, r->vgpu->removed, r->vgpu->in_use, r->vgpu->failed);
	if (st->writes == 0 && st->failed == 0 && st->refused == 0 && !r->reasons)
		log_info("nothing to do: %d device(s) already in %s mode, no sysfs writes", st->unchanged,
			 mode_name(r->mode));
	else
		log_info(
		    "%d changed, %d unchanged, %d refused, %d failed; %d sysfs writes, %d module(s) loaded",
		    st->done, st->unchanged, st->refused, st->failed, st->writes, st->modules_loaded);
}

/* Entering vm-vgpu from vm-passthrough: GPUs on a VFIO driver go back to
 * their default driver first (container mode's apply), then the node is
 * read again.  0, or the container apply's result. */
static int vgpu_release_vfio(int rootfd, const char *rootdir, const struct config *c, int timeout_ms,
			     struct report *r, struct apply_stats *st)
{
	bool any = false;
	for (size_t i = 0; i < r->devs.n; i++)
		any |= pcidev_is_gpu(&r->devs.dev[i]) && driver_is_vfio(r->devs.dev[i].driver);
	if (!any)
		return 0;
	struct config *cc = malloc(sizeof(*cc));
	struct report r2;
	if (!cc)
		return -ENOMEM;
	*cc = *c;
	cc->mode = MODE_CONTAINER;
	int e = check_build(rootfd, rootdir, cc, &r2);
	free(cc);
	if (e < 0)
		return e;
	log_info("vm-vgpu: giving the GPUs on VFIO back to their driver first");
	int res = apply_groups(rootfd, &r2, timeout_ms, st);
	report_free(&r2);
	if (res != 0)
		return res;
	report_free(r);
	return check_build(rootfd, rootdir, c, r);
}

int apply_node(int rootfd, const char *rootdir, const struct config *c, int timeout_ms,
	       struct apply_stats *st)
{
	struct report r;
	*st = (struct apply_stats){ 0 };
	int e = status_clear_ready(rootfd);
	if (e < 0) {
		log_error_errno(e, "run/gpu-initd under %s: %m", rootdir);
		return e;
	}
	e = check_build(rootfd, rootdir, c, &r);
	if (e < 0) {
		log_error_errno(e, "cannot read the node under %s: %m", rootdir);
		return e == -ENOENT ? 1 : e;
	}
	int res;
	if (r.mode == MODE_VGPU) {
		/* the plan is checked before any write (after a release from VFIO) */
		res = vgpu_release_vfio(rootfd, rootdir, c, timeout_ms, &r, st);
		if (res < 0 && !r.devs.dev) {
			log_error_errno(res, "reading the node again: %m");
			return res;
		}
		if (res == 0 && report_ok(&r) && r.vgpu->prepare) {
			/* VFs to turn on or bind: then the VFs' own types decide */
			res = vgpu_prepare(rootfd, r.mods, r.vgpu, st) < 0 ? 1 : 0;
			if (res == 0 && (e = check_vgpu(rootfd, c, &r)) < 0 && e != -EINVAL) {
				log_error_errno(e, "reading the vGPUs again: %m");
				report_free(&r);
				return e;
			}
		}
		if (res == 0 && report_ok(&r))
			res = vgpu_load_vfio(r.mods, r.vgpu, st) < 0 ? 1 : 0;
		if (res == 0)
			res = report_ok(&r) ? vgpu_apply_run(rootfd, r.mods, r.vgpu, st) : 1;
	} else {
		/* leaving vm-vgpu: the vGPUs we manage go first */
		res = vgpu_undo(rootfd, &r.devs, st);
		/* "sriov-vfs": the VFs to pass through are made first */
		if (res == 0 && r.mode == MODE_PASSTHROUGH && report_ok(&r) && r.sriov_pending &&
		    sriov_enable_all(rootfd, r.mods, c, &r.devs, &st->writes) < 0)
			res = 1;
		/* passthrough needs SR-IOV off; nvidia cannot do it alone */
		for (size_t i = 0; res == 0 && r.mode == MODE_PASSTHROUGH && report_ok(&r) && i < r.devs.n;
		     i++)
			if (r.selected[i] && pcidev_is_gpu(&r.devs.dev[i]) && r.devs.dev[i].numvfs > 0 &&
			    vgpu_sriov_off(rootfd, r.mods, r.devs.dev[i].bdf, st) < 0)
				res = 1;
		if (res == 0 && st->writes) {
			report_free(&r);
			e = check_build(rootfd, rootdir, c, &r);
			if (e < 0) {
				log_error_errno(e, "reading the node again: %m");
				return e;
			}
		}
		if (res == 0) {
			struct apply_stats pre = *st; /* apply_groups starts its own count */
			res = apply_groups(rootfd, &r, timeout_ms, st);
			st->writes += pre.writes;
		}
	}
	log_outcome(&r, st);
	e = status_write(rootfd, &r, res == 0);
	report_free(&r);
	if (e < 0) {
		log_error_errno(e, "writing run/gpu-initd/status.json: %m");
		return e;
	}
	return res < 0 ? res : res == 0 ? 0 : 1;
}
