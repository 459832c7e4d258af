// SPDX-License-Identifier: GPL-2.0-or-later
#include "bootfb.h"
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "json.h"
#include "naming.h"

void config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = MODE_PASSTHROUGH;
	c->devices_all = true;
	snprintf(c->vgpu_config, sizeof(c->vgpu_config), "default");
}

static const char *const mode_names[] = {
	[MODE_CONTAINER] = "container",
	[MODE_PASSTHROUGH] = "vm-passthrough",
	[MODE_VGPU] = "vm-vgpu",
};

const char *mode_name(enum mode m)
{
	return mode_names[m];
}

int config_parse_mode(const char *s, enum mode *ret)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*ret = (enum mode)i;
			return 0;
		}
	return -EINVAL;
}

static int hex16(const char *s, size_t n, uint16_t *ret)
{
	if (n == 0 || n > 4)
		return -EINVAL;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return -EINVAL;
		v = v << 4 | (unsigned)d;
	}
	*ret = (uint16_t)v;
	return 0;
}

int selector_parse(const char *s, struct selector *ret)
{
	struct selector sel = { 0 };
	const char *colon = strchr(s, ':');
	if (colon && !strchr(colon + 1, ':') && !strchr(s, '.')) {
		/* vendor:device */
		uint16_t v, d;
		if (hex16(s, (size_t)(colon - s), &v) < 0)
			return -EINVAL;
		sel.kind = SEL_ID;
		sel.vendor = v;
		if (strcmp(colon + 1, "*") == 0)
			sel.device = -1;
		else if (hex16(colon + 1, strlen(colon + 1), &d) < 0)
			return -EINVAL;
		else
			sel.device = d;
		*ret = sel;
		return 0;
	}
	if (pci_addr_parse(s, &sel.addr) < 0)
		return -EINVAL;
	sel.kind = SEL_ADDR;
	*ret = sel;
	return 0;
}

const char *config_resource_alias(const struct config *c, const char *key)
{
	for (size_t i = 0; i < c->nnames; i++)
		if (strcasecmp(c->names[i].key, key) == 0)
			return c->names[i].name;
	return NULL;
}

__attribute__((format(printf, 5, 6))) static int bad(char *err, size_t size, const struct json_doc *d,
						     int tok, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d && tok >= 0) {
		int line, col;
		json_pos(d, tok, &line, &col);
		snprintf(err, size, "%d:%d: %s", line, col, msg);
	} else
		snprintf(err, size, "%s", msg);
	return -EINVAL;
}

static int parse_devices(struct config *c, const struct json_doc *d, int v, char *err, size_t es)
{
	if (json_is(d, v, JSMN_STRING)) {
		if (!json_eq(d, v, "all"))
			return bad(err, es, d, v, "devices: expected \"all\" or a list");
		c->devices_all = true;
		c->nsel = 0;
		return 0;
	}
	if (!json_is(d, v, JSMN_ARRAY))
		return bad(err, es, d, v, "devices: expected \"all\" or a list");
	c->devices_all = false;
	c->nsel = 0;
	int idx = 0;
	json_for_each (d, v, e, n) {
		struct selector sel = { 0 };
		if (c->nsel >= CONFIG_MAX_SELECTORS)
			return bad(err, es, d, e, "devices: more than %d items", CONFIG_MAX_SELECTORS);
		if (json_is(d, e, JSMN_PRIMITIVE)) {
			long long i;
			if (json_int(d, e, &i) < 0 || i < 0 || i > 4096)
				return bad(err, es, d, e,
					   "devices[%d]: expected a GPU index, PCI address or vendor:device",
					   idx);
			sel.kind = SEL_INDEX;
			sel.index = (unsigned)i;
		} else {
			char s[64];
			if (json_str(d, e, s, sizeof(s)) < 0 || selector_parse(s, &sel) < 0)
				return bad(err, es, d, e,
					   "devices[%d]: expected a GPU index, PCI address or vendor:device",
					   idx);
		}
		c->sel[c->nsel++] = sel;
		idx++;
	}
	if (c->nsel == 0)
		return bad(err, es, d, v, "devices: empty list (use \"all\")");
	return 0;
}

static int parse_names(struct config *c, const struct json_doc *d, int v, char *err, size_t es)
{
	if (!json_is(d, v, JSMN_OBJECT))
		return bad(err, es, d, v, "resource-names: expected an object");
	c->nnames = 0;
	json_for_each (d, v, k, n) {
		struct resource_alias *a;
		if (c->nnames >= CONFIG_MAX_NAMES)
			return bad(err, es, d, k, "resource-names: more than %d entries", CONFIG_MAX_NAMES);
		a = &c->names[c->nnames];
		if (json_str(d, k, a->key, sizeof(a->key)) < 0 || !a->key[0])
			return bad(err, es, d, k, "resource-names: bad key");
		if (strchr(a->key, ':')) {
			struct selector sel;
			if (selector_parse(a->key, &sel) < 0 || sel.kind != SEL_ID || sel.device < 0)
				return bad(
				    err, es, d, k,
				    "resource-names.%s: key must be vendor:device (hex) or a vGPU type",
				    a->key);
		}
		if (json_str(d, k + 1, a->name, sizeof(a->name)) < 0)
			return bad(err, es, d, k + 1, "resource-names.%s: expected a string", a->key);
		if (!naming_valid_resource(a->name))
			return bad(err, es, d, k + 1,
				   "resource-names.%s: \"%s\" is not a valid resource name (domain/name, "
				   "name up to 63 of [A-Za-z0-9_.-])",
				   a->key, a->name);
		c->nnames++;
	}
	return 0;
}

/* "sriov-vfs": { "0000:00:06.0": 2, "1b36:0010": 2 } */
static int parse_sriov(struct config *c, const struct json_doc *d, int v, char *err, size_t es)
{
	if (!json_is(d, v, JSMN_OBJECT))
		return bad(err, es, d, v, "sriov-vfs: expected an object of PF -> number of VFs");
	c->nsriov = 0;
	json_for_each (d, v, k, n) {
		char key[32];
		long long cnt;
		struct sriov_want *w = &c->sriov[c->nsriov];
		if (c->nsriov >= CONFIG_MAX_SRIOV)
			return bad(err, es, d, k, "sriov-vfs: more than %d entries", CONFIG_MAX_SRIOV);
		if (json_str(d, k, key, sizeof(key)) < 0 || selector_parse(key, &w->pf) < 0 ||
		    w->pf.kind == SEL_INDEX)
			return bad(err, es, d, k, "sriov-vfs: key must be a PCI address or vendor:device");
		if (json_int(d, k + 1, &cnt) < 0 || cnt < 1 || cnt > 4096)
			return bad(err, es, d, k + 1, "sriov-vfs.%s: expected a number of VFs (1..4096)",
				   key);
		w->numvfs = (unsigned)cnt;
		c->nsriov++;
	}
	return 0;
}

bool sriov_want_matches(const struct sriov_want *w, uint16_t vendor, uint16_t device,
			const struct pci_addr *pf)
{
	const struct selector *s = &w->pf;
	return s->kind == SEL_ADDR ? pci_addr_cmp(&s->addr, pf) == 0
				   : s->vendor == vendor && (s->device < 0 || s->device == device);
}

unsigned config_sriov_vfs(const struct config *c, uint16_t vendor, uint16_t device, const struct pci_addr *pf)
{
	for (size_t i = 0; i < c->nsriov; i++)
		if (sriov_want_matches(&c->sriov[i], vendor, device, pf))
			return c->sriov[i].numvfs;
	return 0;
}

/* "fabric-module-ids": { "0000:18:00.0": 2, ... } */
static int parse_modules(struct config *c, const struct json_doc *d, int v, char *err, size_t es)
{
	if (!json_is(d, v, JSMN_OBJECT))
		return bad(err, es, d, v,
			   "fabric-module-ids: expected an object of GPU PCI address -> module ID");
	c->nmodules = 0;
	json_for_each (d, v, k, n) {
		char key[32];
		long long id;
		if (c->nmodules >= CONFIG_MAX_MODULES)
			return bad(err, es, d, k, "fabric-module-ids: more than %d entries",
				   CONFIG_MAX_MODULES);
		if (json_str(d, k, key, sizeof(key)) < 0 ||
		    pci_addr_parse(key, &c->modules[c->nmodules].addr) < 0)
			return bad(err, es, d, k, "fabric-module-ids: key must be a PCI address");
		if (json_int(d, k + 1, &id) < 0 || id < 1 || id > 64)
			return bad(err, es, d, k + 1, "fabric-module-ids.%s: expected a module ID (1..64)",
				   key);
		for (size_t i = 0; i < c->nmodules; i++)
			if (c->modules[i].id == (unsigned)id ||
			    pci_addr_cmp(&c->modules[i].addr, &c->modules[c->nmodules].addr) == 0)
				return bad(err, es, d, k,
					   "fabric-module-ids.%s: a GPU or module ID given twice", key);
		c->modules[c->nmodules++].id = (unsigned)id;
	}
	return 0;
}

static int parse_companions(struct config *c, const struct json_doc *d, int v, char *err, size_t es)
{
	if (!json_is(d, v, JSMN_ARRAY))
		return bad(err, es, d, v, "group-companions: expected a list of vendor:device ids");
	c->ncomp = 0;
	int idx = 0;
	json_for_each (d, v, e, n) {
		char s[32];
		struct selector sel;
		if (c->ncomp >= CONFIG_MAX_SELECTORS)
			return bad(err, es, d, e, "group-companions: more than %d items",
				   CONFIG_MAX_SELECTORS);
		if (json_str(d, e, s, sizeof(s)) < 0 || selector_parse(s, &sel) < 0 || sel.kind != SEL_ID)
			return bad(err, es, d, e, "group-companions[%d]: expected a vendor:device id", idx);
		c->comp[c->ncomp++] = sel;
		idx++;
	}
	return 0;
}

/* vGPU configs: their shape is checked here (a broken file fails at image
 * build time) and every item is stored; vgpu_plan.c reads them. */
static int parse_vgpu_configs(struct config *c, const struct json_doc *d, int v, char *err, size_t es)
{
	if (!json_is(d, v, JSMN_OBJECT))
		return bad(err, es, d, v, "vgpu-configs: expected an object");
	c->nvrules = 0;
	json_for_each (d, v, k, n) {
		char name[64];
		if (json_str(d, k, name, sizeof(name)) < 0)
			return bad(err, es, d, k, "vgpu-configs: bad name");
		if (!json_is(d, k + 1, JSMN_ARRAY))
			return bad(err, es, d, k + 1, "vgpu-configs.%s: expected a list", name);
		int i = 0;
		json_for_each (d, k + 1, e, m) {
			if (!json_is(d, e, JSMN_OBJECT))
				return bad(err, es, d, e, "vgpu-configs.%s[%d]: expected an object", name, i);
			if (c->nvrules == CONFIG_MAX_VGPU_RULES)
				return bad(err, es, d, e, "vgpu-configs: more than %d items in all",
					   CONFIG_MAX_VGPU_RULES);
			struct vgpu_rule *rule = &c->vrules[c->nvrules++];
			memset(rule, 0, sizeof(*rule));
			snprintf(rule->config, sizeof(rule->config), "%s", name);
			rule->devices_all = true;
			json_for_each (d, e, f, o) {
				if (json_eq(d, f, "devices")) {
					struct config tmp;
					config_init(&tmp);
					if (parse_devices(&tmp, d, f + 1, err, es) < 0)
						return bad(
						    err, es, d, f + 1,
						    "vgpu-configs.%s[%d].devices: expected \"all\" or a list",
						    name, i);
					if (!tmp.devices_all && tmp.nsel > CONFIG_MAX_VGPU_SEL)
						return bad(err, es, d, f + 1,
							   "vgpu-configs.%s[%d].devices: more than %d items",
							   name, i, CONFIG_MAX_VGPU_SEL);
					rule->devices_all = tmp.devices_all;
					rule->nsel = tmp.devices_all ? 0 : tmp.nsel;
					memcpy(rule->sel, tmp.sel, rule->nsel * sizeof(rule->sel[0]));
				} else if (json_eq(d, f, "vgpu-devices")) {
					if (!json_is(d, f + 1, JSMN_OBJECT))
						return bad(
						    err, es, d, f + 1,
						    "vgpu-configs.%s[%d].vgpu-devices: expected an object",
						    name, i);
					json_for_each (d, f + 1, t, p) {
						long long cnt;
						if (json_int(d, t + 1, &cnt) < 0 || cnt < 0 || cnt > 1024)
							return bad(err, es, d, t + 1,
								   "vgpu-configs.%s[%d].vgpu-devices: "
								   "expected a count",
								   name, i);
						if (rule->ntypes == CONFIG_MAX_VGPU_TYPES)
							return bad(err, es, d, t,
								   "vgpu-configs.%s[%d].vgpu-devices: more "
								   "than %d types",
								   name, i, CONFIG_MAX_VGPU_TYPES);
						char *tn = rule->types[rule->ntypes].type;
						if (json_str(d, t, tn, sizeof(rule->types[0].type)) < 0 ||
						    !tn[0])
							return bad(
							    err, es, d, t,
							    "vgpu-configs.%s[%d].vgpu-devices: bad type name",
							    name, i);
						rule->types[rule->ntypes++].count = (unsigned)cnt;
					}
				} else {
					char key[64] = "";
					json_str(d, f, key, sizeof(key));
					return bad(err, es, d, f, "vgpu-configs.%s[%d].%s: unknown field",
						   name, i, key);
				}
			}
			i++;
		}
	}
	return 0;
}

int config_parse(struct config *c, const char *js, size_t len, char *err, size_t es)
{
	struct json_doc d;
	int r = json_parse(&d, js, len);
	if (r == -EINVAL) {
		int line, col;
		json_offset_pos(&d, d.err_offset, &line, &col);
		json_free(&d);
		return bad(err, es, NULL, -1, "%d:%d: not valid JSON", line, col);
	}
	if (r < 0)
		return r;
	if (d.ntok == 0 || !json_is(&d, 0, JSMN_OBJECT)) {
		r = bad(err, es, &d, 0, "expected a JSON object");
		goto out;
	}
	json_for_each (&d, 0, k, n) {
		int v = k + 1;
		if (json_eq(&d, k, "mode")) {
			char s[32];
			if (json_str(&d, v, s, sizeof(s)) < 0 || config_parse_mode(s, &c->mode) < 0) {
				r = bad(err, es, &d, v,
					"mode: expected container, vm-passthrough or vm-vgpu");
				goto out;
			}
		} else if (json_eq(&d, k, "devices")) {
			if ((r = parse_devices(c, &d, v, err, es)) < 0)
				goto out;
		} else if (json_eq(&d, k, "resource-names")) {
			if ((r = parse_names(c, &d, v, err, es)) < 0)
				goto out;
		} else if (json_eq(&d, k, "sriov-vfs")) {
			if ((r = parse_sriov(c, &d, v, err, es)) < 0)
				goto out;
		} else if (json_eq(&d, k, "fabric-module-ids")) {
			if ((r = parse_modules(c, &d, v, err, es)) < 0)
				goto out;
		} else if (json_eq(&d, k, "group-companions")) {
			if ((r = parse_companions(c, &d, v, err, es)) < 0)
				goto out;
		} else if (json_eq(&d, k, "vgpu-config")) {
			if (json_str(&d, v, c->vgpu_config, sizeof(c->vgpu_config)) < 0 ||
			    !c->vgpu_config[0]) {
				r = bad(err, es, &d, v, "vgpu-config: expected a config name");
				goto out;
			}
		} else if (json_eq(&d, k, "boot-framebuffer")) {
			char s[32];
			enum bootfb_policy bp;
			if (json_str(&d, v, s, sizeof(s)) < 0 || bootfb_policy_parse(s, &bp) < 0) {
				r = bad(err, es, &d, v,
					"boot-framebuffer: expected refuse, release or release-console");
				goto out;
			}
			c->bootfb = (int)bp;
		} else if (json_eq(&d, k, "vgpu-configs")) {
			if ((r = parse_vgpu_configs(c, &d, v, err, es)) < 0)
				goto out;
		} else {
			char key[64] = "?";
			json_str(&d, k, key, sizeof(key));
			r = bad(err, es, &d, k, "%s: unknown field", key);
			goto out;
		}
	}
	r = 0;
out:
	json_free(&d);
	return r;
}

enum config_source config_pick_source(const char *cli_path, const struct kcmdline *k, const char **ret_path)
{
	if (cli_path) {
		*ret_path = cli_path;
		return CONFIG_FROM_CLI;
	}
	if (k && k->config[0]) {
		*ret_path = k->config;
		return CONFIG_FROM_CMDLINE;
	}
	*ret_path = "etc/gpu-initd/config.json";
	return CONFIG_FROM_ROOT;
}

int config_apply_cmdline(struct config *c, const struct kcmdline *k, char *err, size_t es)
{
	enum mode m;
	if (k->mode[0]) {
		if (config_parse_mode(k->mode, &m) < 0)
			return bad(err, es, NULL, -1,
				   "gpu_initd.mode=%s: expected container, vm-passthrough or vm-vgpu",
				   k->mode);
		c->mode = m;
	}
	if (k->vgpu_config[0])
		snprintf(c->vgpu_config, sizeof(c->vgpu_config), "%s", k->vgpu_config);
	return 0;
}
