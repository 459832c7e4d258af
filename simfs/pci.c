// SPDX-License-Identifier: GPL-2.0-or-later
/* PCI devices: their sysfs directories and attributes in the kernel's
 * formats, config space consistent with IDs and resources, hot-plug. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define IORESOURCE_IO 0x100u
#define IORESOURCE_MEM 0x200u

bool pci_is_bridge(const struct sim_dev *d)
{
	return (d->class >> 8) == 0x0604;
}

static void put16(uint8_t *c, unsigned off, uint16_t v)
{
	c[off] = (uint8_t)v;
	c[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *c, unsigned off, uint32_t v)
{
	put16(c, off, (uint16_t)v);
	put16(c, off + 2, (uint16_t)(v >> 16));
}

static uint32_t get32(const uint8_t *c, unsigned off)
{
	return (uint32_t)c[off] | (uint32_t)c[off + 1] << 8 | (uint32_t)c[off + 2] << 16 |
	       (uint32_t)c[off + 3] << 24;
}

unsigned pci_find_ext_cap(const struct sim_dev *d, uint16_t id)
{
	unsigned off = 0x100;
	for (int hops = 0; off >= 0x100 && off + 4 <= d->config_size && hops < 128; hops++) {
		uint32_t h = get32(d->config, off);
		if (h == 0 || h == 0xffffffffu)
			return 0;
		if ((h & 0xffff) == id)
			return off;
		off = (h >> 20) & 0xffc;
	}
	return 0;
}

static unsigned speed_code(const char *s)
{
	static const char *const speeds[] = { "2.5", "5.0", "8.0", "16.0", "32.0", "64.0" };
	for (unsigned i = 0; i < 6; i++)
		if (strncmp(s, speeds[i], strlen(speeds[i])) == 0 && s[strlen(speeds[i])] == ' ')
			return i + 1;
	return 1;
}

/* PCIe port type of the device for its Express capability. */
static unsigned pcie_type(const struct sim_dev *d)
{
	if (!pci_is_bridge(d))
		return d->parent ? 0 : 9; /* endpoint; root-complex integrated */
	if (!d->parent)
		return 4;		  /* root port */
	return d->parent->parent ? 6 : 5; /* switch downstream / upstream port */
}

static void synthesize(struct sim_dev *d)
{
	uint8_t *c = d->config;
	memset(c, 0, sizeof(d->config));
	d->config_size = 4096;
	put16(c, 0x04, 0x0006);
	put16(c, 0x06, 0x0010); /* capabilities list */
	c[0x0e] = pci_is_bridge(d) ? 1 : 0;
	c[0x34] = 0x40;
	c[0x3d] = pci_is_bridge(d) ? 0 : 1;
	/* PCI Express capability, v2 */
	c[0x40] = 0x10;
	c[0x41] = 0x00;
	put16(c, 0x42, (uint16_t)(2 | pcie_type(d) << 4));
	put32(c, 0x44, 0x00008fc2); /* DevCap: MaxPayload 512, FLR for endpoints */
	if (pci_is_bridge(d))
		put32(c, 0x44, 0x00008022);
	put32(c, 0x4c, speed_code(d->max_link_speed) | (uint32_t)d->max_link_width << 4);
	put16(c, 0x52, (uint16_t)(speed_code(d->link_speed) | (unsigned)d->link_width << 4));
	if (pci_is_bridge(d)) {
		put16(c, 0x1c, 0x00f0); /* I/O window closed */
		put32(c, 0x20, 0x0000fff0);
		put32(c, 0x24, 0x0001fff1);
	}
}

void pci_config_sync(struct sim_dev *d, bool synth)
{
	uint8_t *c = d->config;
	if (synth)
		synthesize(d);
	put16(c, 0x00, d->vendor);
	put16(c, 0x02, d->device);
	c[0x08] = d->revision;
	c[0x09] = (uint8_t)d->class;
	c[0x0a] = (uint8_t)(d->class >> 8);
	c[0x0b] = (uint8_t)(d->class >> 16);
	c[0x3c] = (uint8_t)d->irq;
	if ((c[0x0e] & 0x7f) == 0) {
		put16(c, 0x2c, d->subvendor);
		put16(c, 0x2e, d->subdevice);
	}
	/* BARs carry the resource addresses and the flag bits the kernel kept. */
	int nbars = (c[0x0e] & 0x7f) == 1 ? 2 : 6;
	for (int i = 0; i < nbars; i++) {
		const struct sim_resource *r = &d->res[i];
		unsigned off = 0x10 + 4 * (unsigned)i;
		if (!r->flags)
			continue;
		if (r->flags & IORESOURCE_IO) {
			put32(c, off, (uint32_t)r->start | ((uint32_t)r->flags & 3u));
		} else {
			put32(c, off, (uint32_t)r->start | ((uint32_t)r->flags & 0xfu));
			if ((r->flags & 0x6u) == 0x4u && i + 1 < nbars) {
				put32(c, off + 4, (uint32_t)(r->start >> 32));
				i++;
			}
		}
	}
	if (d->res[6].flags) /* expansion ROM, disabled */
		put32(c, (c[0x0e] & 0x7f) == 1 ? 0x38 : 0x30, (uint32_t)d->res[6].start);
}

/* ---- attributes ------------------------------------------------------- */

static ssize_t config_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	/* Unprivileged readers see only the standard header, as in the kernel. */
	size_t len = io->privileged ? d->config_size : 64;
	if (len > cap)
		return -EINVAL;
	if (pcihealth_cfg_locked(d)) /* a reset holds its config access (pcihealth.c) */
		return -SIM_EWAIT;
	if (d->dead) /* off the bus: the hardware answers all ones (pcihealth.c) */
		memset(buf, 0xff, len);
	else
		memcpy(buf, d->config, len);
	return (ssize_t)len;
}

static ssize_t config_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	if (!io->privileged)
		return -EPERM;
	if (io->offset < 0 || (size_t)io->offset >= d->config_size)
		return 0;
	if ((size_t)io->offset + len > d->config_size)
		len = d->config_size - (size_t)io->offset;
	memcpy(d->config + io->offset, buf, len);
	return (ssize_t)len;
}

static const struct attr_ops config_ops = { .show = config_show, .store = config_store };

int pci_uevent_env(const struct sim_dev *d, char *buf, size_t size, const char **env, int max)
{
	int n = 0;
	size_t o = 0;
	const char *vals[6];
	int k = 0;
	char drv[96] = "", cls[32], id[32], sub[32], slot[48], alias[96];
	if (d->driver) {
		snprintf(drv, sizeof(drv), "DRIVER=%s", d->driver->desc->name);
		vals[k++] = drv;
	}
	snprintf(cls, sizeof(cls), "PCI_CLASS=%X", d->class);
	snprintf(id, sizeof(id), "PCI_ID=%04X:%04X", d->vendor, d->device);
	snprintf(sub, sizeof(sub), "PCI_SUBSYS_ID=%04X:%04X", d->subvendor, d->subdevice);
	snprintf(slot, sizeof(slot), "PCI_SLOT_NAME=%s", d->bdf);
	snprintf(alias, sizeof(alias), "MODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", d->vendor,
		 d->device, d->subvendor, d->subdevice, d->class >> 16, (d->class >> 8) & 0xff,
		 d->class & 0xff);
	vals[k++] = cls;
	vals[k++] = id;
	vals[k++] = sub;
	vals[k++] = slot;
	vals[k++] = alias;
	for (int i = 0; i < k && n < max - 1; i++) {
		size_t l = strlen(vals[i]);
		if (o + l + 1 > size)
			return -ENOBUFS;
		memcpy(buf + o, vals[i], l + 1);
		env[n++] = buf + o;
		o += l + 1;
	}
	env[n] = NULL;
	return n;
}

static ssize_t uevent_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	char envbuf[512];
	const char *env[8];
	int k = pci_uevent_env(n->obj, envbuf, sizeof(envbuf), env, 8);
	if (k < 0)
		return k;
	size_t o = 0;
	for (int i = 0; i < k; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s\n", env[i]);
	return (ssize_t)o;
}

/* Writing an action to `uevent` makes the kernel emit it (udevadm trigger). */
static ssize_t uevent_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	static const char *const actions[] = { "add",	 "remove",  "change", "move",
					       "online", "offline", "bind",   "unbind" };
	struct sim_dev *d = n->obj;
	size_t l = strcspn(buf, " \n");
	if (l > len)
		l = len;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strlen(actions[i]) == l && strncmp(buf, actions[i], l) == 0) {
			char envbuf[512];
			const char *env[8];
			pci_uevent_env(d, envbuf, sizeof(envbuf), env, 8);
			model_emit(d->m, actions[i], d->devpath, "pci", env);
			return (ssize_t)len;
		}
	return -EINVAL;
}

static const struct attr_ops uevent_ops = { .show = uevent_show, .store = uevent_store };

static ssize_t override_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	return snprintf(buf, cap, "%s\n", d->driver_override ? d->driver_override : "(null)");
}

/* driver_override: cut at the first newline; empty clears; binds nothing. */
static ssize_t override_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	if (len >= 4096)
		return -EINVAL;
	size_t l = 0;
	while (l < len && buf[l] != '\n' && buf[l] != '\0')
		l++;
	char *v = NULL;
	if (l) {
		v = strndup(buf, l);
		if (!v)
			return -ENOMEM;
	}
	free(d->driver_override);
	d->driver_override = v;
	d->m->seq++;
	return (ssize_t)len;
}

static const struct attr_ops override_ops = { .show = override_show, .store = override_store };

static ssize_t enable_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	return snprintf(buf, cap, "%d\n", d->driver ? 1 : 0);
}

static const struct attr_ops enable_ops = { .show = enable_show };

/* vfio-pci puts idle devices into D3hot (disable_idle_d3=0). */
static ssize_t power_state_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	bool idle =
	    d->driver && (d->driver->desc->flags & DRV_VFIO) && d->group && !vfio_group_busy(d->group);
	return snprintf(buf, cap, "%s\n", idle ? "D3hot" : "D0");
}

static const struct attr_ops power_state_ops = { .show = power_state_show };

static ssize_t bus_number_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	return snprintf(buf, cap, "%u\n", d->config[n->arg]);
}

static const struct attr_ops bus_number_ops = { .show = bus_number_show };

static ssize_t remove_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	unsigned long v = strtoul(buf, NULL, 0);
	if (v) {
		int r = pci_dev_remove(d);
		if (r < 0)
			return r;
	}
	return (ssize_t)len;
}

static const struct attr_ops remove_ops = { .store = remove_store };

static ssize_t reset_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	if (!strtoul(buf, NULL, 0))
		return -EINVAL;
	pcihealth_reset(n->obj);
	return (ssize_t)len;
}

static const struct attr_ops reset_ops = { .store = reset_store };

/* ---- life cycle --------------------------------------------------------- */

struct sim_dev *pci_dev_new(struct model *m, const struct pci_addr *a)
{
	struct sim_dev *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	struct sim_dev **nd = realloc(m->devs, sizeof(*nd) * (size_t)(m->ndevs + 1));
	if (!nd) {
		free(d);
		return NULL;
	}
	m->devs = nd;
	d->m = m;
	d->addr = *a;
	pci_addr_format(a, d->bdf);
	d->numa_node = -1;
	d->nv_minor = -1;
	d->group_id = -1;
	snprintf(d->link_speed, sizeof(d->link_speed), "%s", "2.5 GT/s PCIe");
	snprintf(d->max_link_speed, sizeof(d->max_link_speed), "%s", "2.5 GT/s PCIe");
	d->link_width = d->max_link_width = 1;
	int i = m->ndevs;
	while (i > 0 && pci_addr_cmp(&m->devs[i - 1]->addr, a) > 0) {
		m->devs[i] = m->devs[i - 1];
		i--;
	}
	m->devs[i] = d;
	m->ndevs++;
	return d;
}

static void format_resource(const struct sim_dev *d, char *buf, size_t size)
{
	size_t o = 0;
	for (int i = 0; i < SIM_MAX_RES; i++)
		o += (size_t)snprintf(buf + o, size - o, "0x%016llx 0x%016llx 0x%016llx\n",
				      (unsigned long long)d->res[i].start, (unsigned long long)d->res[i].end,
				      (unsigned long long)d->res[i].flags);
}

static struct node *root_bus_dir(struct model *m, const struct pci_addr *a)
{
	char name[32];
	snprintf(name, sizeof(name), "pci%04x:%02x", a->domain, a->bus);
	struct node *b = tree_child(m->sys_devices, name);
	if (b)
		return b;
	b = tree_add_dir(m->sys_devices, name, 0755);
	if (b && (!tree_add_dir(b, "power", 0755) || !model_add_text(b, "uevent", 0644, "%s", ""))) {
		tree_remove(b); /* out of memory: not half made */
		return NULL;
	}
	return b;
}

/* "6.18.44", "6.1.0-28-amd64": at least major.minor? */
static bool kernel_at_least(const char *kver, int major, int minor)
{
	int ma = 0, mi = 0;
	if (sscanf(kver, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/* serial_number: drivers/pci/pci-sysfs.c serial_number_show(), commit
 * cf6ee09b0913 "PCI/sysfs: Expose PCIe device serial number" (ABI date
 * December 2025: Linux 6.18; the recorded 6.18.44 H100 guest shows it,
 * fixtures/recorded/h100-sxm5-guest/nvml-580.txt).  Visible only when
 * pci_get_dsn() reads a non-zero DSN (pci_dev_attrs_are_visible()), root
 * only (DEVICE_ATTR_ADMIN_RO), the 64-bit DSN big-endian as "%8phD":
 * "2f-86-0f-b5-7b-2d-b0-48\n". */
static int add_serial_number(struct sim_dev *d)
{
	unsigned cap = pci_find_ext_cap(d, 0x0003);
	if (!kernel_at_least(d->m->kver, 6, 18) || !cap || cap + 12 > d->config_size)
		return 0;
	uint64_t dsn = (uint64_t)get32(d->config, cap + 4) | (uint64_t)get32(d->config, cap + 8) << 32;
	if (!dsn)
		return 0;
	char txt[32];
	int o = 0;
	for (int i = 7; i >= 0; i--)
		o += snprintf(txt + o, sizeof(txt) - (size_t)o, "%02x%s", (unsigned)(dsn >> (8 * i)) & 0xff,
			      i ? "-" : "\n");
	return model_add_text(d->dir, "serial_number", 0400, "%s", txt) ? 0 : -ENOMEM;
}

int pci_dev_add(struct sim_dev *d)
{
	struct model *m = d->m;
	struct node *pdir = d->parent ? d->parent->dir : root_bus_dir(m, &d->addr);
	if (!pdir)
		return -ENOMEM;
	struct node *dir = tree_add_dir(pdir, d->bdf, 0755);
	if (!dir)
		return tree_child(pdir, d->bdf) ? -EEXIST : -ENOMEM;
	d->dir = dir;
	d->present = true;
	tree_path(dir, d->devpath, sizeof(d->devpath));
	memmove(d->devpath, d->devpath + 4, strlen(d->devpath + 4) + 1); /* strip "/sys" */

	char res[SIM_MAX_RES * 60];
	format_resource(d, res, sizeof(res));
	bool ok = true;
	ok &= model_add_text(dir, "vendor", 0444, "0x%04x\n", d->vendor) != NULL;
	ok &= model_add_text(dir, "device", 0444, "0x%04x\n", d->device) != NULL;
	ok &= model_add_text(dir, "subsystem_vendor", 0444, "0x%04x\n", d->subvendor) != NULL;
	ok &= model_add_text(dir, "subsystem_device", 0444, "0x%04x\n", d->subdevice) != NULL;
	ok &= model_add_text(dir, "class", 0444, "0x%06x\n", d->class) != NULL;
	ok &= model_add_text(dir, "revision", 0444, "0x%02x\n", d->revision) != NULL;
	ok &= model_add_text(dir, "irq", 0444, "%d\n", d->irq) != NULL;
	ok &= model_add_text(dir, "numa_node", 0644, "%d\n", d->numa_node) != NULL;
	ok &=
	    model_add_text(dir, "local_cpulist", 0444, "%s\n", d->numa_node == 1 ? "32-63" : "0-31") != NULL;
	ok &= model_add_text(dir, "local_cpus", 0444, "%s\n",
			     d->numa_node == 1 ? "ffffffff,00000000" : "00000000,ffffffff") != NULL;
	ok &= model_add_text(dir, "dma_mask_bits", 0444, "%s\n", "64") != NULL;
	ok &= model_add_text(dir, "consistent_dma_mask_bits", 0444, "%s\n", "64") != NULL;
	ok &= model_add_text(dir, "msi_bus", 0644, "%s\n", "1") != NULL;
	ok &= model_add_text(dir, "broken_parity_status", 0644, "%s\n", "0") != NULL;
	ok &= model_add_text(dir, "d3cold_allowed", 0644, "%s\n", "1") != NULL;
	ok &= model_add_text(dir, "ari_enabled", 0444, "%s\n", "0") != NULL;
	ok &= pcihealth_add_attrs(d) == 0;
	ok &= model_add_text(dir, "max_link_speed", 0444, "%s\n", d->max_link_speed) != NULL;
	ok &= model_add_text(dir, "max_link_width", 0444, "%d\n", d->max_link_width) != NULL;
	ok &= add_serial_number(d) == 0;
	ok &= model_add_text(dir, "modalias", 0444, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
			     d->vendor, d->device, d->subvendor, d->subdevice, d->class >> 16,
			     (d->class >> 8) & 0xff, d->class & 0xff) != NULL;
	ok &= model_add_text(dir, "resource", 0444, "%s", res) != NULL;
	if (d->label)
		ok &= model_add_text(dir, "label", 0444, "%s\n", d->label) != NULL;
	struct node *cfg = tree_add_attr(dir, "config", 0644, &config_ops, d, 0);
	ok &= cfg != NULL;
	if (cfg)
		cfg->size = d->config_size;
	ok &= tree_add_attr(dir, "uevent", 0644, &uevent_ops, d, 0) != NULL;
	ok &= tree_add_attr(dir, "driver_override", 0644, &override_ops, d, 0) != NULL;
	ok &= tree_add_attr(dir, "enable", 0644, &enable_ops, d, 0) != NULL;
	ok &= tree_add_attr(dir, "power_state", 0444, &power_state_ops, d, 0) != NULL;
	ok &= tree_add_attr(dir, "remove", 0200, &remove_ops, d, 0) != NULL;
	ok &= tree_add_attr(dir, "reset", 0200, &reset_ops, d, 0) != NULL;
	ok &= model_add_text(dir, "reset_method", 0644, "%s\n", pci_is_bridge(d) ? "pm" : "flr bus") != NULL;
	if (pci_is_bridge(d)) {
		ok &= tree_add_attr(dir, "secondary_bus_number", 0444, &bus_number_ops, d, 0x19) != NULL;
		ok &= tree_add_attr(dir, "subordinate_bus_number", 0444, &bus_number_ops, d, 0x1a) != NULL;
	}
	if (d->sriov_cap)
		ok &= sriov_add_attrs(d) == 0;
	ok &= tree_add_dir(dir, "power", 0755) != NULL;
	ok &= tree_add_dir(dir, "msi_irqs", 0755) != NULL;
	ok &= tree_add_rel_link(dir, "subsystem", m->bus_pci) != NULL;
	ok &= tree_add_rel_link(m->bus_devices, d->bdf, dir) != NULL;
	if (!ok)
		return -ENOMEM;
	m->stats.creates++;
	char envbuf[512];
	const char *env[8];
	pci_uevent_env(d, envbuf, sizeof(envbuf), env, 8);
	model_emit(m, "add", d->devpath, "pci", env);
	return 0;
}

int pci_dev_remove(struct sim_dev *d)
{
	struct model *m = d->m;
	if (!d->present)
		return -ENODEV;
	/* Children first, as the kernel removes a bridge's subtree. */
	for (int i = 0; i < m->ndevs; i++)
		if (m->devs[i]->parent == d && m->devs[i]->present) {
			int r = pci_dev_remove(m->devs[i]);
			if (r < 0)
				return r;
		}
	if (d->num_vfs) {
		int r = sriov_disable(d);
		if (r < 0)
			return r;
	}
	if (d->driver) {
		int r = driver_release(d);
		if (r < 0)
			return r;
	}
	iommu_group_del_dev(m, d);
	char envbuf[512];
	const char *env[8];
	pci_uevent_env(d, envbuf, sizeof(envbuf), env, 8);
	model_emit(m, "remove", d->devpath, "pci", env);
	tree_remove_child(m->bus_devices, d->bdf);
	tree_remove(d->dir);
	d->dir = NULL;
	d->present = false;
	/* the kernel frees the struct pci_dev (pci_release_dev frees its
	 * driver_override); a rescan makes a new one without */
	free(d->driver_override);
	d->driver_override = NULL;
	m->stats.removes++;
	return 0;
}

void pci_rescan(struct model *m)
{
	/* address order puts bridges before what is below them */
	for (int i = 0; i < m->ndevs; i++) {
		struct sim_dev *d = m->devs[i];
		if (d->present || d->unplugged || d->dead || (d->parent && !d->parent->present))
			continue;
		if (pci_dev_add(d) < 0)
			continue;
		/* groups made at probe: none until a driver binds (iommu.c) */
		struct sim_group *g = m->groups_at_probe ? NULL : model_group(m, d->group_id, true);
		if (g)
			iommu_group_add_dev(m, g, d);
	}
	for (int i = 0; i < m->ndevs; i++)
		driver_autoprobe(m, m->devs[i]);
}
