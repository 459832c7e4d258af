// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "serve_report.h"

static const char *kind_name(enum sdev_kind k)
{
	return k == SDEV_MDEV ? "mdev" : k == SDEV_VF_VGPU ? "vf-vgpu" : "passthrough";
}

/* "Unhealthy" -> "Unhealthy(aer-fatal)": why serve holds it back */
static void with_reason(const struct json_doc *d, int dev, char *buf, size_t size)
{
	char why[24];
	int w = json_obj_get(d, dev, "reason");
	size_t o = strlen(buf);
	if (w >= 0 && json_str(d, w, why, sizeof(why)) >= 0 && why[0])
		snprintf(buf + o, size - o, "(%s)", why);
}

/* The health serve reports for id ("Unhealthy(fell-off-bus)"), or "-". */
static const char *health_of(const struct json_doc *d, int resources, const char *id, char *buf, size_t size)
{
	if (resources < 0)
		return "-";
	json_for_each (d, resources, r, n) {
		int devs = json_obj_get(d, r, "devices");
		if (devs < 0 || !json_is(d, devs, JSMN_ARRAY))
			continue;
		json_for_each (d, devs, e, m) {
			int idt = json_obj_get(d, e, "id"), h = json_obj_get(d, e, "health");
			if (idt >= 0 && h >= 0 && json_eq(d, idt, id) && json_str(d, h, buf, size) >= 0) {
				with_reason(d, e, buf, size);
				return buf;
			}
		}
	}
	return "-";
}

static void field(const struct json_doc *d, int obj, const char *key, char *buf, size_t size)
{
	int v = json_obj_get(d, obj, key);
	long long x;
	bool b;
	buf[0] = '\0';
	if (v < 0)
		return;
	if (json_str(d, v, buf, size) >= 0)
		return;
	if (json_bool(d, v, &b) >= 0)
		snprintf(buf, size, "%s", b ? "yes" : "no");
	else if (json_int(d, v, &x) >= 0)
		snprintf(buf, size, "%lld", x);
}

int serve_report_print(const struct sdevs *s, const char *served, FILE *f)
{
	struct json_doc d = { 0 };
	int resources = -1, r = 0;
	char hb[64];
	if (served) {
		if (json_parse(&d, served, strlen(served)) < 0 || !json_is(&d, 0, JSMN_OBJECT))
			r = -EINVAL;
		else if ((resources = json_obj_get(&d, 0, "resources")) >= 0 &&
			 !json_is(&d, resources, JSMN_ARRAY))
			resources = -1;
	}
	fprintf(f, "%-38s %-12s %-40s %-14s %5s %4s %s\n", "DEVICE", "KIND", "RESOURCE", "DRIVER", "GROUP",
		"NUMA", "SERVED");
	for (size_t i = 0; i < s->n; i++) {
		const struct sdev *x = &s->d[i];
		fprintf(f, "%-38s %-12s %-40s %-14s %5d %4d %s\n", x->id, kind_name(x->kind), x->resource,
			x->driver, x->group, x->numa, health_of(&d, resources, x->id, hb, sizeof(hb)));
	}
	/* served devices no longer on the node (unplugged, vGPU deleted) */
	if (resources >= 0) {
		json_for_each (&d, resources, e, n) {
			char res[128];
			field(&d, e, "resource", res, sizeof(res));
			int devs = json_obj_get(&d, e, "devices");
			if (devs < 0 || !json_is(&d, devs, JSMN_ARRAY))
				continue;
			json_for_each (&d, devs, x, m) {
				char id[64], kind[16], h[48];
				bool here = false;
				field(&d, x, "id", id, sizeof(id));
				field(&d, x, "kind", kind, sizeof(kind));
				field(&d, x, "health", h, sizeof(h));
				with_reason(&d, x, h, sizeof(h));
				for (size_t i = 0; i < s->n && !here; i++)
					here =
					    strcmp(s->d[i].id, id) == 0 && strcmp(s->d[i].resource, res) == 0;
				if (!here)
					fprintf(f, "%-38s %-12s %-40s %-14s %5s %4s %s\n", id, kind, res,
						"(gone)", "-", "-", h);
			}
		}
	}
	if (!served) {
		fprintf(f, "serve: not running\n");
	} else if (r < 0 || resources < 0) {
		fprintf(f, "serve: run/gpu-initd/serve.json unreadable\n");
	} else {
		char pid[16], present[8];
		field(&d, 0, "pid", pid, sizeof(pid));
		field(&d, 0, "kubelet_present", present, sizeof(present));
		fprintf(f, "serve: pid %s, kubelet.sock %s\n", pid,
			strcmp(present, "yes") == 0 ? "present" : "absent");
		fprintf(f, "%-40s %-10s %7s %8s %11s %11s %s\n", "RESOURCE", "REGISTERED", "STREAMS",
			"CAPACITY", "ALLOCATABLE", "ALLOCATIONS", "LAST ALLOCATED");
		json_for_each (&d, resources, e, n) {
			char name[128], reg[8], streams[16], cap[16], alloc[16], allocs[16], last[512];
			field(&d, e, "resource", name, sizeof(name));
			field(&d, e, "registered", reg, sizeof(reg));
			field(&d, e, "streams", streams, sizeof(streams));
			field(&d, e, "capacity", cap, sizeof(cap));
			field(&d, e, "allocatable", alloc, sizeof(alloc));
			field(&d, e, "allocations", allocs, sizeof(allocs));
			field(&d, e, "last_allocation", last, sizeof(last));
			fprintf(f, "%-40s %-10s %7s %8s %11s %11s %s\n", name, reg, streams, cap, alloc,
				allocs, last[0] ? last : "-");
		}
	}
	json_free(&d);
	return r;
}

void serve_report_json(const struct sdevs *d, const char *mode, const char *served, FILE *f)
{
	struct jsonw w;
	jsonw_init_file(&w, f, false);
	jsonw_obj_open(&w);
	jsonw_kstr(&w, "mode", mode);
	jsonw_key(&w, "devices");
	jsonw_arr_open(&w);
	for (size_t i = 0; i < d->n; i++) {
		const struct sdev *x = &d->d[i];
		jsonw_obj_open(&w);
		jsonw_kstr(&w, "id", x->id);
		jsonw_kstr(&w, "kind", kind_name(x->kind));
		jsonw_kstr(&w, "resource", x->resource);
		jsonw_kstr(&w, "driver", x->driver);
		jsonw_kint(&w, "iommu_group", x->group);
		jsonw_kint(&w, "numa_node", x->numa);
		jsonw_obj_close(&w);
	}
	jsonw_arr_close(&w);
	jsonw_key(&w, "serve");
	if (served)
		jsonw_raw(&w, served, strlen(served));
	else
		jsonw_null(&w);
	jsonw_obj_close(&w);
	fputc('\n', f);
}
