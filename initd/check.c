// SPDX-License-Identifier: GPL-2.0-or-later
#include "check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "serve/discover.h"
#include "jsonw.h"
#include "log.h"
#include "node/modules.h"
#include "node/nvidia_build.h"
#include "node/pciids.h"
#include "node/select.h"
#include "node/sriov.h"
#include "vgpu/vgpu_apply.h"
#include "vgpu/vgpu_mig.h"

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
		vfio_driver_name(d->vfio_module, d->vfio_driver, sizeof(d->vfio_driver));
		if (r.mode == MODE_PASSTHROUGH && r.mods && modules_available(r.mods, d->vfio_module) <= 0)
			d->reasons |= BIT(R_VFIO_MISSING);
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

static const char *tri(enum tristate t)
{
	return t == TRI_ON ? "yes" : t == TRI_OFF ? "no" : "not visible";
}

static void node_reason_text(const struct report *r, enum reason x, char *buf, size_t size)
{
	switch (x) {
	case R_IOMMU_OFF:
		snprintf(buf, size, "the IOMMU is off (%s): %s", iommu_cause_code(r->cause), r->fix);
		break;
	case R_NO_DEVICES:
		snprintf(buf, size,
			 "no device is selected (no NVIDIA GPU found, or \"devices\" matches none)");
		break;
	case R_SELECTOR_UNMATCHED: snprintf(buf, size, "devices[%d] matches no device", r->unmatched); break;
	case R_MODE_UNSUPPORTED:
		snprintf(buf, size, "mode %s is not implemented by this build", mode_name(r->mode));
		break;
	case R_NO_MODULES: snprintf(buf, size, "no usable lib/modules/%s for libkmod", r->kver); break;
	case R_VGPU_PLAN: snprintf(buf, size, "%s", r->vgpu_err); break;
	case R_SRIOV: snprintf(buf, size, "%s", r->sriov_err); break;
	case R_NVIDIA_BUILD: snprintf(buf, size, "%s", r->build_err); break;
	default: snprintf(buf, size, "%s", reason_code(x));
	}
}

static void dev_reason_text(const struct report *r, const struct dev_report *d, enum reason x, char *buf,
			    size_t size)
{
	const struct pcidev *p = &r->devs.dev[d->idx];
	switch (x) {
	case R_NO_GROUP: snprintf(buf, size, "%s has no IOMMU group", p->bdf); break;
	case R_GROUP_FOREIGN: {
		const struct pcidev *f = &r->devs.dev[d->grp.foreign];
		snprintf(buf, size,
			 "IOMMU group %d of %s also holds %s (%04x:%04x, class 0x%06x, driver %s): "
			 "binding the group would take it from the host",
			 d->grp.group, p->bdf, f->bdf, f->vendor, f->device, f->class,
			 f->driver[0] ? f->driver : "none");
		break;
	}
	case R_IN_USE: snprintf(buf, size, "%s is in use (%s)", p->bdf, d->in_use_by); break;
	case R_NO_NAME:
		snprintf(buf, size, "%s (%04x:%04x) has no resource name: add it to \"resource-names\"",
			 p->bdf, p->vendor, p->device);
		break;
	case R_VFIO_MISSING:
		snprintf(buf, size, "%s: module %s is not in lib/modules/%s", p->bdf, d->vfio_module,
			 r->kver);
		break;
	case R_FELL_OFF_BUS:
		snprintf(buf, size,
			 "%s fell off the bus (its config space reads all ones): it is left alone; "
			 "see the kernel log (AER, DPC, Xid 79), reset or power-cycle it",
			 p->bdf);
		break;
	case R_LINK_DOWN:
		snprintf(buf, size,
			 "%s has no PCIe link (current_link_speed \"Unknown\"): it is left alone; "
			 "reseat or reset it (echo 1 > /sys/bus/pci/devices/%s/reset)",
			 p->bdf, p->bdf);
		break;
	case R_AER_FATAL:
		snprintf(
		    buf, size,
		    "%s had %llu fatal PCIe error(s) (aer_dev_fatal TOTAL_ERR_FATAL): it is left "
		    "alone; see the kernel log (AER), reset it (echo 1 > /sys/bus/pci/devices/%s/reset), "
		    "then remove it and rescan the bus (echo 1 > .../remove; echo 1 > "
		    "/sys/bus/pci/rescan), which restarts the count",
		    p->bdf, (unsigned long long)d->aer_fatal, p->bdf);
		break;
	case R_BOOT_FB:
		snprintf(
		    buf, size,
		    "%s holds the boot framebuffer (%s, %s at %s in /proc/iomem): vfio-pci cannot reserve "
		    "that BAR (\"BAR n: can't reserve\"), the VM cannot map it%s; fix: %s",
		    p->bdf, bootfb_kind_name(d->fb.kind), d->fb.region, d->fb.range,
		    d->fb.only_console
			? "; it is the host's only console (no serial console in /proc/consoles): "
			  "releasing it needs \"boot-framebuffer\": \"release-console\""
			: "",
		    bootfb_fix(&d->fb, r->kver, (p->class >> 8) == 0x0300));
		break;
	case R_GROUP_TOO_BIG:
		snprintf(buf, size, "IOMMU group of %s has more than %d members", p->bdf, GROUP_MAX_MEMBERS);
		break;
	default: snprintf(buf, size, "%s: %s", p->bdf, reason_code(x));
	}
}

static const char *dev_reason_code(const struct report *r, enum reason x)
{
	return x == R_IOMMU_OFF ? iommu_cause_code(r->cause) : reason_code(x);
}

void check_print_table(const struct report *r, FILE *f)
{
	const struct iommu_info *i = &r->iommu;
	char msg[512];
	fprintf(f, "mode     %s (kernel %s)\n", mode_name(r->mode), r->kver);
	if (r->cause == IOMMU_OK)
		fprintf(f, "iommu    on: %s (%s), %d groups, default domain %s, interrupt remapping %s\n",
			iommu_vendor_name(i->vendor), i->unit, i->ngroups,
			i->default_domain[0] ? i->default_domain : "?", tri(i->irq_remap));
	else
		fprintf(f, "iommu    OFF: %s\n         fix: %s\n", iommu_cause_code(r->cause), r->fix);
	fprintf(f, "acpi     %s\n", i->acpi_dmar ? "DMAR" : i->acpi_ivrs ? "IVRS" : "no DMAR/IVRS table");
	if (i->virt.vm)
		fprintf(f, "node     virtual machine%s%s%s (%s%s%s%s)\n", i->virt.name[0] ? " (" : "",
			i->virt.name, i->virt.name[0] ? ")" : "",
			i->virt.cpu_flag ? "CPU hypervisor flag" : "",
			i->virt.cpu_flag && i->virt.dmi_key[0] ? ", " : "", i->virt.dmi_key[0] ? "DMI " : "",
			i->virt.dmi_key);
	fprintf(f, "cmdline  %s\n", i->cmdline.flags[0] ? i->cmdline.flags : "(no IOMMU flags)");
	if (i->cmdline.amd_iommu_on_given)
		fprintf(f, "         note: amd_iommu=on is not a valid option (AMD-Vi is on by default)\n");
	if (r->sriov_pending)
		fprintf(f, "sriov    %u VF(s) to enable for passthrough (\"sriov-vfs\")\n", r->sriov_pending);
	fprintf(f, "\n%-4s %-13s %-10s %-4s %-5s %-16s %-34s %s\n", "GPU", "BDF", "ID", "NUMA", "GROUP",
		"DRIVER", "RESOURCE", "STATUS");
	for (size_t k = 0; k < r->ndr; k++) {
		const struct dev_report *d = &r->dr[k];
		const struct pcidev *p = &r->devs.dev[d->idx];
		char idx[12] = "-", grp[12] = "-", id[12];
		if (d->gpu_index >= 0)
			snprintf(idx, sizeof(idx), "%d", d->gpu_index);
		if (p->group >= 0)
			snprintf(grp, sizeof(grp), "%d", p->group);
		snprintf(id, sizeof(id), "%04x:%04x", p->vendor, p->device);
		fprintf(f, "%-4s %-13s %-10s %-4d %-5s %-16s %-34s %s%s\n", idx, p->bdf, id, p->numa, grp,
			p->driver[0] ? p->driver : "(none)",
			d->target ? (d->resource[0] ? d->resource : "(no name)") : "(companion)",
			dev_blocked(r, d) ? "REFUSED" : "ok", d->in_use ? " in-use" : "");
		if (d->group_err == 0) {
			fprintf(f, "     group %d:", d->grp.group);
			for (size_t m = 0; m < d->grp.n; m++) {
				const struct pcidev *q = &r->devs.dev[d->grp.member[m]];
				fprintf(f, " %s[%s,%s]", q->bdf, member_role_name(d->grp.role[m]),
					q->driver[0] ? q->driver : "none");
			}
			fprintf(f, "\n");
		}
	}
	const struct vgpu_node *n = r->mode == MODE_VGPU && !r->vgpu_err[0] ? r->vgpu : NULL;
	for (size_t k = 0; n && k < n->plan.n; k++) {
		const struct vgpu_assign *a = &n->plan.a[k];
		const struct vgpu_gpu *g = &n->gpus[a->gpu];
		if (k == 0)
			fprintf(f, "\n%-4s %-13s %-18s %s\n", "GPU", "BDF", "vGPU PATH", "PLAN");
		fprintf(f, "%-4d %-13s %-18s %u x %s", g->index, g->bdf, vgpu_path_name(g->path), a->count,
			g->types[a->type].name);
		if (g->path != VGPU_PATH_MDEV_PF)
			fprintf(f, " on VFs %u-%u", a->first, a->first + a->count - 1);
		fprintf(f, "%s\n",
			g->path == VGPU_PATH_SRIOV_OFF ? " (apply turns SR-IOV on, NVIDIA's sequence)" : "");
		if ((k + 1 == n->plan.n || n->plan.a[k + 1].gpu != a->gpu) &&
		    vgpu_mig_describe(n->mig, a->gpu, msg, sizeof(msg)))
			fprintf(f, "%-4s %-13s %-18s %s\n", "", "", "", msg);
	}
	bool any = false;
	for (int x = 0; x < R__MAX; x++)
		if (r->reasons & BIT(x)) {
			node_reason_text(r, (enum reason)x, msg, sizeof(msg));
			fprintf(f, "%sproblem  %s: %s\n", any ? "" : "\n", dev_reason_code(r, (enum reason)x),
				msg);
			any = true;
		}
	for (size_t k = 0; k < r->ndr; k++)
		for (int x = 0; x < R__MAX; x++)
			if (r->dr[k].reasons & BIT(x)) {
				dev_reason_text(r, &r->dr[k], (enum reason)x, msg, sizeof(msg));
				fprintf(f, "%sproblem  %s: %s\n", any ? "" : "\n",
					reason_code((enum reason)x), msg);
				any = true;
			}
	fprintf(f, "\n%s\n", report_ok(r) ? "ok: the node can be put in this mode" : "NOT OK");
}

static void json_tri(struct jsonw *w, const char *key, enum tristate t)
{
	jsonw_key(w, key);
	if (t == TRI_UNSET)
		jsonw_null(w);
	else
		jsonw_bool(w, t == TRI_ON);
}

void check_print_json(const struct report *r, FILE *f)
{
	const struct iommu_info *i = &r->iommu;
	struct jsonw w;
	char msg[512], id[12];
	jsonw_init_file(&w, f, false);
	jsonw_obj_open(&w);
	jsonw_kint(&w, "schema", 1);
	jsonw_kstr(&w, "mode", mode_name(r->mode));
	jsonw_kstr(&w, "kernel", r->kver);
	jsonw_kbool(&w, "ok", report_ok(r));
	jsonw_key(&w, "iommu");
	jsonw_obj_open(&w);
	jsonw_kbool(&w, "enabled", r->cause == IOMMU_OK);
	jsonw_kstr(&w, "vendor", iommu_vendor_name(i->vendor));
	jsonw_kstr(&w, "unit", i->unit[0] ? i->unit : NULL);
	jsonw_kint(&w, "groups", i->ngroups);
	jsonw_kstr(&w, "default_domain", i->default_domain[0] ? i->default_domain : NULL);
	json_tri(&w, "interrupt_remapping", i->irq_remap);
	jsonw_kstr(&w, "acpi_table", i->acpi_dmar ? "DMAR" : i->acpi_ivrs ? "IVRS" : NULL);
	jsonw_kstr(&w, "cmdline_flags", i->cmdline.flags);
	jsonw_kbool(&w, "virtual_machine", i->virt.vm);
	jsonw_kstr(&w, "hypervisor", i->virt.name[0] ? i->virt.name : NULL);
	jsonw_kstr(&w, "cause", r->cause == IOMMU_OK ? NULL : iommu_cause_code(r->cause));
	jsonw_kstr(&w, "fix", r->cause == IOMMU_OK ? NULL : r->fix);
	jsonw_obj_close(&w);
	jsonw_key(&w, "devices");
	jsonw_arr_open(&w);
	for (size_t k = 0; k < r->ndr; k++) {
		const struct dev_report *d = &r->dr[k];
		const struct pcidev *p = &r->devs.dev[d->idx];
		jsonw_obj_open(&w);
		jsonw_kstr(&w, "bdf", p->bdf);
		snprintf(id, sizeof(id), "%04x:%04x", p->vendor, p->device);
		jsonw_kstr(&w, "id", id);
		jsonw_key(&w, "index");
		if (d->gpu_index >= 0)
			jsonw_int(&w, d->gpu_index);
		else
			jsonw_null(&w);
		jsonw_kbool(&w, "selected", d->target);
		jsonw_kint(&w, "numa_node", p->numa);
		jsonw_kstr(&w, "driver", p->driver[0] ? p->driver : NULL);
		jsonw_kstr(&w, "resource", d->resource[0] ? d->resource : NULL);
		jsonw_kstr(&w, "resource_source", naming_source_name(d->name_src));
		jsonw_kstr(&w, "vfio_driver", d->vfio_driver);
		jsonw_key(&w, "iommu_group");
		if (p->group >= 0)
			jsonw_int(&w, p->group);
		else
			jsonw_null(&w);
		jsonw_kbool(&w, "group_safe", d->group_err == 0 && group_is_safe(&d->grp));
		jsonw_key(&w, "members");
		jsonw_arr_open(&w);
		for (size_t m = 0; d->group_err == 0 && m < d->grp.n; m++) {
			const struct pcidev *q = &r->devs.dev[d->grp.member[m]];
			jsonw_obj_open(&w);
			jsonw_kstr(&w, "bdf", q->bdf);
			snprintf(id, sizeof(id), "%04x:%04x", q->vendor, q->device);
			jsonw_kstr(&w, "id", id);
			jsonw_kstr(&w, "driver", q->driver[0] ? q->driver : NULL);
			jsonw_kstr(&w, "role", member_role_name(d->grp.role[m]));
			jsonw_obj_close(&w);
		}
		jsonw_arr_close(&w);
		jsonw_kbool(&w, "in_use", d->in_use);
		jsonw_kstr(&w, "in_use_by", d->in_use ? d->in_use_by : NULL);
		jsonw_key(&w, "reasons");
		jsonw_arr_open(&w);
		for (int x = 0; x < R__MAX; x++)
			if (d->reasons & BIT(x))
				jsonw_str(&w, reason_code((enum reason)x));
		jsonw_arr_close(&w);
		jsonw_obj_close(&w);
	}
	jsonw_arr_close(&w);
	if (r->mode == MODE_VGPU) {
		const struct vgpu_node *n = !r->vgpu_err[0] ? r->vgpu : NULL;
		jsonw_key(&w, "vgpu_plan");
		jsonw_arr_open(&w);
		for (size_t k = 0; n && k < n->plan.n; k++) {
			const struct vgpu_assign *a = &n->plan.a[k];
			const struct vgpu_gpu *g = &n->gpus[a->gpu];
			jsonw_obj_open(&w);
			jsonw_kstr(&w, "gpu", g->bdf);
			jsonw_kstr(&w, "path", vgpu_path_name(g->path));
			jsonw_kstr(&w, "type", g->types[a->type].name);
			jsonw_kint(&w, "count", a->count);
			jsonw_key(&w, "first_vf");
			if (g->path == VGPU_PATH_MDEV_PF)
				jsonw_null(&w);
			else
				jsonw_int(&w, a->first);
			jsonw_key(&w, "mig");
			if (vgpu_mig_describe(n->mig, a->gpu, msg, sizeof(msg)))
				jsonw_str(&w, msg);
			else
				jsonw_null(&w);
			jsonw_obj_close(&w);
		}
		jsonw_arr_close(&w);
	}
	jsonw_key(&w, "reasons");
	jsonw_arr_open(&w);
	for (int x = 0; x < R__MAX; x++)
		if (r->reasons & BIT(x)) {
			node_reason_text(r, (enum reason)x, msg, sizeof(msg));
			jsonw_obj_open(&w);
			jsonw_kstr(&w, "code", dev_reason_code(r, (enum reason)x));
			jsonw_kstr(&w, "device", NULL);
			jsonw_kstr(&w, "message", msg);
			jsonw_obj_close(&w);
		}
	for (size_t k = 0; k < r->ndr; k++)
		for (int x = 0; x < R__MAX; x++)
			if (r->dr[k].reasons & BIT(x)) {
				dev_reason_text(r, &r->dr[k], (enum reason)x, msg, sizeof(msg));
				jsonw_obj_open(&w);
				jsonw_kstr(&w, "code", reason_code((enum reason)x));
				jsonw_kstr(&w, "device", r->devs.dev[r->dr[k].idx].bdf);
				jsonw_kstr(&w, "message", msg);
				jsonw_obj_close(&w);
			}
	jsonw_arr_close(&w);
	jsonw_obj_close(&w);
	fputc('\n', f);
}
