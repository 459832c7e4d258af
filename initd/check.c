// SPDX-License-Identifier: GPL-2.0-or-later
#include "check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "serve/discover.h"
#include "node/grace.h"
#include "node/modules.h"
#include "node/nvidia_gpu.h"
#include "node/nvidia_build.h"
#include "node/pciids.h"
#include "node/select.h"
#include "node/sriov.h"
#include "vgpu/vgpu_check.h"

static const char *const reason_codes[R__MAX] = {
	[R_IOMMU_OFF] = "iommu-off",
	[R_NO_DEVICES] = "no-devices-selected",
	[R_SELECTOR_UNMATCHED] = "selector-unmatched",
	[R_MODE_UNSUPPORTED] = "mode-unsupported",
	[R_NO_MODULES] = "no-kernel-modules",
	[R_NO_GROUP] = "no-iommu-group",
	[R_GROUP_FOREIGN] = "group-has-foreign-device",
	[R_IN_USE] = "device-in-use",
	[R_NO_NAME] = "no-resource-name",
	[R_VFIO_MISSING] = "vfio-driver-missing",
	[R_GROUP_TOO_BIG] = "group-too-big",
	[R_VGPU_PLAN] = "vgpu-plan",
	[R_SRIOV] = "sriov-vfs",
	[R_NVIDIA_BUILD] = "nvidia-driver-build",
	[R_FELL_OFF_BUS] = "gpu-fell-off-bus",
	[R_LINK_DOWN] = "gpu-link-down",
	[R_BOOT_FB] = "boot-framebuffer",
	[R_AER_FATAL] = "gpu-aer-fatal",
	[R_MSI_UNISOLATED] = "iommu-msi-not-isolated",
};

const char *reason_code(enum reason r)
{
	return reason_codes[r];
}

const char *dev_state_name(enum dev_state s)
{
	switch (s) {
	case DEV_DONE: return "done";
	case DEV_UNCHANGED: return "unchanged";
	case DEV_REFUSED: return "refused";
	case DEV_FAILED: return "failed";
	default: return "pending";
	}
}

#define BIT(r) (1u << (r))

/* Does this member need a change to reach the mode? */
bool dev_needs_action(const struct report *r, const struct dev_report *d)
{
	const struct pcidev *p = &r->devs.dev[d->idx];
	if (r->mode == MODE_PASSTHROUGH)
		return strcmp(p->driver, d->vfio_driver) != 0;
	return driver_is_vfio(p->driver) || !p->driver[0] || p->override[0];
}

/* Each group node is probed once: members share the answer. */
static bool group_open(int rootfd, struct report *r, int group)
{
	for (size_t k = 0; k < r->ndr; k++)
		if (r->dr[k].group_probed && r->devs.dev[r->dr[k].idx].group == group)
			return r->dr[k].group_busy;
	return vfio_group_in_use(rootfd, group) > 0;
}

static void assess_use(int rootfd, struct report *r, struct dev_report *d)
{
	const struct pcidev *p = &r->devs.dev[d->idx];
	if (p->group >= 0) {
		d->group_busy = group_open(rootfd, r, p->group);
		d->group_probed = true;
	}
	if (d->group_busy) {
		d->in_use = true;
		snprintf(d->in_use_by, sizeof(d->in_use_by), "dev/vfio/%d is open", p->group);
		return;
	}
	if (strcmp(p->driver, "nvidia") == 0) {
		int pid = nvidia_gpu_user(rootfd, p->bdf);
		if (pid > 0) {
			d->in_use = true;
			snprintf(d->in_use_by, sizeof(d->in_use_by), "pid %d has /dev/nvidia open", pid);
		}
	}
}

static int add_dev(struct report *r, size_t idx, bool target)
{
	for (size_t i = 0; i < r->ndr; i++)
		if (r->dr[i].idx == idx)
			return 0;
	struct dev_report *nd = realloc(r->dr, (r->ndr + 1) * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	r->dr = nd;
	struct dev_report *d = &r->dr[r->ndr++];
	memset(d, 0, sizeof(*d));
	d->idx = idx;
	d->target = target;
	d->gpu_index = select_gpu_index(r->devs.dev, r->devs.n, idx);
	d->group_err = -ENOENT;
	return 0;
}

static int cmp_dr(const void *a, const void *b)
{
	const struct dev_report *x = a, *y = b;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* vm-vgpu against the nvidia build the node shows: a plain build has no
 * vGPU manager; the vGPU-KVM build probes no VF without an IOMMU. */
static void check_nvidia_build(int rootfd, struct report *r)
{
	char why[128];
	enum nv_build b = nv_build_detect(rootfd, why, sizeof(why));
	bool vfs = false;
	const struct vgpu_node *n = r->vgpu;
	for (size_t g = 0; n && g < n->ngpus; g++) {
		bool planned = n->plan.n == 0;
		for (size_t k = 0; k < n->plan.n; k++)
			planned |= n->plan.a[k].gpu == g;
		enum vgpu_path p = n->gpus[g].path;
		vfs |= planned &&
		       (p == VGPU_PATH_MDEV_VF || p == VGPU_PATH_VENDOR_VFIO || p == VGPU_PATH_SRIOV_OFF);
	}
	r->nv_build = (int)b;
	r->reasons &= ~BIT(R_NVIDIA_BUILD);
	if (nv_build_assess(b, why, vfs, r->cause == IOMMU_OK, r->build_err, sizeof(r->build_err)) < 0)
		r->reasons |= BIT(R_NVIDIA_BUILD);
}

int check_vgpu(int rootfd, const struct config *c, struct report *r)
{
	vgpu_node_free(r->vgpu);
	r->vgpu = NULL;
	r->vgpu_err[0] = '\0';
	r->reasons &= ~BIT(R_VGPU_PLAN);
	int e = vgpu_check(rootfd, c, &r->devs, &r->vgpu, r->vgpu_err, sizeof(r->vgpu_err));
	if (e == -EINVAL)
		r->reasons |= BIT(R_VGPU_PLAN);
	check_nvidia_build(rootfd, r);
	return e;
}

int check_build(int rootfd, const char *rootdir, const struct config *c, struct report *ret)
{
	struct report r = { .mode = c->mode, .unmatched = -1 };
	int e;

	e = modules_kver(rootfd, r.kver, sizeof(r.kver));
	if (e < 0)
		return e;
	e = iommu_probe(rootfd, r.kver, &r.iommu);
	if (e < 0)
		return e;
	r.cause = iommu_diagnose(&r.iommu, &r.fix);
	e = pcidev_scan(rootfd, rootdir, &r.devs);
	if (e < 0)
		return e;
	if (modules_open(rootfd, rootdir, r.kver, &r.mods) < 0)
		r.mods = NULL;

	r.selected = calloc(r.devs.n ? r.devs.n : 1, sizeof(bool));
	r.allowed = calloc(r.devs.n ? r.devs.n : 1, sizeof(bool));
	if (!r.selected || !r.allowed) {
		report_free(&r);
		return -ENOMEM;
	}
	size_t nsel = select_devices(c, r.devs.dev, r.devs.n, r.selected, &r.unmatched);
	if (r.mode == MODE_PASSTHROUGH &&
	    sriov_assess(rootfd, c, &r.devs, &r.sriov_pending, r.sriov_err, sizeof(r.sriov_err)) < 0)
		r.reasons |= BIT(R_SRIOV);
	if (nsel + r.sriov_pending == 0)
		r.reasons |= BIT(R_NO_DEVICES);
	if (r.unmatched >= 0)
		r.reasons |= BIT(R_SELECTOR_UNMATCHED);
	if (r.mode == MODE_VGPU && (e = check_vgpu(rootfd, c, &r)) < 0 && e != -EINVAL)
		goto fail;
	if (r.mode == MODE_PASSTHROUGH && r.cause != IOMMU_OK)
		r.reasons |= BIT(R_IOMMU_OFF);
	if (r.mods && modules_option_true(r.mods, "vfio_iommu_type1", "allow_unsafe_interrupts") > 0)
		r.iommu.unsafe_interrupts_allowed = true;
	if (r.mode == MODE_PASSTHROUGH && r.cause == IOMMU_OK && iommu_msi_unisolated(&r.iommu))
		r.reasons |= BIT(R_MSI_UNISOLATED);
	if (r.mode == MODE_PASSTHROUGH && !r.mods)
		r.reasons |= BIT(R_NO_MODULES);

	/* targets, then the other functions of their cards */
	for (size_t i = 0; i < r.devs.n; i++)
		if (r.selected[i] && (e = add_dev(&r, i, true)) < 0)
			goto fail;
	for (size_t i = 0; i < r.devs.n; i++) {
		if (r.selected[i] || r.devs.dev[i].is_vf || pcidev_is_bridge(&r.devs.dev[i]))
			continue;
		const struct pcidev *q = &r.devs.dev[i];
		for (size_t s = 0; s < c->ncomp; s++)
			if (q->vendor == c->comp[s].vendor &&
			    (c->comp[s].device < 0 || q->device == c->comp[s].device))
				r.allowed[i] = true;
		for (size_t j = 0; j < r.devs.n; j++)
			if (r.selected[j] &&
			    ((pcidev_same_slot(q, &r.devs.dev[j]) && pcidev_is_card_function(q)) ||
			     (r.allowed[i] && q->group >= 0 && q->group == r.devs.dev[j].group))) {
				if ((e = add_dev(&r, i, false)) < 0)
					goto fail;
				break;
			}
	}
	qsort(r.dr, r.ndr, sizeof(*r.dr), cmp_dr);
	if (r.mode == MODE_PASSTHROUGH && (r.fabric = malloc(sizeof(*r.fabric))))
		fabric_assess(&r.devs, c, r.fabric);

	for (size_t k = 0; k < r.ndr; k++) {
		struct dev_report *d = &r.dr[k];
		const struct pcidev *p = &r.devs.dev[d->idx];
		char ids[128] = "";
		if (naming_wants_pciids(c, p->vendor, p->device))
			pciids_lookup(rootfd, rootdir, p->vendor, p->device, ids, sizeof(ids));
		d->name_src = naming_resolve(c, p->vendor, p->device, ids[0] ? ids : NULL, d->resource,
					     sizeof(d->resource));
		if (d->target && d->name_src == NAME_NONE)
			d->reasons |= BIT(R_NO_NAME);
		snprintf(d->vfio_module, sizeof(d->vfio_module), "vfio_pci");
		if (r.mods && p->modalias[0])
			modules_pick_vfio(r.mods, p->modalias, d->vfio_module, sizeof(d->vfio_module));
		/* a Grace GPU needs its variant driver even where modules.alias
		 * lacks it: on vfio-pci a VM would not see the GPU's memory.
		 * The module may be there and still not claim this GPU: its id
		 * table grew by release (Debian's 6.12.117 source: 2342 and 2345
		 * only; 7.3.4 also 2348, 2941, 31C2: scripts/nvgrace-module.sh),
		 * and its override-only ids bind nothing they do not list
		 * (drivers/pci/pci-driver.c pci_match_device) */
		if (grace_gpu(p->vendor, p->device)) {
			d->variant_unclaimed = r.mods && p->modalias[0] &&
					       strcmp(d->vfio_module, GRACE_VFIO_MODULE) != 0 &&
					       modules_available(r.mods, GRACE_VFIO_MODULE) > 0;
			snprintf(d->vfio_module, sizeof(d->vfio_module), "%s", GRACE_VFIO_MODULE);
		}
		vfio_driver_name(d->vfio_module, d->vfio_driver, sizeof(d->vfio_driver));
		if (r.mode == MODE_PASSTHROUGH && r.mods &&
		    (modules_available(r.mods, d->vfio_module) <= 0 || d->variant_unclaimed))
			d->reasons |= BIT(R_VFIO_MISSING);
		if (p->group < 0 && !p->driver[0] && iommu_groups_at_probe(&r.iommu)) {
			pcidev_read_parent(rootfd, &r.devs.dev[d->idx]);
			d->group_err = group_predict_at_bind(r.devs.dev, r.devs.n, r.selected, r.allowed,
							     d->idx, &d->grp);
		} else
			d->group_err =
			    group_assess_with(r.devs.dev, r.devs.n, r.selected, r.allowed, p->group, &d->grp);
		if (r.mode == MODE_PASSTHROUGH) {
			if (d->group_err == -E2BIG)
				d->reasons |= BIT(R_GROUP_TOO_BIG);
			else if (d->group_err < 0)
				d->reasons |= BIT(R_NO_GROUP);
			else if (!group_is_safe(&d->grp))
				d->reasons |= BIT(R_GROUP_FOREIGN);
		}
		assess_use(rootfd, &r, d);
		/* a sick function is left alone: binding it hands a VM a dead GPU */
		struct sdev h = { .aer_fatal = SDEV_AER_UNKNOWN };
		if (discover_read_sick(rootfd, p->bdf, &h) == 0) {
			if (h.dead)
				d->reasons |= BIT(R_FELL_OFF_BUS);
			else if (h.link_down)
				d->reasons |= BIT(R_LINK_DOWN);
			/* fatal errors the kernel counted for this pci_dev (it
			 * counts an endpoint's ERR_FATAL only when it read the
			 * status: firmware-first reports, drivers/pci/pcie/aer.c
			 * pci_print_aer(); a native one is "Inaccessible", not
			 * counted: serve follows those through uevents, ers.h) */
			else if (h.aer_fatal != SDEV_AER_UNKNOWN && h.aer_fatal > 0) {
				d->reasons |= BIT(R_AER_FATAL);
				d->aer_fatal = h.aer_fatal;
			}
		}
		/* a firmware framebuffer inside one of its BARs */
		if (r.mode == MODE_PASSTHROUGH && bootfb_probe(rootfd, p->bdf, &d->fb) > 0) {
			d->fb_action = (int)bootfb_decide(&d->fb, r.kver, (p->class >> 8) == 0x0300,
							  (enum bootfb_policy)c->bootfb);
			if (d->fb_action == BOOTFB_ACT_REFUSE)
				d->reasons |= BIT(R_BOOT_FB);
		}
	}
	/* a group is one unit: in use if any member needing a change is */
	for (size_t k = 0; k < r.ndr; k++) {
		struct dev_report *d = &r.dr[k];
		bool blocked_by_use = false;
		for (size_t m = 0; m < r.ndr; m++) {
			struct dev_report *o = &r.dr[m];
			bool same = r.mode == MODE_PASSTHROUGH ? (o->group_err == 0 && d->group_err == 0 &&
								  o->grp.group == d->grp.group)
							       : m == k;
			if (same && o->in_use && dev_needs_action(&r, o))
				blocked_by_use = true;
			if (same && m != k && o->in_use && !d->in_use) {
				d->in_use = true;
				snprintf(d->in_use_by, sizeof(d->in_use_by), "%.40s (group)", o->in_use_by);
			}
		}
		if (blocked_by_use)
			d->reasons |= BIT(R_IN_USE);
	}
	*ret = r;
	return 0;
fail:
	report_free(&r);
	return e;
}

void report_free(struct report *r)
{
	pcidevs_free(&r->devs);
	free(r->selected);
	free(r->allowed);
	free(r->dr);
	modules_close(r->mods);
	vgpu_node_free(r->vgpu);
	free(r->fabric);
	memset(r, 0, sizeof(*r));
}

bool dev_blocked(const struct report *r, const struct dev_report *d)
{
	/* vm-vgpu: GPUs stay on nvidia; the passthrough reasons do not apply */
	return r->mode != MODE_VGPU && d->reasons != 0;
}

bool report_ok(const struct report *r)
{
	if (r->reasons)
		return false;
	for (size_t i = 0; i < r->ndr; i++)
		if (dev_blocked(r, &r->dr[i]))
			return false;
	return true;
}
