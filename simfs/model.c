// SPDX-License-Identifier: GPL-2.0-or-later
#include "model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node *model_add_text(struct node *dir, const char *name, mode_t mode, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return NULL;
	struct node *f = tree_add_data(dir, name, mode, buf, (size_t)n);
	if (f)
		f->size = 4096;
	return f;
}

void model_emit(struct model *m, const char *action, const char *devpath, const char *subsystem,
		const char *const *env)
{
	m->seq++;
	if (m->uevent)
		m->uevent(m->uevent_ctx, action, devpath, subsystem, env);
}

struct sim_dev *model_find_dev(struct model *m, const char *bdf)
{
	struct pci_addr a;
	if (pci_addr_parse(bdf, &a) < 0)
		return NULL;
	for (int i = 0; i < m->ndevs; i++)
		if (m->devs[i]->present && pci_addr_cmp(&m->devs[i]->addr, &a) == 0)
			return m->devs[i];
	return NULL;
}

struct sim_driver *model_find_driver(struct model *m, const char *name)
{
	for (int i = 0; i < m->ndrivers; i++)
		if (strcmp(m->drivers[i].desc->name, name) == 0)
			return &m->drivers[i];
	return NULL;
}

/* Module names compare with '-' and '_' equal, as in the kernel. */
static bool modname_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

struct sim_module *model_find_module(struct model *m, const char *name)
{
	for (int i = 0; i < m->nmodules; i++)
		if (modname_eq(m->modules[i].desc->name, name))
			return &m->modules[i];
	return NULL;
}

/* dev/kmsg: a sink that keeps the last 64 KiB written (readable, so tests
 * can see what early-boot logging said), one record per write. */
static ssize_t kmsg_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	size_t len = n->len < cap ? n->len : cap;
	if (len)
		memcpy(buf, n->data, len);
	return (ssize_t)len;
}

static ssize_t kmsg_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	size_t keep = 64 * 1024, add = len + (len && buf[len - 1] != '\n');
	if (add > keep)
		return -EINVAL;
	size_t old = n->len + add > keep ? keep - add : n->len;
	char *d = malloc(old + add);
	if (!d)
		return -ENOMEM;
	if (old)
		memcpy(d, n->data + (n->len - old), old);
	memcpy(d + old, buf, len);
	if (add > len)
		d[old + len] = '\n';
	free(n->data);
	n->data = d;
	n->len = old + add;
	return (ssize_t)len;
}

static const struct attr_ops kmsg_ops = { .show = kmsg_show, .store = kmsg_store };

struct model *model_new(const char *kver)
{
	struct model *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	snprintf(m->kver, sizeof(m->kver), "%s", kver);
	m->root = tree_new();
	m->drivers = calloc((size_t)sim_driver_catalog_len, sizeof(*m->drivers));
	m->modules = calloc((size_t)sim_module_catalog_len, sizeof(*m->modules));
	if (!m->root || !m->drivers || !m->modules) {
		model_free(m);
		return NULL;
	}
	m->ndrivers = sim_driver_catalog_len;
	for (int i = 0; i < m->ndrivers; i++)
		m->drivers[i].desc = &sim_driver_catalog[i];
	m->nmodules = sim_module_catalog_len;
	m->next_pid = 4242;
	for (int i = 0; i < m->nmodules; i++)
		m->modules[i].desc = &sim_module_catalog[i];

	struct node *r = m->root;
	char path[128];
	m->sys_devices = tree_mkdir_p(r, "sys/devices");
	m->bus_pci = tree_mkdir_p(r, "sys/bus/pci");
	m->bus_devices = tree_mkdir_p(r, "sys/bus/pci/devices");
	m->bus_drivers = tree_mkdir_p(r, "sys/bus/pci/drivers");
	m->sys_module = tree_mkdir_p(r, "sys/module");
	m->groups_dir = tree_mkdir_p(r, "sys/kernel/iommu_groups");
	m->virt_vfio = tree_mkdir_p(r, "sys/devices/virtual/vfio");
	m->class_vfio = tree_mkdir_p(r, "sys/class/vfio");
	bool ok = tree_mkdir_p(r, "sys/class/iommu") && tree_mkdir_p(r, "sys/class/mdev_bus") &&
		  tree_mkdir_p(r, "sys/bus/mdev/devices") && tree_mkdir_p(r, "sys/bus/pci/slots") &&
		  tree_mkdir_p(r, "sys/firmware/acpi/tables") && tree_mkdir_p(r, "sys/devices/system/node");
	m->proc = tree_mkdir_p(r, "proc");
	m->dev = tree_mkdir_p(r, "dev");
	m->dev_vfio = tree_mkdir_p(r, "dev/vfio");
	snprintf(path, sizeof(path), "lib/modules/%s", kver);
	m->modules_dir = tree_mkdir_p(r, path);
	/* every folder the model keeps, checked: a failed allocation leaves NULL */
	if (!ok || !m->sys_devices || !m->bus_pci || !m->bus_devices || !m->bus_drivers || !m->sys_module ||
	    !m->groups_dir || !m->virt_vfio || !m->class_vfio || !m->proc || !m->dev || !m->dev_vfio ||
	    !m->modules_dir || !tree_add_attr(m->dev, "kmsg", 0644, &kmsg_ops, NULL, 0) ||
	    !model_add_text(tree_mkdir_p(r, "proc/sys/kernel"), "osrelease", 0444, "%s\n", kver)) {
		model_free(m);
		return NULL;
	}
	return m;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->ndevs; i++) {
		free(m->devs[i]->driver_override);
		free(m->devs[i]->label);
		free(m->devs[i]->nv_model);
		free(m->devs[i]);
	}
	free(m->devs);
	while (m->mdevs) {
		struct sim_mdev *n = m->mdevs->next;
		free(m->mdevs);
		m->mdevs = n;
	}
	for (int i = 0; i < m->ndrivers; i++)
		while (m->drivers[i].dynids) {
			struct dynid *n = m->drivers[i].dynids->next;
			free(m->drivers[i].dynids);
			m->drivers[i].dynids = n;
		}
	free(m->drivers);
	free(m->modules);
	free(m->real_descs);
	free(m->real_arena);
	for (int i = 0; i < m->ngroups; i++)
		free(m->groups[i]);
	free(m->groups);
	free(m->cmdline);
	tree_free(m->root);
	free(m);
}
