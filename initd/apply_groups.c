// SPDX-License-Identifier: GPL-2.0-or-later
/* Passthrough and container mode on the report's devices, group by group:
 * bind each safe, unused group to its VFIO driver (unbind locks first), or
 * give each device back to its default driver. */
#include "apply.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "log.h"
#include "node/modules.h"
#include "node/nvidia_gpu.h"
#include "node/vfio.h"

#define BIT(r) (1u << (r))

static void mark(struct dev_report *d, enum dev_state s, enum vfio_step step, int err)
{
	d->state = s;
	d->step = step;
	d->err = err;
}

static bool same_group(const struct dev_report *a, const struct dev_report *b)
{
	return a->group_err == 0 && b->group_err == 0 && a->grp.group == b->grp.group;
}

static int load_modules(struct report *r, struct apply_stats *st)
{
	char done[8][64];
	size_t ndone = 0;
	for (size_t k = 0; k < r->ndr; k++) {
		struct dev_report *d = &r->dr[k];
		if (d->reasons || !dev_needs_action(r, d))
			continue;
		bool seen = false;
		for (size_t i = 0; i < ndone; i++)
			if (strcmp(done[i], d->vfio_module) == 0)
				seen = true;
		if (seen || ndone == 8)
			continue;
		snprintf(done[ndone++], sizeof(done[0]), "%s", d->vfio_module);
	}
	if (ndone == 0)
		return 0;
	snprintf(done[ndone++], sizeof(done[0]), "vfio_iommu_type1");
	for (size_t i = 0; i < ndone; i++) {
		int e = modules_load(r->mods, done[i]);
		if (e < 0) {
			st->modules_err = e;
			snprintf(st->modules_failed, sizeof(st->modules_failed), "%.*s",
				 (int)sizeof(st->modules_failed) - 1, done[i]);
			return e;
		}
		st->modules_loaded += e;
		log_debug("module %s %s", done[i], e ? "loaded" : "already loaded");
	}
	return 0;
}

/* Gives back the unbind locks of the group's members in [from, to) that
 * are still on nvidia: while held, nothing can open those GPUs.  (Lock
 * writes are under proc, not counted as sysfs writes, as taking them.) */
static void release_locks(int rootfd, struct report *r, const struct dev_report *lead, size_t from, size_t to)
{
	int w = 0;
	for (size_t m = from; m < to; m++)
		if (same_group(lead, &r->dr[m]))
			nvidia_release_unbind_lock(rootfd, r->devs.dev[r->dr[m].idx].bdf, &w);
}

/* A group the kernel made at the bind (group_predict_at_bind): check
 * the real one as check would have.  Unsafe: this run's binds of the unit are undone (override
 * back, unbind; the group the kernel made stays, empty of drivers) and the
 * unit is refused with the real members in the report.  True when safe. */
static bool check_made_group(int rootfd, struct report *r, size_t first, int timeout_ms,
			     struct apply_stats *st)
{
	size_t unit[GROUP_MAX_MEMBERS], nu = 0;
	for (size_t k = first; k < r->ndr && nu < GROUP_MAX_MEMBERS; k++)
		if (same_group(&r->dr[first], &r->dr[k]))
			unit[nu++] = k;
	/* each member's group is the one vfio_bind read after its bind */
	struct group_plan real[GROUP_MAX_MEMBERS];
	int err[GROUP_MAX_MEMBERS];
	bool safe = true;
	for (size_t u = 0; u < nu; u++) {
		const struct pcidev *p = &r->devs.dev[r->dr[unit[u]].idx];
		err[u] =
		    group_assess_with(r->devs.dev, r->devs.n, r->selected, r->allowed, p->group, &real[u]);
		if (err[u] < 0 || !group_is_safe(&real[u]))
			safe = false;
	}
	for (size_t u = 0; u < nu; u++) {
		struct dev_report *d = &r->dr[unit[u]];
		if (err[u] == 0)
			d->grp = real[u];
		if (safe)
			continue;
		d->reasons |= err[u] == -E2BIG ? BIT(R_GROUP_TOO_BIG)
			      : err[u] < 0     ? BIT(R_NO_GROUP)
					       : BIT(R_GROUP_FOREIGN);
		struct vfio_result res = { 0 };
		const struct pcidev *p = &r->devs.dev[d->idx];
		int e = d->state == DEV_DONE
			    ? vfio_unbind_to(rootfd, p->bdf, d->prev_override, timeout_ms, &res)
			    : 0;
		st->writes += res.writes;
		pcidev_refresh(rootfd, &r->devs.dev[d->idx]);
		if (e < 0)
			mark(d, DEV_FAILED, res.step, e);
		else
			mark(d, DEV_REFUSED, STEP_NONE, 0);
	}
	return safe;
}

/* Binds one safe, unused group: every non-bridge member, in address
 * order.  The first failure stops the group and is recorded. */
static void bind_group(int rootfd, struct report *r, size_t first, int timeout_ms, struct apply_stats *st)
{
	struct dev_report *lead = &r->dr[first];
	/* unbind locks first: one GPU in use refuses the whole group */
	for (size_t k = first; k < r->ndr; k++) {
		struct dev_report *d = &r->dr[k];
		const struct pcidev *p = &r->devs.dev[d->idx];
		if (!same_group(lead, d) || strcmp(p->driver, "nvidia") != 0)
			continue;
		int w = 0, e = nvidia_take_unbind_lock(rootfd, p->bdf, &w);
		if (e < 0) {
			/* the GPUs of the group locked before this one are given back */
			release_locks(rootfd, r, lead, first, k);
			for (size_t m = first; m < r->ndr; m++)
				if (same_group(lead, &r->dr[m])) {
					if (e == -EBUSY)
						r->dr[m].reasons |= BIT(R_IN_USE);
					if (!r->dr[m].in_use && e == -EBUSY) {
						r->dr[m].in_use = true;
						snprintf(r->dr[m].in_use_by, sizeof(r->dr[m].in_use_by),
							 "unbindLock of %s reads 0", p->bdf);
					}
					mark(&r->dr[m], e == -EBUSY ? DEV_REFUSED : DEV_FAILED,
					     STEP_UNBIND_LOCK, e);
				}
			return;
		}
	}
	for (size_t k = first; k < r->ndr; k++) {
		struct dev_report *d = &r->dr[k];
		struct pcidev *p = &r->devs.dev[d->idx];
		if (!same_group(lead, d))
			continue;
		struct vfio_result res = { 0 };
		int e = 0;
		/* the firmware framebuffer's driver lets go of the BAR first */
		if (d->fb_action == BOOTFB_ACT_UNBIND && strcmp(p->driver, d->vfio_driver) != 0) {
			if ((e = bootfb_release(rootfd, &d->fb, &res.writes)) < 0)
				res.step = STEP_BOOTFB;
		} else if (d->fb_action == BOOTFB_ACT_VFIO_REMOVES && strcmp(p->driver, d->vfio_driver) != 0)
			log_info("%s: vfio-pci removes the boot framebuffer (%s) when it binds", p->bdf,
				 bootfb_kind_name(d->fb.kind));
		if (e == 0 && p->numvfs > 0) {
			e = sriov_disable_vfs(rootfd, p->bdf, &res.writes);
			if (e < 0)
				res.step = STEP_SRIOV;
		}
		snprintf(d->prev_override, sizeof(d->prev_override), "%s", p->override);
		if (e == 0)
			e = vfio_bind(rootfd, p->bdf, d->vfio_driver, &p->group, timeout_ms, &res);
		st->writes += res.writes;
		pcidev_refresh(rootfd, p);
		if (e < 0) {
			mark(d, DEV_FAILED, res.step, e);
			/* the rest of the group stays as it is, and usable: a GPU
			 * still on nvidia gets its unbind lock back */
			release_locks(rootfd, r, lead, k, r->ndr);
			for (size_t m = k + 1; m < r->ndr; m++)
				if (same_group(lead, &r->dr[m]))
					mark(&r->dr[m], DEV_FAILED, STEP_NONE, -ECANCELED);
			return;
		}
		mark(d, res.writes ? DEV_DONE : DEV_UNCHANGED, STEP_NONE, 0);
	}
	if (lead->grp.at_bind && !check_made_group(rootfd, r, first, timeout_ms, st))
		return;
	/* The group node existing does not prove the group usable: every
	 * member must still be on the driver planned for it. */
	for (size_t k = first; k < r->ndr; k++) {
		struct dev_report *d = &r->dr[k];
		struct pcidev *p = &r->devs.dev[d->idx];
		if (!same_group(lead, d))
			continue;
		int e = pcidev_refresh(rootfd, p);
		if (e == 0 && strcmp(p->driver, d->vfio_driver) != 0)
			e = -ENXIO;
		if (e < 0)
			mark(d, DEV_FAILED, STEP_VERIFY, e);
	}
}

static void apply_passthrough(int rootfd, struct report *r, int timeout_ms, struct apply_stats *st)
{
	if (load_modules(r, st) < 0) {
		for (size_t k = 0; k < r->ndr; k++)
			if (!r->dr[k].reasons && dev_needs_action(r, &r->dr[k]))
				mark(&r->dr[k], DEV_FAILED, STEP_MODULES, st->modules_err);
	}
	for (size_t k = 0; k < r->ndr; k++) {
		struct dev_report *d = &r->dr[k];
		if (d->state != DEV_PENDING)
			continue;
		bool blocked = false;
		for (size_t m = 0; m < r->ndr; m++)
			if (same_group(d, &r->dr[m]) && r->dr[m].reasons)
				blocked = true;
		if (d->reasons || blocked) {
			for (size_t m = k; m < r->ndr; m++)
				if (m == k || same_group(d, &r->dr[m]))
					mark(&r->dr[m], DEV_REFUSED, STEP_NONE, 0);
			continue;
		}
		bind_group(rootfd, r, k, timeout_ms, st);
	}
}

/* A run killed between taking the unbind lock and the unbind left it
 * held, and nothing can open the GPU; containers need it: give it back. */
static void give_back_stale_lock(int rootfd, const char *bdf)
{
	int w = 0;
	if (nvidia_unbind_lock_held(rootfd, bdf) != 1)
		return;
	log_info("%s: nvidia unbind lock left held (an interrupted run): giving it back", bdf);
	nvidia_release_unbind_lock(rootfd, bdf, &w);
}

static void apply_container(int rootfd, struct report *r, int timeout_ms, struct apply_stats *st)
{
	for (size_t k = 0; k < r->ndr; k++) {
		struct dev_report *d = &r->dr[k];
		struct pcidev *p = &r->devs.dev[d->idx];
		if (d->reasons) {
			mark(d, DEV_REFUSED, STEP_NONE, 0);
			continue;
		}
		if (!dev_needs_action(r, d)) {
			mark(d, DEV_UNCHANGED, STEP_NONE, 0);
			if (strcmp(p->driver, "nvidia") == 0)
				give_back_stale_lock(rootfd, p->bdf);
			continue;
		}
		struct vfio_result res = { 0 };
		char drv[64];
		int e = vfio_release(rootfd, p->bdf, timeout_ms, drv, sizeof(drv), &res);
		st->writes += res.writes;
		pcidev_refresh(rootfd, p);
		if (e < 0)
			mark(d, DEV_FAILED, res.step, e);
		else
			mark(d, res.writes ? DEV_DONE : DEV_UNCHANGED, STEP_NONE, 0);
		if (e == 0 && strcmp(drv, "nvidia") == 0)
			give_back_stale_lock(rootfd, p->bdf);
	}
}

int apply_groups(int rootfd, struct report *r, int timeout_ms, struct apply_stats *st)
{
	memset(st, 0, sizeof(*st));
	/* A configuration the node cannot honour (IOMMU off, an unsafe group,
	 * a device without a name...) is refused as a whole, before anything
	 * is touched.  A state of one GPU -- in use, sick (fell off the bus,
	 * link down, fatal AER errors), the boot display -- refuses that GPU's
	 * group only: the node's other GPUs still come up. */
	const unsigned own_state =
	    BIT(R_IN_USE) | BIT(R_FELL_OFF_BUS) | BIT(R_LINK_DOWN) | BIT(R_AER_FATAL) | BIT(R_BOOT_FB);
	bool plan_ok = !r->reasons;
	for (size_t k = 0; k < r->ndr; k++)
		if (r->dr[k].reasons & ~own_state)
			plan_ok = false;
	if (!plan_ok)
		for (size_t k = 0; k < r->ndr; k++)
			mark(&r->dr[k], DEV_REFUSED, STEP_NONE, 0);
	else if (r->mode == MODE_PASSTHROUGH)
		apply_passthrough(rootfd, r, timeout_ms, st);
	else if (r->mode == MODE_CONTAINER)
		apply_container(rootfd, r, timeout_ms, st);
	else
		return -EOPNOTSUPP;
	for (size_t k = 0; k < r->ndr; k++)
		switch (r->dr[k].state) {
		case DEV_DONE: st->done++; break;
		case DEV_UNCHANGED: st->unchanged++; break;
		case DEV_REFUSED: st->refused++; break;
		default: st->failed++; break;
		}
	return !plan_ok || st->refused || st->failed ? 1 : 0;
}
