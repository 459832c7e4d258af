// SPDX-License-Identifier: GPL-2.0-or-later
#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "rootfs.h"

struct ctx {
	const char *name;
	const char *dir;
	struct json_doc d;
	char *err;
	size_t errsize;
	struct model *m;
};

__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, int tok, const char *fmt, ...)
{
	int line, col;
	json_pos(&c->d, tok, &line, &col);
	int n = snprintf(c->err, c->errsize, "%s:%d:%d: ", c->name, line, col);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < c->errsize)
		vsnprintf(c->err + n, c->errsize - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Every key of obj must be one of `keys` (typos are errors, not defaults). */
static int check_keys(struct ctx *c, int obj, const char *what, const char *const *keys)
{
	if (!json_is(&c->d, obj, JSMN_OBJECT))
		return fail(c, obj, "%s: expected an object", what);
	json_for_each (&c->d, obj, k, n) {
		bool known = false;
		for (const char *const *p = keys; *p; p++)
			known |= json_eq(&c->d, k, *p);
		if (!known) {
			char key[64] = "?";
			json_str(&c->d, k, key, sizeof(key));
			return fail(c, k, "%s: unknown key \"%s\"", what, key);
		}
	}
	return 0;
}

static int get_str(struct ctx *c, int obj, const char *key, const char *what, char *buf, size_t size,
		   bool required)
{
	int v = json_obj_get(&c->d, obj, key);
	if (v < 0) {
		if (required)
			return fail(c, obj, "%s: missing \"%s\"", what, key);
		return 0;
	}
	int r = json_str(&c->d, v, buf, size);
	if (r == -EINVAL)
		return fail(c, v, "%s.%s: expected a string", what, key);
	if (r < 0)
		return fail(c, v, "%s.%s: string too long or holds NUL", what, key);
	return 1;
}

static int get_hex(struct ctx *c, int obj, const char *key, const char *what, uint64_t max, uint64_t *ret,
		   bool required)
{
	char buf[32], *end;
	int r = get_str(c, obj, key, what, buf, sizeof(buf), required);
	if (r <= 0)
		return r;
	int v = json_obj_get(&c->d, obj, key);
	errno = 0;
	unsigned long long x = strtoull(buf, &end, 16);
	if (strncmp(buf, "0x", 2) != 0 || errno || *end || end == buf + 2 || x > max)
		return fail(c, v, "%s.%s: expected a hex string \"0x...\" up to 0x%llx", what, key,
			    (unsigned long long)max);
	*ret = x;
	return 1;
}

static int get_int(struct ctx *c, int obj, const char *key, const char *what, long long lo, long long hi,
		   long long *ret)
{
	int v = json_obj_get(&c->d, obj, key);
	if (v < 0)
		return 0;
	if (json_int(&c->d, v, ret) < 0 || *ret < lo || *ret > hi)
		return fail(c, v, "%s.%s: expected an integer in [%lld, %lld]", what, key, lo, hi);
	return 1;
}

static int get_bool(struct ctx *c, int obj, const char *key, const char *what, bool *ret)
{
	int v = json_obj_get(&c->d, obj, key);
	if (v < 0)
		return 0;
	if (json_bool(&c->d, v, ret) < 0)
		return fail(c, v, "%s.%s: expected true or false", what, key);
	return 1;
}

/* "vvvv:dddd" */
static int get_id_pair(struct ctx *c, int obj, const char *key, const char *what, uint16_t *a, uint16_t *b,
		       bool required)
{
	char buf[16];
	int r = get_str(c, obj, key, what, buf, sizeof(buf), required);
	if (r <= 0)
		return r;
	unsigned x, y;
	char tail;
	if (strlen(buf) != 9 || sscanf(buf, "%4x:%4x%c", &x, &y, &tail) != 2)
		return fail(c, json_obj_get(&c->d, obj, key),
			    "%s.%s: expected \"vendor:device\" like \"10de:2330\"", what, key);
	*a = (uint16_t)x;
	*b = (uint16_t)y;
	return 1;
}

static int load_kernel(struct ctx *c, int k, char *kver, size_t kver_size)
{
	static const char *const keys[] = {
		"release", "cmdline", "modules_loaded", "modules_absent", "modules_dep", "modules_alias", NULL
	};
	int r = check_keys(c, k, "kernel", keys);
	if (r < 0)
		return r;
	return get_str(c, k, "release", "kernel", kver, kver_size, true) < 0 ? -EINVAL : 0;
}

/* kernel.modules_dep / modules_alias: a real kernel's depmod lines
 * (simfs/kmod_real.c).  Both arrays of strings, lines up to 1023 bytes. */
static int string_array(struct ctx *c, int k, const char *key, char ***ret, size_t *ret_n)
{
	int v = json_obj_get(&c->d, k, key);
	*ret = NULL;
	*ret_n = 0;
	if (v < 0)
		return 0;
	if (!json_is(&c->d, v, JSMN_ARRAY))
		return fail(c, v, "kernel.%s: expected an array of lines", key);
	json_for_each (&c->d, v, e, n) {
		char line[1024];
		char **nl = realloc(*ret, sizeof(*nl) * (*ret_n + 1));
		if (!nl)
			return -ENOMEM;
		*ret = nl;
		if (json_str(&c->d, e, line, sizeof(line)) < 0)
			return fail(c, e, "kernel.%s: expected a line (a string under 1024 bytes)", key);
		if (!(nl[(*ret_n)++] = strdup(line)))
			return -ENOMEM;
	}
	return 0;
}

static void strings_free(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

static int real_modules(struct ctx *c, int k)
{
	char **dep = NULL, **alias = NULL;
	size_t ndep = 0, nalias = 0;
	int r = string_array(c, k, "modules_dep", &dep, &ndep);
	if (r == 0)
		r = string_array(c, k, "modules_alias", &alias, &nalias);
	if (r == 0 && (ndep || nalias)) {
		r = model_modules_from_depmod(c->m, (const char *const *)dep, ndep,
					      (const char *const *)alias, nalias);
		if (r == -EINVAL)
			r = fail(c, k, "kernel.modules_dep/modules_alias: a line is not as depmod writes it");
	}
	strings_free(dep, ndep);
	strings_free(alias, nalias);
	return r;
}

static int module_list(struct ctx *c, int k, const char *key, bool load)
{
	int v = json_obj_get(&c->d, k, key);
	if (v < 0)
		return 0;
	if (!json_is(&c->d, v, JSMN_ARRAY))
		return fail(c, v, "kernel.%s: expected an array of module names", key);
	json_for_each (&c->d, v, e, n) {
		char name[64];
		if (json_str(&c->d, e, name, sizeof(name)) < 0)
			return fail(c, e, "kernel.%s: expected a module name", key);
		struct sim_module *mod = model_find_module(c->m, name);
		if (!mod)
			return fail(c, e, "kernel.%s: unknown module \"%s\"", key, name);
		if (!load) {
			mod->available = false;
			continue;
		}
		int r = module_load(c->m, name, true);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return fail(c, e, "kernel.%s: cannot load \"%s\": %s", key, name, strerror(-r));
	}
	return 0;
}

static int read_config_file(struct ctx *c, int tok, const char *file, struct sim_dev *d)
{
	char path[4096];
	if (file[0] == '/')
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s/%s", c->dir, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(c, tok, "config file %s: %s", path, strerror(errno));
	ssize_t n = read(fd, d->config, sizeof(d->config));
	char extra;
	ssize_t more = read(fd, &extra, 1);
	close(fd);
	if ((n != 256 && n != 4096) || more != 0)
		return fail(c, tok, "config file %s: must hold 256 or 4096 bytes", path);
	d->config_size = (unsigned)n;
	return 0;
}

static int load_resources(struct ctx *c, int v, const char *what, struct sim_dev *d)
{
	if (!json_is(&c->d, v, JSMN_ARRAY) || c->d.tok[v].size > SIM_MAX_RES)
		return fail(c, v, "%s.resource: expected up to %d [start, end, flags] triples", what,
			    SIM_MAX_RES);
	int i = 0;
	json_for_each (&c->d, v, e, n) {
		if (!json_is(&c->d, e, JSMN_ARRAY) || c->d.tok[e].size != 3)
			return fail(c, e, "%s.resource[%d]: expected [\"0xstart\", \"0xend\", \"0xflags\"]",
				    what, i);
		uint64_t x[3];
		int f = 0;
		json_for_each (&c->d, e, t, m) {
			char buf[32], *end;
			if (json_str(&c->d, t, buf, sizeof(buf)) < 0 || strncmp(buf, "0x", 2) != 0)
				return fail(c, t, "%s.resource[%d]: expected a hex string", what, i);
			x[f++] = strtoull(buf, &end, 16);
			if (*end)
				return fail(c, t, "%s.resource[%d]: expected a hex string", what, i);
		}
		if (x[2] && x[1] < x[0])
			return fail(c, e, "%s.resource[%d]: end before start", what, i);
		d->res[i] = (struct sim_resource){ x[0], x[1], x[2] };
		i++;
	}
	return 0;
}

static int load_device(struct ctx *c, int obj, int idx, int *explicit_driver)
{
	static const char *const keys[] = {
		"bdf",	     "parent",	     "id",	    "subsystem",    "class",	       "revision",
		"numa_node", "irq",	     "iommu_group", "driver",	    "driver_override", "config",
		"serial",    "aer",	     "resource",    "link",	    "max_link",	       "label",
		"model",     "nvidia_users", "sriov",	    "sriov_numvfs", "comment",	       NULL
	};
	char what[32], buf[256];
	snprintf(what, sizeof(what), "devices[%d]", idx);
	int r = check_keys(c, obj, what, keys);
	if (r < 0)
		return r;
	struct pci_addr a;
	if (get_str(c, obj, "bdf", what, buf, sizeof(buf), true) < 0)
		return -EINVAL;
	if (pci_addr_parse(buf, &a) < 0)
		return fail(c, json_obj_get(&c->d, obj, "bdf"), "%s.bdf: \"%s\" is no PCI address", what,
			    buf);
	char canon[PCI_ADDR_STRLEN];
	if (model_find_dev(c->m, pci_addr_format(&a, canon)))
		return fail(c, json_obj_get(&c->d, obj, "bdf"), "%s.bdf: %s is listed twice", what, canon);
	struct sim_dev *d = pci_dev_new(c->m, &a);
	if (!d)
		return -ENOMEM;
	d->present = true; /* visible to lookups while loading */
	uint64_t x;
	if (get_id_pair(c, obj, "id", what, &d->vendor, &d->device, true) < 0 ||
	    get_id_pair(c, obj, "subsystem", what, &d->subvendor, &d->subdevice, false) < 0)
		return -EINVAL;
	if (get_hex(c, obj, "class", what, 0xffffff, &x, true) < 0)
		return -EINVAL;
	d->class = (uint32_t)x;
	x = 0;
	if (get_hex(c, obj, "revision", what, 0xff, &x, false) < 0)
		return -EINVAL;
	d->revision = (uint8_t)x;
	long long v;
	if ((r = get_int(c, obj, "numa_node", what, -1, 63, &v)) < 0)
		return r;
	if (r)
		d->numa_node = (int)v;
	if ((r = get_int(c, obj, "irq", what, 0, 4095, &v)) < 0)
		return r;
	d->irq = r ? (int)v : 16 + idx;
	if ((r = get_int(c, obj, "nvidia_users", what, 0, 8, &v)) < 0)
		return r;
	d->nv_users = r ? (int)v : 0;
	if ((r = get_str(c, obj, "parent", what, buf, sizeof(buf), false)) < 0)
		return r;
	if (r) {
		d->parent = model_find_dev(c->m, buf);
		if (!d->parent || !pci_is_bridge(d->parent))
			return fail(c, json_obj_get(&c->d, obj, "parent"),
				    "%s.parent: %s is not a bridge listed before this device", what, buf);
	}
	int link = json_obj_get(&c->d, obj, "link");
	if (link >= 0) {
		if (!json_is(&c->d, link, JSMN_ARRAY) || c->d.tok[link].size != 2 ||
		    json_str(&c->d, link + 1, d->link_speed, sizeof(d->link_speed)) < 0 ||
		    json_int(&c->d, link + 2, &v) < 0 || v < 1 || v > 32)
			return fail(c, link, "%s.link: expected [\"32.0 GT/s PCIe\", 16]", what);
		d->link_width = (int)v;
		memcpy(d->max_link_speed, d->link_speed, sizeof(d->link_speed));
		d->max_link_width = d->link_width;
	}
	if ((r = get_str(c, obj, "label", what, buf, sizeof(buf), false)) < 0)
		return r;
	if (r && !(d->label = strdup(buf)))
		return -ENOMEM;
	if ((r = get_str(c, obj, "model", what, buf, sizeof(buf), false)) < 0)
		return r;
	if (r && !(d->nv_model = strdup(buf)))
		return -ENOMEM;
	if ((r = get_str(c, obj, "driver_override", what, buf, sizeof(buf), false)) < 0)
		return r;
	if (r && !(d->driver_override = strdup(buf)))
		return -ENOMEM;
	int res = json_obj_get(&c->d, obj, "resource");
	if (res >= 0 && (r = load_resources(c, res, what, d)) < 0)
		return r;
	if ((r = get_str(c, obj, "config", what, buf, sizeof(buf), false)) < 0)
		return r;
	if (r) {
		if ((r = read_config_file(c, json_obj_get(&c->d, obj, "config"), buf, d)) < 0)
			return r;
		pci_config_sync(d, false);
	} else {
		pci_config_sync(d, true);
	}
	uint64_t serial;
	if ((r = get_hex(c, obj, "serial", what, UINT64_MAX, &serial, false)) < 0)
		return r;
	if (r) {
		/* Device Serial Number extended capability (ID 3): patch the
		 * one the config holds, else place it at 0x100. */
		unsigned found = pci_find_ext_cap(d, 3);
		if (!found) {
			if (d->config[0x100] || d->config[0x101] || d->config_size < 4096)
				return fail(
				    c, json_obj_get(&c->d, obj, "serial"),
				    "%s.serial: config space has no room for a serial number capability",
				    what);
			found = 0x100;
			d->config[0x100] = 3;
			d->config[0x102] = 1; /* version 1, next 0 */
		}
		for (int i = 0; i < 8; i++)
			d->config[found + 4 + (unsigned)i] = (uint8_t)(serial >> (8 * i));
	}
	bool aer = false;
	if ((r = get_bool(c, obj, "aer", what, &aer)) < 0)
		return r;
	if (aer && !pci_find_ext_cap(d, 1)) {
		/* Advanced Error Reporting extended capability (ID 1, version
		 * 2, registers zero: no error logged) for a synthetic config:
		 * at 0x100, or after the last capability of the chain */
		unsigned at = 0x100, last = 0;
		for (unsigned off = 0x100; off >= 0x100 && off + 4 <= d->config_size;) {
			uint32_t h = (uint32_t)d->config[off] | (uint32_t)d->config[off + 1] << 8 |
				     (uint32_t)d->config[off + 2] << 16 | (uint32_t)d->config[off + 3] << 24;
			if (h == 0)
				break;
			last = off;
			at = off + 0x40;
			off = (h >> 20) & 0xffc;
			if (off <= last)
				break;
		}
		if (d->config_size < 4096 || at + 0x48 > d->config_size)
			return fail(c, json_obj_get(&c->d, obj, "aer"),
				    "%s.aer: config space has no room for an AER capability", what);
		d->config[at] = 1;
		d->config[at + 2] = 2; /* version 2, next 0 */
		if (last) {
			d->config[last + 2] = (uint8_t)((d->config[last + 2] & 0x0f) | (at & 0xf) << 4);
			d->config[last + 3] = (uint8_t)(at >> 4);
		}
	}
	int sr = json_obj_get(&c->d, obj, "sriov");
	if (sr >= 0) {
		/* {"total_vfs": 16, "offset": 4, "stride": 1} for a synthetic config */
		static const char *const skeys[] = { "total_vfs", "offset", "stride", NULL };
		long long total = 0, offset = 4, stride = 1;
		char swhat[48];
		snprintf(swhat, sizeof(swhat), "%s.sriov", what);
		if ((r = check_keys(c, sr, swhat, skeys)) < 0 ||
		    (r = get_int(c, sr, "total_vfs", swhat, 1, 256, &total)) < 0 ||
		    (r = get_int(c, sr, "offset", swhat, 1, 255, &offset)) < 0 ||
		    (r = get_int(c, sr, "stride", swhat, 1, 255, &stride)) < 0)
			return r;
		if (!total)
			return fail(c, sr, "%s: missing \"total_vfs\"", swhat);
		if (sriov_cap_add(d, (unsigned)total, (unsigned)offset, (unsigned)stride) < 0)
			return fail(
			    c, sr,
			    "%s: the config space already has an SR-IOV capability (or only 256 bytes)",
			    swhat);
	}
	d->sriov_cap = pci_find_ext_cap(d, 0x10);
	d->vf_autoprobe = true;
	if (d->vendor == 0x10de)
		d->vgpu = vgpu_model_find(d->device);
	int nvfs = json_obj_get(&c->d, obj, "sriov_numvfs");
	if (nvfs >= 0) {
		long long n;
		unsigned total =
		    d->sriov_cap
			? (unsigned)(d->config[d->sriov_cap + 0x0e] | d->config[d->sriov_cap + 0x0f] << 8)
			: 0;
		if (json_int(&c->d, nvfs, &n) < 0 || n < 0 || (unsigned long long)n > total)
			return fail(c, nvfs,
				    "%s.sriov_numvfs: expected 0..%u (the SR-IOV capability's total VFs)",
				    what, total);
	}
	int g = json_obj_get(&c->d, obj, "iommu_group");
	if (g >= 0 && !c->m->iommu_enabled)
		return fail(c, g, "%s.iommu_group: the fixture's IOMMU is off: no groups exist", what);
	int dv = json_obj_get(&c->d, obj, "driver");
	*explicit_driver = dv >= 0;
	if (dv >= 0 && !json_is_null(&c->d, dv)) {
		if (json_str(&c->d, dv, buf, sizeof(buf)) < 0 || !model_find_driver(c->m, buf))
			return fail(c, dv, "%s.driver: expected a known driver name or null", what);
	}
	return pci_dev_add(d);
}

/* The device a (validated) devices[] entry created. */
static struct sim_dev *fixture_dev(struct ctx *c, int obj)
{
	char bdf[64];
	struct pci_addr a;
	json_str(&c->d, json_obj_get(&c->d, obj, "bdf"), bdf, sizeof(bdf));
	pci_addr_parse(bdf, &a);
	return model_find_dev(c->m, pci_addr_format(&a, bdf));
}

static int attach_devices(struct ctx *c, int devs)
{
	int idx = 0;
	json_for_each (&c->d, devs, obj, n) {
		char what[32];
		snprintf(what, sizeof(what), "devices[%d]", idx++);
		struct sim_dev *d = fixture_dev(c, obj);
		long long gid;
		int r = get_int(c, obj, "iommu_group", what, 0, 1000000, &gid);
		if (r < 0)
			return r;
		if (r)
			d->group_id = (int)gid;
		if (r && !c->m->groups_at_probe) { /* at probe: made when a driver binds */
			struct sim_group *g = model_group(c->m, (int)gid, true);
			if (!g || (r = iommu_group_add_dev(c->m, g, d)) < 0)
				return r < 0 ? r : -ENOMEM;
		}
	}
	idx = 0;
	json_for_each (&c->d, devs, obj, n) {
		char what[32];
		snprintf(what, sizeof(what), "devices[%d]", idx++);
		struct sim_dev *d = fixture_dev(c, obj);
		int dv = json_obj_get(&c->d, obj, "driver");
		if (dv < 0) {
			if (driver_autoprobe(c->m, d) == -ENOMEM)
				return -ENOMEM;
			continue;
		}
		if (json_is_null(&c->d, dv) || d->driver)
			continue;
		char name[64];
		json_str(&c->d, dv, name, sizeof(name));
		struct sim_driver *drv = model_find_driver(c->m, name);
		if (!drv->registered)
			return fail(
			    c, dv,
			    "%s.driver: %s is not registered: load its module in kernel.modules_loaded", what,
			    name);
		if (!driver_matches(drv, d))
			return fail(c, dv, "%s.driver: %s does not match this device (driver_override?)",
				    what, name);
		int r = driver_probe(drv, d);
		if (r < 0)
			return fail(c, dv, "%s.driver: probing %s fails: %s", what, name, strerror(-r));
	}
	/* VFs enabled at boot (as NVIDIA's host service leaves them) */
	idx = 0;
	json_for_each (&c->d, devs, obj, n) {
		char what[32];
		snprintf(what, sizeof(what), "devices[%d]", idx++);
		long long nvfs = 0;
		int r = get_int(c, obj, "sriov_numvfs", what, 0, 256, &nvfs);
		if (r < 0)
			return r;
		struct sim_dev *d = fixture_dev(c, obj);
		if (nvfs > 0 && (r = sriov_enable(d, (int)nvfs)) < 0)
			return fail(c, json_obj_get(&c->d, obj, "sriov_numvfs"),
				    "%s.sriov_numvfs: cannot enable: %s", what, strerror(-r));
	}
	return 0;
}

/* Bridges' bus numbers follow from the devices below them; functions that
 * share a slot mark the header multi-function. */
static void finish_topology(struct model *m)
{
	for (int i = 0; i < m->ndevs; i++) {
		struct sim_dev *b = m->devs[i];
		for (int j = 0; j < m->ndevs; j++) {
			struct sim_dev *o = m->devs[j];
			if (o != b && o->addr.domain == b->addr.domain && o->addr.bus == b->addr.bus &&
			    o->addr.dev == b->addr.dev)
				b->config[0x0e] |= 0x80;
		}
		if (!pci_is_bridge(b))
			continue;
		unsigned sec = 0, sub = 0;
		for (int j = 0; j < m->ndevs; j++)
			for (struct sim_dev *p = m->devs[j]->parent; p; p = p->parent)
				if (p == b) {
					unsigned bus = m->devs[j]->addr.bus;
					if (m->devs[j]->parent == b && (!sec || bus < sec))
						sec = bus;
					if (bus > sub)
						sub = bus;
				}
		if (!sec)
			sec = sub = (unsigned)b->addr.bus + 1;
		b->config[0x18] = b->addr.bus;
		b->config[0x19] = (uint8_t)sec;
		b->config[0x1a] = (uint8_t)sub;
	}
}

/* proc/cpuinfo.  x86 style: one stanza per CPU whose "flags" line holds
 * "hypervisor" on a virtual machine -- the kernel's X86_FEATURE_HYPERVISOR
 * (CPUID.1:ECX bit 31, arch/x86/include/asm/cpufeatures.h), printed by
 * show_cpuinfo() (arch/x86/kernel/cpu/proc.c).  arm64 style ("arch":
 * "arm64"): the stanza arch/arm64/kernel/cpuinfo.c c_show() prints, with
 * the MIDR fields of an Arm Neoverse V2 (implementer 0x41, part 0xd4f:
 * arch/arm64/include/asm/cputype.h ARM_CPU_PART_NEOVERSE_V2), the core of
 * NVIDIA Grace; BogoMIPS and Features are a plausible fixed set.  Fixture
 * key "cpu": {"hypervisor": bool, "count": N, "arch": "x86_64"|"arm64",
 * "implementer": N, "part": N} (the last two: the MIDR fields, as QEMU's
 * "max" CPU shows 0x00 and 0x051 in the tests/vm/arm64 guests). */
static int add_cpuinfo(struct ctx *c, int root)
{
	static const char *const keys[] = { "hypervisor", "count", "arch", "implementer", "part", NULL };
	int cpu = json_obj_get(&c->d, root, "cpu"), r;
	bool hv = false;
	long long count = 2, impl = 0x41, part = 0xd4f;
	char arch[16] = "x86_64";
	if (cpu >= 0 && ((r = check_keys(c, cpu, "cpu", keys)) < 0 ||
			 (r = get_bool(c, cpu, "hypervisor", "cpu", &hv)) < 0 ||
			 (r = get_int(c, cpu, "count", "cpu", 1, 256, &count)) < 0 ||
			 (r = get_int(c, cpu, "implementer", "cpu", 0, 0xff, &impl)) < 0 ||
			 (r = get_int(c, cpu, "part", "cpu", 0, 0xfff, &part)) < 0 ||
			 (r = get_str(c, cpu, "arch", "cpu", arch, sizeof(arch), false)) < 0))
		return r;
	bool arm64 = strcmp(arch, "arm64") == 0;
	if (!arm64 && strcmp(arch, "x86_64") != 0)
		return fail(c, json_obj_get(&c->d, cpu, "arch"),
			    "cpu.arch: expected \"x86_64\" or \"arm64\"");
	size_t cap = (size_t)count * 1024, o = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (long long i = 0; i < count; i++)
		if (arm64)
			o += (size_t)snprintf(
			    buf + o, cap - o,
			    "processor\t: %lld\nBogoMIPS\t: 2000.00\n"
			    "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp "
			    "asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp "
			    "sha512 sve asimdfhm dit uscat ilrcpc flagm sb paca pacg dcpodp sve2 "
			    "sveaes svepmull svebitperm svesha3 svesm4 flagm2 frint svei8mm "
			    "svebf16 i8mm bf16 dgh bti\n"
			    "CPU implementer\t: 0x%02llx\nCPU architecture: 8\nCPU variant\t: 0x0\n"
			    "CPU part\t: 0x%03llx\nCPU revision\t: 0\n\n",
			    i, impl, part);
		else
			o += (size_t)snprintf(
			    buf + o, cap - o,
			    "processor\t: %lld\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\n"
			    "model name\t: Intel(R) Xeon(R) Platinum 8480+\ncpu cores\t: %lld\n"
			    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat "
			    "pse36 "
			    "clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc "
			    "nopl xtopology cpuid pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic "
			    "movbe "
			    "popcnt aes xsave avx f16c rdrand%s lahf_lm abm 3dnowprefetch\n\n",
			    i, count, hv ? " hypervisor" : "");
	struct node *f = tree_add_data(c->m->proc, "cpuinfo", 0444, buf, o);
	free(buf);
	if (!f)
		return -ENOMEM;
	f->size = 0; /* procfs files report size 0 */
	return 0;
}

/* "egm": [{"pxm": N, "size": "0x...", "gpus": [BDF, ...]}] (simfs/egm.c) */
static int load_egm(struct ctx *c)
{
	static const char *const keys[] = { "pxm", "size", "gpus", NULL };
	int v = json_obj_get(&c->d, 0, "egm"), r;
	if (v < 0)
		return 0;
	if (!json_is(&c->d, v, JSMN_ARRAY))
		return fail(c, v, "egm: expected an array of regions");
	json_for_each (&c->d, v, e, n) {
		long long pxm;
		char size[32], bdfs[8][16];
		const char *gpus[8];
		size_t ng = 0;
		if ((r = check_keys(c, e, "egm", keys)) < 0 ||
		    (r = get_int(c, e, "pxm", "egm", 0, 255, &pxm)) < 0 ||
		    (r = get_str(c, e, "size", "egm", size, sizeof(size), true)) < 0)
			return r;
		int g = json_obj_get(&c->d, e, "gpus");
		if (g < 0 || !json_is(&c->d, g, JSMN_ARRAY))
			return fail(c, e, "egm.gpus: expected an array of PCI addresses");
		json_for_each (&c->d, g, b, k) {
			if (ng == 8 || json_str(&c->d, b, bdfs[ng], sizeof(bdfs[ng])) < 0)
				return fail(c, b, "egm.gpus: up to 8 PCI addresses");
			gpus[ng] = bdfs[ng];
			ng++;
		}
		r = egm_add(c->m, (int)pxm, size, gpus, ng);
		if (r == -ENOENT || r == -EEXIST)
			return fail(c, e, "egm: %s",
				    r == -ENOENT ? "a GPU is not in devices" : "pxm listed twice");
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_static_files(struct ctx *c, int root)
{
	struct model *m = c->m;
	int t = json_obj_get(&c->d, root, "acpi_tables");
	struct node *tables = tree_lookup(m->root, "sys/firmware/acpi/tables");
	if (t >= 0) {
		if (!json_is(&c->d, t, JSMN_ARRAY))
			return fail(c, t, "acpi_tables: expected an array of table signatures");
		json_for_each (&c->d, t, e, n) {
			char sig[8];
			if (json_str(&c->d, e, sig, sizeof(sig)) != 4)
				return fail(c, e, "acpi_tables: a signature has 4 characters (\"DMAR\")");
			/* a bare ACPI header: signature, length, revision */
			uint8_t hdr[36] = { 0 };
			memcpy(hdr, sig, 4);
			hdr[4] = sizeof(hdr);
			hdr[8] = 1;
			memcpy(hdr + 10, "SIMFS ", 6);
			struct node *f = tree_add_data(tables, sig, 0400, hdr, sizeof(hdr));
			if (!f && !tree_child(tables, sig))
				return -ENOMEM;
			if (!f)
				return fail(c, e, "acpi_tables: \"%s\" listed twice", sig);
		}
	}
	/* "devicetree": true -- booted from a device tree, which the kernel
	 * shows under sys/firmware/devicetree/base (drivers/of/kobj.c
	 * of_core_init); the tests/vm/arm64 guests without UEFI have it */
	int dt = json_obj_get(&c->d, root, "devicetree");
	if (dt >= 0) {
		bool on;
		if (json_bool(&c->d, dt, &on) < 0)
			return fail(c, dt, "devicetree: expected true or false");
		if (on && !tree_mkdir_p(m->root, "sys/firmware/devicetree/base"))
			return -ENOMEM;
	}
	/* "gic": {"version": 2|3, "its": bool} -- the Arm interrupt
	 * controller in the MADT and the device tree (simfs/gic.c) */
	int gic = json_obj_get(&c->d, root, "gic");
	if (gic >= 0) {
		static const char *const gkeys[] = { "version", "its", NULL };
		long long ver = 0;
		bool its = false;
		int r = check_keys(c, gic, "gic", gkeys);
		if (r < 0 || (r = get_int(c, gic, "version", "gic", 2, 3, &ver)) < 0 ||
		    (r = get_bool(c, gic, "its", "gic", &its)) < 0)
			return r;
		if (ver == 0)
			return fail(c, gic, "gic.version: expected 2 or 3");
		if (its && ver < 3)
			return fail(c, gic, "gic.its: an ITS needs GICv3");
		if ((r = gic_add(m, (int)ver, its)) < 0)
			return r;
	}
	int dmi = json_obj_get(&c->d, root, "dmi");
	struct node *id = tree_mkdir_p(m->root, "sys/devices/virtual/dmi/id");
	struct node *cls = tree_mkdir_p(m->root, "sys/class/dmi");
	if (!id || !cls || !tree_add_rel_link(cls, "id", id))
		return -ENOMEM;
	if (dmi >= 0) {
		static const char *const keys[] = { "sys_vendor",   "product_name",
						    "product_uuid", "product_serial",
						    "board_vendor", "board_name",
						    "bios_version", NULL };
		int r = check_keys(c, dmi, "dmi", keys);
		if (r < 0)
			return r;
		json_for_each (&c->d, dmi, k, n) {
			char key[32], val[256];
			json_str(&c->d, k, key, sizeof(key));
			if (json_str(&c->d, k + 1, val, sizeof(val)) < 0)
				return fail(c, k + 1, "dmi.%s: expected a string", key);
			/* serials and the UUID are readable by root only */
			bool secret = strcmp(key, "product_uuid") == 0 || strcmp(key, "product_serial") == 0;
			if (!model_add_text(id, key, secret ? 0400 : 0444, "%s\n", val))
				return -ENOMEM;
		}
	}
	return 0;
}

/* "consoles": ["tty0", "ttyS0"] (default: tty0); "framebuffer":
 * {"type": "simpledrm"|"efifb"|"vesafb", "device": BDF, "bar": N,
 * "size": "0x..."} (bootfb.c) */
static int load_framebuffer(struct ctx *c)
{
	const char *cons[8] = { "tty0" };
	char names[8][16];
	int ncons = 1;
	int cl = json_obj_get(&c->d, 0, "consoles");
	if (cl >= 0) {
		if (!json_is(&c->d, cl, JSMN_ARRAY))
			return fail(c, cl, "consoles: expected a list of console names");
		ncons = 0;
		json_for_each (&c->d, cl, e, n) {
			if (ncons == 8 || json_str(&c->d, e, names[ncons], sizeof(names[0])) < 0 ||
			    !names[ncons][0])
				return fail(c, e, "consoles: expected at most 8 names like \"ttyS0\"");
			cons[ncons] = names[ncons];
			ncons++;
		}
	}
	int f = json_obj_get(&c->d, 0, "framebuffer");
	if (f < 0)
		return bootfb_init(c->m, NULL, NULL, 0, 0, cons, ncons);
	static const char *const keys[] = { "type", "device", "bar", "size", "comment", NULL };
	char type[16], bdf[32];
	long long bar;
	uint64_t size;
	int r;
	if ((r = check_keys(c, f, "framebuffer", keys)) < 0 ||
	    (r = get_str(c, f, "type", "framebuffer", type, sizeof(type), true)) < 0 ||
	    (r = get_str(c, f, "device", "framebuffer", bdf, sizeof(bdf), true)) < 0 ||
	    (r = get_int(c, f, "bar", "framebuffer", 0, 5, &bar)) < 0 ||
	    (r = get_hex(c, f, "size", "framebuffer", UINT64_MAX, &size, true)) < 0)
		return r;
	if (json_obj_get(&c->d, f, "bar") < 0)
		return fail(c, f, "framebuffer: missing \"bar\"");
	struct sim_dev *d = model_find_dev(c->m, bdf);
	if (!d)
		return fail(c, f, "framebuffer.device: no device %s", bdf);
	r = bootfb_init(c->m, type, d, (int)bar, size, cons, ncons);
	if (r == -EINVAL)
		return fail(c, f,
			    "framebuffer: type simpledrm, efifb or vesafb on a memory BAR of the device, "
			    "size within the BAR");
	return r;
}

int fixture_load_buffer(const char *name, const char *js, size_t len, const char *dir, struct model **ret,
			char *err, size_t errsize)
{
	static const char *const keys[] = { "name",	   "description", "kernel",	 "iommu",
					    "acpi_tables", "dmi",	  "nvidia",	 "devices",
					    "comment",	   "cpu",	  "framebuffer", "consoles",
					    "egm",	   "devicetree",  "gic",	 NULL };
	struct ctx c = { .name = name, .dir = dir, .err = err, .errsize = errsize };
	int r = json_parse(&c.d, js, len);
	if (r == -EINVAL) {
		int line, col;
		json_offset_pos(&c.d, c.d.err_offset, &line, &col);
		snprintf(err, errsize, "%s:%d:%d: malformed JSON", name, line, col);
		return r;
	}
	if (r < 0) {
		snprintf(err, errsize, "%s: %s", name, strerror(-r));
		return r;
	}
	if ((r = check_keys(&c, 0, "fixture", keys)) < 0)
		goto out;
	int k = json_obj_get(&c.d, 0, "kernel");
	if (k < 0) {
		r = fail(&c, 0, "fixture: missing \"kernel\"");
		goto out;
	}
	char kver[64];
	if ((r = load_kernel(&c, k, kver, sizeof(kver))) < 0)
		goto out;
	if (!(c.m = model_new(kver))) {
		r = -ENOMEM;
		goto out;
	}
	struct model *m = c.m;
	for (int i = 0; i < m->nmodules; i++)
		m->modules[i].available = true;
	char cmdline[2048] = "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet";
	if ((r = get_str(&c, k, "cmdline", "kernel", cmdline, sizeof(cmdline), false)) < 0)
		goto out;
	if (!model_add_text(m->proc, "cmdline", 0444, "%s\n", cmdline)) {
		r = -ENOMEM;
		goto out;
	}
	tree_child(m->proc, "cmdline")->size = 0;
	if ((r = real_modules(&c, k)) < 0 || (r = module_list(&c, k, "modules_absent", false)) < 0)
		goto out;
	if ((r = modules_init(m)) < 0) {
		if (r == -EINVAL)
			r = fail(&c, k, "kernel.modules_absent: a module left needs one that is absent");
		goto out;
	}
	if ((r = bus_pci_init(m)) < 0)
		goto out;

	int io = json_obj_get(&c.d, 0, "iommu");
	enum iommu_kind kind = IOMMU_NONE;
	bool enabled = false;
	char domain[16] = "DMA-FQ";
	if (io >= 0) {
		static const char *const ikeys[] = { "type",   "enabled", "default_domain",
						     "groups", "unit",	  "unit_parent",
						     NULL };
		char type[16] = "none", groups[16] = "at-add";
		if ((r = check_keys(&c, io, "iommu", ikeys)) < 0 ||
		    (r = get_str(&c, io, "type", "iommu", type, sizeof(type), true)) < 0 ||
		    (r = get_bool(&c, io, "enabled", "iommu", &enabled)) < 0 ||
		    (r = get_str(&c, io, "default_domain", "iommu", domain, sizeof(domain), false)) < 0 ||
		    (r = get_str(&c, io, "groups", "iommu", groups, sizeof(groups), false)) < 0 ||
		    (r = get_str(&c, io, "unit", "iommu", m->smmu_unit, sizeof(m->smmu_unit), false)) < 0 ||
		    (r = get_str(&c, io, "unit_parent", "iommu", m->smmu_parent, sizeof(m->smmu_parent),
				 false)) < 0)
			goto out;
		if (strcmp(type, "intel") == 0)
			kind = IOMMU_INTEL;
		else if (strcmp(type, "amd") == 0)
			kind = IOMMU_AMD;
		else if (strcmp(type, "smmuv3") == 0)
			kind = IOMMU_SMMUV3;
		else if (strcmp(type, "none") != 0) {
			r = fail(&c, json_obj_get(&c.d, io, "type"),
				 "iommu.type: expected \"intel\", \"amd\", \"smmuv3\" or \"none\"");
			goto out;
		}
		if (strcmp(domain, "DMA") && strcmp(domain, "DMA-FQ") && strcmp(domain, "identity")) {
			r = fail(&c, json_obj_get(&c.d, io, "default_domain"),
				 "iommu.default_domain: expected \"DMA\", \"DMA-FQ\" or \"identity\"");
			goto out;
		}
		/* "at-probe": groups made at driver probe (iommu.c iommu_probe_dev),
		 * observed with an Arm SMMUv3 only */
		if (strcmp(groups, "at-probe") == 0 && (kind != IOMMU_SMMUV3 || !enabled)) {
			r = fail(&c, json_obj_get(&c.d, io, "groups"),
				 "iommu.groups: \"at-probe\" is modelled for an enabled \"smmuv3\" only");
			goto out;
		}
		if (strcmp(groups, "at-probe") && strcmp(groups, "at-add")) {
			r = fail(&c, json_obj_get(&c.d, io, "groups"),
				 "iommu.groups: expected \"at-add\" or \"at-probe\"");
			goto out;
		}
		m->groups_at_probe = strcmp(groups, "at-probe") == 0;
		if ((m->smmu_unit[0] || m->smmu_parent[0]) &&
		    (kind != IOMMU_SMMUV3 || strncmp(m->smmu_unit, "smmu3.", 6) || !m->smmu_parent[0] ||
		     strchr(m->smmu_unit, '/') || strchr(m->smmu_parent, '/'))) {
			r = fail(&c, io,
				 "iommu.unit, iommu.unit_parent: an SMMUv3's class device (\"smmu3.0x...\") "
				 "and its platform device, both names, both given");
			goto out;
		}
	}
	snprintf(m->group_type, sizeof(m->group_type), "%s", domain);
	m->iommu_enabled = enabled && kind != IOMMU_NONE; /* groups may be declared */

	int nv = json_obj_get(&c.d, 0, "nvidia");
	snprintf(m->nv_version, sizeof(m->nv_version), "%s", "550.90.07");
	if (nv >= 0) {
		static const char *const nkeys[] = { "version", "build", "vgpu", "mdev_names", NULL };
		char vgpu[16] = "none", names[16] = "NVIDIA", build[16] = "plain";
		if ((r = check_keys(&c, nv, "nvidia", nkeys)) < 0 ||
		    (r = get_str(&c, nv, "version", "nvidia", m->nv_version, sizeof(m->nv_version), false)) <
			0 ||
		    (r = get_str(&c, nv, "build", "nvidia", build, sizeof(build), false)) < 0 ||
		    (r = get_str(&c, nv, "vgpu", "nvidia", vgpu, sizeof(vgpu), false)) < 0 ||
		    (r = get_str(&c, nv, "mdev_names", "nvidia", names, sizeof(names), false)) < 0)
			goto out;
		if (strcmp(vgpu, "mdev") == 0)
			m->nv_vgpu = VGPU_MDEV;
		else if (strcmp(vgpu, "vendor-vfio") == 0)
			m->nv_vgpu = VGPU_VENDOR_VFIO;
		else if (strcmp(vgpu, "none") != 0) {
			r = fail(&c, json_obj_get(&c.d, nv, "vgpu"),
				 "nvidia.vgpu: expected \"mdev\", \"vendor-vfio\" or \"none\"");
			goto out;
		}
		/* unbindLock, VF probing and the vGPU files follow the build */
		if (strcmp(build, "vgpu-kvm") == 0)
			m->nv_vgpu_kvm = true;
		else if (strcmp(build, "plain") != 0) {
			r = fail(&c, json_obj_get(&c.d, nv, "build"),
				 "nvidia.build: expected \"plain\" or \"vgpu-kvm\"");
			goto out;
		}
		if (m->nv_vgpu != VGPU_NONE && !m->nv_vgpu_kvm) {
			r = fail(&c, json_obj_get(&c.d, nv, "vgpu"),
				 "nvidia.vgpu: a vGPU host interface needs \"build\": \"vgpu-kvm\"");
			goto out;
		}
		if (strcmp(names, "GRID") == 0)
			m->nv_grid_names = true;
		else if (strcmp(names, "NVIDIA") != 0) {
			r = fail(&c, json_obj_get(&c.d, nv, "mdev_names"),
				 "nvidia.mdev_names: expected \"NVIDIA\" or \"GRID\"");
			goto out;
		}
	}
	if ((r = module_list(&c, k, "modules_loaded", true)) < 0)
		goto out;

	int devs = json_obj_get(&c.d, 0, "devices");
	if (devs < 0 || !json_is(&c.d, devs, JSMN_ARRAY)) {
		r = fail(&c, devs < 0 ? 0 : devs, "fixture: \"devices\" must be an array");
		goto out;
	}
	int idx = 0, explicit_driver;
	json_for_each (&c.d, devs, obj, n) {
		if ((r = load_device(&c, obj, idx++, &explicit_driver)) < 0) {
			if (r == -EEXIST)
				r = fail(&c, obj, "devices[%d]: cannot be placed", idx - 1);
			goto out;
		}
	}
	finish_topology(m);
	if ((r = iommu_init(m, kind, enabled)) < 0) {
		if (r == -EINVAL)
			r = fail(&c, io,
				 "iommu: an AMD IOMMU needs its PCI function (class 0x0806) in devices");
		goto out;
	}
	if ((r = attach_devices(&c, devs)) < 0)
		goto out;
	for (int i = 0; i < m->ngroups; i++)
		snprintf(m->groups[i]->type, sizeof(m->groups[i]->type), "%s", domain);
	if ((r = add_static_files(&c, 0)) < 0 || (r = add_cpuinfo(&c, 0)) < 0 ||
	    (r = vgpu_config_init(m)) < 0 || (r = load_framebuffer(&c)) < 0 || (r = load_egm(&c)) < 0)
		goto out;
	m->stats = (struct sim_stats){ 0 };
	*ret = m;
	c.m = NULL;
	r = 0;
out:
	if (r == -ENOMEM)
		snprintf(err, errsize, "%s: out of memory", name);
	model_free(c.m);
	json_free(&c.d);
	return r;
}

int fixture_load(const char *path, struct model **ret, char *err, size_t errsize)
{
	char *js;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r = fd < 0 ? -errno : read_fd_all(fd, &js, &len);
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(-r));
		return r;
	}
	char *pathcopy = strdup(path);
	if (!pathcopy) {
		free(js);
		return -ENOMEM;
	}
	r = fixture_load_buffer(path, js, len, dirname(pathcopy), ret, err, errsize);
	free(pathcopy);
	free(js);
	return r;
}
