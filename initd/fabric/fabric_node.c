// SPDX-License-Identifier: GPL-2.0-or-later
#include "fabric_node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fm.h"

static const char *const code_names[] = {
	[FABRIC_OK] = "FM_OK",
	[FABRIC_STATIC] = "FM_STATIC_BUILD",
	[FABRIC_NO_LIBRARY] = "FM_LIBRARY_MISSING",
	[FABRIC_UNREACHABLE] = "FM_UNREACHABLE",
	[FABRIC_NOT_SHARED] = "FM_NOT_SHARED_NVSWITCH",
	[FABRIC_STARTING] = "FM_STARTING",
	[FABRIC_UNNAMED] = "FM_GPUS_UNNAMED",
	[FABRIC_ERROR] = "FM_ERROR",
};

const char *fabric_code_name(enum fabric_code c)
{
	return code_names[c];
}

/* What a VM of several GPUs meets without FM's partition: the GPUs come up
 * without their NVLink fabric, CUDA init fails with error 802 ("system not
 * yet initialized", cudaErrorSystemNotReady) -- reported by users of
 * passthrough on HGX (NVIDIA/kubevirt-gpu-device-plugin #125,
 * NVIDIA/gpu-operator #2923, #2552). */
#define WITHOUT                                                                                              \
	". Until then multi-GPU VMs will fail CUDA init with error 802 (no NVLink fabric); single GPUs are " \
	"served"

const char *fabric_fix(enum fabric_code c)
{
	switch (c) {
	case FABRIC_OK: return "";
	case FABRIC_STATIC:
		return "run the dynamically linked gpu-initd in the real root (the static one cannot dlopen "
		       "libnvfm.so.1)" WITHOUT;
	case FABRIC_NO_LIBRARY:
		return "install NVIDIA's nvidia-fabricmanager (the host driver's version) for "
		       "libnvfm.so.1" WITHOUT;
	case FABRIC_UNREACHABLE:
		return "start nvidia-fabricmanager with FABRIC_MODE=1 (Shared NVSwitch); gpu-initd connects "
		       "to "
		       "127.0.0.1 (FM_CMD_BIND_INTERFACE, port 6666) or $GPU_INITD_FM_ADDRESS" WITHOUT;
	case FABRIC_NOT_SHARED:
		return "set FABRIC_MODE=1 in fabricmanager.cfg (Shared NVSwitch virtualization model) and "
		       "restart nvidia-fabricmanager" WITHOUT;
	case FABRIC_STARTING:
		return "Fabric Manager is initialising or waits for its activated partition list after a "
		       "restart; gpu-initd serve gives it the list" WITHOUT;
	case FABRIC_UNNAMED:
		return "this Fabric Manager names partition GPUs by module ID only; gpu-initd maps them by "
		       "PCI "
		       "address and has no module-ID map yet" WITHOUT;
	case FABRIC_ERROR: return "see Fabric Manager's log (/var/log/fabricmanager.log)" WITHOUT;
	}
	return "";
}

/* NVSwitch PCI device IDs: 1af1 (HGX A100), 22a3 (HGX H100), 2901
 * (HGX B200), as aws-parallelcluster-cookbook counts them (PR #2987,
 * "NVSwitch device id is 10de:22a3 for P5 instance"). */
bool fabric_is_switch(unsigned vendor, unsigned device)
{
	return vendor == 0x10de && (device == 0x1af1 || device == 0x22a3 || device == 0x2901);
}

unsigned fabric_count_switches(const struct pcidevs *devs)
{
	unsigned n = 0;
	for (size_t i = 0; i < devs->n; i++)
		n += fabric_is_switch(devs->dev[i].vendor, devs->dev[i].device);
	return n;
}

const char *fabric_fm_address(void)
{
	const char *a = getenv("GPU_INITD_FM_ADDRESS");
	return a && *a ? a : NULL;
}

void fabric_name_config(struct fabric *f, const struct config *cfg)
{
	unsigned ids[CONFIG_MAX_MODULES];
	struct pci_addr addrs[CONFIG_MAX_MODULES];
	for (size_t i = 0; cfg && i < cfg->nmodules; i++) {
		ids[i] = cfg->modules[i].id;
		addrs[i] = cfg->modules[i].addr;
	}
	fabric_name_modules(f, ids, addrs, cfg ? cfg->nmodules : 0);
	fabric_fill_bdfs(f);
}

void fabric_assess(const struct pcidevs *devs, const struct config *cfg, struct fabric_report *r)
{
	memset(r, 0, sizeof(*r));
	r->nswitches = fabric_count_switches(devs);
	if (!r->nswitches)
		return;
	struct fm *m;
	int e = fm_open(fabric_fm_address(), &m, r->why, sizeof(r->why));
	if (e < 0) {
		r->code = e == -ENOTSUP	   ? FABRIC_STATIC
			  : e == -ENOENT   ? FABRIC_NO_LIBRARY
			  : e == -ENOTCONN ? FABRIC_UNREACHABLE
					   : FABRIC_ERROR;
		return;
	}
	e = fm_read(m, &r->table, r->why, sizeof(r->why));
	if (e == -ENOTSUP)
		r->code = FABRIC_NOT_SHARED;
	else if (e == -EAGAIN)
		r->code = FABRIC_STARTING;
	else if (e == -ENOTCONN)
		r->code = FABRIC_UNREACHABLE;
	else if (e < 0)
		r->code = FABRIC_ERROR;
	else if (fabric_name_config(&r->table, cfg), !fabric_mapped(&r->table)) {
		r->code = FABRIC_UNNAMED;
		snprintf(r->why, sizeof(r->why),
			 "Fabric Manager lists partitions without the GPUs' PCI addresses");
	}
	if (e == 0) {
		int n = fm_failed_gpus(m, r->failed, FABRIC_MAX_GPUS, r->why, sizeof(r->why));
		r->nfailed = n > 0 ? (unsigned)n : 0;
	}
	fm_close(m);
}

void fabric_print_table(const struct fabric_report *r, FILE *f)
{
	if (!r->nswitches)
		return;
	size_t active = 0, unsupported = 0;
	for (size_t i = 0; i < r->table.n; i++) {
		active += r->table.p[i].active;
		unsupported += !r->table.p[i].supported;
	}
	fprintf(f, "\nfabric   %u NVSwitch function(s); Fabric Manager %s", r->nswitches,
		fabric_code_name(r->code));
	if (r->code != FABRIC_OK) {
		fprintf(f, ": %s\n         fix: %s\n", r->why, fabric_fix(r->code));
		return;
	}
	fprintf(f, " (Shared NVSwitch): %zu partitions, %zu active, %zu unsupported\n", r->table.n, active,
		unsupported);
	fprintf(f, "%-4s %-4s %-11s %s\n", "PART", "GPUS", "STATE", "PCI");
	for (size_t i = 0; i < r->table.n; i++) {
		const struct fabric_part *p = &r->table.p[i];
		char s[FABRIC_MAX_GPUS * PCI_ADDR_STRLEN + 1];
		fabric_part_str(p, s, sizeof(s));
		fprintf(f, "%-4u %-4u %-11s %s\n", p->id, p->n,
			!p->supported ? "unsupported"
			: p->active   ? "active"
				      : "free",
			s);
	}
	for (unsigned i = 0; i < r->nfailed; i++)
		fprintf(f, "nvlink   %s: NVLinks failed\n", r->failed[i]);
}

void fabric_table_json(const struct fabric *t, struct jsonw *w)
{
	jsonw_arr_open(w);
	for (size_t i = 0; i < t->n; i++) {
		const struct fabric_part *p = &t->p[i];
		jsonw_obj_open(w);
		jsonw_kint(w, "id", p->id);
		jsonw_key(w, "gpus");
		jsonw_arr_open(w);
		for (unsigned g = 0; g < p->n; g++)
			if (p->bdf[g][0])
				jsonw_str(w, p->bdf[g]);
			else
				jsonw_null(w);
		jsonw_arr_close(w);
		jsonw_key(w, "physical_ids");
		jsonw_arr_open(w);
		for (unsigned g = 0; g < p->n; g++)
			jsonw_int(w, p->phys[g]);
		jsonw_arr_close(w);
		jsonw_kbool(w, "active", p->active);
		jsonw_kbool(w, "supported", p->supported);
		jsonw_obj_close(w);
	}
	jsonw_arr_close(w);
}

void fabric_print_json(const struct fabric_report *r, struct jsonw *w)
{
	jsonw_key(w, "fabric");
	if (!r->nswitches) {
		jsonw_null(w);
		return;
	}
	jsonw_obj_open(w);
	jsonw_kint(w, "nvswitches", r->nswitches);
	jsonw_kstr(w, "code", fabric_code_name(r->code));
	jsonw_kstr(w, "message", r->code == FABRIC_OK ? NULL : r->why);
	jsonw_kstr(w, "fix", r->code == FABRIC_OK ? NULL : fabric_fix(r->code));
	jsonw_key(w, "partitions");
	fabric_table_json(&r->table, w);
	jsonw_key(w, "nvlink_failed_gpus");
	jsonw_arr_open(w);
	for (unsigned i = 0; i < r->nfailed; i++)
		jsonw_str(w, r->failed[i]);
	jsonw_arr_close(w);
	jsonw_obj_close(w);
}
