// SPDX-License-Identifier: GPL-2.0-or-later
/* check's printers: the table for people and the JSON document
 * (initd/CHECK-JSON.md); the device object is shared with status.json. */
#include "check_print.h"

#include <string.h>

#include "jsonw.h"
#include "node/grace.h"
#include "vgpu/vgpu_apply.h"
#include "vgpu/vgpu_mig.h"

#define BIT(r) (1u << (r))

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
	case R_MSI_UNISOLATED:
		snprintf(
		    buf, size,
		    "%s: MSIs are not isolated and vfio_iommu_type1 refuses to give a VM any group (EPERM, "
		    "\"No interrupt remapping support\"); %s, or accept that a VM can forge host "
		    "interrupts: options vfio_iommu_type1 allow_unsafe_interrupts=1",
		    r->iommu.arm ? "the interrupt controller has no GICv3 ITS" : "interrupt remapping is off",
		    r->iommu.arm ? "boot with an ITS (QEMU: -machine virt,gic-version=3)"
		    : r->iommu.cmdline.intremap == TRI_OFF
			? "remove intremap=off / nointremap from the kernel command line"
			: "enable interrupt remapping (VT-d / AMD-Vi with x2APIC) in the firmware; on a VM: "
			  "QEMU -device intel-iommu,intremap=on with -machine kernel-irqchip=split");
		break;
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
		char g[96];
		if (d->grp.at_bind)
			snprintf(g, sizeof(g),
				 "the IOMMU group the kernel makes at the bind of %s would also hold",
				 p->bdf);
		else
			snprintf(g, sizeof(g), "IOMMU group %d of %s also holds", d->grp.group, p->bdf);
		snprintf(buf, size,
			 "%s %s (%04x:%04x, class 0x%06x, driver %s): binding the group would take it from "
			 "the host",
			 g, f->bdf, f->vendor, f->device, f->class, f->driver[0] ? f->driver : "none");
		break;
	}
	case R_IN_USE: snprintf(buf, size, "%s is in use (%s)", p->bdf, d->in_use_by); break;
	case R_NO_NAME:
		snprintf(buf, size, "%s (%04x:%04x) has no resource name: add it to \"resource-names\"",
			 p->bdf, p->vendor, p->device);
		break;
	case R_VFIO_MISSING:
		if (d->variant_unclaimed) {
			snprintf(buf, size,
				 "%s: this kernel's %s does not claim %04x:%04x (no vfio_pci: alias in "
				 "modules.alias: its id table is older than this GPU); vfio-pci would not "
				 "show the VM its memory: boot a kernel whose nvgrace-gpu-vfio-pci lists it",
				 p->bdf, d->vfio_module, p->vendor, p->device);
			break;
		}
		snprintf(buf, size, "%s: module %s is not in lib/modules/%s%s", p->bdf, d->vfio_module,
			 r->kver,
			 grace_gpu(p->vendor, p->device)
			     ? " (a Grace GPU: vfio-pci would not show the VM its memory; boot a kernel "
			       "built with CONFIG_NVGRACE_GPU_VFIO_PCI -- Debian's arm64 kernels are not)"
			     : "");
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

/* The firmware table that describes the IOMMU: DMAR (Intel), IVRS (AMD),
 * IORT (Arm), or NULL. */
static const char *acpi_table_name(const struct iommu_info *i)
{
	return i->acpi_dmar ? "DMAR" : i->acpi_ivrs ? "IVRS" : i->acpi_iort ? "IORT" : NULL;
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
		fprintf(f, "iommu    on: %s (%s), %d groups, default domain %s, %s %s%s\n",
			iommu_vendor_name(i->vendor), i->unit, i->ngroups,
			i->default_domain[0] ? i->default_domain : "?",
			i->arm ? "MSI isolation (GICv3 ITS)" : "interrupt remapping", tri(i->irq_remap),
			i->unsafe_interrupts_allowed ? " (allow_unsafe_interrupts set)" : "");
	else
		fprintf(f, "iommu    OFF: %s\n         fix: %s\n", iommu_cause_code(r->cause), r->fix);
	fprintf(f, "acpi     %s\n",
		acpi_table_name(i)	  ? acpi_table_name(i)
		: i->arm && i->devicetree ? "none (device tree boot)"
		: i->arm		  ? "no IORT table"
					  : "no DMAR/IVRS table");
	if (i->virt.vm)
		fprintf(f, "node     virtual machine%s%s%s (%s%s%s%s)\n", i->virt.name[0] ? " (" : "",
			i->virt.name, i->virt.name[0] ? ")" : "",
			i->virt.cpu_flag ? "CPU hypervisor flag" : "",
			i->virt.cpu_flag && i->virt.dmi_key[0] ? ", " : "", i->virt.dmi_key[0] ? "DMI " : "",
			i->virt.dmi_key);
	fprintf(f, "cmdline  %s\n", i->cmdline.flags[0] ? i->cmdline.flags : "(no IOMMU flags)");
	if (i->cmdline.amd_iommu_on_given)
		fprintf(f, "         note: amd_iommu=on is not a valid option (AMD-Vi is on by default)\n");
	const char *notes[3];
	for (int n = 0, nn = iommu_arm_notes(i, notes, 3); n < nn; n++)
		fprintf(f, "         note: %s\n", notes[n]);
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
		else if (d->group_err == 0 && d->grp.at_bind)
			snprintf(grp, sizeof(grp), "bind");
		snprintf(id, sizeof(id), "%04x:%04x", p->vendor, p->device);
		fprintf(f, "%-4s %-13s %-10s %-4d %-5s %-16s %-34s %s%s\n", idx, p->bdf, id, p->numa, grp,
			p->driver[0] ? p->driver : "(none)",
			d->target ? (d->resource[0] ? d->resource : "(no name)") : "(companion)",
			dev_blocked(r, d) ? "REFUSED" : "ok", d->in_use ? " in-use" : "");
		if (d->group_err == 0) {
			if (d->grp.at_bind)
				fprintf(f, "     group at bind (predicted):");
			else
				fprintf(f, "     group %d:", d->grp.group);
			for (size_t m = 0; m < d->grp.n; m++) {
				const struct pcidev *q = &r->devs.dev[d->grp.member[m]];
				fprintf(f, " %s[%s,%s]", q->bdf, member_role_name(d->grp.role[m]),
					q->driver[0] ? q->driver : "none");
			}
			fprintf(f, "\n");
		}
	}
	if (r->mode == MODE_VGPU && r->vgpu && vgpu_catalog_note(r->vgpu, msg, sizeof(msg)))
		fprintf(f, "\nvgpu     note: %s\n", msg);
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
	if (r->fabric)
		fabric_print_table(r->fabric, f);
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

/* One device of the report.  check: everything the assessment found;
 * status: identity, outcome (state, and step and errno of a failure). */
void report_dev_json(struct jsonw *w, const struct report *r, const struct dev_report *d,
		     enum dev_json_view view)
{
	const struct pcidev *p = &r->devs.dev[d->idx];
	bool check = view == DEV_JSON_CHECK;
	char id[12];
	jsonw_obj_open(w);
	jsonw_kstr(w, "bdf", p->bdf);
	snprintf(id, sizeof(id), "%04x:%04x", p->vendor, p->device);
	jsonw_kstr(w, "id", id);
	if (check) {
		jsonw_key(w, "index");
		if (d->gpu_index >= 0)
			jsonw_int(w, d->gpu_index);
		else
			jsonw_null(w);
	}
	jsonw_kbool(w, "selected", d->target);
	jsonw_kint(w, "numa_node", p->numa);
	jsonw_kstr(w, "driver", p->driver[0] ? p->driver : NULL);
	/* status names only what is served: a companion's name is not */
	jsonw_kstr(w, "resource", d->resource[0] && (check || d->target) ? d->resource : NULL);
	if (check) {
		jsonw_kstr(w, "resource_source", naming_source_name(d->name_src));
		jsonw_kstr(w, "vfio_driver", d->vfio_driver);
	}
	jsonw_key(w, "iommu_group");
	if (p->group >= 0)
		jsonw_int(w, p->group);
	else
		jsonw_null(w);
	if (check) {
		jsonw_kbool(w, "group_at_bind", d->group_err == 0 && d->grp.at_bind);
		jsonw_kbool(w, "group_safe", d->group_err == 0 && group_is_safe(&d->grp));
		jsonw_key(w, "members");
		jsonw_arr_open(w);
		for (size_t m = 0; d->group_err == 0 && m < d->grp.n; m++) {
			const struct pcidev *q = &r->devs.dev[d->grp.member[m]];
			jsonw_obj_open(w);
			jsonw_kstr(w, "bdf", q->bdf);
			snprintf(id, sizeof(id), "%04x:%04x", q->vendor, q->device);
			jsonw_kstr(w, "id", id);
			jsonw_kstr(w, "driver", q->driver[0] ? q->driver : NULL);
			jsonw_kstr(w, "role", member_role_name(d->grp.role[m]));
			jsonw_obj_close(w);
		}
		jsonw_arr_close(w);
		jsonw_kbool(w, "in_use", d->in_use);
		jsonw_kstr(w, "in_use_by", d->in_use ? d->in_use_by : NULL);
	} else {
		jsonw_kstr(w, "state", dev_state_name(d->state));
	}
	jsonw_key(w, "reasons");
	jsonw_arr_open(w);
	for (int x = 0; x < R__MAX; x++)
		if (d->reasons & BIT(x))
			jsonw_str(w, reason_code((enum reason)x));
	jsonw_arr_close(w);
	if (!check && d->state == DEV_FAILED) {
		jsonw_kstr(w, "step", vfio_step_name(d->step));
		jsonw_kint(w, "errno", -d->err);
		jsonw_kstr(w, "error", strerror(-d->err));
	}
	jsonw_obj_close(w);
}

void check_print_json(const struct report *r, FILE *f)
{
	const struct iommu_info *i = &r->iommu;
	struct jsonw w;
	char msg[512];
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
	jsonw_kstr(&w, "acpi_table", acpi_table_name(i));
	const char *notes[3];
	int nn = iommu_arm_notes(i, notes, 3);
	char note[768] = "";
	for (int n = 0; n < nn; n++)
		snprintf(note + strlen(note), sizeof(note) - strlen(note), "%s%s", n ? "; " : "", notes[n]);
	jsonw_kstr(&w, "note", nn ? note : NULL);
	jsonw_kstr(&w, "cmdline_flags", i->cmdline.flags);
	jsonw_kbool(&w, "virtual_machine", i->virt.vm);
	jsonw_kstr(&w, "hypervisor", i->virt.name[0] ? i->virt.name : NULL);
	jsonw_kstr(&w, "cause", r->cause == IOMMU_OK ? NULL : iommu_cause_code(r->cause));
	jsonw_kstr(&w, "fix", r->cause == IOMMU_OK ? NULL : r->fix);
	jsonw_obj_close(&w);
	jsonw_key(&w, "devices");
	jsonw_arr_open(&w);
	for (size_t k = 0; k < r->ndr; k++) {
		report_dev_json(&w, r, &r->dr[k], DEV_JSON_CHECK);
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
		bool vnote = r->vgpu && vgpu_catalog_note(r->vgpu, msg, sizeof(msg));
		jsonw_kstr(&w, "vgpu_note", vnote ? msg : NULL);
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
	if (r->fabric)
		fabric_print_json(r->fabric, &w);
	jsonw_obj_close(&w);
	fputc('\n', f);
}
